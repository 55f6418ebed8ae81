"""The Retriever over the fakes: hybrid ranking, outlet lanes, date boost, the learned ranker's scores."""

from __future__ import annotations

import json

from fakes import WordCountEmbedder, fake_settings, memory_store

from index import Corpus
from qa.retrieve import Retriever
from qa.retrieve.ranker import load_ranker

RECORDS = [
    {"title": "Rail strike", "source": "TechCrunch", "published_at": "2023-10-05", "body":
     "Rail workers in Leeds went on strike on Thursday. The union said 400 drivers joined the strike."},
    {"title": "Rail strike ends", "source": "The Verge", "published_at": "2023-10-09", "body":
     "The rail strike in Leeds ended after four days. Trains ran again on Monday."},
    {"title": "Harbour", "source": "TechCrunch", "published_at": "2023-10-01", "body":
     "A new harbour crane arrived in Hull. It lifts 90 tonnes."},
    {"title": "Crane record", "source": "BBC", "published_at": "2023-10-05", "body":
     "The Hull crane lifted a record load of 95 tonnes."},
]


def retriever_on(tmp_path, ranker: str = "off") -> Retriever:
    settings = fake_settings(tmp_path)
    corpus = Corpus.open(settings, embedder=WordCountEmbedder(), store=memory_store(settings.embed_model))
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    corpus.add([path])
    return Retriever(corpus.store, corpus.keyword, corpus.embedder, ranker=load_ranker(ranker))


def test_hybrid_ranking_puts_the_matching_article_first(tmp_path):
    found = retriever_on(tmp_path).search("How many drivers joined the Leeds rail strike?", k=4)
    assert found[0].title == "Rail strike"
    assert found[0].signals["keyword"] > 0 and found[0].signals["dense"] > 0


def test_a_named_outlet_gets_a_lane_near_the_top(tmp_path):
    found = retriever_on(tmp_path).search("What did the BBC report about the crane in Hull?", k=2)
    assert "BBC" in {p.source for p in found}
    assert any(p.signals.get("lane") == "lane-0" and p.source == "BBC" for p in found)


def test_a_named_day_boosts_articles_published_that_day(tmp_path):
    retriever = retriever_on(tmp_path)
    plain = retriever.search("harbour crane tonnes", k=2)
    dated = retriever.search("harbour crane tonnes published on October 5", k=2)
    assert plain[0].title == "Harbour" and dated[0].title == "Crane record"


def test_the_learned_ranker_scores_are_probabilities_best_first(tmp_path):
    found = retriever_on(tmp_path, ranker="default").search("Leeds rail strike drivers", k=4)
    scores = [p.score for p in found]
    assert scores == sorted(scores, reverse=True) and all(0.0 < s < 1.0 for s in scores)
    assert all("fused" in p.signals for p in found)

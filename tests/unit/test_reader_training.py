"""How the reader's training data is made (qa/bench/reader.py): which reading a question takes, MultiHop-RAG dev
queries as rows, what counts as a positive sentence, and how a threshold is scored."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np

from index import Passage
from qa.answer.extractive import ExtractiveReader
from qa.answer.verdicts import load_verdicts
from qa.bench.reader import multihop_fact_rows, multihop_rows, outcomes, positive, score_of, source_article
from qa.retrieve.facets import Facet
from qa.retrieve.query import analyse
from tests.fakes import WordCountEmbedder

TWO_OUTLETS = [Facet(frozenset({"TechCrunch"}), (), "the TechCrunch article", 4),
               Facet(frozenset({"The Verge"}), (), "and The Verge article", 30)]


def test_each_question_is_read_one_way():
    reader = ExtractiveReader(WordCountEmbedder(), verdicts=load_verdicts("default"))
    who = "Who, according to the TechCrunch article and The Verge article, founded FTX?"
    assert reader.route("Does TechCrunch say X while The Verge says Y?", analyse("Does TechCrunch say X?"),
                        TWO_OUTLETS) == "verdict"
    assert reader.route(who, analyse(who), TWO_OUTLETS) == "consensus"
    assert reader.route(who, analyse(who), TWO_OUTLETS[:1]) == "factoid", "one outlet: one sentence answers"
    many = "How many users did the TechCrunch article and The Verge article report?"
    assert reader.route(many, analyse(many), TWO_OUTLETS) == "factoid", "a number is no entity to agree on"


def test_multihop_dev_queries_become_rows(tmp_path):
    fact = {"url": "https://example.com/a", "fact": "Sam Bankman-Fried founded FTX.", "title": "t", "source": "s"}
    queries = [{"query": f"Q{n}?", "answer": "Sam Bankman-Fried", "question_type": "inference_query",
                "evidence_list": [fact]} for n in range(5)]
    queries += [{"query": f"N{n}?", "answer": "Insufficient information.", "question_type": "null_query",
                 "evidence_list": []} for n in range(5)]
    path = tmp_path / "MultiHopRAG.json"
    path.write_text(json.dumps(queries))
    rows = multihop_rows(path)
    assert [r["question"] for r in rows] == ["Q0?", "Q4?", "N0?", "N4?"], "dev: number % 4 == 0, nulls apart"
    assert rows[0] == {"question": "Q0?", "answers": ["Sam Bankman-Fried"], "factoid_only": True,
                       "facts": [{"url": "https://example.com/a", "fact": "Sam Bankman-Fried founded FTX."}]}
    assert rows[2] == {"question": "N0?", "answerable": False, "factoid_only": True}


def test_the_other_multihop_dev_queries_become_fact_rows_for_the_encoder_only(tmp_path):
    fact = {"url": "https://example.com/a", "fact": "FTX collapsed in November.", "title": "t", "source": "s"}
    queries = [{"query": f"Q{n}?", "answer": "Yes", "question_type": "comparison_query", "evidence_list": [fact]}
               for n in range(9)]
    queries += [{"query": "N0?", "answer": "Insufficient information.", "question_type": "null_query",
                 "evidence_list": []}]
    path = tmp_path / "MultiHopRAG.json"
    path.write_text(json.dumps(queries))
    rows = multihop_fact_rows(path, read={"Q4?"})
    assert rows == [{"question": "Q0?", "fact_only": True, "facts": [{"url": "https://example.com/a",
                                                                       "fact": "FTX collapsed in November."}]},
                    {"question": "Q8?", "fact_only": True, "facts": [{"url": "https://example.com/a",
                                                                       "fact": "FTX collapsed in November."}]}], \
        "dev only (number % 4 == 0), no null query, none the scorer reads"
    assert positive(sentence("FTX collapsed in November.", "https://example.com/a"), rows[0]), "no answer needed"
    assert not positive(sentence("FTX collapsed in November.", "https://example.com/b"), rows[0])


def sentence(text: str, url: str | None, path: str = ""):
    passage = Passage(id="p", article_id="a", text=text, start=0, end=len(text), title="t", url=url, path=path)
    return SimpleNamespace(text=text, passage=passage)


def test_a_multihop_positive_is_in_a_fact_of_an_evidence_article_and_holds_the_answer():
    row = {"answers": ["Sam Bankman-Fried"], "facts": [{"url": "u1", "fact": "Sam Bankman-Fried founded FTX. "
                                                                         "He was convicted of fraud."}]}
    assert positive(sentence("Sam Bankman-Fried founded FTX.", "u1"), row)
    assert not positive(sentence("Sam Bankman-Fried founded FTX.", "u2"), row), "another article"
    assert not positive(sentence("He was convicted of fraud.", "u1"), row), "in the fact, but no answer"
    assert source_article(sentence("x", "u1").passage, row) and not source_article(sentence("x", "u2").passage, row)
    seeds = {"sources": ["000_a.txt"]}
    assert source_article(sentence("x", None, "/seeds/000_a.txt").passage, seeds)
    assert source_article(sentence("x", None, "/seeds/003_b.txt").passage, seeds), "no url on either side"
    assert not source_article(sentence("x", "u1", "/seeds/003_b.txt").passage, seeds)


def test_a_threshold_is_scored_as_the_reader_answers():
    answerable = {"row": {"answers": ["7"]}, "texts": ["Kirkuk Attack", "Seven people died in the attack.",
                                                         "Two people were hurt in the attack."],
                  "shorts": ["Kirkuk", "7", "2"], "correct": [False, True, False]}
    null = {"row": {"answerable": False}, "texts": ["Nobody said how many people live there."], "shorts": ["x"],
            "correct": [False]}
    chances = [np.array([0.9, 0.6, 0.5]), np.array([0.4])]
    assert outcomes([answerable, null], chances, 0.5) == {"right": 1, "wrong": 0, "refused": 0, "null_refused": 1,
                                                          "null_answered": 0}, "a headline is never the answer"
    assert outcomes([answerable, null], chances, 0.3)["null_answered"] == 1
    assert outcomes([answerable, null], chances, 0.7)["refused"] == 1


def test_a_threshold_is_chosen_on_both_rates_weighed_alike():
    # 30 answerable and 10 unanswerable questions: two more right answers do not pay for two more near-misses answered
    many_answers = {"right": 20, "wrong": 8, "refused": 2, "null_refused": 6, "null_answered": 4}
    few_answers = {"right": 18, "wrong": 4, "refused": 8, "null_refused": 8, "null_answered": 2}
    assert score_of(many_answers) == 20 / 30 + 6 / 10 and score_of(few_answers) == 18 / 30 + 8 / 10
    assert score_of(few_answers) > score_of(many_answers)
    assert score_of({"right": 3, "wrong": 1, "refused": 0, "null_refused": 0, "null_answered": 0}) == 0.75


def test_a_refit_reads_the_tuned_columns_and_the_layers_from_the_cache(tmp_path):
    import pickle

    from qa.answer.features import FEATURES, TUNED
    from qa.bench.reader import digest, tuned
    from qa.bench.reader_encoder import TuneParams

    first = FEATURES.index(TUNED[0])
    data = [{"x": np.zeros((2, first))}, {"x": np.zeros((1, len(FEATURES)))}]
    kept = [np.array([[0.9, 0.0, 1.0], [0.5, -0.4, 2.0]]), np.array([[0.7, 0.0, 1.0]])]
    cache = tmp_path / f"reader.tuned-{digest({'a': 1})}.pickle"
    cache.write_bytes(pickle.dumps((kept, b"layers")))
    tuned(data, TuneParams(), [], tmp_path / "out" / "reader-encoder.safetensors", cache)
    assert data[0]["x"].shape == (2, len(FEATURES)), "rows collected before the tuned columns are widened"
    assert data[0]["x"][:, first:first + 3].tolist() == kept[0].tolist()
    assert data[1]["x"][0, first:first + 3].tolist() == [0.7, 0.0, 1.0]
    assert (tmp_path / "out" / "reader-encoder.safetensors").read_bytes() == b"layers"
    assert digest({"a": 1}) == digest({"a": 1}) != digest({"a": 2})


def test_the_two_folds_split_by_source_article():
    from qa.bench.reader import fold

    assert [fold({"url": f"https://a.example/{i}", "question": "x"}) for i in range(6)] == [0, 0, 0, 0, 1, 1]
    assert fold({"url": "https://a.example/4", "question": "Who?"}) == fold({"url": "https://a.example/4",
                                                                            "question": "When?"}) == 1, \
        "two questions on one article share a fold"
    assert fold({"facts": [{"url": "https://a.example/4", "fact": "f"}], "question": "y"}) == 1, "a fact's article"
    assert [fold({"question": q}) for q in ("How many US troops remain?", "When was IS defeated?")] == [0, 1], \
        "no article: by the question's text"

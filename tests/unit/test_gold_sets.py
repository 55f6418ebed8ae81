"""The gold sets on MultiHop-RAG's corpus (tests/data/corpus_*.jsonl) hold what their readers rely on: unique ids, an
accepted answer inside each answerable row's evidence sentence, the evidence copied exactly from its article, a
'why' for each near-miss, and the test set's articles never written on by a training set."""

import json
import re

import pytest

from qa.bench import multihop_dir
from qa.bench.reader import gold_rows, normalize, short_correct

from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
TRAINING = ("corpus_dev.jsonl", "corpus_dev2.jsonl", "corpus_dev3.jsonl", "corpus_nearmiss.jsonl")
SETS = (*TRAINING, "corpus_test.jsonl")
TYPES = {"number", "date", "person", "org", "place", "other"}


@pytest.fixture(scope="module")
def articles() -> dict[str, dict]:
    path = multihop_dir() / "corpus.json"
    if not path.exists():
        pytest.skip(f"MultiHop-RAG corpus not found at {path} (set NEWSQA_SHARED)")
    return {a["url"]: a for a in json.loads(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("name", SETS)
def test_rows_are_well_formed(name):
    rows = gold_rows(DATA / name)
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        if r["answerable"]:
            assert r["type"] in TYPES, r["id"]
            assert short_correct(r["evidence"], r["answers"]), r["id"]
            assert not short_correct(r["question"], r["answers"]), r["id"]
        else:
            assert r["answers"] == [], r["id"]


@pytest.mark.parametrize("name, answerable, near_miss", [("corpus_dev2.jsonl", 500, 100), ("corpus_dev3.jsonl", 900, 120)])
def test_later_dev_sets_are_large_and_say_why_each_near_miss_is_one(name, answerable, near_miss):
    rows = gold_rows(DATA / name)
    assert sum(r["answerable"] for r in rows) >= answerable and sum(not r["answerable"] for r in rows) >= near_miss
    assert all(r.get("why") for r in rows if not r["answerable"])


@pytest.mark.parametrize("name", SETS)
def test_evidence_is_copied_exactly_from_its_article(name, articles):
    for r in gold_rows(DATA / name):
        article = articles[r["url"]]
        assert (r["title"], r["source"]) == (article["title"], article["source"]), r["id"]
        if r["answerable"]:
            assert r["evidence"] in article["body"], r["id"]
        if "tempting" in r:
            assert r["tempting"] in article["body"], r["id"]


def test_the_near_miss_set_is_hard_near_misses_each_with_the_figure_that_tempts(articles):
    """corpus_nearmiss.jsonl calibrates refusal: every row unanswerable, says why, and quotes its article's sentence
    that gives a related figure or name (what a reader would wrongly answer with), over many articles."""
    rows = gold_rows(DATA / "corpus_nearmiss.jsonl")
    assert len(rows) >= 150 and not any(r["answerable"] for r in rows)
    assert all(r.get("why") and r.get("tempting") for r in rows)
    assert len({r["url"] for r in rows}) >= 100


def test_no_training_set_is_written_on_a_test_article(articles):
    test_urls = {r["url"] for r in gold_rows(DATA / "corpus_test.jsonl")}
    for name in TRAINING:
        assert not test_urls & {r["url"] for r in gold_rows(DATA / name)}, name


@pytest.mark.parametrize("name", ["corpus_dev2.jsonl", "corpus_dev3.jsonl"])
def test_questions_are_worded_away_from_their_evidence(name):
    """Users have not seen the sentence: no question of the later dev sets copies six words running of it."""
    def runs(question: str, evidence: str) -> int:
        words, text = normalize(question).split(), f" {normalize(evidence)} "
        return max((j - i for i in range(len(words)) for j in range(i + 1, len(words) + 1)
                    if f" {' '.join(words[i:j])} " in text), default=0)
    rows = [r for r in gold_rows(DATA / name) if r["answerable"]]
    assert max(runs(r["question"], r["evidence"]) for r in rows) <= 5
    assert not [r["id"] for r in rows if re.search(r"\bsentence\b|\barticle says\b", r["question"], re.I)]

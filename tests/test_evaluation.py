"""The gold-set evaluation goes through the user's ask path and must stay above honest thresholds."""

import pytest

from conftest import DATA
from qa.evaluation import contains_answer, evaluate, load_gold, summarize


def test_answer_matching_is_word_bounded_and_normalised():
    assert contains_answer("America retains approximately 2,500 soldiers.", ("2,500",))
    assert not contains_answer("It had 12,500 soldiers.", ("2,500",))
    assert contains_answer("the group’s “caliphate”", ("caliphate",))


def test_summary_arithmetic():
    rows = [{"answerable": True, "correct": True, "refused": False, "hits": {1: True, 3: True, 5: True},
             "citations": 2, "precise_citations": 1, "offset_errors": 0, "latency": 0.1},
            {"answerable": False, "correct": True, "refused": True, "hits": {}, "citations": 0,
             "precise_citations": 0, "offset_errors": 0, "latency": 0.3}]
    summary = summarize(rows)
    assert summary["answer_accuracy"] == 1.0 and summary["citation_precision"] == 0.5
    assert summary["refusal_accuracy"] == 1.0 and summary["latency_p95_ms"] == pytest.approx(300)


@pytest.mark.slow
def test_gold_seed_set_meets_thresholds(assistant):
    gold = load_gold(DATA / "gold_seeds.jsonl")
    assert len(gold) >= 40 and sum(not g.answerable for g in gold) >= 8
    summary = evaluate(assistant, gold)["summary"]
    assert summary["answer_accuracy"] >= 0.90
    assert summary["refusal_accuracy"] == 1.0
    assert summary["offset_errors"] == 0
    assert summary["citation_precision"] >= 0.90
    assert summary["hit@3"] >= 0.95

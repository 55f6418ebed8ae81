"""The gold-set evaluation goes through the user's ask path and must stay above honest thresholds."""

import pytest

from conftest import DATA
from qa.evaluation.gold import evaluate, load_gold


@pytest.mark.slow
def test_gold_seed_set_meets_thresholds(assistant):
    gold = load_gold(DATA / "gold_seeds.jsonl")
    assert len(gold) >= 40 and sum(not g.answerable for g in gold) >= 8
    summary = evaluate(assistant, gold)["summary"]
    assert summary["answer_accuracy"] >= 0.90
    assert summary["short_answer_accuracy"] >= 0.85, "the short answer holds an accepted answer"
    assert summary["refusal_accuracy"] == 1.0
    assert summary["offset_errors"] == 0
    assert summary["citation_precision"] >= 0.90
    assert summary["hit@3"] >= 0.95

"""The gold-set evaluation's matching and arithmetic."""

import pytest

from qa.evaluation.gold import contains_answer, refusal_table, summarize


def test_answer_matching_is_word_bounded_and_normalised():
    assert contains_answer("America retains approximately 2,500 soldiers.", ("2,500",))
    assert not contains_answer("It had 12,500 soldiers.", ("2,500",))
    assert contains_answer("the group’s “caliphate”", ("caliphate",))


def test_summary_arithmetic():
    rows = [{"answerable": True, "correct": True, "short_correct": False, "refused": False,
             "hits": {1: True, 3: True, 5: True}, "citations": 2, "precise_citations": 1, "offset_errors": 0,
             "latency": 0.1},
            {"answerable": True, "correct": True, "short_correct": True, "short_words": 3, "refused": False,
             "hits": {1: True, 3: True, 5: True}, "citations": 1, "precise_citations": 1, "offset_errors": 0,
             "latency": 0.1},
            {"answerable": True, "correct": True, "short_correct": True, "short_words": 9, "refused": False,
             "hits": {1: True, 3: True, 5: True}, "citations": 1, "precise_citations": 1, "offset_errors": 0,
             "latency": 0.1},
            {"answerable": False, "correct": True, "short_correct": True, "refused": True, "hits": {}, "citations": 0,
             "precise_citations": 0, "offset_errors": 0, "latency": 0.3}]
    summary = summarize(rows)
    assert summary["answer_accuracy"] == 1.0 and summary["citation_precision"] == 0.75
    assert (summary["short_answer_accuracy"], summary["answerable_wrong"]) == (pytest.approx(2 / 3), pytest.approx(1 / 3))
    assert summary["short_answer_strict"] == pytest.approx(1 / 3), "a short answer of 9 words is not strictly right"
    assert summary["refusal_accuracy"] == 1.0 and summary["latency_p95_ms"] == pytest.approx(300)
    assert refusal_table(rows).splitlines()[1:] == ["answerable           2       1        0",
                                                    "unanswerable         0       0        1"]

"""MultiHop-RAG answer metrics: the benchmark's word-overlap check, the strict check, balanced yes/no, the prior."""

from qa.bench.answers import INSUFFICIENT, Query, benchmark_correct, prior, row, strict_correct, summary

YES = Query(0, "Does A say X while B says Y?", "Yes", "comparison_query")
NO = Query(4, "Did A agree with B?", "no", "temporal_query")
WHO = Query(8, "Who founded FTX?", "Sam Bankman-Fried", "inference_query")
NULL = Query(0, "Which letter?", INSUFFICIENT, "null_query")


def test_the_benchmark_metric_is_any_shared_word():
    assert benchmark_correct("Yes", "Yes") and benchmark_correct("Sam Altman", "Sam Bankman-Fried")
    assert not benchmark_correct("Yes.", "Yes"), "the benchmark splits on whitespace only"


def test_strict_checks_the_first_word_the_span_or_the_refusal():
    assert strict_correct("Yes", False, YES) and not strict_correct("No", False, YES)
    assert strict_correct("No, the claim fails", False, NO)
    assert strict_correct("Sam Bankman-Fried", False, WHO)
    assert not strict_correct("Sam Altman", False, WHO)
    assert not strict_correct("one two three four five six seven eight Sam Bankman-Fried", False, WHO)
    assert strict_correct(None, True, NULL) and not strict_correct("Google", False, NULL)
    assert not strict_correct(None, True, YES)


def test_summary_balances_yes_and_no_and_counts_refusals():
    rows = [row(YES, "Yes", False), row(NO, "Yes", False), row(WHO, None, True), row(NULL, None, True)]
    s = summary(rows)
    assert (s["strict"], s["yes_no_balanced"], s["null_refused"]) == (0.5, 0.5, 1.0)
    assert s["answerable_refused"] == 1 / 3 and s["benchmark"] == 0.5
    assert rows[2]["prediction"] == INSUFFICIENT


def test_the_prior_is_each_types_most_common_dev_answer():
    assert prior([YES, Query(12, "q", "Yes", "comparison_query"), Query(16, "q", "no", "comparison_query"), WHO]) == {
        "comparison_query": "Yes", "inference_query": "Sam Bankman-Fried"}

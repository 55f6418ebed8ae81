"""MultiHop-RAG's retrieval metric, its splits and slices, and the benchmark's percentiles."""

from __future__ import annotations

import json

import pytest

from conftest import SHARED
from qa.bench.multihop import BenchQuery, load_queries, select, slice_corpus
from qa.bench.stats import percentiles_ms as percentiles
from qa.bench.metrics import QueryScore, by_type, score_query, summarize, squeeze


def test_squeeze_removes_spaces_and_newlines_only():
    assert squeeze(" a b\nc\td ") == "abc\td"


def test_each_fact_counts_once_at_its_first_rank():
    chunks = ["nothing here", "the  cat\nsat on the mat", "the cat sat again", "a dog ran fast"]
    got = score_query(chunks, ["the cat sat", "dog ran fast"])
    assert got == QueryScore(hit4=True, hit10=True, rr=0.5, ap=(1 / 2 + 1 / 4) / 2)


def test_one_chunk_holding_two_facts_counts_both():
    got = score_query(["x", "fact one. fact two."], ["fact one", "fact two", "fact three"])
    assert got == QueryScore(hit4=True, hit10=True, rr=0.5, ap=(2 / 2) / 3)


def test_duplicate_facts_are_found_once_but_still_divide():
    got = score_query(["alpha beta"], ["alpha", "alpha", "gamma"])
    assert got.ap == pytest.approx(1 / 3)


def test_hits_after_rank_ten_and_misses_score_nothing():
    chunks = ["miss"] * 10 + ["the fact"]
    assert score_query(chunks, ["the fact"]) == QueryScore(False, False, 0.0, 0.0)
    late = score_query(["miss"] * 4 + ["the fact"], ["the fact"])
    assert late == QueryScore(hit4=False, hit10=True, rr=0.2, ap=0.2)


def test_summaries_average_over_queries_and_types():
    scores = [QueryScore(True, True, 1.0, 0.75), QueryScore(False, True, 0.2, 0.1), QueryScore(False, False, 0, 0)]
    assert summarize(scores) == {"queries": 3, "hits@4": 1 / 3, "hits@10": 2 / 3,
                                 "mrr@10": pytest.approx(0.4), "map@10": pytest.approx(0.85 / 3)}
    split = by_type(scores, ["a", "b", "a"])
    assert split["a"]["queries"] == 2 and split["a"]["mrr@10"] == 0.5 and split["b"]["map@10"] == 0.1


def test_percentiles_are_nearest_rank_in_milliseconds():
    assert percentiles([0.001 * n for n in range(1, 21)]) == {"p50": 10.0, "p95": 19.0, "n": 20}


def test_splits_number_non_null_queries_in_file_order(tmp_path):
    raw = [{"query": f"q{n}", "question_type": "null_query" if n == 1 else "inference_query", "answer": "",
            "evidence_list": [] if n == 1 else [{"fact": "f", "title": "t"}]} for n in range(7)]
    path = tmp_path / "queries.json"
    path.write_text(json.dumps(raw))
    queries = load_queries(path)
    assert [q.text for q in select(queries, "dev")] == ["q0", "q5"]
    assert [q.number for q in select(queries, "test")] == [1, 2, 3, 5]
    assert len(select(queries, "all")) == 6


def test_slice_keeps_queries_whose_evidence_it_holds():
    records = [{"title": t} for t in "abc"]
    queries = [BenchQuery(0, "q", "inference_query", ("f", "g"), ("a", "b")),
               BenchQuery(1, "q", "inference_query", ("f", "g"), ("a", "z"))]
    kept, held = slice_corpus(records, queries, 2)
    assert [r["title"] for r in kept] == ["a", "b"] and [q.number for q in held] == [0]


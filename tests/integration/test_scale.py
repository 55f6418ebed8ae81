"""The scale benchmark at a small size: a fresh index of synthetic passages, its JSON row and table."""

from __future__ import annotations

import json

import pytest

from conftest import SHARED
from qa.bench.scale import ROW_KEYS, main

MULTIHOP = SHARED / "benchmarks" / "multihop-rag"


@pytest.mark.slow
def test_scale_benchmark_at_2000_passages(tmp_path, capsys):
    if not (MULTIHOP / "corpus.json").exists():
        pytest.skip(f"MultiHop-RAG data not found under {MULTIHOP} (set NEWSQA_SHARED)")
    out, png = tmp_path / "scale.json", tmp_path / "scale.png"
    assert main(["--passages", "2000", "--json", str(out), "--plot", str(png), "--work", str(tmp_path / "work"),
                 "--corpus", str(MULTIHOP / "corpus.json"), "--queries", str(MULTIHOP / "MultiHopRAG.json"),
                 "--queries-n", "5", "--vector-sample", "32"]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert len(rows) == 1 and set(ROW_KEYS) <= set(rows[0])
    row = rows[0]
    assert row["passages"] == 2000 and row["add_per_s"] > 0
    assert 0 < row["search_p50_ms"] <= row["search_p95_ms"] < 60_000
    assert 0 < row["keyword_p50_ms"] <= row["keyword_p95_ms"] and 0 < row["dense_p50_ms"] <= row["dense_p95_ms"]
    assert 0 < row["chroma_first_ms"] and 0 < row["chroma_p50_ms"] <= row["chroma_p95_ms"]
    assert 0 < row["refresh_one_s"] < 60 and 0 < row["commit_one_s"] < 60
    assert row["refresh_rebuilds"] == 0 and 0 < row["search_after_refresh_ms"] < 60_000  # the change log applied
    assert row["keyword_rss_mb"] > 0 and row["keyword_texts_mb"] > 0
    assert 1 < row["disk_mb"] < 500 and 100 < row["rss_mb"] < 4096
    assert png.stat().st_size > 10_000
    printed = capsys.readouterr().out
    assert "passages" in printed.splitlines()[0] and "2,000" in printed

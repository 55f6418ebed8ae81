"""The MultiHop-RAG benchmark: its metric on hand-made cases (exact), and the whole command on a slice."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import SHARED
from qa.bench.multihop import load_queries, main, slice_corpus

MULTIHOP = SHARED / "benchmarks" / "multihop-rag"
SLICE_ARTICLES = 12


@pytest.mark.slow
def test_benchmark_runs_end_to_end_on_a_slice(tmp_path, capsys):
    if not (MULTIHOP / "corpus.json").exists():
        pytest.skip(f"MultiHop-RAG data not found under {MULTIHOP} (set NEWSQA_SHARED)")
    out = tmp_path / "result.json"
    argv = ["multihop", "--corpus", str(MULTIHOP / "corpus.json"), "--queries", str(MULTIHOP / "MultiHopRAG.json"),
            "--split", "all", "--limit-articles", str(SLICE_ARTICLES), "--index-dir", str(tmp_path / "index"),
            "--baseline", "--baseline-dir", str(tmp_path / "baseline"), "--asks", "5", "--out", str(out)]
    assert main(argv) == 0
    result = json.loads(out.read_text())
    records = json.loads((MULTIHOP / "corpus.json").read_text())
    _, queries = slice_corpus(records, load_queries(MULTIHOP / "MultiHopRAG.json"), SLICE_ARTICLES)
    project, baseline = result["project"], result["baseline"]
    assert result["queries"] == len(queries) == 28 and project["articles"] == SLICE_ARTICLES
    assert set(project["quality"]) == {"dev", "test", "all"}
    dev = sum(q.split == "dev" for q in queries)
    assert project["quality"]["dev"]["all"]["queries"] == baseline["quality"]["dev"]["all"]["queries"] == dev
    for system in (project, baseline):
        for summary in system["quality"]["all"].values():
            assert 0 <= summary["map@10"] <= summary["mrr@10"] <= summary["hits@10"] <= 1
            assert summary["hits@4"] <= summary["hits@10"]
    assert project["quality"]["all"]["all"]["hits@10"] >= 0.8
    ingest = project["speed"]["ingest"]
    assert ingest["fresh"] and ingest["reindex_added"] == 0 and ingest["passages"] == project["passages"]
    assert ingest["encoder_seconds"] > 0 and ingest["ingest_seconds"] > 0
    assert project["speed"]["ask_ms"]["n"] == project["speed"]["floor_ms"]["n"] == 5
    assert project["speed"]["search_ms"]["n"] == 28 and project["speed"]["peak_rss_mb"] > 0
    assert baseline["chunks"] > SLICE_ARTICLES and (tmp_path / "baseline" / "complete.json").exists()
    printed = capsys.readouterr().out
    assert "dev split" in printed and "baseline (LlamaIndex" in printed and "re-index unchanged" in printed

    from qa.retrieve.ranker import FEATURES
    from qa.retrieve.trees import TreeEnsemble

    model = tmp_path / "ranker.json"
    assert main(argv[:argv.index("--baseline")] + ["--train-ranker", str(model)]) == 0
    trained = json.loads(capsys.readouterr().out)["ranker"]
    assert trained["queries"] == 28 and 0 <= trained["two_fold"]["map@10"] <= trained["two_fold"]["hits@10"] <= 1
    assert TreeEnsemble.load(model, FEATURES).score(np.zeros((3, len(FEATURES)))).shape == (3,)


@pytest.mark.slow
def test_an_interrupted_baseline_ingest_resumes_after_its_stored_prefix(tmp_path):
    """A collection holding the split's first chunks (as a killed run leaves it) is completed, not redone."""
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.embedding import resolve_model_path
    from qa.bench.baseline import Baseline, _collection, _embed_model, split

    records = [{"title": f"Harbour report {n}", "source": "Gazette", "published_at": f"2023-10-0{n + 1}T08:00:00+00:00",
                "body": " ".join(f"The harbour in town {n} moved {i * 7 + n} containers on day {i}, officials said."
                                 for i in range(120))} for n in range(3)]
    nodes, model = split(records), resolve_model_path("bundled:all-MiniLM-L6-v2")
    collection, marker = _collection(tmp_path)
    assert marker is None and len(nodes) > 5
    store = ChromaVectorStore(chroma_collection=collection)
    VectorStoreIndex([], storage_context=StorageContext.from_defaults(vector_store=store),
                     embed_model=_embed_model(model)).insert_nodes(nodes[:5])

    baseline = Baseline.open(tmp_path, records, model)
    stored = collection.get(include=["documents"])["documents"]
    assert sorted(stored) == sorted(n.get_content() for n in nodes) and baseline.chunks == len(nodes)
    done = json.loads((tmp_path / "complete.json").read_text())
    assert done["untimed_chunks"] == 5 and done["estimated_ingest_seconds"] >= done["ingest_seconds"] > 0
    assert baseline.search(records[0]["title"], k=3)[0].text in stored

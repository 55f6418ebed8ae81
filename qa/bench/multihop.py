"""Benchmarks: `python -m qa.bench multihop ...` measures retrieval quality and speed on MultiHop-RAG.

The corpus is indexed with the product's own ingestion (the settings a user gets) into an index folder
that is reused when unchanged; every query goes through `Assistant.search(question, k=10)` and is scored
with the benchmark's metric (qa/bench/metrics.py). With --baseline, the paper's plain LlamaIndex set-up
(qa/bench/baseline.py) is scored on the same queries. Speed: ingest vs the raw encoder on the same passages,
re-index of the unchanged corpus, search and ask latency vs the floor (one query embedding plus one
Chroma top-10 query), peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from . import multihop_dir, write_result
from .metrics import QueryScore, by_type, score_query
from .stats import percentiles_ms

PAPER = {"embedding": "voyage-02 + bge-reranker-large (paper's best)", "hits@4": 0.6625, "hits@10": 0.7467,
         "mrr@10": 0.5860, "map@10": 0.4795}
TARGETS = {"hits@10": 0.95, "hits@4": 0.85, "mrr@10": 0.75, "map@10": 0.55}
INGEST_FILE = "bench-ingest.json"


@dataclass(frozen=True)
class BenchQuery:
    """One non-null benchmark query: its number (file order, from 0), text, type and evidence."""

    number: int
    text: str
    kind: str
    facts: tuple[str, ...]
    titles: tuple[str, ...]

    @property
    def split(self) -> str:
        """'dev' when the number is divisible by 4, else 'test'."""
        return "dev" if self.number % 4 == 0 else "test"


def load_queries(path: Path) -> list[BenchQuery]:
    """The non-null queries of MultiHopRAG.json, numbered in file order from 0."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    kept = [q for q in raw if q.get("question_type") != "null_query" and q.get("evidence_list")]
    return [BenchQuery(n, q["query"], q["question_type"], tuple(e["fact"] for e in q["evidence_list"]),
                       tuple(e["title"] for e in q["evidence_list"])) for n, q in enumerate(kept)]


def select(queries: Sequence[BenchQuery], split: str) -> list[BenchQuery]:
    """The queries of one split: 'dev', 'test' or 'all'."""
    if split not in {"dev", "test", "all"}:
        raise ValueError(f"unknown split {split!r}: use dev, test or all")
    return [q for q in queries if split == "all" or q.split == split]


def slice_corpus(records: list[dict], queries: Sequence[BenchQuery], n: int | None
                 ) -> tuple[list[dict], list[BenchQuery]]:
    """The first n articles and the queries whose evidence they all hold (everything when n is None)."""
    if n is None or n >= len(records):
        return records, list(queries)
    kept = records[:n]
    titles = {r["title"] for r in kept}
    return kept, [q for q in queries if set(q.titles) <= titles]


# --- the product side --------------------------------------------------------------------------

def corpus_file(records: list[dict], corpus: Path, index_dir: Path, total: int) -> Path:
    """The corpus path to index: the given file, or a slice of it written into the index folder."""
    if len(records) == total:
        return Path(corpus)
    target = index_dir / f"corpus-{len(records)}.json"
    if not target.exists():
        index_dir.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return target


def build(settings, corpus: Path, time_encoder: bool = True) -> dict:
    """Index the corpus with the product's ingestion; time it, then time a re-index of the unchanged
    corpus. On a fresh build, also time the raw encoder on the same passages (kept in the folder; not with
    time_encoder=False, which `python -m qa.bench encoder` does instead, against torch in the same run)."""
    from index import build_index, settings_embedder

    started = time.perf_counter()
    embedder = settings_embedder(settings)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    report = build_index(settings, [corpus], embedder=embedder)
    ingest = time.perf_counter() - started
    started = time.perf_counter()
    again = build_index(settings, [corpus], embedder=embedder)
    reindex = time.perf_counter() - started
    record_path = settings.index_dir / INGEST_FILE
    if report.added:
        record = {"ingest_seconds": ingest, "articles": report.added, "passages": report.passages,
                  "encoder_seconds": encoder_seconds(settings, embedder) if time_encoder else None,
                  "model_load_seconds": load_seconds, "encoder": settings.encoder_variant}
        record_path.write_text(json.dumps(record, indent=2))
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    record.update({"fresh": bool(report.added), "reindex_seconds": reindex, "reindex_added": again.added,
                   "skipped": [s.reason for s in report.skipped]})
    return record


def encoder_seconds(settings, embedder) -> float:
    """Time the bare encoder on exactly the texts the index embedded (header line + passage)."""
    from index import Corpus
    from index.indexer import embed_header

    snapshot = Corpus.open(settings, embedder=embedder).keyword.current()
    texts = [f"{embed_header(snapshot.articles[p.article_id])}\n{p.text}" for p in snapshot.passages]
    started = time.perf_counter()
    embedder.embed(texts)
    return time.perf_counter() - started


def evaluate(search: Callable[[str], list[str]], queries: Sequence[BenchQuery]) -> tuple[dict, list[float], list]:
    """Score every query; returns summaries per split and type, each search's seconds, per-query scores."""
    scores: list[QueryScore] = []
    seconds = []
    for q in queries:
        started = time.perf_counter()
        texts = search(q.text)
        seconds.append(time.perf_counter() - started)
        scores.append(score_query(texts, q.facts))
    return summarize_splits(queries, scores), seconds, scores


def summarize_splits(queries: Sequence[BenchQuery], scores: Sequence[QueryScore]) -> dict:
    """{split: {'all' | question type: summary}} for the splits present (and 'all' when both are)."""
    result = {}
    for split in ("dev", "test"):
        picked = [(q, s) for q, s in zip(queries, scores) if q.split == split]
        if picked:
            result[split] = by_type([s for _, s in picked], [q.kind for q, _ in picked])
    if len(result) > 1:
        result["all"] = by_type(scores, [q.kind for q in queries])
    return result


def speed(assistant, queries: Sequence[BenchQuery], asks: int) -> dict:
    """Ask latency (no LLM) on the first `asks` queries, and the floor on the same queries."""
    texts = [q.text for q in queries[:asks]]
    ask, floor = [], []
    for text in texts:
        started = time.perf_counter()
        assistant.nearest(assistant.embed_query(text), 10)
        floor.append(time.perf_counter() - started)
    for text in texts:
        started = time.perf_counter()
        assistant.ask(text)
        ask.append(time.perf_counter() - started)
    return {"ask_ms": percentiles_ms(ask), "floor_ms": percentiles_ms(floor)}


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_project(settings, corpus: Path, queries: Sequence[BenchQuery], asks: int, time_encoder: bool = True) -> dict:
    """Build (or reuse) the index, score every query through Assistant.search, measure speed."""
    from qa import Assistant

    ingest = build(settings, corpus, time_encoder)
    assistant = Assistant.open(settings=settings)
    assistant.search("warm up the model and the keyword index", k=10)
    quality, seconds, scores = evaluate(lambda text: [p.text for p in assistant.search(text, k=10)], queries)
    timings = speed(assistant, queries, asks)
    timings["search_ms"] = percentiles_ms(seconds)
    timings["ingest"] = ingest
    timings["peak_rss_mb"] = peak_rss_mb()
    stats = assistant.stats()
    return {"quality": quality, "speed": timings, "passages": stats["passages"], "articles": stats["articles"],
            "per_query": [[q.number, round(s.ap, 4), round(s.rr, 4)] for q, s in zip(queries, scores)]}


def run_baseline(folder: Path, records: list[dict], queries: Sequence[BenchQuery], model: str) -> dict:
    """The paper's set-up on the same queries."""
    from index.embedding import resolve_model_path

    from .baseline import Baseline

    baseline = Baseline.open(folder, records, resolve_model_path(model))
    quality, seconds, _ = evaluate(lambda text: [h.text for h in baseline.search(text, k=10)], queries)
    return {"quality": quality, "chunks": baseline.chunks, "ingest_seconds": round(baseline.ingest_seconds, 1),
            "search_ms": percentiles_ms(seconds)}


# --- the learned ranker --------------------------------------------------------------------------

RANKER_PARAMS = {"max_iter": 200, "learning_rate": 0.05, "max_leaf_nodes": 15, "early_stopping": False,
                 "random_state": 0}


def ranker_data(assistant, queries: Sequence[BenchQuery], depth: int) -> list[tuple]:
    """Per query: the pipeline's first `depth` passages (ranker off), their features, and which of them
    hold an evidence fact (the label)."""
    from qa.retrieve.ranker import features

    from .metrics import squeeze

    data = []
    for q in queries:
        found, evidence = assistant.candidates(q.text, depth)
        facts = [squeeze(f) for f in q.facts]
        labels = [any(f in squeeze(p.text) for f in facts) for p in found]
        data.append((q, [p.text for p in found], features(found, evidence), labels))
    return data


def fit_ranker(data: list[tuple]):
    """A gradient-boosted tree classifier on the rows of the queries given (scikit-learn, dev extra)."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    rows = np.concatenate([x for _, _, x, _ in data])
    labels = np.concatenate([y for *_, y in data])
    return HistGradientBoostingClassifier(**RANKER_PARAMS).fit(rows, labels)


def ranked_quality(data: list[tuple], model) -> dict:
    """The benchmark's metric on the top 10 after reordering each query's candidates by a fitted model."""
    from .metrics import summarize

    scores = []
    for q, texts, rows, _ in data:
        raw = model.decision_function(rows)
        order = sorted(range(len(texts)), key=lambda i: (-raw[i], i))
        scores.append(score_query([texts[i] for i in order][:10], q.facts))
    return summarize(scores)


def train_ranker(settings, corpus: Path, queries: Sequence[BenchQuery], out: Path) -> dict:
    """Fit the ranker on the queries (the dev split), report its 2-fold cross-validated quality on them,
    and write the model as JSON."""
    from qa import Assistant
    from qa.retrieve import RetrievalConfig
    from qa.retrieve.ranker import FEATURES
    from qa.retrieve.trees import export

    build(settings, corpus)
    assistant = Assistant.open(settings=replace(settings, ranker="off"))
    data = ranker_data(assistant, queries, RetrievalConfig().rank_depth)
    halves = data[::2], data[1::2]
    folds = [ranked_quality(halves[1 - i], fit_ranker(halves[i])) for i in (0, 1)]
    cross = {m: sum(f[m] for f in folds) / 2 for m in ("hits@4", "hits@10", "mrr@10", "map@10")}
    meta = {"trained_on": f"MultiHop-RAG {len(queries)} queries ({queries[0].split})",
            "depth": RetrievalConfig().rank_depth, "params": RANKER_PARAMS, "two_fold": cross}
    export(fit_ranker(data), out, FEATURES, meta)
    return {"queries": len(queries), "two_fold": cross, "model": str(out)}


# --- the command ---------------------------------------------------------------------------------

def run(args) -> dict:
    """The whole benchmark as the command line describes it; returns the JSON-ready result."""
    from qa import Settings

    everything = json.loads(Path(args.corpus).read_text(encoding="utf-8"))
    records, queries = slice_corpus(everything, load_queries(args.queries), args.limit_articles)
    queries = select(queries, args.split)
    base = Settings.from_env()
    index_dir = args.index_dir or Path(".newsqa/bench") / (f"multihop-{len(records)}-p{base.passage_tokens}"
                                                           f"-o{base.overlap_tokens}")
    settings = replace(base, index_dir=Path(index_dir), llm="")
    corpus = corpus_file(records, Path(args.corpus), settings.index_dir, len(everything))
    if args.train_ranker:
        return {"ranker": train_ranker(settings, corpus, queries, args.train_ranker)}
    result = {"benchmark": "multihop-rag", "split": args.split, "queries": len(queries),
              "corpus_articles": len(records), "index_dir": str(settings.index_dir),
              "settings": {"passage_tokens": settings.passage_tokens, "overlap_tokens": settings.overlap_tokens,
                           "embed_model": settings.embed_model, "encoder": settings.encoder_variant,
                           "rerank_model": settings.rerank_model or None},
              "project": run_project(settings, corpus, queries, args.asks, not args.no_encoder_timing), "paper": PAPER, "targets": TARGETS}
    if args.baseline:
        folder = args.baseline_dir or Path(".newsqa/bench") / f"baseline-{len(records)}"
        result["baseline"] = run_baseline(Path(folder), records, queries, settings.embed_model)
    return result


def table(result: dict) -> str:
    """The result as plain-text tables: quality per split (project, baseline, paper) and speed."""
    lines = []
    metrics = ("hits@4", "hits@10", "mrr@10", "map@10")
    for split, kinds in result["project"]["quality"].items():
        lines.append(f"\n{split} split ({kinds['all']['queries']} queries)")
        lines.append(f"{'system':<34}" + "".join(f"{m:>9}" for m in metrics))
        for kind, summary in kinds.items():
            lines.append(f"{'project ' + kind:<34}" + "".join(f"{summary[m]:>9.4f}" for m in metrics))
        if "baseline" in result:
            summary = result["baseline"]["quality"][split]["all"]
            lines.append(f"{'baseline (LlamaIndex, 256 tok) all':<34}" + "".join(f"{summary[m]:>9.4f}" for m in metrics))
        lines.append(f"{'paper best (all queries)':<34}" + "".join(f"{PAPER[m]:>9.4f}" for m in metrics))
    sp = result["project"]["speed"]
    ingest = sp["ingest"]
    ratio = ingest.get("ingest_seconds", 0) / ingest["encoder_seconds"] if ingest.get("encoder_seconds") else None
    built = (f"  ingest {ingest['ingest_seconds']:.1f} s for {ingest['passages']} passages; raw encoder "
             f"{ingest['encoder_seconds']:.1f} s -> {ratio:.2f}x" + ("" if ingest["fresh"] else " (measured when built)")
             if ratio else "  ingest not measured: the index was built outside the benchmark (use a fresh --index-dir)")
    lines += ["", "speed", built,
              f"  re-index unchanged {ingest['reindex_seconds']:.2f} s",
              f"  search p50 {sp['search_ms']['p50']} ms, p95 {sp['search_ms']['p95']} ms;"
              f" floor p50 {sp['floor_ms']['p50']} ms, p95 {sp['floor_ms']['p95']} ms",
              f"  ask (no LLM) p50 {sp['ask_ms']['p50']} ms, p95 {sp['ask_ms']['p95']} ms",
              f"  peak RSS {sp['peak_rss_mb']} MB"]
    if "baseline" in result:
        base = result["baseline"]
        lines.append(f"  baseline: {base['chunks']} chunks, ingest {base['ingest_seconds']:.0f} s, "
                     f"search p50 {base['search_ms']['p50']} ms")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark, print the tables, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m qa.bench", description="Retrieval benchmarks.")
    sub = parser.add_subparsers(dest="benchmark", required=True)
    multihop = sub.add_parser("multihop", help="MultiHop-RAG retrieval quality and speed")
    shared = multihop_dir()
    multihop.add_argument("--corpus", type=Path, default=shared / "corpus.json")
    multihop.add_argument("--queries", type=Path, default=shared / "MultiHopRAG.json")
    multihop.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    multihop.add_argument("--index-dir", type=Path, help="index folder (default .newsqa/bench/multihop-...)")
    multihop.add_argument("--baseline", action="store_true", help="also run the paper's LlamaIndex set-up")
    multihop.add_argument("--baseline-dir", type=Path, help="where the baseline's Chroma is kept")
    multihop.add_argument("--out", type=Path, help="write the result as JSON")
    multihop.add_argument("--limit-articles", type=int, help="index only the first N articles")
    multihop.add_argument("--asks", type=int, default=100, help="queries timed through ask (default 100)")
    multihop.add_argument("--no-encoder-timing", action="store_true",
                          help="on a fresh build, do not time the bare encoder again (qa.bench encoder compares)")
    multihop.add_argument("--train-ranker", type=Path, metavar="OUT",
                          help="fit the learned ranker on the split's queries (use dev) and write it to OUT")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    result = run(args)
    print(table(result) if "project" in result else json.dumps(result, indent=2))
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

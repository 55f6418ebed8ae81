"""`python -m qa.bench encoder`: the configured (fast) encoder against torch fp32 on the same corpus passages.

Both encoders run in one process, interleaved chunk by chunk (the order alternating), so that a busy machine slows
both alike; the figures are the sums over the chunks and their ratio. Then query embedding, one query at a time,
interleaved the same way. Cosine: each passage's fast vector against its torch fp32 vector. dev_delta: the fast
encoder's MultiHop-RAG dev retrieval minus fp32's, read from two saved `python -m qa.bench multihop --out` results
(re-embedding the corpus for it is a whole index build: run those two in the background, then pass them here).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import multihop_dir, write_result
from .stats import percentiles_ms

METRICS = ("hits@4", "hits@10", "mrr@10", "map@10")


def corpus_texts(settings, limit: int | None = None) -> list[str]:
    """Exactly the texts an index embedded (header line + passage), from a built index folder."""
    from index import Corpus
    from index.indexer import embed_header

    from .scale import NullEmbedder

    snapshot = Corpus.open(settings, embedder=NullEmbedder()).keyword.current()
    texts = [f"{embed_header(snapshot.articles[p.article_id])}\n{p.text}" for p in snapshot.passages]
    return texts[:limit] if limit else texts


def timed(embedder, texts: list[str]) -> tuple[float, np.ndarray]:
    """Seconds to embed the texts, and the vectors."""
    started = time.perf_counter()
    vectors = embedder.embed(texts)
    return time.perf_counter() - started, vectors


def compare_passages(slow, fast, texts: list[str], chunk: int) -> dict:
    """Both encoders over the texts, chunk by chunk, alternating which goes first; sums and cosines."""
    totals, cosines = [0.0, 0.0], []
    for n, i in enumerate(range(0, len(texts), chunk)):
        part = texts[i:i + chunk]
        pair = (slow, fast) if n % 2 == 0 else (fast, slow)
        runs = [timed(e, part) for e in pair]
        (slow_s, slow_v), (fast_s, fast_v) = runs if n % 2 == 0 else runs[::-1]
        totals[0] += slow_s
        totals[1] += fast_s
        cosines.append(np.sum(slow_v * fast_v, axis=1))
        print(f"  {i + len(part)}/{len(texts)} passages: fp32 {totals[0]:.1f} s, fast {totals[1]:.1f} s",
              file=sys.stderr, flush=True)
    cos = np.concatenate(cosines) if cosines else np.ones(1)
    return {"passages": len(texts), "fp32_s": round(totals[0], 2), "fast_s": round(totals[1], 2),
            "ratio": round(totals[1] / totals[0], 4) if totals[0] else None,
            "cosine_min": round(float(cos.min()), 6), "cosine_mean": round(float(cos.mean()), 6)}


def compare_queries(slow, fast, queries: list[str]) -> dict:
    """One query embedding at a time, alternating which encoder goes first; p50 of each."""
    seconds = ([], [])
    for n, query in enumerate(queries):
        for which in ((0, 1) if n % 2 == 0 else (1, 0)):
            seconds[which].append(timed((slow, fast)[which], [query])[0])
    slow_ms, fast_ms = percentiles_ms(seconds[0]), percentiles_ms(seconds[1])
    return {"query_fp32_ms": slow_ms["p50"], "query_fast_ms": fast_ms["p50"],
            "query_ratio": round(fast_ms["p50"] / slow_ms["p50"], 4) if slow_ms["p50"] else None,
            "query_fp32_p95_ms": slow_ms["p95"], "query_fast_p95_ms": fast_ms["p95"]}


def stored_cosines(fp32_dir: Path, fast_dir: Path) -> dict:
    """Cosine of every passage's vector in an index the fast encoder built against the same passage's vector in a
    torch fp32 index of the same corpus (read from both stores; nothing is embedded)."""
    from index import IndexSettings, Store

    vectors = []
    for folder in (fp32_dir, fast_dir):
        store = Store.open(replace(IndexSettings.from_env(index_dir=folder), encoder="torch"))
        vectors.append(store.vectors())
    shared = sorted(set(vectors[0]) & set(vectors[1]))
    cos = np.array([float(np.dot(vectors[0][i], vectors[1][i])) for i in shared]) if shared else np.ones(1)
    return {"cosine_passages": len(shared), "cosine_min": round(float(cos.min()), 6),
            "cosine_mean": round(float(cos.mean()), 6)}


def dev_delta(fp32_result: Path | None, fast_result: Path | None) -> dict | None:
    """Per metric, the fast encoder's dev retrieval minus fp32's, from two saved multihop results."""
    if not (fp32_result and fast_result):
        return None
    quality = [json.loads(Path(p).read_text())["project"]["quality"]["dev"]["all"] for p in (fp32_result, fast_result)]
    return {m: round(quality[1][m] - quality[0][m], 4) for m in METRICS}


def run(args) -> dict:
    """The whole comparison as the command line describes it (timings reused from --timings when given)."""
    result = json.loads(args.timings.read_text()) if args.timings else timings(args)
    if args.against:
        result.update(stored_cosines(args.index_dir, args.against))
    result["dev_delta"] = dev_delta(args.dev_fp32, args.dev_fast) or result.get("dev_delta")
    return result


def timings(args) -> dict:
    """Both encoders timed on the same passages and queries, interleaved; cosine on those passages."""
    from index import IndexSettings, load_embedder

    from .multihop import load_queries, select

    settings = IndexSettings.from_env(index_dir=args.index_dir)
    fast_variant = replace(settings, encoder=args.fast or settings.encoder).encoder_variant
    if fast_variant == "torch-fp32":
        fast_variant = "onnx-fp32"
    texts = corpus_texts(replace(settings, encoder="torch"), args.limit)
    queries = [q.text for q in select(load_queries(args.queries), "dev")][:args.queries_n]
    slow = load_embedder(settings.embed_model, settings.embed_batch, "torch-fp32")
    fast = load_embedder(settings.embed_model, settings.embed_batch, fast_variant, settings.cache_dir,
                         settings.encoder_threads)
    slow.embed(texts[:8]), fast.embed(texts[:8])  # warm up both
    return {"fast": fast_variant, **compare_passages(slow, fast, texts, args.chunk),
            **compare_queries(slow, fast, queries)}


def table(result: dict) -> str:
    """The result as a few lines of text."""
    delta = result["dev_delta"]
    return "\n".join([
        f"encoder {result['fast']} vs torch-fp32 on {result['passages']} corpus passages (one run, interleaved)",
        f"  passages: fp32 {result['fp32_s']:.1f} s, fast {result['fast_s']:.1f} s -> {result['ratio']:.3f}x",
        f"  query p50: fp32 {result['query_fp32_ms']} ms, fast {result['query_fast_ms']} ms -> "
        f"{result['query_ratio']:.3f}x",
        f"  cosine to fp32: min {result['cosine_min']:.6f}, mean {result['cosine_mean']:.6f} over "
        f"{result.get('cosine_passages', result['passages'])} passages",
        "  dev retrieval delta: " + (", ".join(f"{m} {v:+.4f}" for m, v in delta.items()) if delta
                                      else "not given (--dev-fp32 and --dev-fast: saved multihop results)")])


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, compare the encoders, print the table, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m qa.bench encoder", description=__doc__.split("\n")[0])
    parser.add_argument("--index-dir", type=Path, default=Path(".newsqa/bench/multihop-609-p200-o60"),
                        help="a built corpus index (python -m qa.bench multihop builds one); only read")
    parser.add_argument("--queries", type=Path, default=multihop_dir() / "MultiHopRAG.json")
    parser.add_argument("--fast", choices=["onnx", "onnx-int8"], help="the encoder to compare (default: configured)")
    parser.add_argument("--limit", type=int, help="only the first N passages")
    parser.add_argument("--chunk", type=int, default=256, help="passages per interleaved chunk (the indexer embeds 256 "
                                                               "at a time)")
    parser.add_argument("--queries-n", type=int, default=200, help="dev queries timed one by one")
    parser.add_argument("--against", type=Path, help="the same corpus indexed by the fast encoder: cosine over all "
                                                     "its passages, from the stored vectors")
    parser.add_argument("--dev-fp32", type=Path, help="saved multihop --out result of the torch fp32 index")
    parser.add_argument("--dev-fast", type=Path, help="saved multihop --out result of the fast encoder's index")
    parser.add_argument("--timings", type=Path, help="reuse the timings of a saved result (--json) of this command")
    parser.add_argument("--json", type=Path, help="write the result as JSON")
    args = parser.parse_args(argv)
    result = run(args)
    print(table(result))
    write_result(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

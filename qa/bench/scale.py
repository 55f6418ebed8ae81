"""`python -m qa.bench scale --passages 10000,100000,1000000`: the store, keyword index and search at archive sizes.

Synthetic articles are made of corpus.json sentences, recombined, with its outlets and dates spread over ten
years; their vectors are recombinations of real encoder vectors of a sample of passages (normalised), written
straight into a fresh Store (`Store.put_new`), so this measures the store and search, not the encoder. Each size
runs in its own process (peak RSS is per size). Per size: add throughput, search latency (dense, keyword, and
hybrid through `Assistant.search`, which the row's search figures are), the keyword index's first build (a full
build from Chroma, with the memory it added and its passage texts' share), one added article's commit and the
keyword index's refresh (the path an upload takes: the change log applied, no rebuild; `refresh_rebuilds` says
whether it fell back to one) and the first hybrid search after it, disk and peak RSS.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import multihop_dir, write_result
from .stats import percentiles_ms

PER_ARTICLE = 16  # passages per synthetic article (corpus.json: 10,161 passages in 609 articles)
SENTENCES = (2, 5)  # sentences per passage
ROW_KEYS = ("passages", "add_per_s", "search_p50_ms", "search_p95_ms", "refresh_one_s", "disk_mb", "rss_mb")
VECTOR_SAMPLE = 512
COLLECTION_FILE = "scale-collection.txt"  # in each size's index folder: the collection a --reopen opens


class NullEmbedder:
    """Opens an index without loading a model; the scale benchmark writes its vectors itself."""

    name = "none"
    max_tokens = 254

    def embed(self, texts):
        """Never called: vectors are written straight into the store."""
        raise RuntimeError("the scale benchmark writes its vectors itself")

    def count_tokens(self, texts) -> list[int]:
        """Words, roughly."""
        return [len(t.split()) for t in texts]


# --- synthetic data ------------------------------------------------------------------------------

def corpus_sentences(corpus: Path) -> tuple[list[str], list[str]]:
    """The corpus's sentences (40 to 300 characters) and its outlets."""
    records = json.loads(Path(corpus).read_text(encoding="utf-8"))
    sentences = [s for r in records for s in re.split(r"(?<=[.!?])\s+", r["body"]) if 40 <= len(s) <= 300]
    return sentences, sorted({r["source"] for r in records if r.get("source")})


def synthetic_articles(count: int, sentences: list[str], outlets: list[str], seed: int):
    """`count` articles of PER_ARTICLE passages each: (Article, [Passage]) pairs, deterministic per seed."""
    from index import Article, Passage

    rng = np.random.default_rng(seed)
    for n in range(count):
        picks = rng.integers(0, len(sentences), size=(PER_ARTICLE, SENTENCES[1]))
        sizes = rng.integers(SENTENCES[0], SENTENCES[1] + 1, size=PER_ARTICLE)
        parts = [" ".join(sentences[i] for i in row[:k]) for row, k in zip(picks, sizes)]
        text = "\n\n".join(parts)
        aid = hashlib.sha256(f"{seed}-{n}-{text[:64]}".encode()).hexdigest()[:16]
        day = int(rng.integers(0, 3653))
        date = time.strftime("%Y-%m-%d", time.gmtime(1420070400 + day * 86400))  # 2015-01-01 + up to ten years
        article = Article(id=aid, text=text, title=parts[0][:100], source=outlets[int(rng.integers(len(outlets)))],
                          date=date, path=f"synthetic/{aid}.txt", name=f"{aid}.txt")
        passages, start = [], 0
        for i, part in enumerate(parts):
            passages.append(Passage(id=f"{aid}-{i}", article_id=aid, text=part, start=start, end=start + len(part),
                                    title=article.title, source=article.source, date=date, path=article.name))
            start += len(part) + 2
        yield article, passages


def sample_vectors(sentences: list[str], settings, cache: Path, count: int = VECTOR_SAMPLE) -> np.ndarray:
    """Real encoder vectors of `count` passages made like the synthetic ones (cached in the work folder)."""
    if cache.exists():
        return np.load(cache)
    from index import settings_embedder

    rng = np.random.default_rng(7)
    texts = [" ".join(sentences[i] for i in rng.integers(0, len(sentences), size=3)) for _ in range(count)]
    vectors = settings_embedder(settings).embed(texts)
    np.save(cache, vectors)
    return vectors


def recombined(base: np.ndarray, count: int, rng) -> np.ndarray:
    """`count` unit vectors, each a random mix of two sample vectors plus a little noise."""
    i, j = rng.integers(0, len(base), size=count), rng.integers(0, len(base), size=count)
    weight = rng.uniform(0.2, 0.8, size=(count, 1)).astype(np.float32)
    mixed = weight * base[i] + (1 - weight) * base[j]
    mixed += rng.normal(0, 0.02, size=mixed.shape).astype(np.float32)
    return (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32)


# --- one size, in its own process ----------------------------------------------------------------

def fill(store, count: int, sentences, outlets, base: np.ndarray, batch_articles: int = 125) -> float:
    """Write `count` synthetic articles in bulk commits; returns the seconds the store took."""
    rng = np.random.default_rng(11)
    seconds, pending, done = 0.0, [], 0
    for article, passages in synthetic_articles(count, sentences, outlets, seed=1):
        pending.append((article, passages, recombined(base, len(passages), rng)))
        if len(pending) == batch_articles:
            seconds += _timed_put(store, pending)
            pending, done = [], done + batch_articles
            if done % (batch_articles * 50) == 0:
                _progress(f"{done} of {count} articles written ({seconds:.0f} s in the store)")
    if pending:
        seconds += _timed_put(store, pending)
    return seconds


def _timed_put(store, entries) -> float:
    """Seconds for one bulk commit."""
    started = time.perf_counter()
    store.put_new(entries)
    return time.perf_counter() - started


def latencies(function, queries: list[str]) -> dict:
    """p50/p95 of calling the function on each query (after two warm-up calls)."""
    for q in queries[:2]:
        function(q)
    seconds = []
    for q in queries:
        started = time.perf_counter()
        function(q)
        seconds.append(time.perf_counter() - started)
    return percentiles_ms(seconds)


def one_size(passages: int, work: Path, corpus: Path, queries: list[str], server: tuple[str, int] | None,
             sample: int = VECTOR_SAMPLE, reopen: bool = False) -> dict:
    """Build a fresh index of about `passages` synthetic passages and measure it (run in a child process); with
    `reopen`, measure the index an earlier run left in `work` instead, as a process that opens it does."""
    from index import Corpus, Store
    from qa import Assistant, Settings

    sentences, outlets = corpus_sentences(corpus)
    base = Settings.from_env(index_dir=work / f"index-{passages}", llm="")
    named = base.index_dir / COLLECTION_FILE
    if reopen and not named.exists():
        raise SystemExit(f"--reopen: no index of {passages:,} passages in {work} (run without --reopen first)")
    collection = named.read_text().strip() if reopen else f"scale{passages}x{int(time.time())}"
    settings = replace(base, collection=collection,
                       **({"chroma_host": server[0], "chroma_port": server[1]} if server else {}))
    vectors = sample_vectors(sentences, settings, work / f"sample-vectors-{sample}.npy", sample)
    articles = max(1, passages // PER_ARTICLE)
    if reopen:
        store, add_seconds = Store.open(settings), None
    else:
        shutil.rmtree(settings.index_dir, ignore_errors=True)
        store = Store.open(settings, create=True)
        named.write_text(collection)
        add_seconds = fill(store, articles, sentences, outlets, vectors)
        _progress(f"{passages}: filled in {add_seconds:.0f} s")
    embedder = _embedder(settings)
    before = _rss_mb()
    started = time.perf_counter()
    corpus_ = Corpus.open(settings, store=store, embedder=embedder)
    keyword_build = time.perf_counter() - started
    _progress(f"{passages}: keyword index built in {keyword_build:.0f} s")
    snapshot = corpus_.keyword.current()
    assistant = Assistant.open(settings=settings, corpus=corpus_)
    row = {"passages": articles * PER_ARTICLE, "reopened": reopen,
           "add_per_s": round(articles * PER_ARTICLE / add_seconds, 1) if add_seconds else None,
           "keyword_build_s": round(keyword_build, 2), "keyword_rss_mb": round(_rss_mb() - before, 1),
           "keyword_texts_mb": round(sum(sys.getsizeof(p.text) for p in snapshot.passages) / 2**20, 1),
           **_searches(assistant, corpus_, queries), **_reads(corpus_)}
    row.update(_refresh_one(assistant, corpus_, sentences, outlets, vectors))
    row["disk_mb"] = None if server else round(_disk_bytes(settings.index_dir) / 2**20, 1)
    row["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return row


def _embedder(settings):
    """The configured encoder, for the queries."""
    from index import settings_embedder

    return settings_embedder(settings)


def _searches(assistant, corpus, queries: list[str]) -> dict:
    """The first Chroma query after opening (timed alone), then latencies of the Chroma query alone (vectors
    embedded beforehand), dense (query embedding + Chroma top 10), keyword (BM25 top 10) and hybrid
    (Assistant.search)."""
    vectors = {q: corpus.embedder.embed([q])[0] for q in queries}
    started = time.perf_counter()
    corpus.store.query(vectors[queries[0]], 10)
    first = round((time.perf_counter() - started) * 1000, 1)
    _progress(f"first Chroma query {first} ms")
    chroma = latencies(lambda q: corpus.store.query(vectors[q], 10), queries)
    _progress(f"Chroma alone {chroma}")
    dense = latencies(lambda q: corpus.store.query(corpus.embedder.embed([q])[0], 10), queries)
    keyword = latencies(lambda q: corpus.keyword.current().search(q, 10), queries)
    _progress(f"dense {dense}, keyword {keyword}")
    hybrid = latencies(lambda q: assistant.search(q, k=10), queries)
    _progress(f"hybrid {hybrid}")
    return {"search_p50_ms": hybrid["p50"], "search_p95_ms": hybrid["p95"], "dense_p50_ms": dense["p50"],
            "dense_p95_ms": dense["p95"], "keyword_p50_ms": keyword["p50"], "keyword_p95_ms": keyword["p95"],
            "chroma_first_ms": first, "chroma_p50_ms": chroma["p50"], "chroma_p95_ms": chroma["p95"]}


def _reads(corpus, rounds: int = 30, size: int = 20) -> dict:
    """p50 of reading `size` random passages' texts, by id from Chroma against by offset from the keyword
    segments' files (where the product reads them): why the texts are not fetched from Chroma."""
    snapshot = corpus.keyword.current()
    rng = np.random.default_rng(7)
    chroma, disk = [], []
    for _ in range(rounds):
        positions = rng.choice(snapshot.index.docs, size=min(size, snapshot.index.docs), replace=False).tolist()
        ids = snapshot.ids_at(positions)
        started = time.perf_counter()
        corpus.store.passages_col.get(ids=ids, include=["documents", "metadatas"])
        chroma.append(time.perf_counter() - started)
        started = time.perf_counter()
        [snapshot.passages[i].text for i in positions]  # noqa: B018 (timed)
        disk.append(time.perf_counter() - started)
    return {"read20_chroma_ms": round(float(np.median(chroma)) * 1000, 2),
            "read20_disk_ms": round(float(np.median(disk)) * 1000, 2)}


def _progress(message: str) -> None:
    """A timestamped line on stderr, so a long run that is stopped still tells how far it got."""
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


def _rss_mb() -> float:
    """This process's resident set now, in MB (0 where there is no /proc)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20
    except (OSError, IndexError, ValueError):
        return 0.0


def _refresh_one(assistant, corpus, sentences, outlets, base: np.ndarray) -> dict:
    """One more article committed the product's way (put_article), then the keyword index refreshed (the change
    log applied) and one hybrid search (the retriever's catalog of the new snapshot is made in it)."""
    article, passages = next(synthetic_articles(1, sentences, outlets, seed=99))
    vectors = recombined(base, len(passages), np.random.default_rng(5))
    started = time.perf_counter()
    corpus.store.put_article(article, passages, vectors, file_hash=article.id)
    commit = time.perf_counter() - started
    rebuilds = corpus.keyword.rebuilds
    started = time.perf_counter()
    snapshot = corpus.keyword.refresh()
    refresh = time.perf_counter() - started
    if snapshot.get(passages[0].id) is None:
        raise RuntimeError("the added article is not in the refreshed keyword index")
    started = time.perf_counter()
    assistant.search(passages[0].text[:80], k=10)
    search = time.perf_counter() - started
    return {"commit_one_s": round(commit, 3), "refresh_one_s": round(refresh, 3),
            "refresh_rebuilds": corpus.keyword.rebuilds - rebuilds, "search_after_refresh_ms": round(search * 1000, 1)}


def _disk_bytes(folder: Path) -> int:
    """Bytes of the files under a folder."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


# --- the command ---------------------------------------------------------------------------------

def child(args) -> int:
    """Measure one size and print its row as one JSON line."""
    from .multihop import load_queries, select

    queries = [q.text for q in select(load_queries(args.queries), "dev")][:args.queries_n]
    server = _host_port(args.server) if args.server else None  # children get a URL, never 'start'
    row = one_size(args.one, args.work, args.corpus, queries, server, args.vector_sample, args.reopen)
    print("ROW " + json.dumps(row), flush=True)
    return 0


def _host_port(url: str) -> tuple[str, int]:
    """('127.0.0.1', 8000) from 'http://127.0.0.1:8000'."""
    from urllib.parse import urlsplit

    parts = urlsplit(url if "//" in url else f"http://{url}")
    return parts.hostname or "127.0.0.1", parts.port or 8000


def run_sizes(args, sizes: list[int]) -> list[dict]:
    """One child process per size (and, with --server start, a fresh `chroma run` per size); its row is read from
    its stdout, its stderr passes through."""
    rows = []
    for size in sizes:
        if args.server == "start":
            rows.append(_with_server(args, size))
        else:
            rows.append(_child_row(args, size, args.server))
        print(f"  {size:,} passages: {json.dumps(rows[-1])}", file=sys.stderr, flush=True)
    return rows


def _child_row(args, size: int, server: str | None) -> dict:
    """Run one size in a child process and return its row."""
    command = [sys.executable, "-m", "qa.bench", "scale", "--one", str(size), "--work", str(args.work),
               "--corpus", str(args.corpus), "--queries", str(args.queries), "--queries-n", str(args.queries_n),
               "--vector-sample", str(args.vector_sample)]
    command += ["--server", server] if server else []
    command += ["--reopen"] if args.reopen else []
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    found = [line[4:] for line in done.stdout.splitlines() if line.startswith("ROW ")]
    if done.returncode or not found:
        raise RuntimeError(f"the {size:,}-passage run failed (exit {done.returncode}):\n{done.stdout[-2000:]}")
    return json.loads(found[-1])


def _with_server(args, size: int) -> dict:
    """One size against a fresh `chroma run` on loopback: the row, plus the server's disk and peak RSS."""
    from .services import free_port, service

    data = args.work / f"chroma-server-{size}"
    shutil.rmtree(data, ignore_errors=True)
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    command = [str(chroma if chroma.exists() else "chroma"), "run", "--path", str(data), "--host", "127.0.0.1",
               "--port", str(port)]
    with service(command, f"http://127.0.0.1:{port}/api/v2/heartbeat", args.work / f"chroma-{size}.log", 60) as proc:
        row = _child_row(args, size, f"http://127.0.0.1:{port}")
        row["server_rss_mb"] = _peak_rss_mb(proc.pid)
    row["disk_mb"] = round(_disk_bytes(data) / 2**20, 1)
    return row


def _peak_rss_mb(pid: int) -> float | None:
    """A process's peak resident set (VmHWM) in MB, from /proc (None where there is no /proc)."""
    try:
        line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmHWM"))
    except (OSError, StopIteration):
        return None
    return round(int(line.split()[1]) / 1024, 1)


def table(rows: list[dict]) -> str:
    """The rows as a text table."""
    head = ("passages", "add/s", "search p50", "p95", "dense p50", "chroma 1st", "chroma p50", "keyword p50",
            "kw build s", "refresh 1 s", "disk MB", "RSS MB")
    keys = ("passages", "add_per_s", "search_p50_ms", "search_p95_ms", "dense_p50_ms", "chroma_first_ms",
            "chroma_p50_ms", "keyword_p50_ms", "keyword_build_s", "refresh_one_s", "disk_mb", "rss_mb")
    lines = ["".join(f"{h:>13}" for h in head)]
    lines += ["".join(f"{'-' if r.get(k) is None else format(r[k], ','):>13}" for k in keys) for r in rows]
    return "\n".join(lines)


def plot(rows: list[dict], out: Path, title: str) -> None:
    """Cost against passages on log axes: search p50/p95, refresh after one article, peak RSS (matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [r["passages"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in (("search_p50_ms", "hybrid search p50"), ("search_p95_ms", "hybrid search p95"),
                       ("dense_p50_ms", "dense p50"), ("keyword_p50_ms", "keyword p50")):
        left.plot(x, [r[key] for r in rows], marker="o", label=label)
    left.set(xscale="log", yscale="log", xlabel="passages", ylabel="ms", title="search latency")
    right.plot(x, [r["refresh_one_s"] * 1000 for r in rows], marker="o", label="refresh after one article (ms)")
    right.plot(x, [r["rss_mb"] for r in rows], marker="s", label="peak RSS (MB)")
    if all(r.get("disk_mb") for r in rows):
        right.plot(x, [r["disk_mb"] for r in rows], marker="^", label="disk (MB)")
    right.set(xscale="log", yscale="log", xlabel="passages", title="refresh, memory, disk")
    for axis in (left, right):
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments; run each size in a child process; print the table, write the JSON and the plot."""
    parser = argparse.ArgumentParser(prog="python -m qa.bench scale", description=__doc__.split("\n")[0])
    parser.add_argument("--passages", default="10000,100000", help="sizes, comma-separated (e.g. 10000,1000000)")
    parser.add_argument("--json", type=Path, help="write {'rows': [...]} here")
    parser.add_argument("--plot", type=Path, help="write the PNG plot here (e.g. docs/scale.png)")
    parser.add_argument("--server", help="a Chroma server's URL, or 'start' for a fresh `chroma run` per size on "
                                         "loopback; default: embedded Chroma on disk")
    parser.add_argument("--work", type=Path, help="where the indexes are built (default: a temporary folder)")
    parser.add_argument("--corpus", type=Path, default=multihop_dir() / "corpus.json")
    parser.add_argument("--queries", type=Path, default=multihop_dir() / "MultiHopRAG.json")
    parser.add_argument("--queries-n", type=int, default=50, help="dev queries timed per search kind")
    parser.add_argument("--vector-sample", type=int, default=VECTOR_SAMPLE,
                        help=f"passages embedded for real, whose vectors are recombined (default {VECTOR_SAMPLE})")
    parser.add_argument("--reopen", action="store_true",
                        help="measure the indexes an earlier run left in --work (no fill): a fresh process opening them")
    parser.add_argument("--rows", type=Path, help="print and plot the rows of a saved --json result instead of running")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return child(args)
    if args.reopen and (args.work is None or args.server == "start"):
        parser.error("--reopen needs the --work of an earlier run (and no fresh --server start)")
    if args.rows:
        saved = json.loads(args.rows.read_text())
        return report(args, saved["rows"], saved.get("server"))
    temporary = args.work is None
    args.work = Path(tempfile.mkdtemp(prefix="newsqa-scale-")) if temporary else args.work
    args.work.mkdir(parents=True, exist_ok=True)
    try:
        rows = run_sizes(args, [int(s) for s in args.passages.split(",")])
    finally:
        if temporary:
            shutil.rmtree(args.work, ignore_errors=True)
    return report(args, rows, args.server)


def report(args, rows: list[dict], server: str | None) -> int:
    """Print the table; write the JSON and the plot when asked."""
    print(table(rows))
    write_result(args.json, {"rows": rows, "server": server})
    if args.plot:
        plot(rows, args.plot, "newsqa at scale" + (" (Chroma server)" if server else " (embedded Chroma)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m qa.bench segments --passages 1000000`: the keyword index's in-memory side at sizes the store bench
cannot fill here.

Builds a synthetic keyword snapshot without Chroma or tokenising the corpus: `--passages` passages of 40 distinct
terms each (Zipf-distributed over a 200,000-term vocabulary, counts 1 to 3, texts that tokenise to exactly those
terms), 16 per article, as one segment. Then, like one upload: an article replaced (its old passages tombstoned,
16 new ones tokenised into a new segment, segments merged as the policy says), the new snapshot's passage list,
positions and per-passage columns (what the retriever's catalog reads), the incremental save of the cache, and
BM25 query latency over the segments. Chroma's part of a refresh (a few reads by article id, constant in the
corpus size) is measured by `python -m qa.bench scale`, not here.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import write_result
from .stats import percentiles_ms

VOCAB, TERMS, PER_ARTICLE = 200_000, 40, 16


def words(count: int) -> list[str]:
    """Distinct lower-case words that the tokeniser keeps as they are (letters, no stemmable ending)."""
    from index.terms import tokenize

    out, n = [], 0
    while len(out) < count:
        word, k = "", n
        while True:
            word, k = "bcdfghjkmnpqrtvwxz"[k % 18] + word, k // 18
            if not k:
                break
        n += 1
        candidate = "q" + word + "o"
        if tokenize(candidate) == [candidate]:
            out.append(candidate)
    return out


def synthetic(passages: int, seed: int = 3):
    """(snapshot, vocabulary words): one segment of synthetic passages in a keyword Snapshot."""
    import scipy.sparse as sp

    from index import Passage, StoredArticle
    from index.changes import LogPosition
    from index.keyword import Snapshot
    from index.passage_rows import PassageRows
    from index.segments import Segment, Segments, Vocabulary

    rng = np.random.default_rng(seed)
    vocab_words = words(VOCAB)
    vocab = Vocabulary(vocab_words)
    cols = np.minimum(rng.zipf(1.3, size=passages * TERMS * 2) - 1, VOCAB - 1).astype(np.int32)
    rows, terms = [], []
    for row in range(passages):  # distinct terms per passage
        picked = np.unique(cols[row * TERMS * 2:(row + 1) * TERMS * 2])[:TERMS]
        terms.append(picked)
        rows.append(np.full(len(picked), row, dtype=np.int32))
    flat = np.concatenate(terms)
    counts = rng.integers(1, 4, size=len(flat)).astype(np.uint16)
    tf = sp.csc_matrix((counts, (np.concatenate(rows), flat)), shape=(passages, VOCAB), dtype=np.uint16)
    lengths = np.asarray(tf.sum(axis=1)).ravel().astype(np.int32)
    articles, items = {}, []
    csr = tf.tocsr()
    for row in range(passages):
        aid = f"a{row // PER_ARTICLE:07d}"
        if aid not in articles:
            articles[aid] = StoredArticle(aid, "", "Outlet", None, None, None, f"{aid}.txt", "h", 1, PER_ARTICLE)
        lo, hi = csr.indptr[row], csr.indptr[row + 1]
        text = " ".join(" ".join([vocab_words[c]] * int(n)) for c, n in zip(csr.indices[lo:hi], csr.data[lo:hi]))
        items.append(Passage(f"{aid}-{row % PER_ARTICLE}", aid, text, row, row + 1, ""))  # no title or outlet terms
    segment = Segment("s0", PassageRows.spill(items), articles, tf, lengths)
    segment.warm()  # as KeywordIndex does after a start or rebuild
    index = Segments.of([segment], [frozenset()], vocab, df=segment.df)
    return Snapshot("g0", articles, index, vocab, LogPosition("probe")), vocab_words


def one_change(snapshot, vocab_words: list[str], rng) -> tuple[object, dict]:
    """Replace one article the way `applied` does (minus Chroma); seconds per step."""
    from dataclasses import replace

    from index import Passage
    from index.segments import Segment

    aid = f"a{int(rng.integers(len(snapshot.articles))):07d}"
    article = snapshot.articles[aid]
    timings, started = {}, time.perf_counter()
    fresh = [Passage(f"{aid}-{i}", aid, " ".join(rng.choice(vocab_words[:5000], size=60)), i, i + 1, "", "Outlet")
             for i in range(PER_ARTICLE)]
    index = snapshot.index.without({aid}, snapshot.vocab)
    index = index.plus(Segment.build(fresh, {aid: article}, snapshot.vocab), snapshot.vocab).merged(snapshot.vocab)
    timings["apply_s"] = time.perf_counter() - started
    started = time.perf_counter()
    changed = replace(snapshot, articles={**snapshot.articles, aid: article}, index=index)
    assert changed.get(f"{aid}-3").text == fresh[3].text and len(changed.passages) == changed.index.docs
    changed.sources(), changed.article_ids()  # what the retriever's catalog of the new snapshot reads
    timings["views_s"] = time.perf_counter() - started
    return changed, timings


def main(argv: list[str] | None = None) -> int:
    """Build the synthetic snapshot, time changes, saves and queries; print and write the JSON."""
    from index.keyword_cache import KeywordCache

    parser = argparse.ArgumentParser(prog="python -m qa.bench segments", description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=12, help="uploads simulated one after the other")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    snapshot, vocab_words = synthetic(args.passages)
    row = {"passages": args.passages, "build_s": round(time.perf_counter() - started, 1)}
    folder = Path(tempfile.mkdtemp(prefix="newsqa-segments-")) / "keyword"
    cache = KeywordCache(folder)
    try:
        started = time.perf_counter()
        cache.save(snapshot, whole=True)
        row["save_whole_s"] = round(time.perf_counter() - started, 1)
        rng, steps = np.random.default_rng(5), []
        for _ in range(args.changes):
            snapshot, timings = one_change(snapshot, vocab_words, rng)
            started = time.perf_counter()
            cache.save(snapshot)
            timings["save_s"] = time.perf_counter() - started
            steps.append(timings)
        for key in ("apply_s", "views_s", "save_s"):
            row[f"change_{key}_p50"] = round(float(np.median([t[key] for t in steps])), 3)
            row[f"change_{key}_max"] = round(max(t[key] for t in steps), 3)
        row["segments_after"] = len(snapshot.index.segments)
        queries = [" ".join(rng.choice(vocab_words[:20000], size=6)) for _ in range(50)]
        timed = []
        for q in queries:
            begun = time.perf_counter()
            snapshot.search(q, 10)
            timed.append(time.perf_counter() - begun)
        latency = percentiles_ms(timed)
        row.update({"query_p50_ms": latency["p50"], "query_p95_ms": latency["p95"]})
        row["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)
    print(row)
    write_result(args.json, {"rows": [row]})
    return 0


if __name__ == "__main__":
    sys.exit(main())

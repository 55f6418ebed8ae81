"""The figures behind index/dedupe.py's THRESHOLD (docs/ingestion.md): the estimated similarity of each pair of
fixture stories (tests/data/copies: wire copies with small edits, and other stories on the same topics), and the
groups the threshold finds in MultiHop-RAG's corpus.json.

Run `python tests/copies.py [CORPUS_JSON]` (default: shared/benchmarks/multihop-rag/corpus.json).
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
COPIES = ROOT / "tests" / "data" / "copies"
CORPUS = ROOT.parent / "shared" / "benchmarks" / "multihop-rag" / "corpus.json"


def fixture_pairs() -> list[tuple[str, str, float, float, float]]:
    """(name, name, estimated similarity, exact Jaccard of the shingle sets, estimated similarity of the figures)
    for pairs on one topic."""
    from index.dedupe import figure_similarity, shingles, signature, similarity
    from index.readers import read_file

    texts = {p.stem: read_file(p, 2**20).articles[0].text for p in sorted(COPIES.glob("*.txt"))}
    rows = []
    for a, b in itertools.combinations(texts, 2):
        if a.split("-")[0] == b.split("-")[0]:
            sa, sb = shingles(texts[a]), shingles(texts[b])
            ga, gb = signature(texts[a]), signature(texts[b])
            rows.append((a, b, similarity(ga, gb), len(sa & sb) / len(sa | sb), figure_similarity(ga, gb)))
    return rows


def corpus_groups(path: Path, thresholds=(0.2, 0.3, 0.5, 0.7)) -> tuple[dict, list[str], float]:
    """Per threshold, (groups, groups of 2+, articles in those); the groups of 2+ at the chosen threshold; and
    the seconds the signatures took."""
    from index.dedupe import THRESHOLD, group_all, signature

    records = json.loads(path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    signatures = [(str(i), signature(r.get("body") or "")) for i, r in enumerate(records)]
    seconds = time.perf_counter() - started
    figures, listed = {}, []
    for threshold in sorted({*thresholds, THRESHOLD}):
        sizes = Counter(group_all(signatures, threshold).values())
        shared = [g for g, n in sizes.items() if n > 1]
        figures[threshold] = (len(sizes), len(shared), sum(sizes[g] for g in shared))
        if threshold == THRESHOLD:
            groups = group_all(signatures, threshold)
            listed = [" + ".join(f"{records[int(i)]['source']} {records[int(i)]['published_at'][:10]} "
                                 f"“{records[int(i)]['title'][:50]}”" for i, g in groups.items() if g == group)
                      for group in shared]
    return figures, listed, seconds


def nearest_pairs(path: Path, n: int = 4) -> list[tuple[float, str, str]]:
    """The n most similar pairs of corpus articles (estimated), to see how close different stories come."""
    import numpy as np

    from index.dedupe import _values, signature

    records = json.loads(path.read_text(encoding="utf-8"))
    values = np.stack([_values(signature(r.get("body") or "")) for r in records])
    scored = []
    for i in range(len(records)):
        same = (values[i + 1:] == values[i]).mean(axis=1)
        scored += [(float(s), i, i + 1 + j) for j, s in enumerate(same) if s >= 0.1]
    label = lambda i: f"{records[i]['source']} “{records[i]['title'][:45]}”"  # noqa: E731
    return [(s, label(i), label(j)) for s, i, j in sorted(scored, reverse=True)[:n]]


def main(argv: list[str]) -> None:
    """Print both tables."""
    print("| pair | estimated | exact | figures |\n|---|---|---|---|")
    for a, b, estimate, exact, figures in fixture_pairs():
        print(f"| {a} ~ {b} | {estimate:.2f} | {exact:.2f} | {figures:.2f} |")
    path = Path(argv[0]) if argv else CORPUS
    figures, listed, seconds = corpus_groups(path)
    print(f"\n{path.name}: signatures in {seconds:.1f} s\n\n| threshold | groups | groups of 2+ | articles in them |"
          "\n|---|---|---|---|")
    for threshold, (groups, shared, members) in figures.items():
        print(f"| {threshold} | {groups} | {shared} | {members} |")
    print("\n" + "\n".join(f"- {line}" for line in listed))
    print("\nmost similar pairs:\n" + "\n".join(f"- {s:.2f} {a} ~ {b}" for s, a, b in nearest_pairs(path)))


if __name__ == "__main__":
    main(sys.argv[1:])

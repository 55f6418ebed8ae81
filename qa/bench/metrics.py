"""Retrieval metrics of the MultiHop-RAG benchmark, as its evaluation script computes them: pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

DEPTH = 10


@dataclass(frozen=True)
class QueryScore:
    """One query's scores: hits within 4 and 10, reciprocal rank, average precision at 10."""

    hit4: bool
    hit10: bool
    rr: float
    ap: float


def squeeze(text: str) -> str:
    """The text with spaces and newlines removed (how the benchmark compares facts and chunks)."""
    return text.replace(" ", "").replace("\n", "")


def score_query(retrieved: Sequence[str], facts: Sequence[str]) -> QueryScore:
    """Score one ranked list of chunk texts against the evidence facts of one query.

    A chunk is a hit when any fact is a substring of it; each fact counts once, at the first rank that
    holds it; average precision is divided by min(number of facts, 10). An empty fact list scores 0."""
    facts = [squeeze(f) for f in facts]
    found: list[str] = []
    first = None
    precision_sum = 0.0
    for rank, chunk in enumerate((squeeze(t) for t in retrieved[:DEPTH]), start=1):
        if not any(fact in chunk for fact in facts):
            continue
        first = first or rank
        new = [fact for fact in facts if fact in chunk and fact not in found]
        found.extend(dict.fromkeys(new))
        precision_sum += len(dict.fromkeys(new)) / rank
    ap = precision_sum / min(len(facts), DEPTH) if facts else 0.0
    return QueryScore(hit4=first is not None and first <= 4, hit10=first is not None,
                      rr=1.0 / first if first else 0.0, ap=ap)


def summarize(scores: Sequence[QueryScore]) -> dict:
    """Averages over queries: Hits@4, Hits@10, MRR@10, MAP@10 and the count."""
    n = len(scores)
    if n == 0:
        return {"queries": 0, "hits@4": 0.0, "hits@10": 0.0, "mrr@10": 0.0, "map@10": 0.0}
    return {"queries": n,
            "hits@4": sum(s.hit4 for s in scores) / n,
            "hits@10": sum(s.hit10 for s in scores) / n,
            "mrr@10": sum(s.rr for s in scores) / n,
            "map@10": sum(s.ap for s in scores) / n}


def by_type(scores: Sequence[QueryScore], types: Sequence[str]) -> dict:
    """Summaries overall ('all') and per question type."""
    result = {"all": summarize(scores)}
    for kind in sorted(set(types)):
        result[kind] = summarize([s for s, t in zip(scores, types) if t == kind])
    return result

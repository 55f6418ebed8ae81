"""Rank fusion: pure functions over ranked (id, score) lists."""

from __future__ import annotations

from typing import Sequence

Ranking = Sequence[tuple[str, float]]


def reciprocal_rank_fusion(rankings: Sequence[Ranking], weights: Sequence[float] | None = None,
                           k: float = 60.0) -> list[tuple[str, float]]:
    """Weighted RRF: score(id) = sum_i w_i / (k + rank_i(id)), ranks from 1; best first, ties by id."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, (item, _) in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def diversify(ranked: Sequence[tuple[str, float]], group_of: dict[str, str], penalty: float = 0.5,
              limit: int | None = None, taken: dict[str, int] | None = None) -> list[tuple[str, float]]:
    """Greedy re-rank that divides an item's score by (1 + penalty * items already taken from its
    group), so the top of the list spreads over articles; `taken` counts groups already used."""
    remaining = list(ranked)
    taken = dict(taken or {})
    result = []
    while remaining and (limit is None or len(result) < limit):
        best_i = max(range(len(remaining)),
                     key=lambda i: remaining[i][1] / (1 + penalty * taken.get(group_of.get(remaining[i][0]), 0)))
        item, score = remaining.pop(best_i)
        group = group_of.get(item)
        result.append((item, score / (1 + penalty * taken.get(group, 0))))
        taken[group] = taken.get(group, 0) + 1
    return result


def interleave(lanes: Sequence[Ranking], overall: Ranking, group_of: dict[str, str], rounds: int = 2,
               penalty: float = 0.5, limit: int = 10, by_score: bool = False,
               repeat: bool = False) -> list[tuple[str, float, str]]:
    """Take turns over the lanes for `rounds` rounds, each turn the lane's best item from a group not
    yet taken (after the first round, with repeat, a group taken once may give a second item; a round's
    picks best first when by_score); then fill up from the overall ranking, diversified. Returns (item, score, lane) with
    lane 'lane-<i>' or 'overall'; scores never increase down the list."""
    result: list[tuple[str, float, str]] = []
    used: set[str] = set()
    taken: dict[str, int] = {}
    for round_ in range(rounds):
        picks = []
        for number, lane in enumerate(lanes):
            pick = next(((item, score) for item, score in lane if item not in used
                         and taken.get(group_of.get(item, item), 0) <= (repeat and round_ > 0)), None)
            if pick is not None and len(result) + len(picks) < limit:
                picks.append((pick[0], pick[1], f"lane-{number}"))
                used.add(pick[0])
                group = group_of.get(pick[0], pick[0])
                taken[group] = taken.get(group, 0) + 1
        result += sorted(picks, key=lambda p: -p[1]) if by_score else picks
    rest = diversify([kv for kv in overall if kv[0] not in used], group_of, penalty,
                     limit=limit - len(result), taken=taken)
    result += [(item, score, "overall") for item, score in rest]
    ceiling = float("inf")
    monotone = []
    for item, score, lane in result:
        ceiling = min(ceiling, score)
        monotone.append((item, ceiling, lane))
    return monotone

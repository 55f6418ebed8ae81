"""One keyword query over a state of the segments: its top n passages, its highest score and its scores at given
positions, each segment scored once and shared by the queries made from it.

A question's search asks several things of BM25: the question's top candidates, its highest score and the
scores of the passages the ranker reads, the same for each named outlet's own words, and each outlet's lane (the
question plus the outlet's words, inside the outlet's passages, inside the filters). A `KeywordQuery` answers
them all from one score array per segment and text, computed by `Segments.segment_scores` (a compiled loop over
the postings) the first time one of them needs it and kept in a cache shared by the queries derived with `plus`
and `within`. The scores are those of `Segments.scores`, to the bit (tests/unit/test_keyword_query.py).

MaxScore pruning (terms bounded, the top n completed from the passages that can still reach it) was built and
measured at 1,000,000 passages: with the compiled loop, scoring every posting was faster for every query length
measured, 3 to 30 terms (docs/scale.md), so it is not used.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import numba
import numpy as np

from .segments import Segments


@dataclass(frozen=True, eq=False)
class Part:
    """One text's terms (sorted distinct ids that some live passage holds) with BM25 weights (IDF times repeats)."""

    ids: np.ndarray
    weights: np.ndarray


@dataclass(frozen=True, eq=False)
class KeywordQuery:
    """A query's BM25 scores over one state of the keyword index (snapshot order): one part, or a question plus
    coefficient times another text's scores (a lane), inside a mask when one is given (0 outside it)."""

    index: Segments
    parts: tuple[tuple[float, Part], ...]
    mask: np.ndarray | None = None
    _scored: dict = field(default_factory=dict, compare=False, repr=False)  # (segment, part) -> scores, shared
    _tops: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, index: Segments, term_ids: Sequence[int]) -> "KeywordQuery":
        """The query of these term ids (a repeated id counts again)."""
        return cls(index, ((1.0, Part(*index.weights(term_ids))),))

    def plus(self, other: "KeywordQuery", coefficient: float) -> "KeywordQuery":
        """This query's scores plus coefficient times the other's (this query's mask; the two's scores shared)."""
        self._scored.update(other._scored)
        return replace(self, parts=self.parts + tuple((c * coefficient, p) for c, p in other.parts), _tops={})

    def within(self, mask: np.ndarray | None) -> "KeywordQuery":
        """The query restricted to the passages where mask is True (and to this query's own mask)."""
        if mask is None:
            return self
        return replace(self, mask=mask if self.mask is None else self.mask & mask, _tops={})

    @property
    def empty(self) -> bool:
        """True when no passage can score (no indexed term, or nothing indexed)."""
        return not self.index.docs or not any(len(p.ids) for _, p in self.parts)

    def max(self) -> float:
        """The highest score (0.0 when none is positive)."""
        known = next((found for found in self._tops.values() if len(found[1])), None)
        scores = known[1] if known is not None else self.top(1)[1]
        return float(scores[0]) if len(scores) else 0.0

    def top(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The positions (int64) and scores (float32) of the n best positive scores, best first (ties by position)."""
        if n not in self._tops:
            self._tops[n] = self._top(n)
        return self._tops[n]

    def at(self, positions: Sequence[int]) -> np.ndarray:
        """The scores at these snapshot positions (float32; 0 outside the mask)."""
        positions = np.asarray(positions, dtype=np.int64)
        out = np.zeros(len(positions), dtype=np.float32)
        if self.empty or not len(positions):
            return out
        index = self.index
        segment_of = np.searchsorted(index.offsets, positions, side="right") - 1
        for k in np.unique(segment_of).tolist():
            picked = np.flatnonzero(segment_of == k)
            out[picked] = self._segment(k)[index.rows[k][positions[picked] - index.offsets[k]]]
        if self.mask is not None:
            out[~self.mask[positions]] = 0.0
        return out

    def _top(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Each segment's best n, then the best n of those."""
        if n <= 0 or self.empty:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        index, positions, scores = self.index, [], []
        for k in range(len(index.segments)):
            first, stop = int(index.offsets[k]), int(index.offsets[k + 1])
            if first == stop:
                continue
            live = self._segment(k)
            if len(index.rows[k]) != index.segments[k].size:
                live = live[index.rows[k]]
            mask = self.mask[first:stop] if self.mask is not None else _NO_MASK
            keep = _best(live, mask, n)
            positions.append(first + keep)
            scores.append(live[keep])
        positions, scores = np.concatenate(positions), np.concatenate(scores)
        order = np.lexsort((positions, -scores))[:n]
        return positions[order], scores[order]

    def _segment(self, k: int) -> np.ndarray:
        """Every row of segment k scored (float32), the parts added as the retriever added the arrays: the first,
        plus each other's coefficient times its own."""
        total = None
        for coefficient, part in self.parts:
            key = (k, id(part))
            if key not in self._scored:
                self._scored[key] = (part, self.index.segment_scores(k, part.ids, part.weights))  # part kept alive
            own = self._scored[key][1]
            total = own if total is None else total + coefficient * own
        return total


_NO_MASK = np.zeros(0, dtype=bool)


@numba.njit(cache=True, nogil=True)
def _best(scores, mask, n):  # pragma: no cover (compiled)
    """The indices of the n best positive scores (inside the mask unless it is empty), best first, ties to the
    lower index: one pass with a heap of the n kept, whose root is the worst kept (lowest score, then highest
    index). Scanning in index order, a later score displaces the root only when strictly higher."""
    values = np.empty(n, dtype=scores.dtype)
    where = np.empty(n, dtype=np.int64)
    size = 0
    masked = mask.shape[0] > 0
    floor = scores.dtype.type(0)  # below the root once the heap is full: most scores fail this one test
    for i in range(scores.shape[0]):
        v = scores[i]
        if v <= floor or (masked and not mask[i]):
            continue
        if size == n and v <= values[0]:
            continue
        if size < n:
            j = size  # sift up
            size += 1
            while j > 0:
                parent = (j - 1) // 2
                if values[parent] < v or (values[parent] == v and where[parent] > i):
                    break
                values[j], where[j] = values[parent], where[parent]
                j = parent
            values[j], where[j] = v, i
        else:
            j = 0  # replace the root, sift down
            while True:
                child = 2 * j + 1
                if child >= size:
                    break
                if child + 1 < size and (values[child + 1] < values[child] or (
                        values[child + 1] == values[child] and where[child + 1] > where[child])):
                    child += 1
                if v < values[child] or (v == values[child] and i > where[child]):
                    break
                values[j], where[j] = values[child], where[child]
                j = child
            values[j], where[j] = v, i
        if size == n:
            floor = values[0]
    order = np.argsort(where[:size])  # then stably by score, highest first
    kept_where, kept_values = where[:size][order], values[:size][order]
    return kept_where[np.argsort(-kept_values, kind="mergesort")]

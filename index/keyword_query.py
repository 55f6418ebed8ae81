"""One keyword query over a state of the segments, scored only where it is asked: its top n passages, found by
MaxScore pruning, or its scores at given positions; never a score for every passage.

At 1,000,000 passages a score per passage for each query term was most of a hybrid search (docs/scale.md): a
question's common terms have hundreds of thousands of postings each, and a top 60 needs few of them. MaxScore
(Turtle and Flood, 1995): what a term adds to any passage's score is bounded (its weight times BM25's term score
at the highest count and shortest passage among the term's postings in that segment); terms are scored from the
highest bound down, and once the bounds of the terms left add up to less than the n-th best partial score, no
passage that only they hold can reach the top n. The passages seen so far that still could are then scored
exactly, by looking their rows up in every term's postings, with the arithmetic of `Segments.scores`, term by term
in the same order, so every score is the same to the bit as the full computation's (tests/unit/test_keyword_query.py).

A query has one part or several (a named outlet's lane scores the question plus its own words about the outlet):
the score is the parts' float32 scores combined as the retriever combined the full arrays, the first plus each
other's coefficient times its own. A mask (the filters' passages, an outlet's) restricts the query; outside it
every score is 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np

from .segments import Segments, term_impacts

MARGIN = 1e-6  # relative slack on the threshold: partial sums are added in another order than the exact ones
DENSE_ROWS = 50_000  # segments up to this size are scored whole (faster there than pruning's bookkeeping)
DENSE_SHARE = 8  # candidates above 1/8 of a segment's rows are taken from its whole scores, not looked up


@dataclass(frozen=True)
class Part:
    """One text's terms (sorted distinct ids that some live passage holds) with BM25 weights (IDF times repeats)."""

    coefficient: float
    ids: np.ndarray
    weights: np.ndarray


@dataclass(frozen=True, eq=False)
class KeywordQuery:
    """A query's BM25 scores over one state of the keyword index (snapshot order), computed where asked."""

    index: Segments
    parts: tuple[Part, ...]
    mask: np.ndarray | None = None
    dense_rows: int = DENSE_ROWS
    _tops: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, index: Segments, term_ids: Sequence[int], dense_rows: int = DENSE_ROWS) -> "KeywordQuery":
        """The query of these term ids (a repeated id counts again); segments of up to dense_rows passages are
        scored whole."""
        ids, weights = index.weights(term_ids)
        return cls(index, (Part(1.0, ids, weights),), dense_rows=dense_rows)

    def plus(self, other: "KeywordQuery", coefficient: float) -> "KeywordQuery":
        """This query's scores plus coefficient times the other's (coefficient >= 0; this query's mask)."""
        if coefficient < 0:
            raise ValueError("a part's coefficient must not be negative")
        return replace(self, parts=self.parts + tuple(replace(p, coefficient=p.coefficient * coefficient)
                                                      for p in other.parts), _tops={})

    def within(self, mask: np.ndarray | None) -> "KeywordQuery":
        """The query restricted to the passages where mask is True (and to this query's own mask)."""
        if mask is None:
            return self
        return replace(self, mask=mask if self.mask is None else self.mask & mask, _tops={})

    @property
    def empty(self) -> bool:
        """True when no passage can score (no indexed term, or nothing indexed)."""
        return not self.index.docs or not any(len(p.ids) for p in self.parts)

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
            rows = index.rows[k][positions[picked] - index.offsets[k]]
            out[picked] = self._exact(k, rows)
        if self.mask is not None:
            out[~self.mask[positions]] = 0.0
        return out

    # --- MaxScore ------------------------------------------------------------------------------

    def _top(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Segment by segment, the candidates that can reach the top n scored exactly; the best n of them."""
        none = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        if n <= 0 or self.empty:
            return none
        positions, scores, threshold = [], [], 0.0
        for k, seg in enumerate(self.index.segments):
            if not len(self.index.rows[k]):
                continue
            if seg.size <= self.dense_rows:
                rows = self.index.rows[k][self._allowed(k, self.index.rows[k])]
                exact = self._dense(k)[rows]
            else:
                rows = self._candidates(k, n, threshold)
                exact = self._exact(k, rows)
            keep = (exact > 0) & (exact >= _nth(exact, n))
            positions.append(self.index.offsets[k] + self.index.ranks[k][rows[keep]])
            scores.append(exact[keep])
            pooled = np.concatenate(scores)
            if len(pooled) >= n:
                threshold = max(threshold, float(np.partition(pooled, len(pooled) - n)[len(pooled) - n]))
        if not positions:
            return none
        positions, scores = np.concatenate(positions), np.concatenate(scores)
        order = np.lexsort((positions, -scores))[:n]
        return positions[order], scores[order]

    def _candidates(self, k: int, n: int, threshold: float) -> np.ndarray:
        """Segment k's allowed live rows whose score can reach the n-th best (at least `threshold`, already held
        by other segments' passages), sorted."""
        seg, mean = self.index.segments[k], self.index.mean
        terms, weights = self._combined()
        bounds = weights * term_impacts(*seg.peaks, terms, mean)
        order = [i for i in np.argsort(-bounds, kind="stable").tolist() if bounds[i] > 0]
        left = float(bounds[order].sum()) if order else 0.0
        partial = np.zeros(seg.size, dtype=np.float64)
        seen = np.zeros(seg.size, dtype=bool)
        touched: list[np.ndarray] = []
        pool = np.zeros(0, dtype=np.int64)  # some allowed rows seen, to estimate the n-th best partial score
        for i in order:
            if left < threshold * (1 - MARGIN):
                break
            rows, tf, norm = self.index.postings(k, int(terms[i]))
            partial[rows] += weights[i] * tf / norm
            left -= float(bounds[i])
            new = rows[~seen[rows]]
            seen[new] = True
            new = new[self._allowed(k, new)]
            touched.append(new)
            if left < threshold * (1 - MARGIN):
                break
            pool = np.concatenate([pool, new]) if len(new) <= 16 * n + 4096 else pool
            threshold = max(threshold, _nth(partial[pool], n))
            if len(pool) > 64 * n:
                pool = pool[np.argpartition(-partial[pool], 4 * n)[:4 * n]]
        if not touched:
            return np.zeros(0, dtype=np.int64)
        rows = np.concatenate(touched)
        threshold = max(threshold, _nth(partial[rows], n))
        return np.sort(rows[partial[rows] + left >= threshold * (1 - MARGIN)])

    def _combined(self) -> tuple[np.ndarray, np.ndarray]:
        """Every part's terms, each with its weights summed over the parts (times their coefficients)."""
        ids = np.concatenate([p.ids for p in self.parts])
        weights = np.concatenate([p.coefficient * p.weights for p in self.parts])
        terms, where = np.unique(ids, return_inverse=True)
        return terms, np.bincount(where, weights=weights, minlength=len(terms))

    def _allowed(self, k: int, rows: np.ndarray) -> np.ndarray:
        """True for the rows of segment k that are live and inside the mask."""
        ok = self.index.lives[k][rows]
        if self.mask is not None:
            ok[ok] = self.mask[self.index.offsets[k] + self.index.ranks[k][rows[ok]]]
        return ok

    def _exact(self, k: int, rows: np.ndarray) -> np.ndarray:
        """The scores of some live rows of segment k, to the bit those of the full computation: looked up in each
        term's postings, or, for many rows, taken from the whole segment's scores."""
        if len(rows) * DENSE_SHARE > self.index.segments[k].size:
            return self._dense(k)[rows]
        return self._combine([self.index.scores_at(k, rows, part.ids, part.weights) for part in self.parts])

    def _dense(self, k: int) -> np.ndarray:
        """The scores of every row of segment k (as Segments.scores computes them)."""
        return self._combine([self.index.segment_scores(k, part.ids, part.weights) for part in self.parts])

    def _combine(self, scores: list[np.ndarray]) -> np.ndarray:
        """The parts' scores added as the retriever added the arrays: the first plus each other's coefficient times
        its own (float32)."""
        total = scores[0]
        for part, own in zip(self.parts[1:], scores[1:]):
            total = total + part.coefficient * own
        return total


def _nth(values: np.ndarray, n: int) -> float:
    """The n-th largest value (0.0 when there are fewer)."""
    if len(values) < n:
        return 0.0
    return float(np.partition(values, len(values) - n)[len(values) - n])

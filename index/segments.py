"""BM25 over immutable segments: the keyword side as a list of term-frequency matrices plus tombstones.

A `Segment` holds some articles' passages and a scipy.sparse matrix of their term counts (passages x terms, term
ids from one append-only `Vocabulary`); it never changes once built. `Segments` is one state of the index: the
segments, the articles removed from each (tombstones), and the statistics BM25 needs summed over the live
passages of all segments (their number, their total length and each term's document frequency). Scores are
computed at query time from those global statistics, so adding an article is one new small segment and removing
one is a tombstone: nothing else is rescored. The formula is bm25s's default (method "lucene", k1=1.5, b=0.75):
idf = ln(1 + (N - df + 0.5) / (df + 0.5)), term score = idf * tf / (tf + k1 * (1 - b + b * length / mean length)),
summed over the query's terms (a repeated term counts again); tests/unit/test_segments.py checks it against
bm25s after adds, removes and merges. Small segments are merged by stacking their stored rows (no tokenising).
"""

from __future__ import annotations

import threading
import uuid
from array import array
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Iterable, Iterator, Sequence

import numba
import numpy as np
import scipy.sparse as sp

from .articles import Passage
from .passage_rows import PassageRows
from .store import StoredArticle
from .terms import keyword_text, tokenize

K1, B = 1.5, 0.75  # bm25s.BM25() defaults
MAX_SEGMENTS = 8  # past this many, all but the largest are merged into one
DEAD_SHARE = 0.25  # past this share of tombstoned passages, or small ones past half the largest, all are merged


class Vocabulary:
    """Terms to ids, append-only: shared by every segment and state of one keyword index (readers look terms up
    while a refresh adds new ones; ids already given never change)."""

    def __init__(self, terms: Iterable[str] = ()):
        self.terms: list[str] = list(terms)
        self.ids: dict[str, int] = {t: i for i, t in enumerate(self.terms)}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.terms)

    def get(self, term: str) -> int | None:
        """A term's id, None when no passage ever held it."""
        return self.ids.get(term)

    def add(self, tokens: Sequence[str]) -> list[int]:
        """The tokens' ids, new terms given the next ids."""
        with self._lock:
            out = []
            for token in tokens:
                i = self.ids.get(token)
                if i is None:
                    self.terms.append(token)
                    i = self.ids[token] = len(self.terms) - 1
                out.append(i)
            return out


@dataclass(frozen=True, eq=False)
class Segment:
    """Some articles' passages (sorted by article and offset; on disk, index/passage_rows.py) with their term
    counts; immutable."""

    name: str
    passages: PassageRows
    articles: dict[str, StoredArticle]
    tf: sp.csc_matrix  # passages x terms, term counts (uint16)
    lengths: np.ndarray  # terms per passage (int32), repeats counted

    @classmethod
    def build(cls, passages: Iterable[Passage], articles: dict[str, StoredArticle], vocab: Vocabulary,
              ordered: bool = False) -> "Segment":
        """Tokenise the passages into a new segment: sorted here by article and offset, or, when `ordered`, taken
        in the order they come, which must be that one (a stream, never all in memory at once)."""
        stream = passages if ordered else sorted(passages, key=passage_order)
        cols, counts, terms, lengths = array("i"), array("H"), array("i"), array("i")  # compact, unlike lists

        def tokenised() -> Iterator[Passage]:
            last = None
            for p in stream:
                key = passage_order(p)
                if last is not None and key < last:
                    raise ValueError(f"passage {p.id} comes out of order")
                last = key
                ids = vocab.add(tokenize(keyword_text(p)))
                lengths.append(len(ids))
                bag = Counter(ids)
                terms.append(len(bag))
                cols.extend(bag.keys())
                counts.extend(min(c, 65535) for c in bag.values())
                yield p

        rows_of_passages = PassageRows.spill(tokenised())
        rows = np.repeat(np.arange(len(rows_of_passages), dtype=np.int32), np.frombuffer(terms, dtype=np.int32))
        tf = sp.csc_matrix((np.frombuffer(counts, dtype=np.uint16), (rows, np.frombuffer(cols, dtype=np.int32))),
                           shape=(len(rows_of_passages), len(vocab)), dtype=np.uint16)
        return cls(uuid.uuid4().hex[:16], rows_of_passages, dict(articles), tf,
                   np.frombuffer(lengths, dtype=np.int32).copy())

    @property
    def size(self) -> int:
        """Passages in the segment."""
        return len(self.passages)

    @cached_property
    def spans(self) -> dict[str, tuple[int, int]]:
        """Each article's rows: (first, past the last); rows are sorted by article, so each is one run."""
        ids = self.article_ids
        if not len(ids):
            return {}
        starts = np.concatenate([[0], np.flatnonzero(ids[1:] != ids[:-1]) + 1]).astype(np.int64)
        stops = np.append(starts[1:], len(ids))
        return dict(zip(ids[starts].tolist(), zip(starts.tolist(), stops.tolist())))

    @cached_property
    def position(self) -> dict[str, int]:
        """Each passage id's row."""
        return {passage_id: row for row, passage_id in enumerate(self.passages.ids)}

    @property
    def sources(self) -> np.ndarray:
        """Each row's outlet ("" for none), an object array."""
        return self.passages.sources

    @property
    def article_ids(self) -> np.ndarray:
        """Each row's article id, an object array."""
        return self.passages.article_ids

    @cached_property
    def df(self) -> np.ndarray:
        """Each term's document frequency in the whole segment (int64, one per column)."""
        return np.diff(self.tf.indptr).astype(np.int64)

    def warm(self) -> None:
        """Compute the lookups a change and a search need now (at a start or rebuild) rather than in the first one
        (0.1 to 0.3 s each for a segment of 1M passages)."""
        self.spans, self.position, self.df  # noqa: B018 (cached properties)

    def live(self, dead: frozenset[str]) -> np.ndarray:
        """True for the rows of articles not in dead."""
        mask = np.ones(self.size, dtype=bool)
        for article_id in dead:
            first, stop = self.spans.get(article_id, (0, 0))
            mask[first:stop] = False
        return mask

    def rows_of(self, article_ids: Iterable[str]) -> list[int]:
        """The rows of those articles."""
        return [row for a in article_ids if a in self.spans for row in range(*self.spans[a])]


@dataclass(frozen=True, eq=False)
class Segments:
    """One state of the keyword index: segments, tombstoned articles per segment, and BM25's global statistics
    over the live passages (number, total length, document frequency of each term id)."""

    segments: tuple[Segment, ...] = ()
    dead: tuple[frozenset[str], ...] = ()
    docs: int = 0
    length: int = 0
    df: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def of(cls, segments: Sequence[Segment], dead: Sequence[frozenset[str]], vocab: Vocabulary,
           df: np.ndarray | None = None) -> "Segments":
        """The state of these segments with these tombstones (df computed from the live rows when not given)."""
        state = cls(tuple(segments), tuple(dead))
        lives = state.lives
        docs = int(sum(live.sum() for live in lives))
        length = int(sum(seg.lengths[live].sum() for seg, live in zip(segments, lives)))
        if df is None:
            df = np.zeros(len(vocab), dtype=np.int64)
            for seg, live in zip(segments, lives):
                df[:seg.tf.shape[1]] += _live_df(seg, live)
        return replace(state, docs=docs, length=length, df=_padded(df, len(vocab)))

    @cached_property
    def lives(self) -> tuple[np.ndarray, ...]:
        """Per segment, True for its live rows."""
        return tuple(seg.live(dead) for seg, dead in zip(self.segments, self.dead))

    @cached_property
    def rows(self) -> tuple[np.ndarray, ...]:
        """Per segment, its live rows in order (snapshot order is segment by segment)."""
        return tuple(np.flatnonzero(live) for live in self.lives)

    @cached_property
    def offsets(self) -> np.ndarray:
        """Per segment, the snapshot position of its first live row (and, last, the number of live rows)."""
        return np.concatenate([[0], np.cumsum([len(r) for r in self.rows])]).astype(np.int64)

    @cached_property
    def ranks(self) -> tuple[np.ndarray, ...]:
        """Per segment, each row's position among the segment's live rows (meaningful for live rows only)."""
        return tuple(np.cumsum(live) - 1 for live in self.lives)

    def position(self, passage_id: str) -> int | None:
        """A live passage's snapshot position (the newest segment holding it live wins; one at most does)."""
        found = self.locate(passage_id)
        return None if found is None else int(self.offsets[found[0]] + self.ranks[found[0]][found[1]])

    def locate(self, passage_id: str) -> tuple[int, int] | None:
        """A live passage's segment and row."""
        for k in range(len(self.segments) - 1, -1, -1):
            row = self.segments[k].position.get(passage_id)
            if row is not None and self.lives[k][row]:
                return k, row
        return None

    # --- changes -------------------------------------------------------------------------------

    def without(self, article_ids: set[str], vocab: Vocabulary) -> "Segments":
        """These articles tombstoned wherever they are live; their passages leave the statistics (their terms are
        counted again from their texts, which costs the size of the change, not of the index)."""
        dead, removed = list(self.dead), []
        for k, seg in enumerate(self.segments):
            hit = {a for a in article_ids if a in seg.articles and a not in self.dead[k]}
            if hit:
                dead[k] = self.dead[k] | hit
                removed.extend(seg.passages[row] for row in seg.rows_of(hit))
        if not removed:
            return replace(self, dead=tuple(dead)) if dead != list(self.dead) else self
        df, length = self.df.copy(), 0
        for p in removed:
            ids = [vocab.ids[t] for t in tokenize(keyword_text(p))]
            length += len(ids)
            df[list(set(ids))] -= 1
        return Segments(self.segments, tuple(dead), self.docs - len(removed), self.length - length, df)

    def plus(self, segment: Segment, vocab: Vocabulary) -> "Segments":
        """A new segment added (its passages are all live)."""
        df = _padded(self.df, len(vocab))
        df[:segment.tf.shape[1]] += segment.df
        return Segments(self.segments + (segment,), self.dead + (frozenset(),), self.docs + segment.size,
                        self.length + int(segment.lengths.sum()), df)

    def merged(self, vocab: Vocabulary) -> "Segments":
        """Segments with nothing live left dropped; small segments merged when there are more than MAX_SEGMENTS;
        everything merged when tombstones pass DEAD_SHARE of the rows or the small segments reach half the largest;
        else this state as it is."""
        empty = [k for k, seg in enumerate(self.segments)
                 if not len(self.rows[k]) and set(seg.articles) <= self.dead[k]]
        if empty:
            kept = [k for k in range(len(self.segments)) if k not in empty]
            return Segments(tuple(self.segments[k] for k in kept), tuple(self.dead[k] for k in kept), self.docs,
                            self.length, self.df).merged(vocab)
        sizes = [seg.size for seg in self.segments]
        if len(sizes) <= 1 and not any(self.dead):
            return self
        total = sum(sizes)
        dead_rows = total - self.docs
        largest = int(np.argmax(sizes)) if sizes else 0
        if total and (dead_rows > DEAD_SHARE * total or total - sizes[largest] >= sizes[largest] / 2):
            keep: list[int] = []
        elif len(sizes) > MAX_SEGMENTS:
            keep = [largest]
        else:
            return self
        parts = [k for k in range(len(sizes)) if k not in keep]
        joined = stack([self.segments[k] for k in parts], [self.rows[k] for k in parts],
                       {a: art for k in parts for a, art in self.segments[k].articles.items() if a not in self.dead[k]},
                       len(vocab))
        return Segments(
            tuple(self.segments[k] for k in keep) + (joined,), tuple(self.dead[k] for k in keep) + (frozenset(),),
            self.docs, self.length, self.df)

    # --- scoring -------------------------------------------------------------------------------

    def idf(self, term_ids: np.ndarray) -> np.ndarray:
        """BM25's (lucene) IDF of term ids (float64)."""
        df = self.df[term_ids].astype(np.float64)
        return np.log1p((self.docs - df + 0.5) / (df + 0.5))

    def scores(self, term_ids: Sequence[int]) -> np.ndarray:
        """BM25 score of every live passage (snapshot order) for a query's term ids (a repeated id counts again)."""
        ids, weights = self.weights(term_ids)
        out = np.zeros(self.docs, dtype=np.float32)
        if not len(ids):
            return out
        for k, seg in enumerate(self.segments):
            if not len(self.rows[k]):
                continue
            scores = self.segment_scores(k, ids, weights)
            live = self.rows[k]
            out[self.offsets[k]:self.offsets[k + 1]] = scores if len(live) == seg.size else scores[live]
        return out

    @property
    def mean(self) -> float:
        """The live passages' mean length in terms (0.0 when there are none)."""
        return self.length / self.docs if self.docs else 0.0

    def weights(self, term_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """A query's distinct term ids that some live passage holds (sorted) and each one's weight: its IDF
        times how often the query repeats it."""
        ids = np.asarray([i for i in term_ids if i < len(self.df) and self.df[i] > 0], dtype=np.int64)
        if not len(ids) or not self.docs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        ids, counts = np.unique(ids, return_counts=True)
        return ids, self.idf(ids) * counts

    @cached_property
    def norms(self) -> tuple[np.ndarray, ...]:
        """Per segment, each row's part of BM25's denominator that does not depend on the term:
        K1 * (1 - B + B * length / mean length) (float64)."""
        mean = self.mean or 1.0
        return tuple(K1 * (1 - B + B * seg.lengths / mean) for seg in self.segments)

    def segment_scores(self, k: int, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The scores (float32) of every row of segment k, live or not, for a query's ids and weights."""
        seg, norms = self.segments[k], self.norms[k]
        indptr, indices, data = seg.tf.indptr, seg.tf.indices, seg.tf.data
        scores = np.zeros(seg.size, dtype=np.float64)
        for term, weight in zip(ids.tolist(), weights.tolist()):
            if term < seg.tf.shape[1]:
                lo, hi = indptr[term], indptr[term + 1]
                _accumulate(scores, indices[lo:hi], data[lo:hi], norms, weight)
        return scores.astype(np.float32)

    def row_at(self, position: int) -> tuple[int, int]:
        """The segment and row of a live passage's snapshot position."""
        k = int(np.searchsorted(self.offsets, position, side="right")) - 1
        return k, int(self.rows[k][position - self.offsets[k]])


def passage_order(p: Passage) -> tuple[str, int]:
    """A segment's row order: by article, then offset."""
    return p.article_id, p.start


@numba.njit(cache=True, nogil=True)
def _accumulate(scores, rows, counts, norms, weight):  # pragma: no cover (compiled)
    """scores[row] += weight * tf / (tf + norm[row]) for one term's postings, in one pass: the operations, in their
    order, of the numpy expression it replaced (`scores[rows] += weight * tf / (tf + K1 * (1 - B + B *
    lengths[rows] / mean))`, tf in float64, with `Segments.norms` computed by the same expression), so the sums are
    the same to the bit, several times faster at 1,000,000 passages (docs/scale.md; tests/unit/test_segments.py)."""
    for j in range(rows.shape[0]):
        row = rows[j]
        tf = np.float64(counts[j])
        scores[row] += weight * tf / (tf + norms[row])


def stack(segments: Sequence[Segment], rows: Sequence[np.ndarray], articles: dict[str, StoredArticle],
          width: int) -> Segment:
    """One segment of the given rows of some segments, sorted by article and offset (their stored counts
    stacked: nothing is tokenised again)."""
    parts = [_widened(seg.tf, width).tocsr()[r] for seg, r in zip(segments, rows)]
    picks = [(seg.passages, i) for seg, r in zip(segments, rows) for i in r.tolist()]
    lengths = np.concatenate([seg.lengths[r] for seg, r in zip(segments, rows)] or [np.zeros(0, np.int32)])
    order = sorted(range(len(picks)), key=lambda i: (picks[i][0].article_ids[picks[i][1]],
                                                     int(picks[i][0].starts[picks[i][1]])))
    tf = (sp.vstack(parts, format="csr") if parts else sp.csr_matrix((0, width), dtype=np.uint16))[order]
    return Segment(uuid.uuid4().hex[:16], PassageRows.gathered(picks[i] for i in order), articles,
                   sp.csc_matrix(tf, dtype=np.uint16), lengths[order].astype(np.int32))


def _widened(tf: sp.csc_matrix, width: int) -> sp.csc_matrix:
    """The matrix with empty columns added up to width (terms added to the vocabulary after it was built)."""
    if tf.shape[1] >= width:
        return tf
    indptr = np.concatenate([tf.indptr, np.full(width - tf.shape[1], tf.indptr[-1], dtype=tf.indptr.dtype)])
    return sp.csc_matrix((tf.data, tf.indices, indptr), shape=(tf.shape[0], width))


def _live_df(seg: Segment, live: np.ndarray) -> np.ndarray:
    """Per column, how many live rows hold the term."""
    if live.all():
        return seg.df
    return np.asarray(seg.tf[live].astype(bool).sum(axis=0)).ravel().astype(np.int64)


def _padded(df: np.ndarray, width: int) -> np.ndarray:
    """A copy of df with zeros up to width."""
    out = np.zeros(max(width, len(df)), dtype=np.int64)
    out[:len(df)] = df
    return out

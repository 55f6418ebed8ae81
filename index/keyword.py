"""The keyword side: an in-memory catalog of committed passages with a BM25 index over them, kept current with the
store change by change.

It is derived from Chroma. A refresh reads the store's change log (index/changes.py) since the last record it
applied and, for the articles those records name, tombstones their passages and adds what Chroma now holds for
them as a new small segment (index/segments.py): O(change), not O(corpus). When the log cannot explain the
store's generation (an index written before the log, records trimmed, a writer that does not log, a change
touching a large share of the articles) it falls back to the full rebuild from Chroma, which stays the repair
path. Each state is an immutable `Snapshot`, persisted beside the store (index/keyword_cache.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Iterator

import numpy as np

from .articles import Passage
from .changes import MARGIN_NS, LogPosition
from .keyword_cache import KeywordCache
from .keyword_query import KeywordQuery
from .passage_rows import RowSequence
from .segments import Segment, Segments, Vocabulary, passage_order
from .store import Store, StoredArticle, visible_articles
from .terms import tokenize

REBUILD_SHARE = 0.2  # a catch-up touching more than this share of the articles (and over REBUILD_MIN) rebuilds
REBUILD_MIN = 500

__all__ = ["KeywordIndex", "KeywordQuery", "Snapshot", "build_snapshot", "tokenize"]


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Committed passages, their articles and a BM25 index, as of one store generation and log position."""

    generation: str
    articles: dict[str, StoredArticle]
    index: Segments
    vocab: Vocabulary
    log: LogPosition = LogPosition()

    @cached_property
    def passages(self) -> Sequence[Passage]:
        """The live passages, in snapshot order (segment by segment, each by article and offset)."""
        return _Passages(self.index)

    @cached_property
    def position(self) -> Mapping[str, int]:
        """Each live passage id's position in snapshot order."""
        return _Positions(self.index, self)

    def terms(self, query: str) -> list[str]:
        """The query's terms that some live passage holds (others cannot score)."""
        df = self.index.df
        return [t for t in tokenize(query) if (i := self.vocab.get(t)) is not None and i < len(df) and df[i] > 0]

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage (in snapshot order) for the query; empty when nothing is indexed."""
        return self.index.scores([self.vocab.ids[t] for t in self.terms(query)])

    def query(self, query: str) -> KeywordQuery:
        """The query's BM25 scores, computed where asked (its top n, or at given positions)."""
        return KeywordQuery.of(self.index, [self.vocab.ids[t] for t in self.terms(query)])

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        """Top-n passages by BM25: (passage id, score), best first; no query terms, no hits."""
        positions, scores = self.query(query).top(n)
        return [(self.passages[i].id, float(s)) for i, s in zip(positions.tolist(), scores.tolist())]

    def get(self, passage_id: str) -> Passage | None:
        """A committed passage by id (read from its segment's file)."""
        i = self.index.position(passage_id)
        return None if i is None else self.passages[i]

    def ids_at(self, positions: Sequence[int]) -> list[str]:
        """The passage ids at these snapshot positions (from memory: no passage is read)."""
        found = (self.index.row_at(i) for i in positions)
        return [self.index.segments[k].passages.ids[row] for k, row in found]

    def article_of(self, passage_id: str) -> StoredArticle | None:
        """A committed passage's article (from memory: the passage is not read)."""
        found = self.index.locate(passage_id)
        return None if found is None else self.articles.get(self.index.segments[found[0]].article_ids[found[1]])

    def idf(self) -> Mapping[str, float]:
        """BM25's IDF of every indexed term, from the live passages' document frequencies."""
        return _Idf(self.index, self.vocab)

    def sources(self) -> np.ndarray:
        """Each passage's outlet ("" for none), in snapshot order (an object array)."""
        return self._column("sources")

    def article_ids(self) -> np.ndarray:
        """Each passage's article id, in snapshot order (an object array)."""
        return self._column("article_ids")

    def _column(self, name: str) -> np.ndarray:
        """A per-passage column of the segments, live rows only, in snapshot order."""
        parts = [getattr(seg, name)[rows] for seg, rows in zip(self.index.segments, self.index.rows)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=object)


class _Passages(RowSequence):
    """The live passages of the segments in snapshot order, looked up where they are (making a list of a million
    passages after every change would cost more than the change)."""

    def __init__(self, index: Segments):
        self._index = index

    def __len__(self) -> int:
        return self._index.docs

    def _at(self, i: int) -> Passage:
        """The live passage at snapshot position i."""
        k, row = self._index.row_at(i)
        return self._index.segments[k].passages[row]

    def __iter__(self) -> Iterator[Passage]:
        for seg, rows in zip(self._index.segments, self._index.rows):
            yield from (seg.passages if len(rows) == seg.size else (seg.passages[i] for i in rows.tolist()))


class _Positions(Mapping):
    """Passage id -> snapshot position, looked up in the segments (no dict as long as the corpus is built)."""

    def __init__(self, index: Segments, snapshot: Snapshot):
        self._index, self._snapshot = index, snapshot

    def __getitem__(self, passage_id: str) -> int:
        i = self._index.position(passage_id)
        if i is None:
            raise KeyError(passage_id)
        return i

    def get(self, passage_id, default=None):
        """The position, or default."""
        i = self._index.position(passage_id)
        return default if i is None else i

    def __contains__(self, passage_id) -> bool:
        return self._index.position(passage_id) is not None

    def __iter__(self) -> Iterator[str]:
        return (p.id for p in self._snapshot.passages)

    def __len__(self) -> int:
        return self._index.docs


class _Idf(Mapping):
    """Term -> BM25 IDF over the live passages (the whole array computed at the first lookup)."""

    def __init__(self, index: Segments, vocab: Vocabulary):
        self._index, self._vocab, self._df = index, vocab, index.df

    @cached_property
    def _values(self) -> list[float]:
        """The IDF of every term id (as Python floats: looked up one at a time, by the thousand per question)."""
        return self._index.idf(np.arange(len(self._df))).tolist()

    def __getitem__(self, term: str) -> float:
        i = self._vocab.get(term)
        if i is None or i >= len(self._df) or not self._df[i]:
            raise KeyError(term)
        return self._values[i]

    def get(self, term, default=None):
        """The IDF, or default for a term no live passage holds."""
        i = self._vocab.get(term)
        return default if i is None or i >= len(self._df) or not self._df[i] else self._values[i]

    def __iter__(self) -> Iterator[str]:
        terms = self._vocab.terms
        return (terms[i] for i in np.flatnonzero(self._df).tolist())

    def __len__(self) -> int:
        return int(np.count_nonzero(self._df))


def build_snapshot(store: Store) -> Snapshot:
    """Read the visible committed articles and their passages from the store and index them (the full rebuild)."""
    position = store.log.start()
    generation = store.generation()
    articles = visible_articles(store.articles())
    vocab = Vocabulary()
    batches = store.passage_batches(sorted(articles))
    passages = (p for batch in batches for p in sorted(batch, key=passage_order))  # in row order, batch by batch
    index = Segments.of([Segment.build(passages, articles, vocab, ordered=True)], [frozenset()], vocab)
    return Snapshot(generation, articles, index, vocab, position)


def caught_up(snapshot: Snapshot, store: Store, generation: str) -> Snapshot | None:
    """The snapshot with the log's done records since its position applied (and every pending one, again),
    labelled with the generation; None when the log cannot explain that generation (the caller rebuilds)."""
    log = store.log
    if not log.explains(snapshot.log):
        return None
    window = log.since(snapshot.log.last_ns - MARGIN_NS)
    if generation != snapshot.generation and generation not in {c.id for c in window}:
        return None
    new = log.touched([c for c in window if c.id not in snapshot.log.applied]) + log.pending()
    ids = {a for c in new for a in c.articles}
    if len(ids) > max(REBUILD_MIN, REBUILD_SHARE * len(snapshot.articles)):
        return None
    changed = applied(snapshot, store, ids, {p for c in new for p in c.paths}) if new else snapshot
    if not new and generation == snapshot.generation:
        return snapshot
    return replace(changed, generation=generation, log=snapshot.log.after(window))


def applied(snapshot: Snapshot, store: Store, ids: set[str], paths: set[str]) -> Snapshot:
    """The snapshot with these articles (and the others of these files, whose visibility may change with them) as
    Chroma holds them now: idempotent, so applying a change twice, or late, gives the same snapshot content."""
    now = store.articles_of(sorted(ids))
    paths = paths | {snapshot.articles[i].path for i in ids if i in snapshot.articles} | {a.path for a in now.values()}
    visible = visible_articles({**store.articles_at(sorted(paths)), **now})
    before = {i for i, a in snapshot.articles.items() if a.path in paths}
    changed = {i for i in ids | before | set(visible) if snapshot.articles.get(i) != visible.get(i)} | ids
    keep = {i: visible[i] for i in changed if i in visible}
    index = snapshot.index.without(changed, snapshot.vocab)
    if keep:
        passages = [p for p in store.passages_of(sorted(keep)) if p.article_id in keep]
        index = index.plus(Segment.build(passages, keep, snapshot.vocab), snapshot.vocab)
    articles = {i: a for i, a in snapshot.articles.items() if i not in changed}
    articles.update(keep)
    return replace(snapshot, articles=articles, index=index.merged(snapshot.vocab))


class KeywordIndex:
    """Keeps a Snapshot current with the store (change by change, from its log); persists it in a folder beside the
    store. `rebuilds` counts the full rebuilds from Chroma."""

    def __init__(self, store: Store, folder: Path | None, refresh_seconds: float = 2.0):
        self.store = store
        self.cache = KeywordCache(folder)
        self.refresh_seconds = refresh_seconds
        self.rebuilds = 0
        self._lock = threading.Lock()
        self._checked = 0.0
        loaded = self.cache.load()
        self.snapshot = self._caught_up(loaded, store.generation()) if loaded else self._rebuild()
        self._checked = time.monotonic()

    @property
    def folder(self) -> Path | None:
        """Where the snapshot is persisted (None: in memory only)."""
        return self.cache.folder

    def current(self) -> Snapshot:
        """The snapshot, refreshed first if the store changed (checked at most every refresh_seconds)."""
        if time.monotonic() - self._checked >= self.refresh_seconds:
            self.refresh()
        return self.snapshot

    def refresh(self, force: bool = False) -> Snapshot:
        """Apply the store's changes if its generation moved (with force, read the log even if it did not)."""
        with self._lock:
            self._checked = time.monotonic()
            generation = self.store.generation()
            if force or generation != self.snapshot.generation:
                self.snapshot = self._caught_up(self.snapshot, generation)
        return self.snapshot

    def rebuild(self) -> Snapshot:
        """Rebuild from the whole store (the repair path) and persist."""
        with self._lock:
            self.snapshot = self._rebuild()
            self._checked = time.monotonic()
        return self.snapshot

    def _caught_up(self, snapshot: Snapshot, generation: str) -> Snapshot:
        """The snapshot brought up to date from the log, or rebuilt when the log cannot; persisted if it changed."""
        fresh = caught_up(snapshot, self.store, generation)
        if fresh is None:
            return self._rebuild()
        if fresh is not snapshot:
            self.cache.save(fresh)
        return _warmed(fresh)

    def _rebuild(self) -> Snapshot:
        """Build from the store and persist."""
        self.rebuilds += 1
        snapshot = build_snapshot(self.store)
        self.cache.save(snapshot, whole=True)
        return _warmed(snapshot)


def _warmed(snapshot: Snapshot) -> Snapshot:
    """The snapshot, its segments' lookups computed (a no-op for those computed before)."""
    for seg in snapshot.index.segments:
        seg.warm()
    return snapshot

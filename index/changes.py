"""The store's change log: one record per commit, naming the articles (and files) it touched.

Every store write that moves the generation goes through a record in `<name>-changes` (a Chroma collection like
the state collection, with a dummy 1-d embedding): id = the new generation, metadata `time_ns` (the writer's
clock), `generation` and `pending`, document = JSON {"articles": [...], "paths": [...]}. The record is written
*pending* before the data, marked done (with the time it was done) after the data, and the generation moves
last. A writer killed between its writes therefore always leaves a record naming what it may have changed:
readers apply pending records on every catch-up without counting them as applied (applying is idempotent: it
reads what Chroma holds now), and a done record once. Readers (index/keyword.py) fetch the done records newer than
the last one they applied minus MARGIN_NS (clock skew between writers, and records that land after a later one)
and apply those they have not applied yet. Writers trim records older than KEEP_NS and note the cut in a horizon
record, so a reader knows when the log can no longer explain what it missed and rebuilds instead; they mark done
the pending records of writers gone for STALE_NS, so a dead writer's record is applied once more and then no more.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Iterable, Sequence

MARGIN_NS = 120 * 10**9  # records this much older than the last applied one are fetched again
KEEP_NS = 24 * 3600 * 10**9  # a day of records is kept
STALE_NS = 3600 * 10**9  # a record pending this long belongs to a writer that died
TRIM_EVERY = 64  # commits of one writer between two trims
HORIZON_ID = "__newsqa_horizon__"
PAGE = 2000


@dataclass(frozen=True)
class Change:
    """One commit's record: its id (the generation it made), the writer's time_ns, what it touched (filled in
    only once fetched with `touched`)."""

    id: str
    time_ns: int
    articles: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogPosition:
    """How far a keyword index has applied one log (log_id: its collection's id, new whenever the store is made
    anew): the newest applied record's time, and the ids of the records applied within MARGIN_NS of it (those
    fetched again and skipped)."""

    log_id: str = ""
    last_ns: int = 0
    applied: frozenset[str] = frozenset()

    def after(self, window: Sequence[Change]) -> "LogPosition":
        """The position once every record of the window (all fetched since this position) is applied."""
        last = max([self.last_ns, *(c.time_ns for c in window)])
        return LogPosition(self.log_id, last, frozenset(c.id for c in window if c.time_ns > last - MARGIN_NS))

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"log_id": self.log_id, "last_ns": self.last_ns, "applied": sorted(self.applied)}

    @classmethod
    def from_dict(cls, raw: dict) -> "LogPosition":
        """The position saved by to_dict."""
        return cls(str(raw["log_id"]), int(raw["last_ns"]), frozenset(raw["applied"]))


class ChangeLog:
    """The change records of one store, in its guarded `-changes` collection."""

    def __init__(self, collection):
        self.col = collection
        self._commits = 0

    # --- writing -------------------------------------------------------------------------------

    def begin(self, articles: Iterable[str], paths: Iterable[str] = ()) -> str:
        """Write the pending record of a commit about to change these articles; returns the generation it makes."""
        generation = uuid.uuid4().hex
        self._write(generation, _touched(articles, paths), pending=True)
        return generation

    def finish(self, generation: str, articles: Iterable[str], paths: Iterable[str] = ()) -> None:
        """Mark a commit's record done (its data is in Chroma); now and then, trim old and settle stale records."""
        now = self._write(generation, _touched(articles, paths), pending=False)
        self._commits += 1
        if self._commits % TRIM_EVERY == 1:
            self.settle(now - STALE_NS)
            self.trim(now - KEEP_NS)

    def _write(self, generation: str, touched: str, pending: bool) -> int:
        """Upsert a record stamped now; returns the stamp."""
        now = time.time_ns()
        self.col.upsert(ids=[generation], embeddings=[[1.0]], documents=[touched],
                        metadatas=[{"time_ns": now, "generation": generation, "pending": pending}])
        return now

    def settle(self, before_ns: int) -> int:
        """Mark done the records pending since before before_ns (their writers died); returns how many."""
        stale = [c for c in self.pending() if c.time_ns < before_ns]
        for c in stale:
            self._write(c.id, _touched(c.articles, c.paths), pending=False)
        return len(stale)

    def trim(self, before_ns: int) -> int:
        """Delete the records older than before_ns and move the horizon there; returns how many went."""
        old = self.col.get(where={"time_ns": {"$lt": before_ns}}, include=[])["ids"]
        old = [i for i in old if i != HORIZON_ID]
        if old:
            self.col.upsert(ids=[HORIZON_ID], embeddings=[[1.0]], documents=[""],
                            metadatas=[{"time_ns": 0, "horizon_ns": max(before_ns, self.horizon())}])
            for i in range(0, len(old), PAGE):
                self.col.delete(ids=old[i:i + PAGE])
        return len(old)

    # --- reading -------------------------------------------------------------------------------

    @property
    def identity(self) -> str:
        """The log collection's id: a store made anew (rebuilt, recreated) has a new one."""
        return str(self.col.id)

    def start(self) -> LogPosition:
        """For a full rebuild about to read the store: the position that counts every done record so far as applied
        (each one's data is in Chroma before it is marked done; pending ones are applied at every catch-up)."""
        horizon = self.horizon()
        return LogPosition(self.identity, horizon + MARGIN_NS if horizon else 0).after(self.since(0))

    def horizon(self) -> int:
        """The time before which records were trimmed (0: never trimmed)."""
        got = self.col.get(ids=[HORIZON_ID], include=["metadatas"])
        return int((got["metadatas"][0] or {}).get("horizon_ns", 0)) if got["ids"] else 0

    def since(self, after_ns: int) -> list[Change]:
        """The done records newer than after_ns (ids and times only), oldest first."""
        got = self.col.get(where={"time_ns": {"$gt": after_ns}}, include=["metadatas"])
        found = [Change(i, int((m or {}).get("time_ns", 0))) for i, m in zip(got["ids"], got["metadatas"])
                 if i != HORIZON_ID and not (m or {}).get("pending")]
        return sorted(found, key=lambda c: (c.time_ns, c.id))

    def pending(self) -> list[Change]:
        """The records of commits begun and not (yet) done, with what each touches, oldest first. Every record's
        metadata is read and filtered here: Chroma has no index on a boolean, so a `where` on `pending` scanned
        every collection's metadata (0.7 s at 1,000,000 passages, against 25 ms for the ~500 records of the log)."""
        got = self.col.get(include=["metadatas"])
        ids = [i for i, m in zip(got["ids"], got["metadatas"]) if (m or {}).get("pending") is True]
        if not ids:
            return []
        got = self.col.get(ids=ids, include=["metadatas", "documents"])
        found = [_change(i, m, doc) for i, m, doc in zip(got["ids"], got["metadatas"], got["documents"])]
        return sorted(found, key=lambda c: (c.time_ns, c.id))

    def touched(self, changes: Sequence[Change]) -> list[Change]:
        """The changes with what each touched."""
        out = []
        for i in range(0, len(changes), PAGE):
            page = changes[i:i + PAGE]
            got = self.col.get(ids=[c.id for c in page], include=["documents"])
            docs = dict(zip(got["ids"], got["documents"]))
            out.extend(_change(c.id, {"time_ns": c.time_ns}, docs.get(c.id)) for c in page)
        return out

    def explains(self, position: LogPosition) -> bool:
        """Whether this log still holds every record a snapshot at this position may have missed (those since its
        position minus the margin): its log, and not trimmed past that."""
        horizon = self.horizon()
        return position.log_id == self.identity and not (horizon and horizon > position.last_ns - MARGIN_NS)


def _touched(articles: Iterable[str], paths: Iterable[str]) -> str:
    """A record's document: the articles and files a commit touches."""
    return json.dumps({"articles": sorted(set(articles)), "paths": sorted({p for p in paths if p})})


def _change(record_id: str, meta: dict | None, document: str | None) -> Change:
    """A record as a Change with what it touched."""
    raw = json.loads(document or "{}")
    return Change(record_id, int((meta or {}).get("time_ns", 0)), tuple(raw.get("articles", ())),
                  tuple(raw.get("paths", ())))

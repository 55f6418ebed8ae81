"""Feeds remembered in the index: `feeds.json` in the index folder holds each feed's URL, the validators of
its last answer (ETag, Last-Modified) and the entries already read, so an update asks with a conditional GET
and fetches only new or changed entries. Articles that leave a feed stay in the index.

    feeds = Feeds.open(settings)
    feeds.add("https://example.org/rss.xml")
    report = feeds.update(corpus)          # anything with .add(paths) -> IndexReport: a Corpus, or a wrapper
    start_polling(feeds, corpus, minutes=settings.feed_minutes)   # optional, in a daemon thread
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Protocol, Sequence

from .errors import FeedNotFound, IndexUnavailable, UnsupportedUrl
from .fetch import FetchError, is_http_url
from .indexer import IndexReport
from .settings import IndexSettings
from .web import Gathered, Web

FILE = "feeds.json"
FORMAT = 1
MAX_SEEN = 5000  # entries remembered per feed (the oldest are forgotten first)
log = logging.getLogger("newsqa.feeds")


class Sink(Protocol):
    """Where fetched articles go: `Corpus.add`, or a caller's wrapper around it (one that takes a write lock)."""

    def add(self, paths: Sequence[Path], progress=False) -> IndexReport:
        """Index article files; returns what was done."""


@dataclass(frozen=True)
class Feed:
    """A remembered feed: its id, URL and title, when it was added and last checked, how that went, and the
    number of entries read from it."""

    id: str
    url: str
    title: str | None = None
    added: str = ""
    checked: str | None = None
    status: str | None = None
    entries_read: int = 0

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class FeedCheck:
    """One feed in an update: 'new' (entries fetched), 'unchanged' (nothing new), 'not_modified' (304), or
    'failed', with the counts and the reason."""

    feed_id: str
    url: str
    status: str
    entries: int = 0
    new: int = 0
    reason: str | None = None

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


@dataclass
class UpdateReport:
    """What an update did: each feed's check, and the index report of the articles it fetched."""

    checks: list[FeedCheck] = field(default_factory=list)
    index: IndexReport = field(default_factory=IndexReport)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"feeds": [c.to_dict() for c in self.checks], "index": self.index.to_dict()}

    def summary(self) -> str:
        """A line per feed, then the index summary."""
        lines = [f"{c.url}: {c.status}" + (f", {c.new} new of {c.entries} entries" if c.status == "new" else "")
                 + (f" ({c.reason})" if c.reason else "") for c in self.checks]
        return "\n".join(lines + [self.index.summary()])


def feed_id(url: str) -> str:
    """A feed's id: stable for its URL."""
    return hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:12]


class Feeds:
    """The feeds of one index folder; safe to share between threads, and between processes on one machine."""

    def __init__(self, settings: IndexSettings, path: Path):
        self.settings = settings
        self.path = path
        self._lock = threading.RLock()

    @classmethod
    def open(cls, settings: IndexSettings) -> "Feeds":
        """The feeds remembered in the settings' index folder (none yet is fine)."""
        return cls(settings, settings.index_dir / FILE)

    def list(self) -> list[Feed]:
        """Every feed, in the order they were added."""
        return [_feed(record) for record in self._read()["feeds"].values()]

    def get(self, key: str) -> Feed:
        """A feed by id or URL; FeedNotFound otherwise."""
        return _feed(self._find(self._read()["feeds"], key))

    def add(self, url: str) -> Feed:
        """Remember a feed (adding one already there returns it); UnsupportedUrl for what is not an http(s) URL."""
        url = url.strip()
        if not is_http_url(url):
            raise UnsupportedUrl(f"{url!r} is not an http(s) URL")
        with self._edit() as state:
            record = state["feeds"].setdefault(feed_id(url), {"id": feed_id(url), "url": url, "added": _now(),
                                                              "seen": {}})
            return _feed(record)

    def remove(self, key: str) -> Feed:
        """Forget a feed, by id or URL (its articles stay in the index); FeedNotFound if absent."""
        with self._edit() as state:
            record = self._find(state["feeds"], key)
            del state["feeds"][record["id"]]
            return _feed(record)

    def update(self, sink: Sink, keys: Sequence[str] | None = None, progress=False) -> UpdateReport:
        """Fetch what is new in every feed (or those named by id or URL) and index it."""
        report = UpdateReport()
        records = self._read()["feeds"]
        chosen = [self._find(records, k) for k in keys] if keys else list(records.values())
        with Web(self.settings) as web:
            for record in chosen:
                self._update_one(web, record, sink, report, progress)
        return report

    def _update_one(self, web: Web, record: dict, sink: Sink, report: UpdateReport, progress) -> None:
        """Check one feed: conditional GET, new entries' pages fetched and indexed, its state saved."""
        url, seen = record["url"], record.get("seen", {})
        try:
            page = web.fetcher.get(url, record.get("etag"), record.get("last_modified"))
            if page.not_modified:
                return self._checked(record, report, FeedCheck(record["id"], url, "not_modified"))
            document = web.read_feed(page)
        except FetchError as exc:
            return self._checked(record, report, FeedCheck(record["id"], url, "failed", reason=exc.reason))
        fresh = [e for e in document.entries if seen.get(e.key) != e.stamp]
        gathered = Gathered(skipped=list(document.skipped))
        done = web.fetch_entries(fresh, gathered)
        indexed = sink.add(gathered.files, progress=progress) if gathered.files else IndexReport()
        _merge(report.index, indexed, gathered)
        status = "new" if fresh else "unchanged"
        check = FeedCheck(record["id"], url, status, entries=len(document.entries), new=len(fresh),
                          reason=f"{len(fresh) - len(done)} to retry" if len(done) < len(fresh) else None)
        complete = len(done) == len(fresh)  # else no validators: the next update must see the entries to retry
        self._checked(record, report, check, title=document.title, etag=page.etag if complete else None,
                      last_modified=page.last_modified if complete else None, seen={e.key: e.stamp for e in done})

    def _checked(self, record: dict, report: UpdateReport, check: FeedCheck, seen: dict | None = None,
                 **validators) -> None:
        """Record a feed's check in the report and in the file (unless the feed was removed meanwhile)."""
        report.checks.append(check)
        with self._edit() as state:
            current = state["feeds"].get(record["id"])
            if current is None:
                return
            current.update({"checked": _now(), "status": check.status + (f": {check.reason}" if check.reason else "")})
            if check.status != "failed":
                current.update({k: v for k, v in validators.items() if k != "title" or v})
            remembered = {**current.get("seen", {}), **(seen or {})}
            current["seen"] = dict(list(remembered.items())[-MAX_SEEN:])

    @staticmethod
    def _find(feeds: dict, key: str) -> dict:
        """A feed's record by id or URL."""
        record = feeds.get(key) or feeds.get(feed_id(key))
        if record is None:
            raise FeedNotFound(f"No feed {key!r}: `python -m index feeds list` shows the feeds")
        return record

    def _read(self) -> dict:
        """The file's state (empty when there is none yet)."""
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"format": FORMAT, "feeds": {}}
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"{self.path} cannot be read ({exc}); remove it to start the feed list anew") from exc
        state.setdefault("feeds", {})
        return state

    @contextmanager
    def _edit(self) -> Iterator[dict]:
        """Read, change and write the file atomically, one writer at a time (threads and processes)."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path.with_name(FILE + ".lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                state = self._read()
                yield state
                tmp = self.path.with_name("." + FILE + ".part")
                tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
                tmp.replace(self.path)


def start_polling(feeds: Feeds, sink: Sink, minutes: float | None = None) -> threading.Event | None:
    """Update the feeds every `minutes` (NEWSQA_FEED_MINUTES by default) in a daemon thread; returns the event
    that stops it, or None when polling is off (0 minutes)."""
    minutes = feeds.settings.feed_minutes if minutes is None else minutes
    if not minutes or minutes <= 0:
        return None
    stop = threading.Event()
    threading.Thread(target=poll, args=(feeds, sink, minutes, stop), name="newsqa-feeds", daemon=True).start()
    return stop


def poll(feeds: Feeds, sink: Sink, minutes: float, stop: threading.Event) -> None:
    """Update the feeds now and then every `minutes` until `stop` is set; a failed update is logged, not raised."""
    while not stop.is_set():
        try:
            report = feeds.update(sink)
            log.info("feeds updated: %s", report.summary().replace("\n", "; "))
        except Exception:  # the loop must survive anything one update does; the error is logged
            log.exception("feed update failed")
        stop.wait(minutes * 60)


def _merge(total: IndexReport, part: IndexReport, gathered: Gathered) -> None:
    """Add one feed's index report (its skips named by URL) and fetch skips to the update's report."""
    for name in ("added", "updated", "unchanged", "removed", "passages", "copies"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.seconds += part.seconds
    total.article_ids.extend(part.article_ids)
    total.skipped.extend(gathered.skipped + gathered.relabel(part.skipped))


def _feed(record: dict) -> Feed:
    """A Feed from its stored record."""
    return Feed(id=record["id"], url=record["url"], title=record.get("title"), added=record.get("added", ""),
                checked=record.get("checked"), status=record.get("status"), entries_read=len(record.get("seen", {})))


def _now() -> str:
    """The time now, UTC, ISO 8601 to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()

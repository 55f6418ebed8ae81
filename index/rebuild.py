"""Rebuild a damaged embedded index: every committed article read straight from Chroma's SQLite (which keeps each
article's text and metadata, whatever happened to the vector files), re-chunked and re-embedded into a new Chroma
folder, optionally with the original files indexed again; the damaged folder is kept beside it."""

from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from .articles import Article
from .corpus import Corpus, _announce
from .errors import IndexDamaged, IndexUnavailable
from .indexer import IndexReport
from .settings import IndexSettings

DOCUMENT = "chroma:document"


@dataclass(frozen=True)
class Recovered:
    """An article as the index database holds it, with the file facts incremental indexing compares."""

    article: Article
    file_hash: str
    file_articles: int


def read_database(chroma: Path, collection: str) -> list[Recovered]:
    """The committed articles of `<collection>-articles`, read from chroma.sqlite3 alone (read-only); IndexDamaged
    when the database itself cannot be read."""
    try:
        db = sqlite3.connect(f"file:{chroma / 'chroma.sqlite3'}?mode=ro", uri=True)
        try:
            rows = db.execute(
                "SELECT e.embedding_id, m.key, m.string_value, m.int_value FROM embeddings e "
                "JOIN segments s ON s.id = e.segment_id AND s.scope = 'METADATA' "
                "JOIN collections c ON c.id = s.collection AND c.name = ? "
                "JOIN embedding_metadata m ON m.id = e.id ORDER BY e.seq_id", (f"{collection}-articles",)).fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise IndexDamaged(f"The index database {chroma / 'chroma.sqlite3'} cannot be read ({exc}): rebuild from the "
                           f"original files instead, `python -m index rebuild --index-dir {chroma.parent} PATH ...`"
                           ) from exc
    records: dict[str, dict] = {}
    for article_id, key, text, number in rows:
        records.setdefault(article_id, {})[key] = text if number is None else number
    return [_recovered(article_id, meta) for article_id, meta in records.items() if meta.get(DOCUMENT)]


def _recovered(article_id: str, meta: dict) -> Recovered:
    """One article record's fields as an Article (its id kept: it is derived from the same content)."""
    article = Article(id=article_id, text=meta[DOCUMENT], title=meta.get("title") or "Untitled",
                      source=meta.get("source"), date=meta.get("date"), url=meta.get("url"),
                      author=meta.get("author"), path=meta.get("path", ""), name=meta.get("name", ""))
    return Recovered(article, meta.get("file_hash", ""), int(meta.get("file_articles", 1)))


def rebuild_index(settings: IndexSettings, paths: Sequence[Path] = (), progress=False) -> tuple[int, IndexReport,
                                                                                                 Path | None]:
    """Rebuild the embedded index in settings.index_dir from its database (and the given files, if any); returns
    (articles recovered from the database, the report of indexing the files, where the damaged folder was kept)."""
    if settings.server_mode:
        raise IndexUnavailable("rebuild works on an embedded index folder; a Chroma server keeps its own data")
    chroma = settings.index_dir / "chroma"
    if not (chroma / "chroma.sqlite3").exists() and not paths:
        raise IndexUnavailable(f"No index at {settings.index_dir} to rebuild: give the original files, "
                               f"`python -m index rebuild --index-dir {settings.index_dir} PATH ...`")
    recovered = _read_or_none(chroma, settings.collection, bool(paths))
    _announce(progress, f"{len(recovered)} articles read from the index database")
    fresh = settings.index_dir / ".rebuild"
    shutil.rmtree(fresh, ignore_errors=True)
    corpus = Corpus.open(replace(settings, index_dir=fresh), create=True, progress=progress)
    try:
        corpus.add_recovered(recovered, progress=progress)
        report = corpus.add(list(paths), progress=progress) if paths else IndexReport()
    finally:
        corpus.store.close()
    kept = _swap(chroma, fresh / "chroma")
    shutil.rmtree(fresh, ignore_errors=True)
    return len(recovered), report, kept


def _read_or_none(chroma: Path, collection: str, have_files: bool) -> list[Recovered]:
    """What the database holds; nothing when it is unreadable but the original files are given."""
    try:
        return read_database(chroma, collection) if (chroma / "chroma.sqlite3").exists() else []
    except IndexDamaged:
        if have_files:
            return []
        raise


def _swap(chroma: Path, fresh: Path) -> Path | None:
    """Put the rebuilt Chroma folder in place; the old one is kept as chroma.damaged-<time> (None if none)."""
    kept = None
    if chroma.exists():
        kept = chroma.with_name(f"chroma.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        chroma.rename(kept)
    fresh.rename(chroma)
    return kept

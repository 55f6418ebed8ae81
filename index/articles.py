"""Article and Passage: the values the index stores and retrieval returns."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

TITLE_CHARS = 110


@dataclass(frozen=True)
class Article:
    """One news article: its text (headers removed) and what is known about it."""

    id: str
    text: str
    title: str
    source: str | None = None
    date: str | None = None
    url: str | None = None
    author: str | None = None
    path: str = ""
    name: str = ""
    group: str | None = None  # its syndicated copies' group: the id of the group's first article (index/dedupe.py)

    def metadata(self) -> dict:
        """The article's fields other than its text, for storage: path is where its file is (the key of
        incremental indexing), name how it is shown (never an absolute server path)."""
        return {"id": self.id, "title": self.title, "source": self.source, "date": self.date,
                "url": self.url, "author": self.author, "path": self.path, "name": self.name, "group": self.group}


@dataclass(frozen=True)
class Passage:
    """A span of an article: `article.text[start:end] == text`, with the article's metadata (path is the
    file's shown name, relative to what was indexed, or the upload's name)."""

    id: str
    article_id: str
    text: str
    start: int
    end: int
    title: str
    source: str | None = None
    date: str | None = None
    url: str | None = None
    path: str = ""
    group: str | None = None
    score: float = 0.0
    signals: dict = field(default_factory=dict, compare=False, hash=False)

    def with_score(self, score: float, **signals) -> "Passage":
        """A copy carrying a retrieval score and the signals that produced it."""
        return replace(self, score=score, signals={**self.signals, **signals})

    def to_dict(self) -> dict:
        """JSON-ready form (REST and CLI)."""
        return {"id": self.id, "article_id": self.article_id, "text": self.text,
                "start": self.start, "end": self.end, "title": self.title,
                "source": self.source, "date": self.date, "url": self.url,
                "path": self.path, "group": self.group, "score": round(self.score, 6)}


def make_article(text: str, *, title: str | None = None, source: str | None = None,
                 date: str | None = None, url: str | None = None, author: str | None = None,
                 path: str = "") -> Article:
    """Build an Article whose id is derived from its content, and whose title is never empty."""
    title = _clean(title) or derive_title(text)
    return Article(id=article_id(text, title), text=text, title=title, source=_clean(source),
                   date=date, url=_clean(url), author=_clean(author), path=path)


def article_id(text: str, title: str = "") -> str:
    """A stable id from the article's content: same text and title, same id."""
    digest = hashlib.sha256()
    digest.update(title.strip().encode("utf-8"))
    digest.update(b"\0")
    digest.update(" ".join(text.split()).encode("utf-8"))
    return digest.hexdigest()[:16]


def derive_title(text: str) -> str:
    """The first line, or its first sentence, cut at a word boundary."""
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    sentence = re.split(r"(?<=[.!?])\s+", first_line, maxsplit=1)[0]
    if len(sentence) <= TITLE_CHARS:
        return sentence or "Untitled"
    return sentence[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _clean(value: str | None) -> str | None:
    """Collapse whitespace; empty becomes None."""
    if value is None:
        return None
    value = " ".join(str(value).split())
    return value or None

"""Citations: a numbered pointer to the exact words of an article that support an answer."""

from __future__ import annotations

from dataclasses import dataclass, field

from index import Passage


@dataclass(frozen=True)
class Citation:
    """Source [n]: the quoted words at article_text[start:end], and the passage they come from."""

    n: int
    article_id: str
    title: str
    source: str | None
    date: str | None
    path: str
    url: str | None
    quote: str
    start: int
    end: int
    passage_id: str
    passage_text: str
    passage_start: int
    duplicates: tuple[dict, ...] = field(default=(), compare=False)
    """The same story from other outlets (syndicated copies): {"article_id", "source", "title", "date", "url"}."""

    def to_dict(self) -> dict:
        """The contract's citation object, plus the passage for display."""
        return {"n": self.n, "article_id": self.article_id, "title": self.title, "source": self.source,
                "date": self.date, "path": self.path, "url": self.url, "quote": self.quote,
                "start": self.start, "end": self.end, "passage_id": self.passage_id,
                "passage_text": self.passage_text, "passage_start": self.passage_start,
                "passage_end": self.passage_start + len(self.passage_text),
                "duplicates": [dict(d) for d in self.duplicates]}


def cite(n: int, passage: Passage, start: int, end: int) -> Citation:
    """A citation of article characters [start, end), which must lie inside the passage."""
    if not (passage.start <= start < end <= passage.end):
        raise ValueError(f"quote [{start}, {end}) is outside passage [{passage.start}, {passage.end})")
    quote = passage.text[start - passage.start:end - passage.start]
    return Citation(n=n, article_id=passage.article_id, title=passage.title, source=passage.source,
                    date=passage.date, path=passage.path, url=passage.url, quote=quote, start=start,
                    end=end, passage_id=passage.id, passage_text=passage.text, passage_start=passage.start)


def quote_matches(citation: Citation, article_text: str | None) -> bool:
    """True if the quote is exactly the article's text at the citation's offsets."""
    return article_text is not None and article_text[citation.start:citation.end] == citation.quote


def source_label(citation: Citation) -> str:
    """'Title — Outlet, 2022-12-18' (undated when the article gives no date)."""
    outlet = f" — {citation.source}" if citation.source else ""
    return f"{citation.title}{outlet}, {citation.date or 'undated'}"

"""A news page's main text and metadata (title, author, date, outlet) with trafilatura.

Navigation, ads, cookie banners, related links and comments are left out. Dates come from the page's
markup (meta tags, JSON-LD, <time>) or its URL, never from a guess in the text: no date given, no date.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .articles import Article, make_article

MIN_PROSE_WORDS = 40  # an article has at least this many words in lines of PROSE_LINE_WORDS or more
PROSE_LINE_WORDS = 8
_DATE_PARAMS = {"extensive_search": False, "original_date": True}


def extract_article(html: str, url: str | None = None, path: str = "") -> Article | None:
    """The page's article (text, title, author, date, outlet), or None when trafilatura finds no text."""
    found = _extract(html, url)
    if found is None:
        return None
    text = _body(found.text or "", found.title)
    if not text:
        return None
    return make_article(text, title=found.title, source=found.sitename or site_name(url), date=found.date,
                        url=url or found.url, author=found.author, path=path)


def not_an_article(article: Article) -> str | None:
    """Why an extracted page is not a news article (a section front, a login wall, an error page), or None."""
    words = prose_words(article.text)
    if words >= MIN_PROSE_WORDS:
        return None
    return (f"not an article: {words} words of running text (an article has at least {MIN_PROSE_WORDS}); "
            f"a section front, index or error page?")


def prose_words(text: str) -> int:
    """Words in the text's lines of PROSE_LINE_WORDS words or more (headlines and menus are shorter)."""
    counts = (len(line.split()) for line in text.splitlines())
    return sum(n for n in counts if n >= PROSE_LINE_WORDS)


def site_name(url: str | None) -> str | None:
    """An outlet's name from a URL: its host without 'www.' (None without a URL)."""
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def _extract(html: str, url: str | None):
    """trafilatura's document, favouring precision; again with its defaults when that finds no article."""
    import trafilatura

    options = dict(url=url, with_metadata=True, include_comments=False, include_tables=False,
                   deduplicate=False, date_extraction_params=_DATE_PARAMS)
    precise = trafilatura.bare_extraction(html, favor_precision=True, **options)
    if precise is not None and prose_words(precise.text or "") >= MIN_PROSE_WORDS:
        return precise
    return trafilatura.bare_extraction(html, **options) or precise


def _body(text: str, title: str | None) -> str:
    """Paragraphs separated by blank lines, without a first line that repeats the title."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if lines and title and _same(lines[0], title):
        lines = lines[1:]
    return "\n\n".join(lines)


def _same(a: str, b: str) -> bool:
    """Equal up to case, spacing and punctuation."""
    def norm(s: str) -> str:
        return re.sub(r"\W+", " ", s).strip().lower()

    return norm(a) == norm(b)

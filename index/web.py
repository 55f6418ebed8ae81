"""URLs into articles: an article page is fetched and extracted; an RSS 2.0, RSS 1.0 or Atom feed (feedparser)
gives the pages its entries link. Each article is saved as a JSON record under the index folder (`pages/`, one
file per URL), which the indexer then reads like any other file: a page fetched again with the same text is
unchanged, with new text it is updated. Whatever cannot be fetched or read is a Skip with the reason.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urljoin

from .articles import Article
from .extract import not_an_article
from .fetch import FEED_TYPES, Fetcher, FetchError, Page, is_http_url
from .readers import Skip, SkipKind, normalize_date, parse_html
from .settings import IndexSettings

PAGES_FOLDER = "pages"
_FEED_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.S)


@dataclass(frozen=True)
class Entry:
    """One item of a feed: the key it is remembered by, its link, what the feed says about it, and the stamp
    (its updated or published time as written) that tells whether it changed."""

    key: str
    link: str
    title: str | None = None
    date: str | None = None
    author: str | None = None
    stamp: str = ""


@dataclass(frozen=True)
class FeedDocument:
    """A parsed feed: its title, its usable entries, and the broken ones as skips."""

    title: str | None
    entries: list[Entry]
    skipped: list[Skip]


@dataclass
class Gathered:
    """Article files saved from URLs, the URL each came from, and what was skipped."""

    files: list[Path] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)  # saved file (resolved) -> the URL it came from
    skipped: list[Skip] = field(default_factory=list)

    def names(self) -> dict[Path, str]:
        """How the saved files are shown: by the URL each came from."""
        shown = {}
        for file in self.files:
            url = self.urls.get(str(file.resolve()), self.urls.get(str(file)))
            if url:
                shown[file] = shown[file.resolve()] = url
        return shown

    def relabel(self, skips: list[Skip]) -> list[Skip]:
        """Skips the indexer reported about saved files, named by their URL instead."""
        return [replace(s, path=self.urls.get(s.path, s.path)) for s in skips]


def is_feed(page: Page) -> bool:
    """True when a response is a feed: by its media type, or by its first element (feeds served as text/html)."""
    return page.media_type in FEED_TYPES or bool(_FEED_START.match(page.body[:2048]))


def parse_feed(data: bytes, url: str, content_type: str = "") -> FeedDocument | None:
    """An RSS 2.0, RSS 1.0 or Atom feed's entries, broken ones (no link, a link that is not http(s), a repeated
    link) skipped with the reason; None when the bytes are not a feed."""
    import feedparser

    parsed = feedparser.parse(data, response_headers={"content-location": url, "content-type": content_type})
    if not parsed.get("version") and not parsed.entries:
        return None
    entries, skipped, links = [], [], {}
    for n, raw in enumerate(parsed.entries, 1):
        entry, problem = _entry(raw, url)
        where = f"{url}#entry{n}"
        if entry is not None and entry.link in links:
            problem = Skip(where, f"same link as entry {links[entry.link]}", SkipKind.DUPLICATE, entry.title)
        if problem is not None:
            skipped.append(replace(problem, path=where))
            continue
        links[entry.link] = n
        entries.append(entry)
    return FeedDocument(_text(parsed.feed.get("title")), entries, skipped)


def _entry(raw, base: str) -> tuple[Entry | None, Skip | None]:
    """One feedparser entry as an Entry, or the reason it cannot be one."""
    title = _text(raw.get("title"))
    link = (raw.get("link") or "").strip()
    if not link:
        return None, Skip("", "feed entry has no link", SkipKind.UNREADABLE, title)
    link = urljoin(base, link)
    if not is_http_url(link):
        return None, Skip("", f"feed entry links to {link[:80]!r}, not an http(s) URL", SkipKind.REFUSED, title)
    written = raw.get("published") or raw.get("updated")
    when = raw.get("published_parsed") or raw.get("updated_parsed")  # in UTC: only when the text has no date
    date = normalize_date(written) or (time.strftime("%Y-%m-%d", when) if when else None)
    return Entry(key=(raw.get("id") or link).strip(), link=link, title=title, date=date,
                 author=_text(raw.get("author")), stamp=raw.get("updated") or raw.get("published") or ""), None


class Web:
    """Fetches URLs into article files in the index folder (settings `fetch_*`); close it when done."""

    def __init__(self, settings: IndexSettings, fetcher: Fetcher | None = None):
        self.settings = settings
        self.folder = settings.index_dir / PAGES_FOLDER
        self.fetcher = fetcher or Fetcher(settings)

    def __enter__(self) -> "Web":
        return self

    def __exit__(self, *exc) -> None:
        self.fetcher.close()

    def gather(self, urls: list[str]) -> Gathered:
        """Each URL: a feed gives its entries' pages, a page itself."""
        gathered = Gathered()
        for url in urls:
            try:
                page = self.fetcher.get(url)
                if not is_feed(page):
                    self._keep(gathered, url, self.save(url, self.article(page)))
                    continue
                feed = self.read_feed(page)
            except FetchError as exc:
                gathered.skipped.append(exc.skip(url))
                continue
            gathered.skipped.extend(feed.skipped)
            self.fetch_entries(feed.entries, gathered)
        return gathered

    def read_feed(self, page: Page) -> FeedDocument:
        """A fetched feed's document; FetchError when it is not one."""
        feed = parse_feed(page.body, page.url, page.media_type + (f"; charset={page.charset}" if page.charset else ""))
        if feed is None:
            raise FetchError(SkipKind.UNREADABLE, f"not a feed: {page.media_type or 'no content type'} "
                                                  f"that is neither RSS nor Atom")
        return feed

    def fetch_entries(self, entries: list[Entry], gathered: Gathered) -> list[Entry]:
        """Fetch and save the entries' pages (a few at a time); returns the entries that are done with: saved,
        or failed in a way that fetching again would not fix (a timeout or an unreachable host is retried)."""
        with ThreadPoolExecutor(max_workers=max(1, self.settings.fetch_workers)) as pool:
            results = list(pool.map(self._entry_page, entries))
        done = []
        for entry, result in zip(entries, results):
            if isinstance(result, FetchError):
                gathered.skipped.append(result.skip(entry.link, entry.title))
                if result.transient:
                    continue
            else:
                self._keep(gathered, entry.link, result)
            done.append(entry)
        return done

    def _entry_page(self, entry: Entry) -> Path | FetchError:
        """An entry's page saved as an article file (what the feed says fills in a missing date or author)."""
        try:
            article = self.article(self.fetcher.get(entry.link))
        except FetchError as exc:
            return exc
        article = replace(article, date=article.date or entry.date, author=article.author or entry.author)
        return self.save(entry.link, article)

    def article(self, page: Page) -> Article:
        """The article of a fetched page; FetchError when there is none."""
        if is_feed(page):
            raise FetchError(SkipKind.NOT_ARTICLE, "a feed, not an article page")
        article = parse_html(page.text(), "", url=page.url)
        if article is None:
            raise FetchError(SkipKind.NOT_ARTICLE, "not an article: no text found on the page")
        problem = not_an_article(article)
        if problem:
            raise FetchError(SkipKind.NOT_ARTICLE, problem)
        return article

    def save(self, url: str, article: Article) -> Path:
        """Write the article as a JSON record named after the URL it was fetched from (atomically)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:24] + ".json")
        record = {"url": article.url or url, "title": article.title, "source": article.source,
                  "date": article.date, "author": article.author, "text": article.text, "fetched_from": url}
        tmp = target.with_name("." + target.name + ".part")
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(target)
        return target

    @staticmethod
    def _keep(gathered: Gathered, url: str, path: Path) -> None:
        """Record a saved article file and the URL it came from."""
        gathered.files.append(path)
        gathered.urls[str(path.resolve())] = url


def _text(value) -> str | None:
    """A feed's text field with whitespace collapsed (None when empty)."""
    return " ".join(str(value or "").split()) or None

"""Read article files (txt, md, html, json, jsonl) into Articles; skip what cannot be read, with a reason."""

from __future__ import annotations

import json
import logging
import re
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from pathlib import Path

from .articles import Article, make_article
from .errors import FileTooLarge, UnsupportedFile
from .extract import MIN_PROSE_WORDS, extract_article, prose_words, site_name

TEXT_TYPES = {".txt", ".md", ".markdown"}
HTML_TYPES = {".html", ".htm"}
JSON_TYPES = {".json", ".jsonl", ".ndjson"}
SUPPORTED = TEXT_TYPES | HTML_TYPES | JSON_TYPES

HEADER_KEYS = {"title": "title", "headline": "title", "source": "source", "outlet": "source",
               "publisher": "source", "date": "date", "published": "date",
               "published_at": "date", "url": "url", "link": "url", "author": "author", "by": "author"}
FIELD_NAMES = {"text": ("body", "text", "content", "article", "maintext"),
               "title": ("title", "headline"),
               "source": ("source", "outlet", "publisher", "site_name"),
               "date": ("published_at", "date", "published", "pubDate", "publish_date", "datetime"),
               "url": ("url", "link"),
               "author": ("author", "authors", "byline")}
_DATE_HEADER = re.compile(r"[ \t]*(?:date|published(?:_at)?)[ \t]*:?[ \t]+"
                          r"(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?)"
                          r"[ \t]*", re.IGNORECASE)
_KEY_HEADER = re.compile(r"[ \t]*([A-Za-z_]+)[ \t]*:?[ \t]+(\S.*?)[ \t]*$")
_SURROGATE = re.compile("[\ud800-\udfff]")
log = logging.getLogger(__name__)


class SkipKind(str, Enum):
    """Why something was not indexed, as a value callers can branch on (the reason says it in words)."""

    MISSING = "missing"
    UNSUPPORTED = "unsupported"
    TOO_LARGE = "too_large"
    UNREADABLE = "unreadable"
    DUPLICATE = "duplicate"
    # a URL (index/fetch.py, index/web.py)
    REFUSED = "refused"  # not http(s), or a loopback/private address (NEWSQA_ALLOW_LOCAL_URLS)
    UNREACHABLE = "unreachable"  # the host does not resolve or does not answer
    TIMEOUT = "timeout"
    HTTP_ERROR = "http_error"  # 404, 500, ...
    REDIRECTS = "redirects"  # a redirect loop, or too many redirects
    NOT_ARTICLE = "not_article"  # a page without an article's running text (a section front, an error page)


@dataclass(frozen=True)
class Skip:
    """Something that was not indexed, why (in words), its kind, and the article's title when known."""

    path: str
    reason: str
    kind: SkipKind = SkipKind.UNREADABLE
    title: str | None = None

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"path": self.path, "reason": self.reason, "kind": self.kind.value, "title": self.title}


def unsupported_type(suffix: str) -> str:
    """The one message for a file type the readers do not take."""
    return f"unsupported file type {suffix or '(none)'}; use one of {', '.join(sorted(SUPPORTED))}"


def too_large(size: int, max_bytes: int) -> str:
    """The one message for a file over the size limit."""
    return f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.3g} MB limit (NEWSQA_MAX_UPLOAD_MB)"


def check_upload(name: str, size: int, max_bytes: int) -> None:
    """The one check of an upload's type and declared or read size: UnsupportedFile or FileTooLarge, one message."""
    problem = upload_problem(Path(safe_filename(name)).suffix.lower(), size, max_bytes)
    if problem is not None:
        error = FileTooLarge if problem.kind is SkipKind.TOO_LARGE else UnsupportedFile
        raise error(f"{name!r}: {problem.reason}")


def upload_problem(suffix: str, size: int, max_bytes: int) -> Skip | None:
    """The one check of a file's type and size before it is read (CLI, uploads, REST): a Skip, or None."""
    if suffix not in SUPPORTED:
        return Skip("", unsupported_type(suffix), SkipKind.UNSUPPORTED)
    if size > max_bytes:
        return Skip("", too_large(size, max_bytes), SkipKind.TOO_LARGE)
    return None


@dataclass(frozen=True)
class ReadResult:
    """The articles read from one file and what in it was skipped."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


@dataclass(frozen=True)
class Found:
    """A file to read, and the name it is shown under: relative to the folder given (that folder's name first),
    or its own name when the file itself was given; never the server's absolute path."""

    path: Path
    name: str


def find_files(paths: list[Path]) -> tuple[list[Found], list[Skip]]:
    """Expand folders into their supported files (sorted); report unsupported or missing ones."""
    found, skipped = [], []
    for path in paths:
        if path.is_dir():
            root = path.resolve().name
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = child.relative_to(path)
                if any(part.startswith(".") for part in relative.parts):
                    continue  # hidden files and folders (.git, editor swap files) are not articles
                _take(found, skipped, child, "/".join((root, *relative.parts)) if root else relative.as_posix())
        elif path.is_file():
            _take(found, skipped, path, path.name)
        else:
            skipped.append(Skip(str(path), "no such file or folder", SkipKind.MISSING))
    return found, skipped


def _take(found: list[Found], skipped: list[Skip], path: Path, name: str) -> None:
    """A file of a supported type is to be read; another is reported as skipped."""
    if path.suffix.lower() in SUPPORTED:
        found.append(Found(path, name))
    else:
        skipped.append(Skip(name, unsupported_type(path.suffix), SkipKind.UNSUPPORTED))


def read_file(path: Path, max_bytes: int, label: str | None = None) -> ReadResult:
    """Read one file; never raises for bad content, reports it as skipped instead (a reader's own failure
    too: one bad file never stops a build)."""
    label = label or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        return ReadResult(skipped=[Skip(label, f"unreadable: {exc.strerror or exc}")])
    try:
        return read_bytes(data, path.suffix.lower(), label, max_bytes)
    except Exception as exc:  # a reader bug must cost this file only, not the build
        log.exception("reading %s failed", path)
        return ReadResult(skipped=[Skip(label, f"could not be read ({type(exc).__name__}: {exc})")])


def read_bytes(data: bytes, suffix: str, label: str, max_bytes: int) -> ReadResult:
    """Parse the bytes of one file of the given type (suffix like '.txt')."""
    problem = upload_problem(suffix, len(data), max_bytes)
    if problem:
        return ReadResult(skipped=[Skip(label, problem.reason, problem.kind)])
    problem = _check_bytes(data)
    if problem:
        return ReadResult(skipped=[Skip(label, problem)])
    text = data.decode("utf-8-sig")
    if suffix in HTML_TYPES:
        return _one(parse_html(text, label), label)
    if suffix in JSON_TYPES:
        return parse_json(text, label, lines=suffix != ".json")
    return _one(parse_text(text, label), label)


def _check_bytes(data: bytes) -> str | None:
    """The reason these bytes of a supported type and size cannot be an article file, or None."""
    if not data.strip():
        return "empty file"
    if b"\0" in data[:8192]:
        return "binary file, not text"
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8"
    return None


def _one(article: Article | None, label: str) -> ReadResult:
    """Wrap a single parsed article, or report that the file held no text."""
    if article is None:
        return ReadResult(skipped=[Skip(label, "no article text in file")])
    return ReadResult(articles=[article])


def parse_text(raw: str, path: str) -> Article | None:
    """A plain-text or Markdown article with optional header lines (`date 2022-12-18`, `title ...`)."""
    fields, body = split_headers(raw)
    if not fields.get("title"):
        heading = re.match(r"\s*#{1,3}\s+(.+)\n", body)
        if heading:
            fields["title"] = heading.group(1).strip()
    body = body.strip()
    if not body:
        return None
    return make_article(body, title=fields.get("title"), source=fields.get("source"),
                        date=normalize_date(fields.get("date")), url=fields.get("url"),
                        author=fields.get("author"), path=path)


def split_headers(raw: str) -> tuple[dict, str]:
    """Take header lines (or YAML front matter) off the top; return (fields, body)."""
    fields: dict[str, str] = {}
    text = raw.lstrip("\ufeff")
    front = re.match(r"---\s*\n(.*?)\n---\s*\n", text, re.DOTALL)
    if front:
        for line in front.group(1).splitlines():
            _take_header(line, fields)
        text = text[front.end():]
    while text.strip():
        date = _DATE_HEADER.match(text)
        if date and "date" not in fields:
            fields["date"] = date.group(1)
            text = text[date.end():].lstrip("\n")
            continue
        line, _, rest = text.partition("\n")
        if not line.strip():
            text = rest
            continue
        if not _take_header(line, fields):
            break
        text = rest
    return fields, text


def _take_header(line: str, fields: dict) -> bool:
    """Record a `key value` header line in fields; False if the line is not a header."""
    match = _KEY_HEADER.match(line)
    if not match:
        return False
    key = HEADER_KEYS.get(match.group(1).lower())
    if key is None or key in fields:
        return False
    if key == "date" and normalize_date(match.group(2)) is None:
        return False
    fields[key] = match.group(2).strip().strip('"')
    return True


def parse_html(raw: str, path: str, url: str | None = None) -> Article | None:
    """An HTML page: main text, title, author, date and outlet by trafilatura (index/extract.py); a page
    where it finds no running text is read by its markup (parse_markup) if that finds any."""
    found = extract_article(raw, url, path)
    if found is not None and prose_words(found.text) >= MIN_PROSE_WORDS:
        return found
    markup = parse_markup(raw, path)
    if markup is None:
        return found
    return replace(markup, url=url or markup.url, source=markup.source or site_name(url))


def parse_markup(raw: str, path: str) -> Article | None:
    """An HTML page: article text from <article>/<main>/<body>, title and date from metadata."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    meta = _html_meta(soup)
    for tag in soup(["script", "style", "noscript", "nav", "footer", "header", "aside", "form"]):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks = [" ".join(el.get_text(" ").split()) for el in root.find_all(["h1", "h2", "h3", "p", "li", "blockquote"])]
    blocks = [b for b in blocks if b]
    body = "\n\n".join(blocks) if blocks else "\n".join(
        line.strip() for line in root.get_text("\n").splitlines() if line.strip())
    if not body.strip():
        return None
    title = meta.get("title") or (soup.h1.get_text(" ").strip() if soup.h1 else None)
    return make_article(body, title=title, source=meta.get("source"), date=normalize_date(meta.get("date")),
                        url=meta.get("url"), author=meta.get("author"), path=path)


def _html_meta(soup) -> dict:
    """Title, outlet, date, url and author from a page's <meta>, <title>, <time> and canonical link."""
    found: dict[str, str] = {}
    keys = {"og:title": "title", "twitter:title": "title", "og:site_name": "source",
            "article:published_time": "date", "date": "date", "pubdate": "date",
            "publish-date": "date", "dc.date": "date", "og:url": "url", "author": "author",
            "article:author": "author"}
    for tag in soup.find_all("meta"):
        name = (tag.get("property") or tag.get("name") or "").lower()
        if name in keys and tag.get("content") and keys[name] not in found:
            found[keys[name]] = tag["content"].strip()
    if "title" not in found and soup.title and soup.title.string:
        found["title"] = soup.title.string.strip()
    time_tag = soup.find("time", attrs={"datetime": True})
    if "date" not in found and time_tag:
        found["date"] = time_tag["datetime"]
    canonical = soup.find("link", rel="canonical")
    if "url" not in found and canonical and canonical.get("href"):
        found["url"] = canonical["href"]
    return found


def parse_json(raw: str, path: str, lines: bool) -> ReadResult:
    """JSON (a record, a list, or {"articles": [...]}) or JSON Lines; bad records are skipped."""
    if lines:
        records, skipped = [], []
        for number, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            data, problem = load_json(line)
            if problem:
                skipped.append(Skip(f"{path}#line{number}", problem))
            else:
                records.append((f"line {number}", data))
    else:
        data, problem = load_json(raw, whole_file=True)
        if problem:
            return ReadResult(skipped=[Skip(path, problem)])
        if isinstance(data, dict):
            data = next((data[k] for k in ("articles", "data", "records", "items")
                         if isinstance(data.get(k), list)), [data])
        if not isinstance(data, list):
            return ReadResult(skipped=[Skip(path, "JSON is neither a record nor a list of records")])
        records, skipped = [(f"record {i}", rec) for i, rec in enumerate(data)], []
    articles = []
    for where, record in records:
        article, reason = parse_record(record, path)
        if article is None:
            skipped.append(Skip(f"{path}#{where.replace(' ', '')}", reason))
        else:
            articles.append(article)
    return ReadResult(articles=articles, skipped=skipped)


def load_json(text: str, whole_file: bool = False) -> tuple[object, str | None]:
    """Decode JSON text: (value, None), or (None, why it cannot be read) for malformed JSON (with its line in a
    whole file), nesting deeper than Python's decoder goes, or a number too long to convert."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"malformed JSON{f' at line {exc.lineno}' if whole_file else ''}: {exc.msg}"
    except RecursionError:
        return None, f"JSON nested too deeply (the limit is about {sys.getrecursionlimit():,} levels)"
    except ValueError as exc:  # int conversion limit: a number with thousands of digits
        return None, f"JSON holds a number too long to read ({str(exc).split(':')[0].lower()})"


def parse_record(record, path: str) -> tuple[Article | None, str]:
    """One JSON record into an Article, or (None, reason)."""
    if not isinstance(record, dict):
        return None, "record is not a JSON object"
    values = {name: _first(record, keys) for name, keys in FIELD_NAMES.items()}
    text = values.pop("text")
    if not isinstance(text, str) or not text.strip():
        return None, "record has no body text (body, text or content)"
    author = values["author"]
    if isinstance(author, list):
        author = ", ".join(str(a) for a in author)
    source = values["source"]
    if isinstance(source, dict):
        source = source.get("name")
    fields = {"text": text.strip(), "title": _str(values["title"]), "source": _str(source),
              "date": _str(values["date"]), "url": _str(values["url"]), "author": _str(author)}
    problem = not_unicode(fields)
    if problem:
        return None, problem
    return make_article(fields.pop("text"), **{**fields, "date": normalize_date(fields["date"])}, path=path), ""


def not_unicode(fields: dict[str, str | None]) -> str | None:
    """Why these text fields cannot be stored (a lone surrogate such as "\\udfff" is not Unicode text), or None."""
    for name, value in fields.items():
        bad = _SURROGATE.search(value or "")
        if bad:
            return (f"record holds a lone surrogate (\\u{ord(bad.group()):04x}) in its {name}, which is not valid "
                    f"Unicode text; fix the file's encoding")
    return None


def _first(record: dict, keys: tuple[str, ...]):
    """The first present, non-empty value among keys."""
    for key in keys:
        if record.get(key) not in (None, ""):
            return record[key]
    return None


def _str(value) -> str | None:
    """Strings stay, None stays, anything else becomes its str()."""
    return None if value is None else str(value)


def normalize_date(value: str | None) -> str | None:
    """An ISO date (YYYY-MM-DD) from a date string that names a year, or None: never invented."""
    if not value:
        return None
    value = value.strip()
    iso = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    try:
        if iso:
            return datetime(int(iso[1]), int(iso[2]), int(iso[3])).date().isoformat()
        if not re.search(r"\b(1[89]|20)\d{2}\b", value):
            return None
        from dateutil import parser

        first = parser.parse(value, default=datetime(2000, 1, 1)).date()
        second = parser.parse(value, default=datetime(2001, 2, 2)).date()
        return first.isoformat() if first == second else None  # a missing day or month is not invented
    except (ValueError, OverflowError):
        return None


def safe_filename(name: str) -> str:
    """The last component of an uploaded name, with anything but letters, digits, '.', '-', '_' replaced."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.\-]", "_", base).lstrip(".")
    if len(base) > 120:  # shorten the stem, never the type
        base = Path(base).stem[:100] + Path(base).suffix[:20]
    return base or "upload.txt"

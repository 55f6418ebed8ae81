"""Fetching pages and feeds over HTTP(S) with httpx, within limits: connect and read timeouts, a deadline, a size
limit (the body is streamed and reading stops there), bounded redirects, a content-type check, a descriptive
User-Agent, and no request to a loopback, private or link-local address unless NEWSQA_ALLOW_LOCAL_URLS=1
(every redirect hop is checked, and so is the address actually connected to). Proxies from the environment are
not used, so that the address checked is the address reached.
"""

from __future__ import annotations

import codecs
import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .errors import NewsqaError
from .readers import Skip, SkipKind
from .settings import IndexSettings

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
                        "text/xml", "application/feed+xml"})
ACCEPT = "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1"
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 65536


class FetchError(NewsqaError):
    """A URL that could not be fetched: why in words, the kind of skip it is, and whether trying again later
    may succeed (a timeout, an unreachable host, a server error) or not (a 404, a page that is not an article)."""

    def __init__(self, kind: SkipKind, reason: str, transient: bool | None = None):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.transient = kind in (SkipKind.TIMEOUT, SkipKind.UNREACHABLE) if transient is None else transient

    def skip(self, label: str, title: str | None = None) -> Skip:
        """This failure as the Skip of an item."""
        return Skip(label, self.reason, self.kind, title)


@dataclass(frozen=True)
class Page:
    """A response: the URL it came from after redirects, its status (200, or 304 not modified), media type and
    declared charset, the body, and the validators for the next conditional request."""

    url: str
    status: int
    media_type: str
    charset: str | None
    body: bytes
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        """True for a 304 answer to a conditional request (no body)."""
        return self.status == 304

    def text(self) -> str:
        """The body decoded by its declared charset, else the one its markup declares, else a detected one."""
        return decode(self.body, self.charset)


def is_url(value: str) -> bool:
    """True for something given as a URL (`scheme://...`) rather than a path; check_url says if it is fetched."""
    return bool(re.match(r"(?i)[a-z][a-z0-9+.-]*://", str(value)))


def is_http_url(value: str) -> bool:
    """True for an http or https URL with a host."""
    parts = urlsplit(str(value).strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def check_url(url: str, allow_local: bool) -> None:
    """Raise FetchError for a URL this product will not request: not http(s), no host, or (unless allowed) a host
    that resolves to a loopback, private, link-local or otherwise non-public address."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(SkipKind.REFUSED, f"only http and https URLs are fetched, not {parts.scheme or 'this'!r}")
    try:
        host, port = parts.hostname, parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise FetchError(SkipKind.UNREADABLE, f"malformed URL: {exc}") from exc
    if not host:
        raise FetchError(SkipKind.UNREADABLE, "malformed URL: no host")
    if allow_local:
        return
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(SkipKind.UNREACHABLE, f"cannot resolve host {host!r}: {exc}") from exc
    for address in sorted(found):
        refuse_address(host, address)


def refuse_address(host: str, address: str) -> None:
    """Raise FetchError when an address is not a public one (NEWSQA_ALLOW_LOCAL_URLS=1 lifts this)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    ip = getattr(ip, "ipv4_mapped", None) or ip
    if ip.is_global and not ip.is_multicast:
        return
    kind = ("loopback" if ip.is_loopback else "link-local" if ip.is_link_local else
            "private" if ip.is_private else "non-public")
    raise FetchError(SkipKind.REFUSED, f"{host} resolves to {ip}, a {kind} address: refused to prevent "
                                       f"server-side request forgery (set NEWSQA_ALLOW_LOCAL_URLS=1 to allow)")


class Fetcher:
    """An HTTP client with the product's limits (index settings `fetch_*`, `user_agent`, `allow_local_urls`)."""

    def __init__(self, settings: IndexSettings, transport=None):
        import httpx

        self.settings = settings
        timeout = httpx.Timeout(settings.fetch_timeout, connect=settings.fetch_connect_timeout)
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False, transport=transport,
                                    headers={"User-Agent": settings.user_agent, "Accept": ACCEPT})

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Page:
        """GET a page or feed, following redirects (each hop checked); with validators, a conditional request
        that may come back 304. Raises FetchError with the reason."""
        import httpx

        seen: list[str] = []
        headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if v}
        while True:
            if url in seen:
                raise FetchError(SkipKind.REDIRECTS, f"redirect loop: {seen[-1]} leads back to {url}")
            if len(seen) > self.settings.fetch_max_redirects:
                raise FetchError(SkipKind.REDIRECTS, f"more than {self.settings.fetch_max_redirects} redirects "
                                                     f"(NEWSQA_FETCH_MAX_REDIRECTS)")
            check_url(url, self.settings.allow_local_urls)
            seen.append(url)
            try:
                page, location = self._once(url, headers)
            except httpx.TimeoutException as exc:
                raise FetchError(SkipKind.TIMEOUT, f"timed out after {self.settings.fetch_timeout:g} s "
                                                   f"(NEWSQA_FETCH_TIMEOUT): {type(exc).__name__}") from exc
            except httpx.HTTPError as exc:
                raise FetchError(SkipKind.UNREACHABLE, f"cannot connect: {exc or type(exc).__name__}") from exc
            if page is not None:
                return page
            url = location

    def _once(self, url: str, headers: dict) -> tuple[Page | None, str]:
        """One request: a Page, or (None, the URL a redirect points at)."""
        started = time.monotonic()
        with self._client.stream("GET", url, headers=headers) as response:
            self._check_peer(response, url)
            if response.status_code == 304:
                return self._page(url, response, b""), ""
            if response.status_code in REDIRECT_CODES:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(SkipKind.HTTP_ERROR, f"HTTP {response.status_code} redirect without a Location")
                return None, urljoin(url, location)
            status = response.status_code
            if not response.is_success or status == 204:
                raise FetchError(SkipKind.HTTP_ERROR, f"HTTP {status} {response.reason_phrase}".strip(),
                                 transient=status >= 500 or status == 429)
            media = _media_type(response.headers.get("content-type", ""))
            if media and media not in HTML_TYPES | FEED_TYPES:
                raise FetchError(SkipKind.UNSUPPORTED, f"content type {media} is neither a web page nor a feed")
            return self._page(url, response, self._read(response, started)), ""

    def _read(self, response, started: float) -> bytes:
        """The body, read until the size limit or the deadline (both raise FetchError)."""
        limit = self.settings.fetch_max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(SkipKind.TOO_LARGE, _too_large(int(declared), limit, "declared"))
        chunks, size = [], 0
        for chunk in response.iter_bytes(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise FetchError(SkipKind.TOO_LARGE, _too_large(size, limit, "stopped reading at"))
            if time.monotonic() - started > self.settings.fetch_timeout:
                raise FetchError(SkipKind.TIMEOUT, f"still sending after {self.settings.fetch_timeout:g} s "
                                                   f"(NEWSQA_FETCH_TIMEOUT)")
            chunks.append(chunk)
        return b"".join(chunks)

    def _check_peer(self, response, url: str) -> None:
        """Refuse a response from a non-public address (a host that resolved differently at connect time)."""
        if self.settings.allow_local_urls:
            return
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if peer:
            refuse_address(urlsplit(url).hostname or "", str(peer[0]))

    @staticmethod
    def _page(url: str, response, body: bytes) -> Page:
        """A Page from a response and its body."""
        content_type = response.headers.get("content-type", "")
        charset = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
        return Page(url=url, status=response.status_code, media_type=_media_type(content_type),
                    charset=charset.group(1) if charset else None, body=body,
                    etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"))


def decode(body: bytes, declared: str | None = None) -> str:
    """Bytes of a page as text: a byte-order mark, the declared charset, the charset the markup declares
    (<meta charset>, <?xml encoding?>), UTF-8, then the charset detected (charset-normalizer)."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(name, errors="replace")
    head = body[:4096]
    inline = re.search(rb"""<meta[^>]+charset=["']?([\w.:-]+)|<\?xml[^>]+encoding=["']([\w.:-]+)""", head, re.I)
    candidates = [declared, *(g.decode("ascii") for g in (inline.groups() if inline else ()) if g), "utf-8"]
    for name in candidates:
        if not name:
            continue
        try:
            return body.decode(_charset(name))
        except (LookupError, UnicodeDecodeError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    return str(best) if best is not None else body.decode("utf-8", errors="replace")


def _charset(name: str) -> str:
    """A charset name as Python knows it; ISO-8859-1 and ASCII are read as windows-1252, as browsers do."""
    name = codecs.lookup(name).name
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def _media_type(content_type: str) -> str:
    """'text/html; charset=utf-8' -> 'text/html'."""
    return content_type.split(";", 1)[0].strip().lower()


def _too_large(size: int, limit: int, how: str) -> str:
    """The one message for a response over the size limit."""
    return (f"response too large: {how} {size / 2**20:.1f} MB, over the {limit / 2**20:.3g} MB limit "
            f"(NEWSQA_FETCH_MAX_MB)")

"""A real HTTP server on 127.0.0.1 and a free port for the ingestion tests: the saved news pages, the fixture
feeds (RSS 2.0, RSS 1.0, Atom, one with broken entries), a 404, a slow endpoint, a redirect loop, a huge body, an
image, a page in windows-1252, and ETag / Last-Modified answers (304 to a matching conditional request). It
records every request's path and headers."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
PAGES, FEEDS = DATA / "pages", DATA / "feeds"
FEED_TYPES = {"rss2.xml": "application/rss+xml", "rss1.rdf": "application/rdf+xml",
              "atom.xml": "application/atom+xml", "broken.xml": "text/xml"}
HUGE_MB = 3


@dataclass
class Route:
    """What one path answers: status, headers, body, a delay before answering, and validators."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    etag: str | None = None
    last_modified: str | None = None


class FixtureServer:
    """The server and what it serves; `routes` and the feeds can be changed by a test while it runs."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []
        self.routes: dict[str, Route] = {}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._default_routes()

    def _default_routes(self) -> None:
        """Pages, feeds and the misbehaving endpoints."""
        for page in PAGES.glob("*.html"):
            self.routes[f"/pages/{page.name}"] = Route(body=page.read_bytes(), content_type=(
                "text/html" if "euro-observer" in page.name else "text/html; charset=utf-8"))
        for name in FEED_TYPES:
            self.set_feed(name, (FEEDS / name).read_text(encoding="utf-8"), etag='"v1"',
                          last_modified="Thu, 14 Dec 2023 08:00:00 GMT")
        self.routes["/section"] = Route(body=(PAGES / "section-harbor-gazette-news.html").read_bytes())
        self.routes["/slow"] = Route(body=b"<html><body><p>late</p></body></html>", delay=3.0)
        self.routes["/loop/a"] = Route(status=302, headers={"Location": "/loop/b"})
        self.routes["/loop/b"] = Route(status=302, headers={"Location": f"{self.base}/loop/a"})
        self.routes["/moved"] = Route(status=301, headers={"Location": "/pages/11-sports-desk-final.html"})
        self.routes["/image.png"] = Route(body=b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png")
        self.routes["/huge"] = Route(body=b"<html><body>" + b"<p>more words</p>" * (HUGE_MB * 2**20 // 17))
        self.routes["/huge-declared"] = Route(body=self.routes["/huge"].body, headers={"X-Declare-Length": "1"})
        self.routes["/to-private"] = Route(status=302, headers={"Location": "http://10.0.0.1/internal"})

    def set_feed(self, name: str, xml: str, etag: str | None = None, last_modified: str | None = None) -> None:
        """Serve a feed at /feeds/NAME ({base} in it replaced by this server's URL)."""
        self.routes[f"/feeds/{name}"] = Route(body=xml.replace("{base}", self.base).encode("utf-8"),
                                              content_type=FEED_TYPES.get(name, "application/rss+xml"),
                                              etag=etag, last_modified=last_modified)

    def url(self, path: str) -> str:
        """The full URL of a path on this server."""
        return self.base + path

    def paths(self) -> list[str]:
        """The paths requested so far, in order."""
        return [path for path, _ in self.requests]

    def __enter__(self) -> "FixtureServer":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(server: FixtureServer):
    """A request handler class bound to the server's routes."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            server.requests.append((self.path, dict(self.headers)))
            route = server.routes.get(self.path)
            if route is None:
                return self._answer(404, b"<html><body><h1>Not found</h1></body></html>", "text/html")
            time.sleep(route.delay)
            validators = {k: v for k, v in (("ETag", route.etag), ("Last-Modified", route.last_modified)) if v}
            if (route.etag and self.headers.get("If-None-Match") == route.etag) or \
                    (route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified):
                return self._answer(304, b"", None, validators)
            self._answer(route.status, route.body, route.content_type, {**route.headers, **validators})

        def _answer(self, status: int, body: bytes, content_type: str | None, headers: dict | None = None):
            headers = dict(headers or {})
            declare = headers.pop("X-Declare-Length", None) or status in (304,) or len(body) < 2**20
            self.send_response(status)
            if content_type and status != 304:
                self.send_header("Content-Type", content_type)
            for name, value in headers.items():
                self.send_header(name, value)
            if declare and status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for i in range(0, len(body), 65536):
                    self.wfile.write(body[i:i + 65536])
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading (a size limit): expected

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture()
def web():
    """The fixture server, running for one test."""
    with FixtureServer() as server:
        yield server


@pytest.fixture()
def allow_local(monkeypatch):
    """NEWSQA_ALLOW_LOCAL_URLS=1, so that the fixture server on 127.0.0.1 may be fetched."""
    monkeypatch.setenv("NEWSQA_ALLOW_LOCAL_URLS", "1")

"""What every request must pass before the app reads a byte of its body: a known Host (no DNS rebinding), the
served origin for writes (no cross-site forgery), a client not locked out by failed sign-ins, valid REST
credentials, and a declared or streamed size within the limit. One ASGI middleware around REST and the UI."""

from __future__ import annotations

import base64
import hmac
import ipaddress
import json
import socket
import threading
import time
from dataclasses import dataclass
from typing import Awaitable, Callable
from urllib.parse import urlsplit

from ..settings import Settings

Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
OPEN_PATHS = {"/api/health"}
UPLOAD_PATH = "/api/articles"
UNLIMITED_PATHS = {"/gradio_api/upload"}  # Gradio checks each file against NEWSQA_MAX_UPLOAD_MB as it streams
MULTIPART_SLACK = 64 * 1024
FREE_FAILURES = 5
MAX_LOCKOUT = 60.0


@dataclass(frozen=True)
class Refusal:
    """A request refused before its body is read: the status, the message, extra headers."""

    status: int
    message: str
    headers: tuple[tuple[str, str], ...] = ()


def credentials_ok(header: str, settings: Settings) -> bool:
    """True if no credentials are configured or the Authorization header carries valid ones (Bearer
    NEWSQA_API_TOKEN, else Basic NEWSQA_UI_AUTH; an empty password never matches)."""
    scheme, _, value = header.partition(" ")
    if settings.api_token:
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), settings.api_token.encode())
    if settings.ui_auth:
        try:
            given = base64.b64decode(value.strip(), validate=True)
        except ValueError:
            return False
        return (scheme.lower() == "basic" and not given.endswith(b":")
                and hmac.compare_digest(given, settings.ui_auth.encode()))
    return True


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """Host names the server answers to: loopback names, the bind address, this machine's names, and
    NEWSQA_ALLOWED_HOSTS (comma-separated; '*' allows any, '.example.org' a domain and its subdomains)."""
    names = {"localhost", "127.0.0.1", "::1", settings.host.lower()}
    if settings.host in ("0.0.0.0", "::"):
        hostname = socket.gethostname().lower()
        names |= {hostname, socket.getfqdn().lower()}
    names |= {h.strip().lower() for h in settings.allowed_hosts.split(",") if h.strip()}
    return frozenset(names)


def host_allowed(host: str, allowed: frozenset[str]) -> bool:
    """True for an allowed name or any IP address literal (DNS rebinding needs a name the attacker controls)."""
    name = _hostname(host)
    if not name or "*" in allowed or name in allowed:
        return bool(name) or "*" in allowed
    if any(entry.startswith(".") and (name.endswith(entry) or name == entry[1:]) for entry in allowed):
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def origin_allowed(origin: str, host: str, allowed: frozenset[str], configured: bool) -> bool:
    """True when a page's origin is the served one (same host and port as the request's Host header), or, with
    NEWSQA_ALLOWED_HOSTS configured for a reverse proxy, an origin on one of those hosts."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    if parts.netloc.lower() == host.lower():
        return True
    return configured and (parts.hostname or "") in allowed


class Attempts:
    """Failed sign-ins per client: after FREE_FAILURES in a row, each further try must wait twice as long as
    the last (1 s, 2 s, ... up to MAX_LOCKOUT); a success clears the client."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds this client must still wait before its next attempt (0 when it may try now)."""
        with self._lock:
            count, last = self._failures.get(client, (0, 0.0))
        if count < FREE_FAILURES:
            return 0.0
        return max(0.0, last + min(2.0 ** (count - FREE_FAILURES), MAX_LOCKOUT) - self._clock())

    def failed(self, client: str) -> None:
        """Count a failed attempt."""
        with self._lock:
            if len(self._failures) > 10_000:
                self._forget_old()
            count, _ = self._failures.get(client, (0, 0.0))
            self._failures[client] = (count + 1, self._clock())

    def succeeded(self, client: str) -> None:
        """A successful sign-in clears the client's failures."""
        with self._lock:
            self._failures.pop(client, None)

    def _forget_old(self) -> None:
        """Drop clients whose last failure is older than the longest lockout."""
        cutoff = self._clock() - MAX_LOCKOUT
        self._failures = {c: v for c, v in self._failures.items() if v[1] > cutoff}


class Guard:
    """The ASGI middleware: refuses a request from its head alone, limits the body while it streams in, and
    counts failed sign-ins (REST 401s and the UI's /login) per client."""

    def __init__(self, app, settings: Settings, attempts: Attempts | None = None):
        self.app = app
        self.settings = settings
        self.allowed = allowed_hosts(settings)
        self.attempts = attempts or Attempts()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        client = (scope.get("client") or ("unknown", 0))[0]
        refusal = self.refusal(scope["method"], scope["path"], headers, client)
        if refusal is not None:
            await _respond(send, refusal)
            return
        body = _Body(receive, self._watching(send, scope, client), *self.body_limit(scope["path"]))
        await self.app(scope, body.receive, body.send)

    def refusal(self, method: str, path: str, headers: dict[str, str], client: str) -> Refusal | None:
        """Why this request is refused from its method, path, headers and client alone, or None."""
        host = headers.get("host", "")
        if not host_allowed(host, self.allowed):
            return Refusal(400, f"Unknown Host header {_hostname(host) or host!r}: this server answers as "
                                f"{', '.join(sorted(self.allowed))}; behind a proxy, add its name to "
                                f"NEWSQA_ALLOWED_HOSTS")
        if method in UNSAFE and not self._same_origin(headers, host):
            return Refusal(403, "Cross-origin request refused: a page on another site may not write to this "
                                "server (scripts send no Origin header, or use this server's own)")
        if self._checks_credentials(method, path):
            wait = self.attempts.wait(client)
            if wait > 0:
                return Refusal(429, f"Too many failed sign-ins from this address: try again in {wait:.0f} s",
                               (("retry-after", str(max(1, round(wait)))),))
        if path.startswith("/api/") and path not in OPEN_PATHS and \
                not credentials_ok(headers.get("authorization", ""), self.settings):
            self.attempts.failed(client)
            scheme = "Bearer" if self.settings.api_token else "Basic"
            return Refusal(401, f"Missing or wrong credentials: send 'Authorization: {scheme} ...'",
                           (("www-authenticate", scheme),))
        return self._size_refusal(path, headers)

    def body_limit(self, path: str) -> tuple[int, str]:
        """The most body bytes a request to this path may send (an upload: NEWSQA_MAX_UPLOAD_MB for its files
        together, plus the form's own bytes; else NEWSQA_MAX_BODY_KB), and the setting that sets it."""
        if path in UNLIMITED_PATHS:
            return 2**62, ""
        if path == UPLOAD_PATH:
            return self.settings.max_upload_bytes + MULTIPART_SLACK, "NEWSQA_MAX_UPLOAD_MB"
        return self.settings.max_body_bytes, "NEWSQA_MAX_BODY_KB"

    def _size_refusal(self, path: str, headers: dict[str, str]) -> Refusal | None:
        """413 when the declared Content-Length is over the path's limit."""
        declared = headers.get("content-length", "")
        limit, setting = self.body_limit(path)
        if declared.isdigit() and int(declared) > limit:
            return Refusal(413, too_large_message(int(declared), limit, setting))
        return None

    def _same_origin(self, headers: dict[str, str], host: str) -> bool:
        """A write is same-origin when its Origin (or, without one, its Referer) is this server; a request with
        neither is a script's, and credentials guard it."""
        origin = headers.get("origin")
        if origin is None and headers.get("referer"):
            parts = urlsplit(headers["referer"])
            origin = f"{parts.scheme}://{parts.netloc}"
        if origin is None:
            return True
        return origin_allowed(origin, host, self.allowed, bool(self.settings.allowed_hosts.strip()))

    def _checks_credentials(self, method: str, path: str) -> bool:
        """Requests that present credentials: REST calls, and the UI's sign-in form."""
        return (path.startswith("/api/") and path not in OPEN_PATHS) or (method == "POST" and path == "/login")

    def _watching(self, send: Send, scope: Scope, client: str) -> Send:
        """send, counting the UI's failed and successful sign-ins for the client."""
        if scope["method"] != "POST" or scope["path"] != "/login":
            return send

        async def watched(message: dict) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                if status in (400, 401):
                    self.attempts.failed(client)
                elif status < 300:
                    self.attempts.succeeded(client)
            await send(message)

        return watched


def too_large_message(size: int | None, limit: int, setting: str) -> str:
    """The one message for a request body over its limit (with its size when declared)."""
    upload = setting == "NEWSQA_MAX_UPLOAD_MB"
    shown = limit - MULTIPART_SLACK if upload else limit
    what = "The upload" if upload else "The request body"
    size_text = f" is {size / 2**20:.1f} MB," if size is not None else " is"
    return f"{what}{size_text} over the {shown / 2**20:.3g} MB limit ({setting})"


class _Body:
    """receive and send for the app: once the streamed body passes the limit, the client gets 413, the app sees
    the client gone, and whatever the app still sends is dropped."""

    def __init__(self, receive: Receive, send: Send, limit: int, setting: str):
        self._receive, self._send, self._limit, self._setting = receive, send, limit, setting
        self._seen = 0
        self._refused = False

    async def receive(self) -> dict:
        """The next message; a disconnect once the body is over the limit."""
        if self._refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self._seen += len(message.get("body", b""))
            if self._seen > self._limit:
                self._refused = True
                await _respond(self._send, Refusal(413, too_large_message(None, self._limit, self._setting)))
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: dict) -> None:
        """Pass the app's message on, unless the client was already refused."""
        if not self._refused:
            await self._send(message)


async def _respond(send: Send, refusal: Refusal) -> None:
    """Send a refusal as the one error shape, {"error": message}, and close the connection (the client's unread
    body is not wanted: the server stops receiving it)."""
    body = json.dumps({"error": refusal.message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    headers += [(k.encode(), v.encode()) for k, v in refusal.headers]
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _hostname(host: str) -> str:
    """The host name of a Host header, without its port or IPv6 brackets, lower-cased."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else ""
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host

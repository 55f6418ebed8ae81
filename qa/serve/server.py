"""The server: one FastAPI app with the REST API under /api and the Gradio chat UI at /, and its security defaults."""

from __future__ import annotations

import hmac
import ipaddress
import threading

from .. import Assistant, Settings

LOCAL_NAMES = {"localhost", "ip6-localhost", "ip6-loopback"}
MIN_SECRET_CHARS = 12
"""The shortest token or UI password a server reachable from the network accepts."""


class AssistantSource:
    """Opens the Assistant on first use; until the index opens, each use raises IndexUnavailable (HTTP 503)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._assistant: Assistant | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Assistant:
        """The open Assistant (opened now if it is not yet)."""
        if self._assistant is None:
            with self._lock:
                if self._assistant is None:
                    self._assistant = Assistant.open(settings=self.settings)
        return self._assistant


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach."""
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_problem(settings: Settings) -> str | None:
    """Why the server must not start with these settings (a malformed or empty UI credential; reachable from the
    network with no credentials or short ones), or None."""
    user, colon, password = settings.ui_auth.partition(":")
    if settings.ui_auth and not colon:
        return "NEWSQA_UI_AUTH must be user:password."
    if settings.ui_auth and not (user and password):
        return "NEWSQA_UI_AUTH must be user:password with a user name and a password (neither may be empty)."
    if is_loopback(settings.host):
        return None
    if not (settings.api_token or settings.ui_auth):
        return (f"Refusing to listen on {settings.host}: the chat, the REST API and uploads would be open to anyone "
                f"who can reach this machine. Set NEWSQA_API_TOKEN=<secret> and/or NEWSQA_UI_AUTH=user:password, "
                f"or keep the default NEWSQA_HOST=127.0.0.1.")
    for name, secret in (("NEWSQA_API_TOKEN", settings.api_token), ("the password in NEWSQA_UI_AUTH", password)):
        if secret and len(secret) < MIN_SECRET_CHARS:
            return (f"Refusing to listen on {settings.host} with {name} of {len(secret)} characters: a server "
                    f"reachable from the network needs at least {MIN_SECRET_CHARS} (for example the output of "
                    f"`python -c 'import secrets; print(secrets.token_urlsafe(24))'`).")
    return None


def gradio_auth(settings: Settings):
    """Gradio's login: the NEWSQA_UI_AUTH pair; else, with only a token set, any user name and the token."""
    if settings.ui_auth:
        user, _, password = settings.ui_auth.partition(":")
        return (user, password)
    if settings.api_token:
        return lambda user, password: hmac.compare_digest(password.encode(), settings.api_token.encode())
    return None


def build_app(source: AssistantSource, settings: Settings):
    """The FastAPI app: REST under /api, docs at /docs, the Gradio UI mounted at /."""
    import gradio as gr

    from .api import create_api
    from .ui import CSS, build_ui

    app = create_api(source, settings)
    theme = gr.themes.Soft(primary_hue="indigo", neutral_hue="slate")
    return gr.mount_gradio_app(app, build_ui(source, settings), path="/", auth=gradio_auth(settings),
                               max_file_size=settings.max_upload_bytes, footer_links=["api"], theme=theme,
                               css=CSS, ssr_mode=False, auth_message="newsqa: sign in to ask the news.")


def url(settings: Settings) -> str:
    """The address people open in a browser."""
    host = settings.host if settings.host not in ("0.0.0.0", "::") else "127.0.0.1"
    return f"http://{'[' + host + ']' if ':' in host else host}:{settings.port}/"


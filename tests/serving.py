"""Serving helpers for tests: the REST app in-process (TestClient), or the real server (`python app.py`) as a
subprocess on a free port."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from qa.bench.services import app_env, app_server, free_port

__all__ = ["LOCAL", "api_client", "app_env", "free_port", "running_server"]
LOCAL = "http://127.0.0.1:7860"
"""The base URL in-process clients use: a Host header the server accepts (the Guard refuses unknown hosts)."""


@contextmanager
def running_server(index_dir: Path, log: Path, **extra: str) -> Iterator[str]:
    """Run app.py until the block ends; yields its base URL once /api/health answers 200."""
    with app_server(index_dir, log, **extra) as (url, _):
        yield url


def api_client(source, settings, **options):
    """A TestClient over the REST app, in this process, as if on 127.0.0.1."""
    from fastapi.testclient import TestClient

    from qa.serve.api import create_api

    return TestClient(create_api(source, settings), base_url=LOCAL, **options)

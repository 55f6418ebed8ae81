"""Serving helpers for tests: the REST app in-process (TestClient), or the real server (`python app.py`) as a
subprocess on a free port."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from qa.bench.services import ROOT, app_env, app_server, free_port, service

__all__ = ["LOCAL", "api_client", "app_env", "free_port", "running_app", "running_copy", "running_server"]
LOCAL = "http://127.0.0.1:7860"
"""The base URL in-process clients use: a Host header the server accepts (the Guard refuses unknown hosts)."""


@contextmanager
def running_server(index_dir: Path, log: Path, **extra: str) -> Iterator[str]:
    """Run app.py until the block ends; yields its base URL once /api/health answers 200."""
    with app_server(index_dir, log, **extra) as (url, _):
        yield url


@contextmanager
def running_copy(index_dir: Path, folder: Path) -> Iterator[str]:
    """Run app.py over a private copy of an index (folder/index, logging to folder/server.log); yields its URL."""
    import shutil

    shutil.copytree(index_dir, folder / "index")
    with running_server(folder / "index", folder / "server.log") as url:
        yield url


@contextmanager
def running_app(index_dir: Path, log: Path, prefix: tuple[str, ...] = (), ready: str = "api/health",
                **extra: str) -> Iterator[tuple[str, int]]:
    """Run app.py (after the prefix command, e.g. `unshare -m sh -c '... exec "$0" "$@"'`) until the block ends;
    yields (base URL, pid) once the `ready` path answers 200 (/docs for a server whose index cannot open)."""
    import sys

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with service([*prefix, sys.executable, "app.py"], url + ready, log, env=app_env(index_dir, port, **extra),
                 cwd=ROOT) as process:
        yield url, process.pid


def api_client(source, settings, **options):
    """A TestClient over the REST app, in this process, as if on 127.0.0.1."""
    from fastapi.testclient import TestClient

    from qa.serve.api import create_api

    return TestClient(create_api(source, settings), base_url=LOCAL, **options)

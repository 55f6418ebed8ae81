"""Start the real server (`python app.py`) as a subprocess on a free port, for server and browser tests."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from qa.services import app_env, app_server, free_port

__all__ = ["app_env", "free_port", "running_server"]


@contextmanager
def running_server(index_dir: Path, log: Path, **extra: str) -> Iterator[str]:
    """Run app.py until the block ends; yields its base URL once /api/health answers 200."""
    with app_server(index_dir, log, **extra) as (url, _):
        yield url

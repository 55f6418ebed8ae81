"""Start the real server (`python app.py`) as a subprocess on a free port, for server and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

from conftest import ROOT

STARTUP_SECONDS = 240


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(index_dir: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment for app.py: this index and port, offline, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_") or k == "NEWSQA_SHARED"}
    env.update({"NEWSQA_INDEX_DIR": str(index_dir), "NEWSQA_PORT": str(port), "NEWSQA_HOST": "127.0.0.1",
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1", **extra})
    return env


@contextmanager
def running_server(index_dir: Path, log: Path, **extra: str) -> Iterator[str]:
    """Run app.py until the block ends; yields its base URL once /api/health answers 200."""
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=server_env(index_dir, port, **extra),
                                   stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll /api/health until 200; fail with the server's output if it exits or takes too long."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "api/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"app.py did not become healthy in {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")

"""Child services (the app, a Chroma server, an LLM server): start a process on a free loopback port, wait
until its health URL answers, stop it when the block ends. Used by the load test and by the tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

ROOT = Path(__file__).resolve().parents[2]


class ServiceFailed(RuntimeError):
    """A child service exited or did not answer its health URL in time (the message ends with its log)."""


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(index_dir: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment for `python app.py`: this index and port on 127.0.0.1, offline, no telemetry, no
    other NEWSQA_* settings of the caller (but NEWSQA_SHARED)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_") or k == "NEWSQA_SHARED"}
    env.update({"NEWSQA_INDEX_DIR": str(index_dir), "NEWSQA_PORT": str(port), "NEWSQA_HOST": "127.0.0.1",
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1", **extra})
    return env


@contextmanager
def service(command: Sequence[str], health_url: str, log: Path, startup_seconds: float = 240.0,
            env: dict[str, str] | None = None, cwd: Path | None = None) -> Iterator[subprocess.Popen]:
    """Run the command (output appended to log) until the block ends; yields the process once
    health_url answers 200."""
    with open(log, "ab") as out:
        process = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(health_url, process, log, startup_seconds)
        yield process
    finally:
        stop(process)


@contextmanager
def app_server(index_dir: Path, log: Path, startup_seconds: float = 240.0, **extra: str) -> Iterator[tuple[str, int]]:
    """Run `python app.py` over index_dir; yields (base URL, pid) once /api/health answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with service([sys.executable, "app.py"], url + "api/health", log, startup_seconds,
                 env=app_env(index_dir, port, **extra), cwd=ROOT) as process:
        yield url, process.pid


def wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    """Poll url until it answers 200; ServiceFailed with the log's tail if the process exits or is late."""
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise ServiceFailed(f"{process.args[1] if len(process.args) > 1 else process.args[0]} exited with "
                                f"{process.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise ServiceFailed(f"{url} did not answer in {seconds:.0f} s:\n{_tail(log)}")
        time.sleep(0.3)


def stop(process: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM, then SIGKILL after the grace period."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(log: Path, chars: int = 3000) -> str:
    """The end of a log file."""
    try:
        return log.read_text(errors="replace")[-chars:]
    except OSError:
        return ""

"""Run newsqa: one server with the chat UI at / and the REST API under /api (the seed index is built if none exists)."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from index import SEEDS, build_index  # noqa: E402
from qa import IndexUnavailable, Settings  # noqa: E402
from qa.serve.server import AssistantSource, build_app, exposure_problem, url  # noqa: E402


def open_index(settings: Settings) -> AssistantSource:
    """Open the index, building it from the seeds when there is none; a broken index is reported, not fatal."""
    source = AssistantSource(settings)
    local_missing = not settings.server_mode and not (settings.index_dir / "chroma" / "chroma.sqlite3").exists()
    try:
        if local_missing:
            print(f"No index at {settings.index_dir}: indexing the seed articles first.", flush=True)
            print(build_index(settings, [SEEDS]).summary(), flush=True)
        print(f"Index open; first search warmed in {source().warm():.1f} s.", flush=True)
    except IndexUnavailable as exc:
        print(f"warning: {exc}\nThe server starts anyway and answers 503 until the index can be opened.",
              file=sys.stderr, flush=True)
    return source


def main() -> int:
    """Check the security settings, open (or seed) the index, serve until interrupted."""
    import uvicorn

    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problem = exposure_problem(settings)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    app = build_app(open_index(settings), settings)
    print(f"newsqa is running at {url(settings)}  (REST API: {url(settings)}api, docs: {url(settings)}docs)",
          flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())

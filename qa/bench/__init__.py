"""Tooling, not product: benchmarks (MultiHop-RAG retrieval and answers), the LlamaIndex baseline, the load
test, and helpers that start child services. `python -m qa.bench multihop|answers|load ...`."""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """The shared data folder: NEWSQA_SHARED, else `shared/` beside the repository (the one default)."""
    return Path(os.environ.get("NEWSQA_SHARED") or ROOT.parent / "shared")


def multihop_dir() -> Path:
    """Where MultiHop-RAG's corpus.json and MultiHopRAG.json lie."""
    return shared_dir() / "benchmarks" / "multihop-rag"


def write_result(path: Path | None, result: dict) -> None:
    """Write a benchmark's result as indented JSON (its folder made first); nothing when no path is given."""
    if path is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))

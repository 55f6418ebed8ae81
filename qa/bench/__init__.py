"""Tooling, not product: benchmarks (MultiHop-RAG retrieval and answers), the LlamaIndex baseline, the load
test, and helpers that start child services. `python -m qa.bench multihop|answers|load ...`."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """The shared data folder: NEWSQA_SHARED, else `shared/` beside the repository (the one default)."""
    return Path(os.environ.get("NEWSQA_SHARED") or ROOT.parent / "shared")


def multihop_dir() -> Path:
    """Where MultiHop-RAG's corpus.json and MultiHopRAG.json lie."""
    return shared_dir() / "benchmarks" / "multihop-rag"

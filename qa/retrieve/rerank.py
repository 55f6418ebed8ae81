"""Second-stage rerankers: a protocol, and a sentence-transformers cross-encoder you configure."""

from __future__ import annotations

from typing import Protocol, Sequence

from index import Passage


class Reranker(Protocol):
    """Scores (question, passage) pairs; higher is more relevant."""

    def score(self, question: str, passages: Sequence[Passage]) -> list[float]:
        """One relevance score per passage."""


class CrossEncoderReranker:
    """A sentence-transformers cross-encoder, from a local path or (with a network) a hub name."""

    def __init__(self, name: str):
        from sentence_transformers import CrossEncoder

        self.model = CrossEncoder(name, device="cpu")

    def score(self, question: str, passages: Sequence[Passage]) -> list[float]:
        """Relevance logits for each passage."""
        pairs = [(question, f"{p.title}\n{p.text}") for p in passages]
        return [float(s) for s in self.model.predict(pairs, show_progress_bar=False)]

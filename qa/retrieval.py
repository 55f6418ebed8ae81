"""Hybrid retrieval: dense (Chroma) and BM25 candidates, fused, boosted, optionally reranked, diversified."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from index import Embedder, KeywordIndex, Passage, Snapshot, Store

from .fusion import diversify, reciprocal_rank_fusion


class Reranker(Protocol):
    """Scores (question, passage) pairs; higher is more relevant."""

    def score(self, question: str, passages: Sequence[Passage]) -> list[float]:
        """One relevance score per passage."""


@dataclass(frozen=True)
class RetrievalConfig:
    """Knobs of the pipeline (measured on the MultiHop-RAG dev split; see the README)."""

    candidates: int = 60
    dense_weight: float = 1.0
    keyword_weight: float = 1.0
    rrf_k: float = 60.0
    outlet_boost: float = 0.5
    diversity_penalty: float = 0.3
    rerank_depth: int = 30


class Retriever:
    """Finds the passages that best answer a question."""

    def __init__(self, store: Store, keyword: KeywordIndex, embedder: Embedder,
                 config: RetrievalConfig = RetrievalConfig(), reranker: Reranker | None = None):
        self.store = store
        self.keyword = keyword
        self.embedder = embedder
        self.config = config
        self.reranker = reranker

    def search(self, question: str, k: int = 10, vector: np.ndarray | None = None) -> list[Passage]:
        """The top-k passages, best first, each with its score and the signals behind it."""
        snapshot = self.keyword.current()
        if not snapshot.passages:
            return []
        vector = self.embedder.embed([question])[0] if vector is None else vector
        n = self.config.candidates
        dense = [(pid, s) for pid, s in self.store.query(vector, n) if snapshot.get(pid)]
        sparse = snapshot.search(question, n)
        fused = reciprocal_rank_fusion([dense, sparse], [self.config.dense_weight, self.config.keyword_weight],
                                       self.config.rrf_k)
        fused = self._boost(question, fused, snapshot)
        if self.reranker is not None:
            fused = self._rerank(question, fused, snapshot)
        groups = {pid: snapshot.get(pid).article_id for pid, _ in fused}
        ranked = diversify(fused, groups, self.config.diversity_penalty, limit=k)
        dense_of, sparse_of = dict(dense), dict(sparse)
        return [snapshot.get(pid).with_score(score, dense=dense_of.get(pid), keyword=sparse_of.get(pid))
                for pid, score in ranked]

    def _boost(self, question: str, fused: list[tuple[str, float]], snapshot: Snapshot) -> list[tuple[str, float]]:
        """Raise passages from outlets the question names ("according to TechCrunch")."""
        lowered = question.lower()
        outlets = {a.source for a in snapshot.articles.values() if a.source and a.source.lower() in lowered}
        if not outlets or not fused:
            return fused
        top = fused[0][1]
        boosted = [(pid, s + self.config.outlet_boost * top * (snapshot.get(pid).source in outlets))
                   for pid, s in fused]
        return sorted(boosted, key=lambda kv: -kv[1])

    def _rerank(self, question: str, fused: list[tuple[str, float]], snapshot: Snapshot) -> list[tuple[str, float]]:
        """Reorder the head of the list by the reranker's scores."""
        depth = self.config.rerank_depth
        head = [snapshot.get(pid) for pid, _ in fused[:depth]]
        scores = self.reranker.score(question, head)
        floor = fused[depth][1] if len(fused) > depth else 0.0
        shift = floor - min(scores) + 1e-6
        order = sorted(range(len(head)), key=lambda i: -scores[i])
        reranked = [(head[i].id, float(scores[i]) + shift) for i in order]
        return reranked + [(pid, s) for pid, s in fused[depth:]]


class CrossEncoderReranker:
    """A sentence-transformers cross-encoder, from a local path or (with a network) a hub name."""

    def __init__(self, name: str):
        from sentence_transformers import CrossEncoder

        self.model = CrossEncoder(name, device="cpu")

    def score(self, question: str, passages: Sequence[Passage]) -> list[float]:
        """Relevance logits for each passage."""
        pairs = [(question, f"{p.title}\n{p.text}") for p in passages]
        return [float(s) for s in self.model.predict(pairs, show_progress_bar=False)]

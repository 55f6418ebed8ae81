"""Hybrid retrieval: dense (Chroma) and BM25 candidates, fused, date-boosted, optionally reranked; then
one lane per outlet the question names, interleaved ahead of the overall ranking, spread over articles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from index import Embedder, KeywordIndex, Passage, Snapshot, Store, tokenize

from .facets import Facet, find_facets, named_dates, outlet_aliases
from .fusion import interleave, reciprocal_rank_fusion


class Reranker(Protocol):
    """Scores (question, passage) pairs; higher is more relevant."""

    def score(self, question: str, passages: Sequence[Passage]) -> list[float]:
        """One relevance score per passage."""


@dataclass(frozen=True)
class RetrievalConfig:
    """Knobs of the pipeline (measured on the MultiHop-RAG dev split; see docs/benchmarks.md)."""

    candidates: int = 60
    dense_weight: float = 1.0
    keyword_weight: float = 1.0
    rrf_k: float = 60.0
    outlet_boost: float = 0.5
    date_boost: float = 0.5
    facet_rounds: int = 2
    diversity_penalty: float = 0.3
    rerank_depth: int = 30


@dataclass(frozen=True)
class Catalog:
    """Per-position facts of a snapshot's passages that retrieval filters on, and the outlet names."""

    generation: str
    sources: np.ndarray
    dates: list
    aliases: dict

    @classmethod
    def of(cls, snapshot: Snapshot) -> "Catalog":
        """Index a snapshot's passages by outlet and date."""
        sources = np.array([p.source or "" for p in snapshot.passages], dtype=object)
        dates = [p.date for p in snapshot.passages]
        return cls(snapshot.generation, sources, dates, outlet_aliases(set(sources.tolist())))

    def mask(self, outlets: frozenset[str]) -> np.ndarray:
        """True for passages from any of the outlets."""
        return np.isin(self.sources, list(outlets))


class Retriever:
    """Finds the passages that best answer a question."""

    def __init__(self, store: Store, keyword: KeywordIndex, embedder: Embedder,
                 config: RetrievalConfig = RetrievalConfig(), reranker: Reranker | None = None):
        self.store = store
        self.keyword = keyword
        self.embedder = embedder
        self.config = config
        self.reranker = reranker
        self._catalog: Catalog | None = None

    def search(self, question: str, k: int = 10, vector: np.ndarray | None = None) -> list[Passage]:
        """The top-k passages, best first, each with its score and the signals behind it."""
        snapshot = self.keyword.current()
        if not snapshot.passages:
            return []
        catalog = self.catalog(snapshot)
        vector = self.embedder.embed([question])[0] if vector is None else vector
        facets = _distinct(find_facets(question, catalog.aliases))
        dense = self._dense(vector, facets, snapshot)
        keyword = keyword_scores(snapshot, question)
        fused = self._fuse(dense, keyword, None, snapshot, catalog)
        fused = self._boost_dates(fused, named_dates(question), snapshot)
        if self.reranker is not None:
            fused = self._rerank(question, fused, snapshot)
        lanes = [self._boost_dates(self._fuse(dense, keyword, f.sources, snapshot, catalog), f.dates, snapshot)
                 for f in facets]
        groups = {pid: snapshot.get(pid).article_id for ranking in [fused, *lanes] for pid, _ in ranking}
        ranked = interleave(lanes, fused, groups, self.config.facet_rounds, self.config.diversity_penalty, k)
        dense_of = dict(dense)
        return [snapshot.get(pid).with_score(score, dense=dense_of.get(pid), keyword=_keyword_of(pid, keyword, snapshot),
                                             lane=lane)
                for pid, score, lane in ranked]

    def catalog(self, snapshot: Snapshot) -> Catalog:
        """The catalog of the current snapshot (rebuilt when the snapshot changes)."""
        if self._catalog is None or self._catalog.generation != snapshot.generation:
            self._catalog = Catalog.of(snapshot)
        return self._catalog

    def _dense(self, vector: np.ndarray, facets: list[Facet], snapshot: Snapshot) -> list[tuple[str, float]]:
        """Nearest passages overall, plus the nearest among the outlets the question names."""
        n = self.config.candidates
        found = dict(self.store.query(vector, n))
        named = sorted(set().union(*(f.sources for f in facets))) if facets else []
        if named:
            where = {"source": named[0]} if len(named) == 1 else {"source": {"$in": named}}
            for pid, sim in self.store.query(vector, n, where=where):
                found[pid] = sim
        return sorted(((pid, s) for pid, s in found.items() if snapshot.get(pid)), key=lambda kv: -kv[1])

    def _fuse(self, dense: list[tuple[str, float]], keyword: np.ndarray, outlets: frozenset[str] | None,
              snapshot: Snapshot, catalog: Catalog) -> list[tuple[str, float]]:
        """RRF of the dense and keyword rankings, restricted to some outlets when given."""
        n = self.config.candidates
        if outlets is not None:
            dense = [(pid, s) for pid, s in dense if snapshot.get(pid).source in outlets]
            keyword = np.where(catalog.mask(outlets), keyword, 0.0) if len(keyword) else keyword
        sparse = top_positions(keyword, n)
        sparse = [(snapshot.passages[i].id, float(keyword[i])) for i in sparse]
        return reciprocal_rank_fusion([dense[:n], sparse], [self.config.dense_weight, self.config.keyword_weight],
                                      self.config.rrf_k)

    def _boost_dates(self, fused: list[tuple[str, float]], dates, snapshot: Snapshot) -> list[tuple[str, float]]:
        """Raise passages from articles published on a day the question names."""
        if not dates or not fused:
            return fused
        top = fused[0][1]
        boosted = [(pid, s + self.config.date_boost * top * any(d.matches(snapshot.get(pid).date) for d in dates))
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


def keyword_scores(snapshot: Snapshot, question: str) -> np.ndarray:
    """BM25 score of every passage of the snapshot (in snapshot order) for the question."""
    if snapshot.bm25 is None:
        return np.zeros(0, dtype=np.float32)
    terms = [t for t in tokenize(question) if t in snapshot.bm25.vocab_dict]
    if not terms:
        return np.zeros(len(snapshot.passages), dtype=np.float32)
    return np.asarray(snapshot.bm25.get_scores(terms), dtype=np.float32)


def _keyword_of(pid: str, keyword: np.ndarray, snapshot: Snapshot) -> float | None:
    """A passage's BM25 score, None when it has none."""
    i = snapshot.position.get(pid)
    return float(keyword[i]) if i is not None and len(keyword) and keyword[i] > 0 else None


def top_positions(scores: np.ndarray, n: int) -> list[int]:
    """Positions of the n highest positive scores, best first."""
    if not len(scores):
        return []
    n = min(n, len(scores))
    head = np.argpartition(-scores, n - 1)[:n]
    head = head[np.argsort(-scores[head], kind="stable")]
    return [int(i) for i in head if scores[i] > 0]


def _distinct(facets: list[Facet]) -> list[Facet]:
    """Facets with distinct (outlets, dates), in order of mention."""
    seen, kept = set(), []
    for facet in facets:
        key = (facet.sources, facet.dates)
        if key not in seen:
            seen.add(key)
            kept.append(facet)
    return kept


class CrossEncoderReranker:
    """A sentence-transformers cross-encoder, from a local path or (with a network) a hub name."""

    def __init__(self, name: str):
        from sentence_transformers import CrossEncoder

        self.model = CrossEncoder(name, device="cpu")

    def score(self, question: str, passages: Sequence[Passage]) -> list[float]:
        """Relevance logits for each passage."""
        pairs = [(question, f"{p.title}\n{p.text}") for p in passages]
        return [float(s) for s in self.model.predict(pairs, show_progress_bar=False)]

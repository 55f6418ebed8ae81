"""Hybrid retrieval: dense (Chroma) and BM25 candidates, fused, date-boosted, optionally reranked; then one
lane per outlet the question names, interleaved ahead of the overall ranking, spread over articles.

Multi-hop news questions name their outlets ("Does the TechCrunch article on X and the Hacker News article on
Y ..."): each named outlet gets a lane, a ranking restricted to its passages and scored with the question
plus the question's own words about that outlet; the lanes take turns at the top of the list, so every named
outlet is represented there. The measurements behind each knob are in docs/benchmarks.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from index import Corpus, Embedder, KeywordIndex, KeywordQuery, Passage, Snapshot, Store, collapse, tokenize

from .facets import Facet, find_facets, named_dates, outlet_aliases
from .filters import Filters
from .fusion import interleave, reciprocal_rank_fusion
from .periods import QuestionDates, question_dates
from .ranker import Evidence, features, load_ranker
from .rerank import CrossEncoderReranker, Reranker
from .trees import TreeEnsemble


@dataclass(frozen=True)
class RetrievalConfig:
    """Knobs of the pipeline (tuned on the MultiHop-RAG dev split; see docs/benchmarks.md)."""

    candidates: int = 60
    dense_weight: float = 0.3
    keyword_weight: float = 1.0
    rrf_k: float = 10.0
    date_boost: float = 1.0
    lane_rounds: int = 3
    lane_text_weight: float = 1.0
    lane_repeat: bool = True
    lanes_by_score: bool = True
    diversity_penalty: float = 0.1
    rerank_depth: int = 30
    rank_depth: int = 20
    wide_share: float = 0.25
    wide_factor: float = 1.5
    """Filters that keep at least wide_share of the passages are applied to a wider unfiltered dense query
    (candidates / share * wide_factor): a Chroma `where` on article ids cost 20-80 ms a query on 20,000 passages
    against 2-10 ms unfiltered (docs/filters.md)."""


@dataclass(frozen=True)
class Catalog:
    """The outlet and article of each passage of a snapshot (in snapshot order), the names questions use for the
    outlets, the newest article date (the corpus's "today" for the dates questions write), and the passages each
    filter allows (remembered per snapshot)."""

    generation: str
    sources: np.ndarray
    aliases: dict
    idf: dict
    article_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    articles: dict = field(default_factory=dict)
    newest: date | None = None
    _allowed: dict = field(default_factory=dict, compare=False, repr=False)
    _masks: dict = field(default_factory=dict, compare=False, repr=False)
    _codes: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, snapshot: Snapshot) -> "Catalog":
        """Index a snapshot's passages by outlet and article, and its terms' IDF (from the BM25 index)."""
        sources, article_ids = snapshot.sources(), snapshot.article_ids()
        dates = [a.date[:10] for a in snapshot.articles.values() if a.date and len(a.date) >= 10]
        newest = _day(max(dates)) if dates else None
        return cls(snapshot.generation, sources, outlet_aliases(set(sources.tolist())), snapshot.idf(),
                   article_ids, snapshot.articles, newest)

    def mask(self, outlets: frozenset[str]) -> np.ndarray:
        """True for passages from any of the outlets (remembered per outlet set)."""
        if outlets not in self._masks:
            if len(self._masks) >= 64:
                self._masks.clear()
            self._masks[outlets] = self._passages_with("sources", outlets)
        return self._masks[outlets]

    def allowed(self, filters: Filters) -> tuple[list[str], np.ndarray]:
        """The ids of the articles that pass the filters, and True for their passages (in snapshot order)."""
        if filters not in self._allowed:
            ids = sorted(i for i, a in self.articles.items() if filters.admits(a.source, a.date))
            if len(self._allowed) >= 32:
                self._allowed.clear()
            self._allowed[filters] = (ids, self._passages_with("article_ids", ids))
        return self._allowed[filters]

    def _passages_with(self, column: str, wanted) -> np.ndarray:
        """True for the passages whose value in a column ('sources' or 'article_ids') is one of those wanted: a
        lookup table over the distinct values, indexed by each passage's value number. `np.isin` on these object
        arrays compares every passage with every wanted value: seconds a question at 1,000,000 passages
        (docs/scale.md)."""
        if column not in self._codes:
            numbers: dict = {}
            values = getattr(self, column)
            codes = np.fromiter((numbers.setdefault(v, len(numbers)) for v in values.tolist()), dtype=np.int64,
                                count=len(values))
            self._codes[column] = (numbers, codes)
        numbers, codes = self._codes[column]
        table = np.zeros(len(numbers), dtype=bool)
        table[[numbers[w] for w in wanted if w in numbers]] = True
        return table[codes]


class Retriever:
    """Finds the passages that best answer a question."""

    def __init__(self, store: Store, keyword: KeywordIndex, embedder: Embedder,
                 config: RetrievalConfig = RetrievalConfig(), reranker: Reranker | None = None,
                 ranker: TreeEnsemble | None = None):
        self.store = store
        self.keyword = keyword
        self.embedder = embedder
        self.config = config
        self.reranker = reranker
        self.ranker = ranker
        self._catalog: tuple[Snapshot, Catalog] | None = None

    @classmethod
    def from_settings(cls, corpus: Corpus, settings) -> "Retriever":
        """The retriever the settings describe (NEWSQA_RERANK_MODEL, NEWSQA_RANKER) over an open corpus."""
        reranker = CrossEncoderReranker(settings.rerank_model) if settings.rerank_model else None
        return cls(corpus.store, corpus.keyword, corpus.embedder, reranker=reranker,
                   ranker=load_ranker(settings.ranker))

    def search(self, question: str, k: int = 10, vector: np.ndarray | None = None,
               filters: Filters | None = None) -> list[Passage]:
        """The top-k passages, best first, each with its score and the signals behind it; only from the articles
        that pass the filters when given."""
        depth = max(k, self.config.rank_depth) if self.ranker is not None else k
        found, evidence = self.candidates(question, depth, vector, filters)
        if self.ranker is not None and found:
            found = self._rank(found, evidence)
        return collapse(found)[:k]

    def candidates(self, question: str, n: int, vector: np.ndarray | None = None,
                   filters: Filters | None = None) -> tuple[list[Passage], Evidence]:
        """The hybrid ranking's first n passages (lanes interleaved ahead of the fused ranking), and the
        evidence the learned ranker scores them with; only passages of articles that pass the filters."""
        snapshot = self.keyword.current()
        catalog = self.catalog(snapshot)
        allowed = catalog.allowed(filters) if filters is not None and filters.active else None
        if not snapshot.passages or (allowed is not None and not allowed[0]):
            return [], Evidence(question_terms=frozenset(), keyword=snapshot.query(""), facet_keyword=(),
                                facets=(), dates=(), idf={}, position={})
        vector = self.embedder.embed([question])[0] if vector is None else vector
        facets = _distinct(find_facets(question, catalog.aliases))
        dense = self._dense(vector, snapshot, allowed)
        keyword, *parts = _queries(snapshot, allowed, [question, *(facet.text for facet in facets)])
        facet_keyword = tuple(parts)
        days = [*named_dates(question), *(p for p in self.dates(question).periods if p.start and p.end)]
        fused = self._boost_dates(self._fuse(dense, keyword, None, snapshot, catalog), days, snapshot)
        if self.reranker is not None:
            fused = self._rerank(question, fused, snapshot)
        lanes = [self._lane(facet, dense, keyword, own, snapshot, catalog)
                 for facet, own in zip(facets, facet_keyword)]
        groups = {pid: snapshot.article_of(pid).id for ranking in [fused, *lanes] for pid, _ in ranking}
        c = self.config
        ranked = interleave(lanes, fused, groups, c.lane_rounds, c.diversity_penalty, n, c.lanes_by_score,
                            c.lane_repeat)
        dense_of = dict(dense)
        scored = keyword.at([snapshot.position[pid] for pid, _, _ in ranked])
        found = [snapshot.get(pid).with_score(score, dense=dense_of.get(pid), keyword=float(bm25) if bm25 > 0 else None,
                                              lane=lane)
                 for (pid, score, lane), bm25 in zip(ranked, scored.tolist())]
        evidence = Evidence(question_terms=frozenset(tokenize(question)), keyword=keyword,
                            facet_keyword=facet_keyword, facets=tuple(facets), dates=tuple(named_dates(question)),
                            idf=catalog.idf, position=snapshot.position)
        return found, evidence

    def _rank(self, found: list[Passage], evidence: Evidence) -> list[Passage]:
        """Reorder the head by the learned ranker; its score is the ranker's probability, and the
        tail's scores are clamped below the head's."""
        head, tail = found[:self.config.rank_depth], found[self.config.rank_depth:]
        raw = self.ranker.score(features(head, evidence))
        chance = 1.0 / (1.0 + np.exp(-raw))
        order = sorted(range(len(head)), key=lambda i: (-raw[i], i))
        ranked = [head[i].with_score(float(chance[i]), fused=head[i].score) for i in order]
        floor = float(chance[order[-1]])
        return ranked + [p.with_score(min(p.score, floor), fused=p.score) for p in tail]

    def facets(self, question: str) -> list[Facet]:
        """The outlet mentions of a question, as retrieval gives each its lane."""
        return _distinct(find_facets(question, self.catalog(self.keyword.current()).aliases))

    def admitted(self, filters: Filters) -> int:
        """How many articles pass the filters."""
        snapshot = self.keyword.current()
        return len(self.catalog(snapshot).allowed(filters)[0]) if filters.active else len(snapshot.articles)

    def dates(self, question: str) -> QuestionDates:
        """The periods the question writes, read relative to the newest article date (today's without one)."""
        return question_dates(question, self.catalog(self.keyword.current()).newest or date.today())

    def idf(self) -> dict:
        """BM25's IDF of every indexed term, as of the current snapshot."""
        return self.catalog(self.keyword.current()).idf

    def catalog(self, snapshot: Snapshot) -> Catalog:
        """The catalog of the current snapshot (rebuilt when the snapshot changes: a refresh that applies changes
        the log records ahead of the generation it read makes a new snapshot under the same generation)."""
        if self._catalog is None or self._catalog[0] is not snapshot:
            self._catalog = (snapshot, Catalog.of(snapshot))
        return self._catalog[1]

    def _dense(self, vector: np.ndarray, snapshot: Snapshot,
               allowed: tuple[list[str], np.ndarray] | None = None) -> list[tuple[str, float]]:
        """Nearest committed passages, best first, of the allowed articles when given: from a wider unfiltered query
        when the filters keep most passages, else (or when that finds too few) from a Chroma `where` on their
        article ids. (Named outlets get no query of their own: one did not pay for its time on MultiHop-RAG dev;
        the lanes find those outlets by keyword.)"""
        n = self.config.candidates
        if allowed is None:
            return [(pid, s) for pid, s in self.store.query(vector, n) if pid in snapshot.position]
        ids, mask = allowed
        share = float(mask.mean())
        if share >= self.config.wide_share:
            wide = min(len(mask), int(np.ceil(n / share * self.config.wide_factor)))
            found = self._allowed_of(self.store.query(vector, wide), snapshot, mask)
            if len(found) >= n or wide >= len(mask):
                return found[:n]
        return self._allowed_of(self.store.query(vector, n, ids), snapshot, mask)

    @staticmethod
    def _allowed_of(found: list[tuple[str, float]], snapshot: Snapshot, mask: np.ndarray) -> list[tuple[str, float]]:
        """The committed passages among the found that the filters allow."""
        return [(pid, s) for pid, s in found if pid in snapshot.position and mask[snapshot.position[pid]]]

    def _lane(self, facet: Facet, dense: list[tuple[str, float]], keyword: KeywordQuery, own: KeywordQuery,
              snapshot: Snapshot, catalog: Catalog) -> list[tuple[str, float]]:
        """A named outlet's ranking: its passages only, keyword-scored with the question plus (own) the
        part of the question about this outlet, boosted when published on a day named with it."""
        weight = self.config.lane_text_weight
        if weight:
            keyword = keyword.plus(own, weight)
        return self._boost_dates(self._fuse(dense, keyword, facet.sources, snapshot, catalog), facet.dates,
                                 snapshot)

    def _fuse(self, dense: list[tuple[str, float]], keyword: KeywordQuery, outlets: frozenset[str] | None,
              snapshot: Snapshot, catalog: Catalog) -> list[tuple[str, float]]:
        """RRF of the dense and keyword rankings, restricted to some outlets when given."""
        n = self.config.candidates
        if outlets is not None:
            dense = [(pid, s) for pid, s in dense if snapshot.article_of(pid).source in outlets]
            keyword = keyword.within(catalog.mask(outlets))
        positions, scores = keyword.top(n)
        sparse = list(zip(snapshot.ids_at(positions.tolist()), scores.tolist()))
        return reciprocal_rank_fusion([dense[:n], sparse], [self.config.dense_weight, self.config.keyword_weight],
                                      self.config.rrf_k)

    def _boost_dates(self, fused: list[tuple[str, float]], dates, snapshot: Snapshot) -> list[tuple[str, float]]:
        """Raise passages from articles published on a day the question names."""
        if not dates or not fused:
            return fused
        top = fused[0][1]
        boost = self.config.date_boost * top
        boosted = [(pid, s + boost * any(d.matches(snapshot.article_of(pid).date) for d in dates)) for pid, s in fused]
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


def _queries(snapshot: Snapshot, allowed: tuple[list[str], np.ndarray] | None, texts: list[str]) -> list[KeywordQuery]:
    """The BM25 query of each text (the question, then each outlet's part of it), restricted to the passages the
    filters allow."""
    return [snapshot.query(text).within(None if allowed is None else allowed[1]) for text in texts]


def _day(iso: str) -> date | None:
    """A date from YYYY-MM-DD (None when it is not one)."""
    try:
        return date.fromisoformat(iso)
    except ValueError:
        return None


def _distinct(facets: list[Facet]) -> list[Facet]:
    """Facets with distinct (outlets, dates, text), in order of mention: an outlet named twice with
    different claims ("the TechCrunch article on X ... the second TechCrunch article on Y") keeps two lanes,
    one per article sought."""
    seen, kept = set(), []
    for facet in facets:
        key = (facet.sources, facet.dates, facet.text)
        if key not in seen:
            seen.add(key)
            kept.append(facet)
    return kept

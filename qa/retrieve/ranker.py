"""A learned second-stage ranker: reorders the head of the hybrid ranking by the chance that each passage
holds a fact the question asks about.

Hybrid retrieval finds the right articles, but which of their passages comes first decides MRR and MAP. The
ranker scores each of the first `depth` candidates from signals the pipeline already has (its rank and fused
score, dense and BM25 scores for the question and for each named outlet's part of it, lane, position in the
article) plus one it lacks: how well the passage's best sentence matches the question word for word,
IDF-weighted, in both directions (a fact sentence is mostly made of question words, and holds many of them).

The model is a gradient-boosted tree ensemble fitted on the MultiHop-RAG dev split only
(`python -m qa.bench multihop --train-ranker`), stored as plain JSON (`qa/data/ranker.json`) and evaluated
here with numpy: no pickles, no scikit-learn at run time. `NEWSQA_RANKER=off` turns it off; a path loads
another model fitted the same way (e.g. on a user's own gold set).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from index import KeywordQuery, Passage, tokenize

from .facets import DateRef, Facet
from .trees import TreeEnsemble, model_file

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\n+")
DEFAULT_MODEL = Path(__file__).resolve().parent / "data" / "ranker.json"
FEATURES = ("inverse_rank", "relative_score", "dense", "relative_dense", "keyword", "facet_keyword",
            "own_facet_keyword", "outlet_named", "lane", "lead", "log_position", "term_share",
            "same_article_before", "date_named", "has_facets", "sentence_precision", "sentence_recall")


@dataclass(frozen=True)
class Evidence:
    """What the pipeline knows about a question when it ranks: BM25 over all passages (in snapshot
    order) for the question and for each facet's text, the facets, the dates named, the snapshot's IDF per
    term and each passage id's position in the snapshot."""

    question_terms: frozenset[str]
    keyword: KeywordQuery
    facet_keyword: tuple[KeywordQuery, ...]
    facets: tuple[Facet, ...]
    dates: tuple[DateRef, ...]
    idf: dict
    position: dict


def features(candidates: Sequence[Passage], evidence: Evidence) -> np.ndarray:
    """One row of FEATURES per candidate (candidates in pipeline order)."""
    top = (candidates[0].score or 1.0) if candidates else 1.0
    dense_max = max((p.signals.get("dense") or 0.0 for p in candidates), default=0.0) or 1.0
    positions = [evidence.position[p.id] for p in candidates]
    keyword = evidence.keyword.at(positions) / _max(evidence.keyword)
    facet_keyword = [scores.at(positions) / _max(scores) for scores in evidence.facet_keyword]
    seen: dict[str, int] = {}
    rows = []
    for rank, p in enumerate(candidates, 1):
        facet_scores = [scores[rank - 1] for scores in facet_keyword]
        own = [s for s, facet in zip(facet_scores, evidence.facets) if p.source in facet.sources]
        index = passage_index(p.id)
        dense = p.signals.get("dense") or 0.0
        terms = frozenset().union(*sentence_terms(p.text))
        precision, recall = sentence_match(p.text, evidence.question_terms, evidence.idf)
        rows.append([1.0 / rank, p.score / top, dense, dense / dense_max,
                     keyword[rank - 1],
                     max(facet_scores, default=0.0), max(own, default=0.0), float(bool(own)),
                     float(p.signals.get("lane", "overall") != "overall"), float(index == 0), math.log1p(index),
                     len(evidence.question_terms & terms) / (len(evidence.question_terms) or 1),
                     float(seen.get(p.article_id, 0)), float(any(d.matches(p.date) for d in evidence.dates)),
                     float(bool(evidence.facets)), precision, recall])
        seen[p.article_id] = seen.get(p.article_id, 0) + 1
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


def sentence_match(text: str, question_terms: frozenset[str], idf: dict) -> tuple[float, float]:
    """The passage's best sentence by IDF mass shared with the question: as a share of the sentence's
    mass (precision) and of the question's (recall)."""
    question_mass = sum(idf.get(t, 0.0) for t in question_terms) or 1.0
    precision = recall = 0.0
    for terms in sentence_terms(text):
        shared = sum(idf.get(t, 0.0) for t in terms & question_terms)
        mass = sum(idf.get(t, 0.0) for t in terms) or 1.0
        precision, recall = max(precision, shared / mass), max(recall, shared / question_mass)
    return precision, recall


@lru_cache(maxsize=50_000)
def sentence_terms(text: str) -> tuple[frozenset[str], ...]:
    """The keyword terms of each sentence of a passage (split at end punctuation or line breaks: a
    quarter of the chunker's sentence splitter's cost, and exact boundaries do not matter here; cached,
    as passages recur across questions)."""
    return tuple(frozenset(terms) for terms in map(tokenize, _SENTENCE_END.split(text)) if terms)


def passage_index(passage_id: str) -> int:
    """A passage's number within its article (ids end in -NNNN); 0 when the id says nothing."""
    tail = passage_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _max(scores: KeywordQuery) -> float:
    """The largest score, 1.0 when there is none worth dividing by."""
    return scores.max() or 1.0


def load_ranker(setting: str) -> TreeEnsemble | None:
    """The ranker a setting names: '' or 'default' for the bundled model, 'off' for none, or a path."""
    path = model_file(setting, DEFAULT_MODEL)
    return None if path is None else TreeEnsemble.load(path, FEATURES)

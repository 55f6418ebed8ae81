"""What the learned sentence scorer sees of each candidate sentence: meaning, word overlap, the entities of the
asked type that it holds, where its passage ranked."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..retrieve.query import Query
from ..retrieve.ranker import sentence_match
from .entities import Entity
from .scoring import Scored
from .spans import candidates, open_entities, span_rows
from .types import is_heading

TYPES = ("NUMBER", "DATE", "PERSON", "ORG", "PLACE", "OTHER")
FEATURES = ("similarity", "relative_similarity", "similarity_rank", "coverage", "relative_coverage", "hand_score",
            "type_ok", "names_ok", "typed_entities", "new_entities", "passage_rank", "passage_score", "heading",
            "idf_precision", "idf_recall", "words", "question_terms", "same_article_rank",
            *(f"asks_{t.lower()}" for t in TYPES), "open_entities", "span_chance",
            "tuned_similarity", "relative_tuned_similarity", "tuned_rank", "cross_score", "relative_cross_score",
            "cross_rank")
TUNED = ("tuned_similarity", "relative_tuned_similarity", "tuned_rank")
"""The reader encoder's cosine (qa/answer/encoder.py), its distance to the best candidate's and its rank."""
CROSS = ("cross_score", "relative_cross_score", "cross_rank")
"""The cross-encoder's logit (qa/answer/cross.py), its distance to the best candidate's and its rank (among the
candidates that hold the question's names first, as the TUNED columns)."""


def rows(query: Query, scored: Sequence[Scored], entities: Sequence[tuple[Entity, ...]], ranks: dict[str, int],
         idf: dict, spans=None, tuned: np.ndarray | None = None, cross: np.ndarray | None = None) -> np.ndarray:
    """One row of FEATURES per scored sentence (in the given order); `tuned`: the reader encoder's cosines (None:
    the base encoder's stand in); `cross`: the cross-encoder's logits (None: zeros, read by no scorer fitted
    without them)."""
    if not scored:
        return np.zeros((0, len(FEATURES)))
    sims = np.array([s.similarity for s in scored])
    cosine = cosine_columns(sims)
    covs = np.array([s.coverage for s in scored])
    terms = frozenset(query.terms)
    seen: dict[str, int] = {}
    out = []
    for i, (s, ents) in enumerate(zip(scored, entities)):
        quote = s.text
        precision, recall = sentence_match(quote, terms, idf)
        typed = candidates(query, quote, ents)
        new = [e for e in ents if e not in typed and not _in_question(e, query)]
        out.append([*cosine[i], s.coverage, s.coverage - covs.max(), s.score,
                    float(s.type_ok), float(s.names_ok), min(len(typed), 3), min(len(new), 5),
                    ranks.get(s.passage.id, 99), s.passage.score or 0.0, float(is_heading(quote)), precision, recall,
                    len(quote.split()), len(terms), seen.get(s.passage.article_id, 0),
                    *(float(query.answer_type == t) for t in TYPES), min(len(typed) + len(new), 8),
                    span_chance(query, quote, ents, spans)])
        seen[s.passage.article_id] = seen.get(s.passage.article_id, 0) + 1
    named = np.array([s.names_ok for s in scored])
    return np.hstack([np.array(out, dtype=np.float64), cosine if tuned is None else cosine_columns(tuned, named),
                      np.zeros((len(scored), len(CROSS))) if cross is None else cosine_columns(cross, named)])


def cosine_columns(cosines: np.ndarray, named: np.ndarray | None = None) -> np.ndarray:
    """A score per candidate (a cosine, or the cross-encoder's logit) as three columns: the score, its gap to the
    best and its rank (1 = best; ties in order), as the base encoder's (similarity ...), the reader encoder's (TUNED)
    and the cross-encoder's (CROSS) columns are read. `named` (the TUNED and CROSS columns): which candidates hold
    the question's names; when any does, the best and the ranks are taken among them, so a sentence about another
    village or company does not outrank the one about the name asked (the others rank after them)."""
    cosines = np.asarray(cosines, dtype=np.float64)
    pool = np.ones(len(cosines), dtype=bool) if named is None else np.asarray(named, dtype=bool)
    if not pool.any():
        pool = np.ones(len(cosines), dtype=bool)
    rank = np.empty(len(cosines))
    rank[np.lexsort((-cosines, ~pool))] = np.arange(1, len(cosines) + 1)  # the pool first, each part by cosine
    return np.stack([cosines, cosines - cosines[pool].max(), rank], 1)


def span_chance(query: Query, quote: str, entities: tuple[Entity, ...], spans) -> float:
    """The span scorer's probability for the sentence's likeliest answer span (0 without a scorer or spans)."""
    found = open_entities(query, entities)
    if spans is None or not found:
        return 0.0
    return float(1.0 / (1.0 + np.exp(-np.max(spans.score(span_rows(query, quote, found))))))


def _in_question(entity: Entity, query: Query) -> bool:
    """Is the entity's text in the question (case-insensitive)?"""
    return entity.text.lower() in query.text.lower()

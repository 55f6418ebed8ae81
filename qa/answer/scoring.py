"""Scoring candidate sentences and choosing what to quote (or refusing)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index import Passage

from ..retrieve.query import Query
from .matching import coverage, names_found
from .policy import AnswerPolicy
from .sentences import Sentence
from .types import fits_type, is_heading


@dataclass(frozen=True)
class Scored:
    """A candidate sentence with the evidence for choosing it."""

    passage: Passage
    start: int
    end: int
    similarity: float
    coverage: float
    type_ok: bool
    names_ok: bool
    score: float

    @property
    def text(self) -> str:
        """The sentence's exact words."""
        return self.passage.text[self.start - self.passage.start:self.end - self.passage.start]


def score(query: Query, question_vector: np.ndarray, found: list[Sentence], vectors: np.ndarray,
          policy: AnswerPolicy) -> list[Scored]:
    """Score sentences by meaning (cosine), query-term coverage and the expected answer type; a
    sentence that needs its previous one to cover the question is quoted with it."""
    sims = vectors @ question_vector if len(found) else np.zeros(0)
    return sorted((_score_one(query, sentence, float(sim), policy) for sentence, sim in zip(found, sims)),
                  key=lambda s: -s.score)


def _score_one(query: Query, sentence: Sentence, sim: float, policy: AnswerPolicy) -> Scored:
    """One sentence's features and score."""
    passage, start = sentence.passage, sentence.start
    single = coverage(query.terms, sentence.text, passage)
    paired = coverage(query.terms, sentence.window(), passage) if sentence.previous is not None else 0.0
    if paired - single >= 0.2:
        start, single = sentence.previous, 0.9 * paired
    quote = passage.text[start - passage.start:sentence.end - passage.start]
    type_ok = fits_type(query, quote) and not is_heading(sentence.text)
    names = names_found(query, quote, passage)
    total = (policy.sim_weight * sim + policy.lex_weight * single + policy.type_weight * type_ok) \
        * (1.0 if names == 2 else 0.85 if names == 1 else 0.5)
    return Scored(passage, start, sentence.end, sim, single, type_ok, names > 0, total)


def supported(best: Scored, policy: AnswerPolicy) -> bool:
    """Is this sentence good enough to answer with?"""
    return (best.names_ok and best.type_ok and best.similarity >= policy.min_similarity
            and best.coverage >= policy.min_coverage
            and policy.sim_weight * best.similarity + policy.lex_weight * best.coverage
            + policy.type_weight >= policy.min_support)


def choose(scored: list[Scored], policy: AnswerPolicy) -> list[Scored]:
    """The best supported sentence, plus the best of other articles that answer nearly as well;
    [] to refuse."""
    answering = [s for s in scored if supported(s, policy)]
    if not answering:
        return []
    chosen = [answering[0]]
    for item in answering[1:]:
        if len(chosen) >= policy.max_sources:
            break
        if item.passage.article_id in {c.passage.article_id for c in chosen}:
            continue
        if item.score >= chosen[0].score - policy.other_source_margin \
                or item.similarity >= chosen[0].similarity - policy.other_source_similarity:
            chosen.append(item)
    return chosen

"""Answers: the extractive answer (quoted sentences with numbered citations) and when to refuse."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from index import Passage, tokenize
from index.chunking import sentence_spans

from .citations import Citation, cite
from .query import Query, names_in

_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
                     r"hundreds?|thousands?|millions?|billions?|half|several|few)\b", re.I)
_DATE = re.compile(r"\b(1[89]|20)\d{2}\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
                   r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(yesterday|today|tonight|ago|"
                   r"last (week|month|year)|this (week|month|year)|next (week|month|year)|morning|"
                   r"midnight|night|weeks?|months?|years?)\b", re.I)
REFUSAL = "The indexed articles do not answer this question."


@dataclass(frozen=True)
class AnswerPolicy:
    """Weights and thresholds of the extractive answer, calibrated on tests/data/gold_seeds.jsonl."""

    passages: int = 6
    sim_weight: float = 0.5
    lex_weight: float = 0.35
    type_weight: float = 0.15
    min_similarity: float = 0.35
    min_coverage: float = 0.34
    min_support: float = 0.45
    other_source_margin: float = 0.12
    max_sources: int = 3


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


@dataclass(frozen=True)
class Answer:
    """What `ask` returns: the text, whether it refused, and the citations its [n] marks point to."""

    question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    rewritten_question: str | None = None
    mode: str = "extractive"
    sentences: tuple[dict, ...] = ()
    notes: tuple[str, ...] = ()
    timings: dict = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        """The contract's JSON object (question, answer, refused, citations) and extra fields."""
        return {"question": self.question, "answer": self.text, "refused": self.refused,
                "citations": [c.to_dict() for c in self.citations],
                "rewritten_question": self.rewritten_question, "mode": self.mode,
                "sentences": list(self.sentences), "notes": list(self.notes),
                "timings_ms": {k: round(v * 1000, 1) for k, v in self.timings.items()}}


def candidates(passages: Sequence[Passage]) -> list[tuple[Passage, int, int]]:
    """Every sentence of the passages as (passage, start, end) in article offsets, each sentence once."""
    seen, found = set(), []
    for passage in passages:
        for span in sentence_spans(passage.text):
            key = (passage.article_id, passage.start + span.start)
            if key not in seen:
                seen.add(key)
                found.append((passage, passage.start + span.start, passage.start + span.end))
    return found


def score(query: Query, question_vector: np.ndarray, found: list[tuple[Passage, int, int]],
          vectors: np.ndarray, policy: AnswerPolicy) -> list[Scored]:
    """Score sentences by meaning (cosine), query-term coverage and the expected answer type."""
    sims = vectors @ question_vector if len(found) else np.zeros(0)
    scored = []
    for (passage, start, end), sim in zip(found, sims):
        text = passage.text[start - passage.start:end - passage.start]
        coverage = _coverage(query, text, passage)
        type_ok = fits_type(query.answer_type, text)
        names_ok = all(_has_terms(terms, passage) for terms in query.name_terms if terms)
        total = (policy.sim_weight * float(sim) + policy.lex_weight * coverage
                 + policy.type_weight * type_ok) * (1.0 if names_ok else 0.6)
        scored.append(Scored(passage, start, end, float(sim), coverage, type_ok, names_ok, total))
    return sorted(scored, key=lambda s: -s.score)


def _coverage(query: Query, sentence: str, passage: Passage) -> float:
    """Share of the question's terms in the sentence (full weight) or its passage and title (half)."""
    if not query.terms:
        return 0.0
    in_sentence = set(tokenize(sentence))
    in_context = set(tokenize(f"{passage.title} {passage.text}"))
    hits = sum(1.0 if t in in_sentence else 0.5 if t in in_context else 0.0 for t in query.terms)
    return hits / len(query.terms)


def _has_terms(terms: tuple[str, ...], passage: Passage) -> bool:
    """True if every term of a name occurs in the passage or its title/outlet."""
    context = set(tokenize(f"{passage.title} {passage.source or ''} {passage.text}"))
    return all(t in context for t in terms)


def fits_type(kind: str, sentence: str) -> bool:
    """Does the sentence contain the kind of thing the question asks for?"""
    if kind == "NUMBER":
        return bool(_NUMBER.search(sentence))
    if kind == "DATE":
        return bool(_DATE.search(sentence))
    if kind in ("PERSON", "PLACE"):
        return bool(names_in(sentence[1:]) or names_in(sentence))
    return True


def supported(best: Scored, policy: AnswerPolicy) -> bool:
    """Is the best sentence good enough to answer with (else refuse)?"""
    return (best.names_ok and best.type_ok and best.similarity >= policy.min_similarity
            and best.coverage >= policy.min_coverage
            and policy.sim_weight * best.similarity + policy.lex_weight * best.coverage
            + policy.type_weight >= policy.min_support)


def choose(scored: list[Scored], policy: AnswerPolicy) -> list[Scored]:
    """The best sentence, plus the best of other articles that answer nearly as well; [] to refuse."""
    if not scored or not supported(scored[0], policy):
        return []
    chosen = [scored[0]]
    for item in scored[1:]:
        if len(chosen) >= policy.max_sources:
            break
        if item.passage.article_id in {c.passage.article_id for c in chosen}:
            continue
        if item.score >= scored[0].score - policy.other_source_margin and supported(item, policy):
            chosen.append(item)
    return chosen


def compose(question: str, chosen: list[Scored]) -> tuple[str, tuple[Citation, ...]]:
    """Quote the chosen sentences verbatim with [n] marks; several sources are listed newest first."""
    if not chosen:
        return REFUSAL, ()
    ordered = sorted(chosen, key=lambda s: s.passage.date or "", reverse=True) if len(chosen) > 1 else chosen
    citations = tuple(cite(n, s.passage, s.start, s.end) for n, s in enumerate(ordered, 1))
    if len(citations) == 1:
        return f"{citations[0].quote} [1]", citations
    lines = [f"{len(citations)} articles answer this (newest first):"]
    for c in citations:
        lines.append(f"- {c.date or 'Undated'}, {c.source or c.title}: {c.quote} [{c.n}]")
    return "\n".join(lines), citations

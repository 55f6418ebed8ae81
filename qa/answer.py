"""Answers: the extractive answer (quoted sentences with numbered citations) and when to refuse."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np

from index import Passage, tokenize
from index.chunking import sentence_spans

from .citations import Citation, cite
from .query import Query, names_in

_NUMBER = re.compile(r"\d[\d,.]*\d|\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
                     r"hundreds?|thousands?|millions?|billions?|half|several|few)\b", re.I)
_DATE = re.compile(r"\b(1[89]|20)\d{2}\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
                   r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(yesterday|today|tonight|ago|"
                   r"(last|this|next|that) (week|month|year)|midnight)\b", re.I)
_TIME_UNIT = re.compile(r"(seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(y|ies))\b", re.I)
_QUIET = frozenset(tokenize("were been being has have had from about what which who whom whose how many much when "
                            "where why does did do its his her some any more most very also than other same would "
                            "could should can may might our we you your he she him them those after before over "
                            "under up down out there here now then remain currently still according report"))
INSTRUCTION = re.compile(r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|above)\b|"
                         r"\b(system prompt|you are (an? )?(ai|assistant|language model)|as an ai)\b|"
                         r"\bcite (source )?\[?\d+\]?", re.I)
"""Text addressed to an AI rather than to readers: never quoted as an answer, never put in a prompt."""
REFUSAL = "The indexed articles do not answer this question."


@dataclass(frozen=True)
class AnswerPolicy:
    """Weights and thresholds of the extractive answer, calibrated on tests/data/gold_seeds.jsonl."""

    passages: int = 6
    sim_weight: float = 0.5
    lex_weight: float = 0.35
    type_weight: float = 0.15
    min_similarity: float = 0.25
    min_coverage: float = 0.34
    min_support: float = 0.5
    other_source_margin: float = 0.12
    other_source_similarity: float = 0.05
    max_sources: int = 3
    shortlist: int = 6


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


@dataclass(frozen=True)
class Sentence:
    """A sentence of a retrieved passage, in article offsets, with where its previous sentence starts."""

    passage: Passage
    start: int
    end: int
    previous: int | None

    @property
    def text(self) -> str:
        """The sentence's exact words."""
        return self.passage.text[self.start - self.passage.start:self.end - self.passage.start]

    def window(self) -> str:
        """The previous sentence (same passage) and this one, as the article has them."""
        begin = self.start if self.previous is None else self.previous
        return self.passage.text[begin - self.passage.start:self.end - self.passage.start]


def candidates(passages: Sequence[Passage]) -> list[Sentence]:
    """Every sentence of the passages, each once (the first passage that holds it wins)."""
    seen, found = set(), []
    for passage in passages:
        previous = None
        for span in sentence_spans(passage.text):
            start, end = passage.start + span.start, passage.start + span.end
            if INSTRUCTION.search(passage.text[span.start:span.end]):
                continue
            if (passage.article_id, start) not in seen:
                seen.add((passage.article_id, start))
                found.append(Sentence(passage, start, end, previous))
            previous = start
    return found


def shortlist(query: Query, found: list[Sentence], size: int) -> list[Sentence]:
    """The sentences worth embedding: the best `size` by query-term coverage (with their previous
    sentence), on ties those holding the expected answer type, then earlier-ranked passages first; plus
    each other article's best, so that a second source can still be quoted beside the first; order kept."""
    if len(found) <= size:
        return found
    def lexical(i: int) -> tuple[float, bool, int]:
        sentence = found[i]
        paired = coverage(query.terms, sentence.window(), sentence.passage) if sentence.previous is not None else 0.0
        words = max(coverage(query.terms, sentence.text, sentence.passage), 0.9 * paired)
        return words, fits_type(query, sentence.text), -i
    ranked = sorted(range(len(found)), key=lexical, reverse=True)
    keep = set(ranked[:size])
    best_of: dict[str, int] = {}
    for i in ranked:
        best_of.setdefault(found[i].passage.article_id, i)
    keep.update(best_of.values())
    return [found[i] for i in sorted(keep)]


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
    type_ok = fits_type(query, quote) and not _is_heading(sentence.text)
    names = names_found(query, quote, passage)
    total = (policy.sim_weight * sim + policy.lex_weight * single + policy.type_weight * type_ok) \
        * (1.0 if names == 2 else 0.85 if names == 1 else 0.5)
    return Scored(passage, start, sentence.end, sim, single, type_ok, names > 0, total)


@dataclass(frozen=True)
class Bag:
    """A text's stemmed content terms, searchable by prefix in both directions."""

    words: frozenset[str]
    ordered: tuple[str, ...]

    def __contains__(self, term: str) -> bool:
        """Is the term here, or a word of 4+ letters that it starts with or that starts with it?"""
        if term in self.words:
            return True
        if len(term) < 4:
            return False
        if any(term[:n] in self.words for n in range(4, len(term))):
            return True
        i = bisect_left(self.ordered, term)
        return i < len(self.ordered) and self.ordered[i].startswith(term)


@lru_cache(maxsize=8192)
def _stems(text: str) -> Bag:
    """Stemmed content terms of a text, without the quiet words of questions."""
    words = frozenset(t for t in tokenize(text) if t not in _QUIET)
    return Bag(words, tuple(sorted(w for w in words if len(w) >= 4)))


def coverage(terms: Sequence[str], text: str, passage: Passage) -> float:
    """Share of the question's terms in the text (full weight) or its passage and title (half);
    terms match when equal or one is a prefix (4+ letters) of the other."""
    terms = [t for t in terms if t not in _QUIET]
    if not terms:
        return 0.0
    here, around = _stems(text), _stems(f"{passage.title} {passage.text}")
    hits = sum(1.0 if _matches(t, here) else 0.5 if _matches(t, around) else 0.0 for t in terms)
    return hits / len(terms)


def _matches(term: str, bag: Bag) -> bool:
    """Is the term, or a word sharing a 4+ letter prefix relation with it, in the bag?"""
    return term in bag


def names_found(query: Query, quote: str, passage: Passage) -> int:
    """2 if every name of the question is in the quote or title, 1 if only in the passage, 0 if absent."""
    if not query.name_terms:
        return 2
    near, around = _stems(f"{quote} {passage.title}"), _stems(f"{passage.title} {passage.source or ''} {passage.text}")
    if all(all(_matches(t, near) for t in terms) for terms in query.name_terms if terms):
        return 2
    return 1 if all(all(_matches(t, around) for t in terms) for terms in query.name_terms if terms) else 0


def _is_heading(sentence: str) -> bool:
    """Headlines and questions quote badly: fewer than five words, or ending in '?'."""
    return len(sentence.split()) < 5 or sentence.rstrip().endswith("?")


def fits_type(query: Query, sentence: str) -> bool:
    """Does the sentence hold something new of the kind the question asks for (a count that is
    not a duration or year, a date, a name the question does not already give)?"""
    kind = query.answer_type
    if kind == "NUMBER":
        asks_time = bool(_TIME_UNIT.search(query.text))
        return any(asks_time or not _is_time(sentence, m) for m in _NUMBER.finditer(sentence)
                   if m.group().lower() not in query.text.lower())
    if kind == "DATE":
        return bool(_DATE.search(sentence))
    if kind in ("PERSON", "PLACE"):
        known = {t for terms in query.name_terms for t in terms}
        return any(set(tokenize(name)) - known for name in names_in(sentence))
    return True


def _is_time(sentence: str, match: re.Match) -> bool:
    """Is this number a year, or a count of time units ("seven years ago")?"""
    if re.fullmatch(r"(1[89]|20)\d{2}", match.group()):
        return True
    return bool(_TIME_UNIT.match(sentence[match.end():].lstrip(" -")))


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


def _short(title: str, limit: int = 60) -> str:
    """A title cut at a word boundary, quoted, for naming a source inside an answer."""
    title = title.rstrip("…").rstrip(".")
    if len(title) > limit:
        title = title[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return f"“{title}”"


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
        lines.append(f"- {c.date or 'Undated'}, {c.source or _short(c.title)}: {c.quote} [{c.n}]")
    return "\n".join(lines), citations

"""Multi-hop questions: what kind of answer they want, the claims they are made of, and each claim's best
evidence among the retrieved passages.

A question that names outlets ("Does the TechCrunch article on X and the Hacker News article on Y ...") has one
claim per outlet mention (the retrieval facets); without outlets, the question is split at its conjunctions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from index import Passage, tokenize

from ..retrieve.facets import Facet
from .matching import QUIET, coverage
from .sentences import Sentence, candidates

YES_NO = re.compile(r"^\s*(does|do|did|is|was|were|are|has|have|had|can|could|would|will|should)\b|"
                    r"[,;]\s*(does|do|did|is|was|were|are|has|have|had)\s+(the\s+|a\s+|an\s+)?[\w'‘“\"]", re.I)
_WH = re.compile(r"^\W*(which|what|who|whom|whose|when|where|how|why)\b", re.I)
_AUXILIARY = r"(is|was|are|were|has|had|have|does|did|do|can|could|will|would|may|might|should|must)"
_WH_CLAUSE = re.compile(rf"[,;]\s*(which|what|who|whom|whose|how)\s+(?!{_AUXILIARY}\b)(?!\w+ed\b)\w", re.I)
_REPORTING = frozenset(tokenize("say says said report reports reported article articles mention mentioned claim "
                                "claims suggest suggests suggested according state stated indicate indicates "
                                "discuss discussing publish published"))
_SPLIT = re.compile(r",?\s+(?:while|whereas|but|and then|and also|, and|and)\s+(?=the\b|a\b|an\b|[A-Z])|;\s*")


@dataclass(frozen=True)
class Claim:
    """One part of a question to be checked against the articles: its words and the outlets it is about."""

    text: str
    sources: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Evidence:
    """A claim's best sentence, how much of the claim it holds (0..1), and its article's date."""

    claim: Claim
    sentence: Sentence | None
    support: float
    own_support: float = 0.0
    similarity: float = 0.0

    @property
    def date(self) -> str | None:
        """The date of the evidence's article."""
        return self.sentence.passage.date if self.sentence else None


def is_yes_no(question: str) -> bool:
    """Does the question want a Yes or a No (it opens with an auxiliary verb, or a clause after a comma does)?
    Not when it opens with a question word: "Which company, known for X, has done Y?" asks for the company; nor
    when a question word after a comma comes first: "Considering X, which city, starting with B, is Y?" (a
    question word followed by a verb opens a relative clause instead: "After the report, which described X, did
    Y ...?")."""
    if _WH.match(question):
        return False
    verb = YES_NO.search(question)
    if verb is None or verb.start() == 0:
        return verb is not None
    asked = _WH_CLAUSE.search(question)
    return asked is None or asked.start() > verb.start()


def split_claims(question: str, facets: Sequence[Facet]) -> list[Claim]:
    """One claim per outlet mention; else the question cut at its conjunctions (parts of 3+ words)."""
    if facets:
        return [Claim(f.text, f.sources) for f in facets]
    parts = [p.strip(" ,?") for p in _SPLIT.split(question)]
    parts = [p for p in parts if len(p.split()) >= 3]
    return [Claim(p) for p in parts] or [Claim(question)]


def claim_terms(claim: Claim) -> list[str]:
    """The claim's content terms, once each: no question or reporting words, no words of its outlets' names."""
    outlets = {t for source in claim.sources for t in tokenize(source)}
    return [t for t in dict.fromkeys(tokenize(claim.text)) if t not in QUIET and t not in _REPORTING
            and t not in outlets]


def claim_evidence(claim: Claim, passages: Sequence[Passage]) -> Evidence:
    """The sentence of the claim's outlets' passages (any passage when it names none) that holds most of it."""
    terms = claim_terms(claim)
    pool = [p for p in passages if not claim.sources or p.source in claim.sources]
    best, support = None, 0.0
    for sentence in candidates(pool):
        share = coverage(terms, sentence.text, sentence.passage)
        if share > support:
            best, support = sentence, share
    own = _share(terms, best.text) if best else 0.0
    return Evidence(claim, best, support, own)


def _share(terms: Sequence[str], text: str) -> float:
    """The share of the terms in the text itself (no credit for the passage around it)."""
    here = set(tokenize(text))
    return sum(t in here for t in terms) / len(terms) if terms else 0.0

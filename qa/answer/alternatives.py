"""Questions that offer their two answers: "Did X report it before or after Y?", "Is the portrayal consistent
or inconsistent?". The short answer is one of the two words the question offers, not Yes or No: the order of the
claims' dates for before/after, the verdict for a word and its opposite (Yes: the first, No: its opposite)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .claims import Evidence

_PAIR = re.compile(r"\b([a-z]+)\s+or\s+([a-z]+)\b", re.I)
_ORDER = {("before", "after"), ("after", "before"), ("earlier", "later"), ("later", "earlier")}
_OPPOSITES = {("same", "different"), ("similar", "different"), ("agreement", "disagreement")}
_NEGATING = ("in", "dis", "un", "non", "non-", "im", "ir")


@dataclass(frozen=True)
class Alternatives:
    """The two answers a question offers, in its order; whether they are an order in time; and `leading`, the one
    of the two that a Yes or an earlier date stands for ("consistent", "before")."""

    first: str
    second: str
    temporal: bool
    leading: str

    @property
    def trailing(self) -> str:
        """The other of the two ("inconsistent", "after")."""
        return self.second if self.leading == self.first else self.first


def offered(question: str) -> Alternatives | None:
    """The pair of answers the question offers ("before or after", "consistent or inconsistent"), if any."""
    for match in _PAIR.finditer(question):
        first, second = match.group(1).lower(), match.group(2).lower()
        if (first, second) in _ORDER:
            return Alternatives(first, second, True, first if first in ("before", "earlier") else second)
        if _opposite(first, second) or _opposite(second, first):
            return Alternatives(first, second, False, first if _opposite(first, second) else second)
    return None


def _opposite(word: str, other: str) -> bool:
    """Is `other` the word negated ("consistent" / "inconsistent"), or its listed opposite?"""
    return (word, other) in _OPPOSITES or any(other == prefix + word for prefix in _NEGATING)


def choose(alternatives: Alternatives, question: str, yes: bool, evidence: Sequence[Evidence]) -> str:
    """The offered answer, capitalised: by the claims' dates for an order in time (the first option when the
    dates cannot tell), else by the verdict (Yes: the positive word, No: its negation)."""
    if alternatives.temporal:
        word = _by_dates(alternatives, question, evidence) or alternatives.first
    else:
        word = alternatives.leading if yes else alternatives.trailing
    return word[:1].upper() + word[1:]


def _by_dates(alternatives: Alternatives, question: str, evidence: Sequence[Evidence]) -> str | None:
    """"before" when what the question names first was published before what it names second (by the claims'
    evidence dates, the claims taken in the question's order); None when the dates do not tell."""
    dated = sorted((_position(e, question), e.date) for e in evidence if e.date)
    if len(dated) < 2 or dated[0][1] == dated[-1][1]:
        return None
    return alternatives.leading if dated[0][1] < dated[-1][1] else alternatives.trailing


def _position(evidence: Evidence, question: str) -> int:
    """Where the claim stands in the question (its first words' offset; the end when not found)."""
    at = question.lower().find(evidence.claim.text.strip(" ,?").lower()[:30])
    return at if at >= 0 else len(question)

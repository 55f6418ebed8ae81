"""What a news question names: outlets ("according to TechCrunch") and dates ("published on October 5").

Multi-hop questions name several outlets, each with its own claim ("Does the TechCrunch article on X
and the Hacker News article on Y both ..."). Each mention becomes a Facet: the outlets it can mean, the
dates named beside it, and the part of the question about it. Retrieval gives each facet its best
passages so that every named outlet is represented near the top.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from ..vocabulary import MONTH_DAY, MONTHS

_SAME = re.compile(r"\b(?:the\s+same\s+(?:source|outlet|publication|news\s+source|platform|publisher))\b", re.I)
_SPLIT = re.compile(r"\s+(?:\||-|–|—)\s+|:\s+")
_ARTICLES = {"the", "a", "an"}
_SMALL_WORDS = {"and", "of", "for", "the", "in", "on", "&"}


@dataclass(frozen=True)
class DateRef:
    """A calendar day named in a question; the year is None when not given."""

    month: int
    day: int
    year: int | None = None

    def matches(self, iso: str | None) -> bool:
        """True when an ISO date (YYYY-MM-DD...) falls on this day."""
        if not iso or len(iso) < 10:
            return False
        if self.year is not None and iso[:4] != str(self.year):
            return False
        return iso[5:10] == f"{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class Facet:
    """One outlet mention: the outlets it can mean, the dates named with it, its part of the question."""

    sources: frozenset[str]
    dates: tuple[DateRef, ...]
    text: str
    start: int


def outlet_aliases(sources: Iterable[str]) -> dict[str, frozenset[str]]:
    """Lower-cased names a question may use for each outlet: the full name and its head before
    ' | ', ' - ' or ': ' ("Cnbc | World Business News Leader" -> "cnbc")."""
    aliases: dict[str, set[str]] = {}
    for source in sources:
        if not source:
            continue
        for name in {source, _SPLIT.split(source, maxsplit=1)[0]}:
            name = name.strip().strip("'\"")
            if len(name) >= 3:
                aliases.setdefault(name.lower(), set()).add(source)
    return {name: frozenset(found) for name, found in aliases.items()}


def named_dates(text: str) -> list[DateRef]:
    """Calendar days written as 'October 5' or 'October 5, 2023' (invalid days are ignored)."""
    found = []
    for match in MONTH_DAY.finditer(text):
        month, day = MONTHS[match[1].lower()], int(match[2])
        year = int(match[3]) if match[3] else None
        try:
            date(year or 2000, month, day)
        except ValueError:
            continue
        found.append(DateRef(month, day, year))
    return found


def outlet_mentions(question: str, aliases: dict[str, frozenset[str]]) -> list[tuple[int, int, frozenset[str]]]:
    """(start, end, outlets) of each outlet named in the question, left to right, longest names first;
    'the same source' repeats the outlet named before it."""
    spans: list[tuple[int, int, frozenset[str]]] = []
    lowered = question.lower()
    for name in sorted(aliases, key=len, reverse=True):
        for match in re.finditer(r"(?<![\w])" + re.escape(name) + r"(?![\w])", lowered):
            start, end = match.span()
            if _capitalised(question[start:end]) and not any(s < end and start < e for s, e, _ in spans):
                spans.append((start, end, aliases[name]))
    for match in _SAME.finditer(question):
        before = [m for m in spans if m[1] <= match.start()]
        if before:
            spans.append((match.start(), match.end(), max(before)[2]))
    return sorted(spans, key=lambda m: m[0])


def _capitalised(written: str) -> bool:
    """True when the words of a name are written capitalised, as outlet names are ('The Age', not
    'the age'); a leading article may be lower case ('the Verge')."""
    words = written.split()
    if words and words[0].lower() in _ARTICLES and len(words) > 1:
        words = words[1:]
    return all(w[0].isupper() or not w[0].isalpha() or w in _SMALL_WORDS for w in words)


def find_facets(question: str, aliases: dict[str, frozenset[str]]) -> list[Facet]:
    """One Facet per outlet mention, with the dates between it and the next mention, and its part of the
    question (from the end of the previous mention to the start of the next)."""
    mentions = outlet_mentions(question, aliases)
    facets = []
    for i, (start, end, sources) in enumerate(mentions):
        after = mentions[i + 1][0] if i + 1 < len(mentions) else len(question)
        before = mentions[i - 1][1] if i else 0
        dates = tuple(named_dates(question[end:after]))
        facets.append(Facet(sources, dates, question[before:after].strip(), start))
    return facets

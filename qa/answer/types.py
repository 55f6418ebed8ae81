"""Answer-type checks: does a sentence hold the kind of thing the question asks for?"""

from __future__ import annotations

import re

from index import tokenize

from ..retrieve.query import Query
from ..vocabulary import COUNT, DATE_WORDS, TIME_UNIT, YEAR, names_in


def is_heading(sentence: str) -> bool:
    """Headlines and questions quote badly: fewer than five words, or ending in '?'."""
    return len(sentence.split()) < 5 or sentence.rstrip().endswith("?")


def fits_type(query: Query, sentence: str) -> bool:
    """Does the sentence hold something new of the kind the question asks for (a count that is
    not a duration or year, a date, a name the question does not already give)?"""
    kind = query.answer_type
    if kind == "NUMBER":
        asks_time = bool(TIME_UNIT.search(query.text))
        return any(asks_time or not is_time(sentence, m) for m in COUNT.finditer(sentence)
                   if m.group().lower() not in query.text.lower())
    if kind == "DATE":
        return bool(DATE_WORDS.search(sentence))
    if kind in ("PERSON", "PLACE"):
        known = {t for terms in query.name_terms for t in terms}
        return any(set(tokenize(name)) - known for name in names_in(sentence))
    return True


def is_time(sentence: str, match: re.Match) -> bool:
    """Is this number a year, or a count of time units ("seven years ago")?"""
    if YEAR.fullmatch(match.group()):
        return True
    return bool(TIME_UNIT.match(sentence[match.end():].lstrip(" -")))

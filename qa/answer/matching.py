"""Term matching between a question and a sentence: stemmed content words, matched by 4+ letter prefixes."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from index import Passage, tokenize

from ..retrieve.query import Query

QUIET = frozenset(tokenize("were been being has have had from about what which who whom whose how many much when "
                           "where why does did do its his her some any more most very also than other same would "
                           "could should can may might our we you your he she him them those after before over "
                           "under up down out there here now then remain currently still according report"))
"""Words of questions that say nothing about what is asked."""


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
    words = frozenset(t for t in tokenize(text) if t not in QUIET)
    return Bag(words, tuple(sorted(w for w in words if len(w) >= 4)))


def coverage(terms: Sequence[str], text: str, passage: Passage) -> float:
    """Share of the question's terms in the text (full weight) or its passage and title (half);
    terms match when equal or one is a prefix (4+ letters) of the other."""
    terms = [t for t in terms if t not in QUIET]
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

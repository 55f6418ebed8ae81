"""Candidate sentences of the retrieved passages, and the shortlist worth embedding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from index import Passage
from index.chunking import sentence_spans

from ..retrieve.query import Query
from ..vocabulary import INSTRUCTION
from .matching import coverage
from .types import fits_type

SENTENCE_CHARS = 600
"""How much of a candidate sentence the reader's encoders read (a run-on "sentence", a list or a table, is judged by
its start), in training as at run time."""


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

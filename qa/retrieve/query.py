"""What a question asks for: its terms, names, expected answer type, and outlets or dates it names."""

from __future__ import annotations

from dataclasses import dataclass

from index import tokenize

from ..errors import InvalidQuestion
from ..vocabulary import answer_type, names_in


@dataclass(frozen=True)
class Query:
    """A question as retrieval and answering see it."""

    text: str
    terms: tuple[str, ...]
    names: tuple[str, ...]
    answer_type: str

    @property
    def name_terms(self) -> tuple[tuple[str, ...], ...]:
        """Each name's stemmed terms."""
        return tuple(tuple(tokenize(name)) for name in self.names)


def check_question(question: object, max_chars: int) -> str:
    """The question stripped, or InvalidQuestion saying what is wrong with it."""
    if not isinstance(question, str):
        raise InvalidQuestion("The question must be text.")
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question).strip()
    if not cleaned:
        raise InvalidQuestion("The question is empty: type a question about the news articles.")
    if len(cleaned) > max_chars:
        raise InvalidQuestion(f"The question is {len(cleaned):,} characters long; the limit is {max_chars:,}.")
    return " ".join(cleaned.split())


def analyse(question: str) -> Query:
    """Terms (stemmed, no stop words), proper names and the expected answer type of a question."""
    return Query(text=question, terms=tuple(dict.fromkeys(tokenize(question))),
                 names=tuple(dict.fromkeys(names_in(question))), answer_type=answer_type(question))

"""What a question asks for: its terms, names, expected answer type, and outlets or dates it names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index import InvalidQuestion, tokenize

_NUMBER_Q = re.compile(r"\bhow (many|much|long|far|old|big|large)\b|\bwhat (number|percentage|share|amount)\b", re.I)
_DATE_Q = re.compile(r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bwhich (year|date|day|month)\b", re.I)
_PERSON_Q = re.compile(r"^\s*(who|whom|whose)\b", re.I)
_PLACE_Q = re.compile(r"^\s*where\b|\bin which (city|country|province|region|area)\b", re.I)
_NAME = re.compile(r"\b(?:[A-Z][\w'’\-]*[a-zA-Z]|[A-Z]{2,}|U\.S\.)(?:\s+(?:of\s+|al-)?[A-Z][\w'’\-]*)*")
_QUESTION_WORDS = {"What", "Which", "Who", "Whom", "Whose", "When", "Where", "Why", "How", "Is", "Are",
                   "Was", "Were", "Did", "Do", "Does", "Can", "Could", "Will", "Would", "Should", "In",
                   "On", "At", "According", "And", "The", "A", "An", "Has", "Have", "Had", "Tell", "Give",
                   "From", "For", "By", "To", "With", "During", "After", "Before", "Since", "Of", "As"}


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


def answer_type(question: str) -> str:
    """NUMBER, DATE, PERSON, PLACE or OTHER."""
    for kind, pattern in (("NUMBER", _NUMBER_Q), ("DATE", _DATE_Q), ("PERSON", _PERSON_Q), ("PLACE", _PLACE_Q)):
        if pattern.search(question):
            return kind
    return "OTHER"


def names_in(question: str) -> list[str]:
    """Capitalised names in a question (its first word only if it is not a question word)."""
    found = []
    for match in _NAME.finditer(question):
        words = match.group().split()
        while words and words[0] in _QUESTION_WORDS:
            words = words[1:]
        if words:
            found.append(" ".join(words))
    return found

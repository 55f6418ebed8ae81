"""The steps of a streamed answer, and the one way to run a stream to its end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .answer import Answer
from .errors import GeneratorError


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer: 'rewritten' (the question as understood), 'token' (text to append),
    'extractive' (the LLM failed or was unverified: text is the extractive answer that replaces what was
    streamed), 'answer' (the complete Answer; always last)."""

    kind: str
    text: str = ""
    answer: Answer | None = None


def final_answer(events: Iterable[Event]) -> Answer:
    """Run a stream of events to its end and return its answer."""
    final = None
    for event in events:
        if event.kind == "answer":
            final = event.answer
    if final is None:
        raise GeneratorError("The answer stream ended without an answer.")
    return final

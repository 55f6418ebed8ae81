"""The Answer value: what `ask` returns, whichever way (extractive or generated) it was written."""

from __future__ import annotations

from dataclasses import dataclass, field

from .citations import Citation

REFUSAL = "The indexed articles do not answer this question."


@dataclass(frozen=True)
class Answer:
    """What `ask` returns: the short answer (None when refused), the text (the short answer first, then the
    quoted evidence), whether it refused, and the citations its [n] marks point to."""

    question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    short_answer: str | None = None
    rewritten_question: str | None = None
    mode: str = "extractive"
    sentences: tuple[dict, ...] = ()
    notes: tuple[str, ...] = ()
    timings: dict = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        """The contract's JSON object (question, answer, refused, citations) and extra fields."""
        return {"question": self.question, "short_answer": self.short_answer, "answer": self.text,
                "refused": self.refused,
                "citations": [c.to_dict() for c in self.citations],
                "rewritten_question": self.rewritten_question, "mode": self.mode,
                "sentences": list(self.sentences), "notes": list(self.notes),
                "timings_ms": {k: round(v * 1000, 1) for k, v in self.timings.items()}}

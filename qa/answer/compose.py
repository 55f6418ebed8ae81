"""Composing the extractive answer: the chosen sentences quoted verbatim with [n] marks."""

from __future__ import annotations

from .answer import REFUSAL
from .citations import Citation, cite
from .scoring import Scored


def _short(title: str, limit: int = 60) -> str:
    """A title cut at a word boundary, quoted, for naming a source inside an answer."""
    title = title.rstrip("…").rstrip(".")
    if len(title) > limit:
        title = title[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return f"“{title}”"


def compose(question: str, chosen: list[Scored], short: str | None = None) -> tuple[str, tuple[Citation, ...]]:
    """The short answer first (when it is not the quote itself), then the chosen sentences quoted verbatim
    with [n] marks; several sources are listed newest first, each dated."""
    if not chosen:
        return REFUSAL, ()
    ordered = sorted(chosen, key=lambda s: s.passage.date or "", reverse=True) if len(chosen) > 1 else chosen
    citations = tuple(cite(n, s.passage, s.start, s.end) for n, s in enumerate(ordered, 1))
    lead = [short] if short and short != chosen[0].text.strip() else []
    if len(citations) == 1:
        return "\n".join(lead + [f"{citations[0].quote} [1]"]), citations
    lines = lead + [f"{len(citations)} articles answer this (newest first):"]
    for c in citations:
        lines.append(f"- {c.date or 'Undated'}, {c.source or _short(c.title)}: {c.quote} [{c.n}]")
    return "\n".join(lines), citations


def compose_claims(short: str, sentences: list, note: str = "") -> tuple[str, tuple[Citation, ...]]:
    """A multi-hop answer: the short answer (Yes, No, or the agreed entity), a note (which claim fails), then
    each claim's evidence quoted verbatim, dated, in claim order, with [n] marks."""
    unique = list(dict.fromkeys(sentences))
    citations = tuple(cite(n, s.passage, s.start, s.end) for n, s in enumerate(unique, 1))
    lines = [short] + ([note] if note else []) + [evidence_line(c) for c in citations]
    return "\n".join(lines), citations


def evidence_line(c: Citation) -> str:
    """One claim's evidence in a list: '- date, outlet: quote [n]'."""
    return f"- {c.date or 'Undated'}, {c.source or _short(c.title)}: {c.quote} [{c.n}]"

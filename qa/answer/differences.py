"""When the articles an answer quotes give different figures (a count, a date, a name), the short answer names
each, dated, newest first: "42 (2024-05-01); more than 2,500 troops (2022-12-18)", instead of one of them alone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_FILLER = re.compile(r"^(the|a|an)\s+|[\s.,;:]+$", re.I)


@dataclass(frozen=True)
class Figure:
    """What one quoted article says: its short answer and the article's date (None: undated)."""

    text: str
    date: str | None


def numbers(text: str) -> frozenset[float]:
    """The numbers a short answer holds ('more than 2,500 troops' -> {2500.0})."""
    return frozenset(float(m.replace(",", "")) for m in _NUMBER.findall(text))


def agree(a: str, b: str) -> bool:
    """Do two short answers give the same figure? Numbers: a number in common ('approximately 2,500' and 'more
    than 2,500 troops'); words: one holds the other ('Biden' and 'Joe Biden')."""
    na, nb = numbers(a), numbers(b)
    if na and nb:
        return bool(na & nb)
    wa, wb = _FILLER.sub("", a.lower()).strip(), _FILLER.sub("", b.lower()).strip()
    return bool(wa and wb) and (wa in wb or wb in wa)


def differing(figures: Sequence[Figure]) -> list[Figure]:
    """The figures newest first (undated last), one per distinct answer, when at least two disagree; [] when
    they all agree with the first."""
    if all(agree(a.text, b.text) for i, a in enumerate(figures) for b in figures[i + 1:]):
        return []
    ordered = sorted(figures, key=lambda f: f.date or "", reverse=True)
    return [f for i, f in enumerate(ordered) if all(f.text != g.text for g in ordered[:i])]


def dated_short(figures: Sequence[Figure]) -> str:
    """Each figure with its date: '42 (2024-05-01); more than 2,500 troops (undated)'."""
    return "; ".join(f"{f.text} ({f.date or 'undated'})" for f in figures)

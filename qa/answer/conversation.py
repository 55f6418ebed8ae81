"""Follow-up questions: rewrite "and how many in Mosul?" with the conversation before retrieval."""

from __future__ import annotations

import re
from typing import Sequence

from ..retrieve.query import analyse

_FOLLOW_UP = re.compile(r"^\s*(and|but|also|so|what about|how about|and what about|what of)\b[\s,]*", re.I)
_WH = re.compile(r"\b(what|which|who|whom|whose|when|where|why|how)\b", re.I)
_PRONOUN = re.compile(r"\b(it|its|they|them|their|there|that|this|those|these|he|she|his|her)\b", re.I)


def previous_questions(history: Sequence) -> list[str]:
    """User turns from a history of {"role", "content"} dicts, or (user, assistant) pairs, or strings."""
    questions = []
    for turn in history or ():
        if isinstance(turn, dict):
            if turn.get("role") == "user" and isinstance(turn.get("content"), str):
                questions.append(turn["content"])
        elif isinstance(turn, (list, tuple)) and turn and isinstance(turn[0], str):
            questions.append(turn[0])
        elif isinstance(turn, str):
            questions.append(turn)
    return questions


def is_follow_up(question: str) -> bool:
    """Short questions that start with a connective or lean on a pronoun."""
    words = question.split()
    return bool(_FOLLOW_UP.match(question)) or (len(words) <= 6 and bool(_PRONOUN.search(question)))


def rewrite(question: str, history: Sequence) -> str:
    """Carry the previous question's subject into a follow-up; other questions are returned as they are."""
    earlier = previous_questions(history)
    if not earlier or not is_follow_up(question):
        return question
    previous = earlier[-1]
    current = _FOLLOW_UP.sub("", question).strip()
    if not _WH.search(current):
        return f"{previous.rstrip(' ?')} {current.rstrip(' ?')}?"
    current = current[:1].upper() + current[1:]
    have = set(analyse(current).terms)
    carried = [w for w in re.findall(r"[\w'’\-,.]+", previous)
               if w.lower() not in {"how", "many", "much", "what", "which", "who", "when", "where", "why"}
               and analyse(w).terms and not set(analyse(w).terms) <= have]
    if not carried:
        return current
    return f"{current.rstrip('?').rstrip()} ({' '.join(carried).rstrip('?')})?"

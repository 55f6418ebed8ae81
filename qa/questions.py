"""What a question and its conversation may be before they reach retrieval: terminal escapes taken out of the
question, the history bounded in turns and characters, and each earlier question no longer than a question may be
(a follow-up is rewritten from the last one, and the rewritten question is what retrieval works on)."""

from __future__ import annotations

import re
from typing import Iterable

from .answer.conversation import previous_questions
from .errors import InvalidHistory

ANSI = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"          # CSI: colours, cursor moves (ESC [ ... m)
                  r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC: window titles, links
                  r"|\x1b[P^_X][^\x1b\x9c]*(?:\x1b\\|\x9c)?"     # DCS, PM, APC, SOS strings
                  r"|\x1b[ -/]*[0-~]")                          # two-character escapes (ESC c, ESC ( B)
"""ANSI/VT escape sequences: a question pasted from a terminal keeps its words, not "[31m"."""


def without_escapes(question: object) -> object:
    """The question with ANSI escape sequences removed (anything that is not text is returned as it is)."""
    return ANSI.sub("", question) if isinstance(question, str) else question


def check_history(history: object, max_turns: int, max_chars: int, max_question_chars: int) -> None:
    """Raise InvalidHistory when the conversation is not a list of turns, has more turns or characters than the
    limits (NEWSQA_MAX_HISTORY_TURNS, NEWSQA_MAX_HISTORY_CHARS), or an earlier question is longer than a question
    may be (NEWSQA_MAX_QUESTION_CHARS)."""
    if history is None:
        return
    if isinstance(history, (str, bytes, dict)) or not isinstance(history, Iterable):
        raise InvalidHistory("The conversation history must be a list of turns.")
    turns = list(history)
    if len(turns) > max_turns:
        raise InvalidHistory(f"The conversation history has {len(turns):,} turns; the limit is {max_turns:,} "
                             f"(NEWSQA_MAX_HISTORY_TURNS): send only the recent turns.")
    chars = sum(_chars(turn) for turn in turns)
    if chars > max_chars:
        raise InvalidHistory(f"The conversation history is {chars:,} characters long; the limit is {max_chars:,} "
                             f"(NEWSQA_MAX_HISTORY_CHARS): send only the recent turns.")
    longest = max((len(q) for q in previous_questions(turns)), default=0)
    if longest > max_question_chars:
        raise InvalidHistory(f"The conversation history holds a question of {longest:,} characters; a question may "
                             f"have {max_question_chars:,} (NEWSQA_MAX_QUESTION_CHARS).")


def _chars(turn: object) -> int:
    """The characters of text in one turn: a string, the strings of a pair, or a message's content."""
    if isinstance(turn, str):
        return len(turn)
    parts = [turn.get("content")] if isinstance(turn, dict) else turn if isinstance(turn, (list, tuple)) else ()
    return sum(len(part) for part in parts if isinstance(part, str))

"""Sentence-aware passages with overlap and exact character offsets into the article text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

TokenCounter = Callable[[Sequence[str]], list[int]]


@dataclass(frozen=True)
class Span:
    """Characters [start, end) of a text."""

    start: int
    end: int


@lru_cache(maxsize=1)
def _sentence_tokenizer():
    """llama-index's Punkt sentence splitter (it ships its own NLTK data; no download)."""
    from llama_index.core.node_parser.text.utils import split_by_sentence_tokenizer

    return split_by_sentence_tokenizer()


def sentence_spans(text: str) -> list[Span]:
    """Sentences of text as spans, split at sentence ends and line breaks; whitespace excluded."""
    spans = []
    for line in _lines(text):
        offset = line.start
        for piece in _sentence_tokenizer()(text[line.start:line.end]):
            span = _trim(text, offset, offset + len(piece))
            if span:
                spans.append(span)
            offset += len(piece)
    return spans


def _lines(text: str) -> list[Span]:
    """Non-blank lines of text as spans."""
    return [Span(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]


def _trim(text: str, start: int, end: int) -> Span | None:
    """The span without surrounding whitespace, or None if it is all whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def split_long(text: str, span: Span, tokens: int, max_tokens: int) -> list[Span]:
    """Cut a sentence longer than max_tokens into word-aligned pieces of about max_tokens."""
    if tokens <= max_tokens:
        return [span]
    words = [Span(span.start + m.start(), span.start + m.end())
             for m in re.finditer(r"\S+", text[span.start:span.end])]
    per_piece = max(1, int(len(words) * max_tokens / tokens * 0.9))
    return [Span(words[i].start, words[min(i + per_piece, len(words)) - 1].end)
            for i in range(0, len(words), per_piece)]


def passage_spans(text: str, count_tokens: TokenCounter, max_tokens: int,
                  overlap_tokens: int) -> list[Span]:
    """Pack whole sentences into passages of at most max_tokens; consecutive passages share
    the last sentences (about overlap_tokens) of the previous one."""
    sentences = sentence_spans(text)
    counts = count_tokens([text[s.start:s.end] for s in sentences]) if sentences else []
    units: list[tuple[Span, int]] = []
    for span, n in zip(sentences, counts):
        pieces = split_long(text, span, n, max_tokens)
        sizes = count_tokens([text[p.start:p.end] for p in pieces]) if len(pieces) > 1 else [n]
        units.extend(zip(pieces, sizes))
    return [Span(units[a][0].start, units[b - 1][0].end)
            for a, b in _windows([n for _, n in units], max_tokens, overlap_tokens)]


def _windows(sizes: list[int], max_tokens: int, overlap_tokens: int) -> list[tuple[int, int]]:
    """Greedy [a, b) windows over unit sizes; each next window starts within the previous one's
    last ~overlap_tokens, and always advances."""
    windows, start = [], 0
    while start < len(sizes):
        end, total = start, 0
        while end < len(sizes) and (end == start or total + sizes[end] <= max_tokens):
            total += sizes[end]
            end += 1
        windows.append((start, end))
        if end >= len(sizes):
            break
        back, carried = end, 0
        while back - 1 > start and carried + sizes[back - 1] <= overlap_tokens:
            back -= 1
            carried += sizes[back]
        start = back
    return windows

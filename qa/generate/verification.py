"""Verification of a generated answer: each sentence is checked against the numbered sources it cites.

Pure functions over strings. A sentence is verified when every number and name in it occurs in the cited
sources and enough of its other words do; citations to sources that do not exist are removed, a sentence
without a valid citation is attributed to the one source that supports it, and anything else is unverified.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Sequence

from index import tokenize
from index.chunking import sentence_spans

from ..answer.types import fits_type
from ..retrieve.query import analyse
from ..vocabulary import CALENDAR_WORDS, CAPITALISED, DIGITS, NUMBER_WORDS, critical

_MARKS = re.compile(r"\[\s*(?:sources?\s*)?(\d{1,3}(?:\s*(?:,|;|and|&)\s*(?:sources?\s*)?\d{1,3})*)\s*\]", re.I)
_WORD = re.compile(r"[A-Za-z][\w'’\-]*")
_OPENERS = frozenset("""a an the this that these those there it its in on at as after before while although also
additionally both yes no meanwhile overall so therefore thus since for by from with despite furthermore moreover
however according based answer sources source article articles here he she they we i but and or if when where
what which who why how""".split())
_ALIASES = {"american": "usa"}
_META = frozenset("sourc articl mention report say said state accord note indic write wrote passag quot".split())
_FUNCTION = frozenset("after before also onto about since during while among within upon".split())
_REFUSAL = re.compile(r"\b(not (mentioned|stated|specified|provided|included|available|answer\w*|contain\w*|"
                      r"say|said|found|in the (sources|articles|corpus|passages|context))|no information|"
                      r"insufficient|cannot (be )?(find|found|answer\w*|determine\w*)|unable to|do(es)? not "
                      r"(say|state|mention|specify|provide|contain|answer|include|give)|don't know|unknown)\b", re.I)


@dataclass(frozen=True)
class Claim:
    """One sentence of a generated answer and the source numbers its [n] marks cite."""

    text: str
    cited: tuple[int, ...]


@dataclass(frozen=True)
class Source:
    """Source [n] as the model saw it: a header (title, outlet, date) and the excerpt's sentences."""

    n: int
    header: str
    sentences: tuple[str, ...]

    @property
    def text(self) -> str:
        """The excerpt."""
        return " ".join(self.sentences)


@dataclass(frozen=True)
class Check:
    """A claim's verdict: the sources that support it and, for each, its best sentence's index."""

    claim: Claim
    verified: bool
    reason: str
    support: tuple[tuple[int, int], ...] = ()
    refusal: bool = False

    @property
    def cited(self) -> tuple[int, ...]:
        """The numbers of the supporting sources."""
        return tuple(n for n, _ in self.support)


@dataclass(frozen=True)
class Policy:
    """Thresholds of the lexical support check."""

    min_overlap: float = 0.6
    min_source_overlap: float = 0.25


def parse_claims(text: str) -> list[Claim]:
    """Split generated text into sentences with their [n] marks.

    Marks standing alone, or leading a sentence after an uncited one, belong to the sentence before."""
    claims: list[Claim] = []
    for span in sentence_spans(text):
        piece = text[span.start:span.end]
        lead = re.match(rf"\s*(?:{_MARKS.pattern}\s*)+", piece, re.I)
        if lead and claims and not claims[-1].cited:
            claims[-1] = Claim(claims[-1].text, _marks(lead.group()))
            piece = piece[lead.end():]
        words = clean(piece)
        if not _WORD.search(words) and not DIGITS.search(words):
            if claims and _marks(piece):
                claims[-1] = Claim(claims[-1].text, tuple(dict.fromkeys(claims[-1].cited + _marks(piece))))
            continue
        claims.append(Claim(words, _marks(piece)))
    return claims


def _marks(text: str) -> tuple[int, ...]:
    """The source numbers of the [n] marks in text, in order, each once."""
    found = (int(n) for group in _MARKS.findall(text) for n in re.findall(r"\d+", group))
    return tuple(dict.fromkeys(found))


def clean(sentence: str) -> str:
    """A sentence without its [n] marks, list bullets and doubled spaces."""
    text = _MARKS.sub(" ", sentence)
    text = re.sub(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+", "", text)
    text = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(text.split()))
    return text.strip()


def numbers(text: str) -> set[str]:
    """The numbers in a text, normalised: '2,500' -> '2500', 'three' -> '3'."""
    found = {m.group().replace(",", "").rstrip(".") for m in DIGITS.finditer(text)}
    found |= {NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in NUMBER_WORDS}
    return found


def claimed_numbers(sentence: str) -> set[str]:
    """The numbers a sentence states ('one' is left out: it is usually a pronoun)."""
    found = {m.group().replace(",", "").rstrip(".") for m in DIGITS.finditer(sentence)}
    words = re.findall(r"[a-z]+", sentence.lower())
    return found | {NUMBER_WORDS[w] for w in words if w in NUMBER_WORDS and w != "one"}


def names(sentence: str) -> list[tuple[str, ...]]:
    """Capitalised words of a sentence as stemmed terms (a sentence's common first word is not a name)."""
    found = []
    for match in CAPITALISED.finditer(sentence):
        word = match.group()
        first = match.start() == len(sentence) - len(sentence.lstrip())
        if word.lower() in NUMBER_WORDS or (first and word.lower().strip("'’") in _OPENERS):
            continue
        terms = tuple(_alias(t) for t in tokenize(word) if not t.isdigit())
        if terms:
            found.append(terms)
    return found


def terms(text: str) -> set[str]:
    """Stemmed content words (number words left to the number check, words about sources left out), with
    US/America/American unified."""
    return {_alias(t) for t in tokenize(text) if t not in NUMBER_WORDS and t not in _META}


def _alias(term: str) -> str:
    """One spelling for the US."""
    return _ALIASES.get(term, term)


def is_refusal(sentence: str) -> bool:
    """Does the sentence say the sources do not answer?"""
    return bool(_REFUSAL.search(sentence))


def supports(sentence: str, sources: Sequence[Source], policy: Policy = Policy()) -> str:
    """'' if the sources together support the sentence, else the reason they do not."""
    context = " ".join(f"{s.header} {s.text}" for s in sources)
    missing = sorted(claimed_numbers(sentence) - numbers(context), key=len)
    if missing:
        return f"number {missing[0]} is not in the cited source"
    missing_word = sorted(critical(sentence) - critical(context))
    if missing_word:
        return f"{missing_word[0]!r} is not in the cited source"
    known = terms(context)
    for name in names(sentence):
        if not all(t in known for t in name):
            return f"name {' '.join(name)!r} is not in the cited source"
    words = terms(sentence) - {t for t in terms(sentence) if t.isdigit()}
    if not words:
        return "" if claimed_numbers(sentence) else "no content to check"
    excerpt = terms(" ".join(s.text for s in sources))
    share = len(words & excerpt) / len(words)
    if share < policy.min_overlap:
        return f"only {share:.0%} of its words are in the cited source"
    for part in clauses(sentence):
        words = {t for t in terms(part) if not t.isdigit()}
        share = len(words & excerpt) / len(words) if words else 1.0
        if len(words) >= 2 and share < policy.min_overlap:
            return f"only {share:.0%} of the words of {part!r} are in the cited source"
        apart = _numbers_apart(part, words, sources)
        if apart:
            return f"number {apart} is not in the sentence that says {part!r}"
    return ""


def _numbers_apart(part: str, words: set[str], sources: Sequence[Source]) -> str:
    """A number of the clause that is in none of the source sentences best matching the clause ('' if none).

    Numbers must come from the sentence that says the same thing, not from anywhere in the sources."""
    wanted = claimed_numbers(part)
    if not wanted or not words:
        return ""
    pieces = [text for s in sources for text in (s.header, *s.sentences)]
    counts = [len(words & terms(text)) for text in pieces]
    near = [numbers(text) for text, n in zip(pieces, counts) if n >= max(1, max(counts) - 1)]
    missing = wanted - set().union(*near) if near else set()
    return sorted(missing, key=len)[0] if missing else ""


def clauses(sentence: str) -> list[str]:
    """The sentence cut at semicolons, dashes and coordinating or relative conjunctions after a comma."""
    parts = re.split(r"\s*(?:;|\s[—–]\s|,\s*(?:and|but|while|whereas|which|who|although|though|as|so)\b|"
                     r"\s(?:while|whereas|although|because)\s)\s*", sentence)
    return [p for p in parts if p and p.strip()]


def answers(question: str, sentence: str) -> bool:
    """Is the sentence about the question (a shared word) and does it add what the question asks for
    (a new number, date or name; else new words)?"""
    query = analyse(question)
    asked = {t[:4] for t in terms(question) if t not in _FUNCTION}
    mine = {t[:4] for t in terms(sentence) if t not in _FUNCTION}
    if asked and not asked & mine:
        return False
    if query.answer_type != "OTHER":
        return fits_type(query, sentence)
    return bool(mine - asked)


def agrees(question: str, quotes: Sequence[str], answer: str) -> bool:
    """For a question after a number, date, person or place: does the answer give one of the numbers, dates or
    names (not in the question) that the quoted sentences give? Other questions, or quotes without any: True."""
    kind = analyse(question).answer_type
    if kind == "OTHER":
        return True
    wanted = set().union(set(), *(_items(kind, q) for q in quotes)) - _items(kind, question)
    return not wanted or bool(wanted & _items(kind, answer))


def _items(kind: str, text: str) -> set[str]:
    """The numbers (and, for dates, month and day names) or the name terms of a text."""
    if kind in ("NUMBER", "DATE"):
        found = claimed_numbers(text)
        if kind == "DATE":
            found |= {m.group().lower()[:3] for m in CALENDAR_WORDS.finditer(text)}
        return found
    return {t for name in names(text) for t in name}


def _heading(source: Source) -> str:
    """The start of a source's title, lower-cased (a reply that repeats it is echoing the prompt)."""
    return source.header.lower()[:30].rstrip(" .…")


def best_sentence(sentence: str, source: Source) -> tuple[int, float]:
    """The index of the source sentence that shares most with the sentence, and the share of its words."""
    words, nums = terms(sentence), numbers(sentence)
    if not source.sentences or not (words or nums):
        return 0, 0.0
    shares = [(len(words & terms(s)) + 2 * len(nums & numbers(s))) / (len(words) + 2 * len(nums))
              for s in source.sentences]
    index = max(range(len(shares)), key=lambda i: shares[i])
    return index, shares[index]


def check(claim: Claim, sources: dict[int, Source], policy: Policy = Policy()) -> Check:
    """Verify one claim against the sources it cites (invalid marks removed; uncited claims attributed)."""
    if is_refusal(claim.text):
        return Check(claim, False, "says the sources do not answer", refusal=True)
    if any(_heading(s) in claim.text.lower() for s in sources.values() if len(_heading(s)) >= 20):
        return Check(claim, False, "repeats a source's heading")
    invalid = [n for n in claim.cited if n not in sources]
    valid = [n for n in claim.cited if n in sources]
    note = f"removed citation {', '.join(f'[{n}]' for n in invalid)} (no such source); " if invalid else ""
    if valid:
        reason = supports(claim.text, [sources[n] for n in valid], policy)
        if not reason:
            kept = _contributing(claim.text, [sources[n] for n in valid], policy)
            return Check(claim, True, note + "supported by the cited source", kept)
    else:
        reason = "no citation"
    moved = attribute(claim.text, sources, policy)
    if moved:
        how = "cited" if not valid else f"moved from {', '.join(f'[{n}]' for n in valid)} ({reason}) to"
        what = "the source that supports it" if len(moved) == 1 else "the sources that together support it"
        return Check(claim, True, f"{note}{how} {what}", moved)
    return Check(claim, False, note + reason)


def _contributing(sentence: str, cited: Sequence[Source], policy: Policy) -> tuple[tuple[int, int], ...]:
    """The cited sources that share a number, a name or some words with the sentence (at least the best)."""
    scored = [(source.n, *best_sentence(sentence, source)) for source in cited]
    kept = tuple((n, i) for n, i, share in scored if share >= policy.min_source_overlap)
    best = max(scored, key=lambda s: s[2])
    return kept or ((best[0], best[1]),)


def attribute(sentence: str, sources: dict[int, Source], policy: Policy = Policy()) -> tuple[tuple[int, int], ...]:
    """The smallest set of sources (one, else two) that supports the sentence, each with its best sentence."""
    for size in (1, 2):
        fits = []
        for group in itertools.combinations(sorted(sources), size):
            chosen = [sources[n] for n in group]
            if supports(sentence, chosen, policy):
                continue
            best = [(n, *best_sentence(sentence, sources[n])) for n in group]
            if all(share >= policy.min_source_overlap for _, _, share in best):
                fits.append((sum(share for _, _, share in best), tuple((n, i) for n, i, _ in best)))
        if fits:
            return max(fits)[1]
    return ()


def verify(text: str, sources: Sequence[Source], policy: Policy = Policy()) -> list[Check]:
    """Parse generated text and check each sentence against the sources."""
    by_number = {s.n: s for s in sources}
    return [check(claim, by_number, policy) for claim in parse_claims(text)]


def renumber(checks: Sequence[Check]) -> tuple[str, list[int]]:
    """The verified sentences with marks renumbered 1..m in order of first citation, and the old numbers."""
    order: list[int] = []
    lines = []
    for item in checks:
        if not item.verified:
            continue
        for n in item.cited:
            if n not in order:
                order.append(n)
        marks = "".join(f"[{order.index(n) + 1}]" for n in item.cited)
        lines.append(f"{item.claim.text} {marks}")
    return " ".join(lines), order

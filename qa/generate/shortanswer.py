"""The model's short answer: read from the first line of its reply and checked against the sources.

The model is asked to write `Answer: <short answer>` first, then its sentences with [n] marks. The short answer
stands only when the sources it cites (all sources when it cites none) hold it:

- a **Yes** or a **No** when every claim of the question finds its evidence there (a sentence of a source of the
  claim's outlet holding enough of the claim's words); the claim without evidence is named otherwise;
- a **number, date or name** when one source sentence holds all of its numbers and names and most of its words,
  in a source that holds the question's own names besides outlets (so "2,500" from an excerpt about US troops
  cannot answer a question about British ones), and the short answer adds something the question does not say.

Pure functions over strings, like qa/generate/verification.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from index import tokenize

from ..answer.alternatives import offered
from ..answer.claims import Claim, claim_terms, is_yes_no
from ..answer.types import fits_type
from ..retrieve.query import analyse
from .verification import Source, claimed_numbers, clean, is_refusal, names, numbers, terms

_LINE = re.compile(r"^\W*(?:short\s+)?answer\W*?[:：]\s*(.*)$", re.I)
_MARKS = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;&]\s*\d{1,3})*)\s*\]")
_VERDICT = re.compile(r"^\W*(yes|no)\b", re.I)


@dataclass(frozen=True)
class ShortPolicy:
    """Thresholds of the short-answer check."""

    min_claim_share: float = 0.25  # of a claim's content words in its evidence sentence (its source's other
                                   # sentences and header count half)
    min_answer_share: float = 0.5  # of the short answer's content words in the sentence that holds it
    max_words: int = 12


@dataclass(frozen=True)
class Reply:
    """The model's reply split: its short answer line (None when it wrote none), that line's [n] marks, and
    the rest (the sentences with their own marks)."""

    short: str | None
    marks: tuple[int, ...]
    rest: str


@dataclass(frozen=True)
class ShortCheck:
    """The short answer's verdict: the text shown, and the (source n, sentence index) pairs that hold it
    (one per claim for a Yes or a No)."""

    text: str
    verified: bool
    reason: str
    evidence: tuple[tuple[int, int], ...] = ()
    refusal: bool = False


def split_reply(draft: str) -> Reply:
    """The short answer from the reply's first non-empty line when it reads `Answer: ...`; else no short answer."""
    lines = draft.strip().split("\n")
    match = _LINE.match(lines[0]) if lines else None
    if match is None:
        return Reply(None, (), draft)
    line = match.group(1)
    marks = tuple(dict.fromkeys(int(n) for group in _MARKS.findall(line) for n in re.findall(r"\d+", group)))
    short = clean(line).rstrip(".").strip(" *_\"'“”").rstrip(".").strip()
    return Reply(short or None, marks, "\n".join(lines[1:]))


def check_short(question: str, short: str | None, sources: Sequence[Source], cited: Sequence[int],
                claims: Sequence[Claim] = (), policy: ShortPolicy = ShortPolicy()) -> ShortCheck:
    """Verify the model's short answer against the sources it cites (every source when it cites none)."""
    if not short:
        return ShortCheck("", False, "no short answer line")
    if is_refusal(short):
        return ShortCheck(short, False, "says the sources do not answer", refusal=True)
    pool = [s for s in sources if s.n in set(cited)] or list(sources)
    if is_yes_no(question):
        return _verdict(question, short, pool, claims, policy)
    return _factoid(question, short, pool, policy)


def _verdict(question: str, short: str, pool: Sequence[Source], claims: Sequence[Claim],
             policy: ShortPolicy) -> ShortCheck:
    """A Yes or a No stands when every claim of the question has its evidence in the pool."""
    offers = offered(question)
    word = (short.split() or [""])[0].strip(",.;:").lower()
    match = _VERDICT.match(short)
    if offers is not None and word in (offers.first, offers.second):
        verdict = word.capitalize()  # "before or after": one of the two words the question offers
    elif match is None:
        return ShortCheck(short, False, "a yes/no question answered without a Yes or a No")
    else:
        verdict = match.group(1).capitalize()
    evidence = []
    for claim in claims or [Claim(question)]:
        found = claim_support(claim, pool)
        if found is None or found[2] < policy.min_claim_share:
            return ShortCheck(verdict, False, f"no cited source holds the claim “{claim.text.strip(' ,?')}”")
        evidence.append(found[:2])
    return ShortCheck(verdict, True, "every claim has its evidence in the cited sources", tuple(evidence))


def claim_support(claim: Claim, pool: Sequence[Source]) -> tuple[int, int, float] | None:
    """The source sentence (of the claim's outlets, when it names any) holding most of the claim's words:
    (source n, sentence index, share); words found only elsewhere in that source count half."""
    wanted = claim_terms(claim)
    best = None
    for source in pool:
        if claim.sources and not any(o.lower() in source.header.lower() for o in claim.sources):
            continue
        around = set(tokenize(f"{source.header} {source.text}"))
        for i, sentence in enumerate(source.sentences):
            here = set(tokenize(sentence))
            share = (sum(1.0 if t in here else 0.5 if t in around else 0.0 for t in wanted) / len(wanted)
                     if wanted else 0.0)
            if best is None or share > best[2]:
                best = (source.n, i, share)
    return best


def _factoid(question: str, short: str, pool: Sequence[Source], policy: ShortPolicy) -> ShortCheck:
    """A number, date or name stands when one sentence of the pool holds it and the question's names."""
    if len(short.split()) > policy.max_words:
        return ShortCheck(short, False, f"longer than {policy.max_words} words")
    query = analyse(question)
    if query.answer_type != "OTHER" and not fits_type(query, short):
        return ShortCheck(short, False, f"is not the {query.answer_type.lower()} the question asks for")
    asked_numbers, asked_terms = claimed_numbers(question), terms(question)
    own_numbers, own_terms = claimed_numbers(short), {t for t in terms(short) if not t.isdigit()}
    if not (own_numbers - asked_numbers or own_terms - asked_terms):
        return ShortCheck(short, False, "repeats the question")
    outlets = {t for source in pool for t in terms(_outlet(source))}
    asked_names = [n for n in names(question) if not set(n) <= outlets]
    for source in pool:
        known = terms(f"{source.header} {source.text}")
        if not all(all(t in known for t in name) for name in asked_names):
            continue
        for i, sentence in enumerate(source.sentences):
            if not _held(short, own_numbers, own_terms, sentence, policy):
                return ShortCheck(short, True, "a cited sentence holds it", ((source.n, i),))
    return ShortCheck(short, False, "no cited sentence holds it in a source with the question's names")


def _outlet(source: Source) -> str:
    """The outlet named in a source's header ('Title — Outlet, date')."""
    _, _, rest = source.header.rpartition(" — ")
    return rest.rsplit(", ", 1)[0]


def _held(short: str, own_numbers: set[str], own_terms: set[str], sentence: str, policy: ShortPolicy) -> str:
    """'' when the sentence holds the short answer's numbers, names and most of its words, else why not."""
    if own_numbers - numbers(sentence):
        return "a number is missing"
    here = terms(sentence)
    if any(not all(t in here for t in name) for name in names(short)):
        return "a name is missing"
    if own_terms and len(own_terms & here) / len(own_terms) < policy.min_answer_share:
        return "too few of its words"
    return ""

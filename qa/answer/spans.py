"""The short answer: the exact span of the quoted evidence that answers the question (the number with its
unit, the date, the name, the place).

Every entity of the chosen sentence that the question does not already name is a candidate; a learned span
scorer (trees over the entity's kind, the kind the question asks for, and where the entity stands relative to
the words it shares with the question; fitted with the sentence scorer by `python -m qa.bench reader`) picks
one. Without a model, the nearest entity of the asked type wins."""

from __future__ import annotations

import re

import numpy as np

from index import tokenize

from ..retrieve.query import Query
from ..vocabulary import MONTHS, PERSON_ROLE, TIME_UNIT, YEAR
from .entities import Entity

MAX_WORDS = 8
CURRENCY = "$£€¥₹₩₦₱"
_SCALE = re.compile(r"(?:-|\s)(?:lakh|crore|million|billion|trillion|bn|mn)\b(?:\s+crore)?", re.I)
_DAY = re.compile(r"\.?\s+\d{1,2}(?:st|nd|rd|th)?\b(?:,\s*\d{4}\b)?")
NEAR = {"PERSON": ("ORG",), "PLACE": ("ORG", "NORP"), "ORG": ("FAC", "PRODUCT")}
"""When a sentence holds no entity of the asked type, these answer in its place: "who warned..." is answered by
an organisation ("the United Nations") as often as by a person, and the small tagger reads some countries and
places as organisations or peoples ("Cameroon", "Columbia University", "Sderot"), some clubs and companies as
facilities or products ("Paris Saint-Germain"). Not a person or a people ("Americans") for "which company"."""
_FIGURE = re.compile(r"(?:[A-Z]{1,3}\s?|[^\w\s])?\d")
"""A figure the tagger labelled as something else ("NIS 3.5 billion" as a product, "P5.768-trillion")."""
_CLOCK = re.compile(r"\b\d{1,2}(?:[.:]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d{2}\b", re.I)


def _near(query: Query) -> tuple[str, ...]:
    """The labels that answer in place of the asked type (NEAR); none when the question names a person's role."""
    if query.answer_type == "PERSON" and PERSON_ROLE.search(query.text):
        return ()
    return NEAR.get(query.answer_type, ())


def _stands_in(query: Query, entity: Entity) -> bool:
    """Does the entity answer in place of the asked type when the sentence holds none of it: a NEAR label, a
    figure for a number, a year or a clock time for a date ("9.34pm" read as a count)?"""
    text = entity.text.strip()
    if query.answer_type == "NUMBER":
        return bool(_FIGURE.match(text)) and not YEAR.fullmatch(text)
    if query.answer_type == "DATE":
        return bool(YEAR.fullmatch(text) or _CLOCK.search(text))
    return entity.label in _near(query)


MONTH = re.compile(rf"\b({'|'.join(m[:3] for m in MONTHS)})[a-z]*\b", re.I)
GRAIN = {"year": (re.compile(r"\b(what|which)\s+year\b|\byear\s+(did|was|were|will|does|is)\b", re.I),
                  lambda e: bool(YEAR.search(e.text))),
         "month": (re.compile(r"\b(what|which)\s+month\b", re.I), lambda e: bool(MONTH.search(e.text))),
         "percent": (re.compile(r"\bpercent(age)?\b|\bper cent\b|%", re.I),
                     lambda e: e.label == "PERCENT" or bool(re.search(r"%|\bper\s?cent\b", e.text, re.I))),
         "clock": (re.compile(r"\bwhat time\b|\bat what time\b", re.I), lambda e: bool(_CLOCK.search(e.text)))}
"""The grain a question asks for, and the candidates of that grain: "what year" is answered by a span holding a
year ("the summer of 1973", not "29-year-old"), "which month" by a month, "what percentage" by a percentage,
"what time" by a clock time."""
_COUNTED = re.compile(r"\bhow many\s+(?:\w+\s+)?(\w+)", re.I)


def _grained(query: Query, found: list[Entity], typed: list[int]) -> list[int]:
    """Of the typed candidates, those of the grain the question asks for (GRAIN; for "how many days", those that
    count days), when some are; else all of them."""
    for pattern, holds in GRAIN.values():
        if pattern.search(query.text):
            return [i for i in typed if holds(found[i])] or typed
    counted = _COUNTED.search(query.text)
    if counted and TIME_UNIT.fullmatch(counted.group(1)):
        unit = counted.group(1).lower().rstrip("s")
        return [i for i in typed if unit in found[i].text.lower() or unit in found[i].unit.lower()] or typed
    return typed


OTHER_MIN_CHANCE = 0.5
"""For a question of no particular type, a span the model trusts less than this is no short answer: the
quoted sentence is (the answer is likely a phrase, not an entity)."""
GROUPS = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place", "DATE": "date",
          "TIME": "date", "CARDINAL": "count", "QUANTITY": "count", "MONEY": "money", "PERCENT": "percent",
          "PRODUCT": "work", "WORK_OF_ART": "work", "EVENT": "work", "LAW": "work", "NORP": "group",
          "ORDINAL": "ordinal", "LANGUAGE": "group", "PROPER": "name"}
KINDS = ("person", "org", "place", "date", "count", "money", "percent", "work", "group", "ordinal", "name")
ASKED = ("NUMBER", "DATE", "PERSON", "ORG", "PLACE", "OTHER")
_MONEY_Q = re.compile(r"\bhow much\b|\$|£|€|\b(cost|price|paid|pay|raise[sd]?|revenue|worth|fine|salary|spend|"
                      r"spent|sold|bought|deal|valu\w*|profit|loss|budget|fee|money|cash|dollars?|pounds?)\b", re.I)
_PERCENT_Q = re.compile(r"\b(percent\w*|per cent|share|rate)\b|%", re.I)
SPAN_FEATURES = (*(f"kind_{k}" for k in KINDS), *(f"asks_{a.lower()}" for a in ASKED), "asks_money", "asks_percent",
                 "asks_time_unit", "fits_type", "has_digit", "is_year", "anchor_distance", "distance_rank", "words",
                 "position", "entities", "has_unit", "in_question_words", "outside_distance", "near_terms",
                 "near_terms_wide", "before_terms")
NEAR_WORDS, WIDE_WORDS, FAR = 3, 8, 30
"""The context windows (in words either side of an entity, the entity's own words left out) whose question terms
the span scorer counts, and the distance that stands for "no question word outside the entity"."""
_WORD = re.compile(r"[\w'’\-]+")


def candidates(query: Query, quote: str, entities: tuple[Entity, ...]) -> list[Entity]:
    """The entities of the quote that fit the asked type and that the question does not already name."""
    return [e for e in open_entities(query, entities) if _fits(query, e)]


def open_entities(query: Query, entities: tuple[Entity, ...]) -> list[Entity]:
    """The entities the question does not already name."""
    asked_terms = set(query.terms)
    return [e for e in entities if not _named(e, asked_terms, query.text)]


def short_span(query: Query, quote: str, entities: tuple[Entity, ...], model=None) -> Entity | None:
    """With a model: the best-scored open entity of the asked type, else (or for a question of no particular type)
    the best-scored open entity if the model trusts it (OTHER_MIN_CHANCE); without one, the nearest of the asked
    type."""
    if model is not None:
        found = open_entities(query, entities)
        if not found:
            return None
        scores = model.score(span_rows(query, quote, found))
        typed = [i for i, e in enumerate(found) if _fits(query, e)] or \
            [i for i, e in enumerate(found) if _stands_in(query, e)]
        if query.answer_type != "OTHER" and typed:
            return found[max(_grained(query, found, typed), key=lambda i: scores[i])]
        # No entity of the asked type (or none asked): the model's best, only when it trusts it.
        best = int(np.argmax(scores))
        if 1.0 / (1.0 + np.exp(-scores[best])) < OTHER_MIN_CHANCE:
            return None
        return found[best]
    found = candidates(query, quote, entities)
    if not found:
        return None
    anchors = _anchors(quote, set(query.terms))
    if not anchors:
        return found[0]
    return min(found, key=lambda e: (_distance(e, anchors), e.start))


def span_rows(query: Query, quote: str, found: list[Entity]) -> np.ndarray:
    """One row of SPAN_FEATURES per open entity of a sentence."""
    anchors = _anchors(quote, set(query.terms))
    distances = [_distance(e, anchors) / max(len(quote), 1) if anchors else 1.0 for e in found]
    order = {i: r for r, i in enumerate(np.argsort(distances, kind="stable"))}
    asks_time = bool(TIME_UNIT.search(query.text))
    context = _context(quote, found, set(query.terms))
    rows = []
    for i, e in enumerate(found):
        kind = GROUPS.get(e.label, "name")
        rows.append([*(float(kind == k) for k in KINDS), *(float(query.answer_type == a) for a in ASKED),
                     float(bool(_MONEY_Q.search(query.text))), float(bool(_PERCENT_Q.search(query.text))),
                     float(asks_time), float(_fits(query, e)), float(any(c.isdigit() for c in e.text)),
                     float(bool(YEAR.fullmatch(e.text.strip()))), distances[i], order[i], len(e.text.split()),
                     i, len(found), float(bool(e.unit)), _shared_words(e, query), *context[i]])
    return np.array(rows, dtype=np.float64)


def _context(quote: str, found: list[Entity], asked_terms: set[str]) -> list[tuple[float, float, float, float]]:
    """Per entity, what the question shares with the words around it (its own words left out, so that "Kansas
    City" is not near "city" by holding it): the distance in words to the nearest question word, the distinct
    question terms within NEAR_WORDS and WIDE_WORDS words either side, and those within NEAR_WORDS words before it
    (an answer tends to follow the words the question repeats: "kicked off in Stockholm", "bought ... from X")."""
    words = [(m.start(), m.end(), frozenset(tokenize(m.group())) & asked_terms) for m in _WORD.finditer(quote)]
    out = []
    for e in found:
        inside = [i for i, (start, end, _) in enumerate(words) if start < e.end and end > e.start]
        first = inside[0] if inside else sum(end <= e.start for _, end, _ in words)
        last = inside[-1] if inside else first - 1
        before, after = words[:first], words[last + 1:]
        steps = [first - i for i, w in enumerate(before) if w[2]] + [i + 1 for i, w in enumerate(after) if w[2]]

        def terms(near: int, following: bool = True) -> float:
            window = before[max(0, len(before) - near):] + (after[:near] if following else [])
            return float(len(frozenset().union(*(w[2] for w in window))))

        out.append((float(min(steps, default=FAR)), terms(NEAR_WORDS), terms(WIDE_WORDS), terms(NEAR_WORDS, False)))
    return out


def render(entity: Entity, quote: str) -> str:
    """The span as the short answer, with a currency sign or scale suffix the entity left out ('£19.5m') and a
    count's unit ('2,500 soldiers'); at most MAX_WORDS words."""
    start, end = entity.start, entity.end
    while start > 0 and quote[start - 1] in CURRENCY:
        start -= 1
    while end < len(quote) and (quote[end] in "%" or (quote[end].isalpha() and quote[end - 1].isdigit())):
        end += 1
    if quote[entity.start:entity.end] != entity.text:
        text = entity.text
    else:
        end += _rest(entity, quote[end:])
        text = quote[start:end].strip(" ,;:")
        text = text if re.search(r"(\b[A-Z][a-z]{1,3}|[A-Z]\.[A-Z])\.$", text) else text.rstrip(".")
    if entity.unit and entity.label in ("CARDINAL", "QUANTITY"):
        text = f"{text} {entity.unit}"
    return " ".join(text.split()[:MAX_WORDS])


def _rest(entity: Entity, after: str) -> int:
    """How many characters after the entity belong to it: a scale word of an amount ("₹8.30-lakh crore", "£5
    million" when the tagger stopped at the number), a day after a month the tagger read alone ("Nov. 8")."""
    if entity.label in ("MONEY", "CARDINAL", "QUANTITY") and (match := _SCALE.match(after)):
        return match.end()
    if entity.label == "DATE" and re.fullmatch(r"[A-Z][a-z]{2,8}\.?", entity.text) and (match := _DAY.match(after)):
        return match.end()
    return 0


DURATION = re.compile(rf"\bhow (long|old)\b|\bhow many\s+(\w+\s+)?{TIME_UNIT.pattern}", re.I)


def _fits(query: Query, e: Entity) -> bool:
    """Does the entity have the asked type (a count that is not a bare year, unless time is asked; a duration
    such as "2-hour" or "seven years" for how long / how old)?"""
    text = e.text.strip()
    if query.answer_type == "NUMBER" and e.label in ("DATE", "TIME"):
        if re.fullmatch(r"\d[\d,.]*", text) and not YEAR.fullmatch(text):
            return True  # a bare count the tagger read as a date ("Exactly 42 US troops", "handled 1363 ships")
        if DURATION.search(query.text):
            return bool(re.search(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozen|hundred)\b", text,
                                  re.I)) and bool(TIME_UNIT.search(text))
    if not e.fits(query.answer_type):
        return False
    return not (query.answer_type == "NUMBER" and e.label == "CARDINAL" and YEAR.fullmatch(text)
                and not TIME_UNIT.search(query.text))


def _named(entity: Entity, asked_terms: set[str], question: str) -> bool:
    """Does the question already name this entity (all its content terms are in the question, and its number if it
    holds one: "11 days" is no name of "how many days")?"""
    terms = [t for t in tokenize(entity.text) if not t.isdigit()]
    numbers = re.findall(r"\d+", entity.text.replace(",", ""))
    if numbers and not set(numbers) <= set(re.findall(r"\d+", question.replace(",", ""))):
        return False
    return all(t in asked_terms for t in terms) if terms else bool(numbers)


def _shared_words(entity: Entity, query: Query) -> float:
    """The share of the entity's terms that the question holds."""
    terms = tokenize(entity.text)
    return sum(t in set(query.terms) for t in terms) / len(terms) if terms else 0.0


def _distance(entity: Entity, anchors: list[float]) -> float:
    """Characters from the entity's centre to the nearest question word."""
    return min(abs((entity.start + entity.end) / 2 - a) for a in anchors)


def _anchors(quote: str, asked_terms: set[str]) -> list[float]:
    """Character centres of the quote's words whose stems are question terms."""
    anchors = []
    for match in re.finditer(r"[\w'’\-]+", quote):
        if any(t in asked_terms for t in tokenize(match.group())):
            anchors.append((match.start() + match.end()) / 2)
    return anchors

"""Timelines: what happened with a topic, as the dated events the articles report, oldest first.

Each article about the topic (the retrieved passages that hold its terms and names) gives one event: its sentence
that best matches the topic (the topic's terms it holds, then the cosine with the topic), quoted and cited.
Syndicated copies make one event (the copy retrieval kept, the others listed on its citation); undated articles
come last.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np

from index import Groups, Passage, group_of

from .answer import Citation, cite
from .answer.matching import QUIET, coverage, names_found
from .answer.sentences import Sentence, candidates
from .answer.types import is_heading
from .retrieve.filters import Filters
from .retrieve.query import Query

LEDE = 0.15
"""The weight of a sentence's place in its article (the first candidate gets LEDE, the next half of it, ...): news
reports the event first."""
MIN_TERMS = 2 / 3
"""The share of the topic's terms an article's passage must hold (all its names, too) to be about the topic."""
ASKS = re.compile(r"^\W*(?:so\s+)?what(?:'s|’s|\s+has|\s+had|\s+is)?(?:\s+been)?\s+happen(?:ed|ing|s)?\s+with\s+"
                  r"(?P<topic>.+?)[\s?.!]*$", re.I)
"""A question asking for a timeline: 'What happened with X?', 'What's been happening with X?' ('What happened to
the caliphate after its defeat?' asks for one fact)."""


@dataclass(frozen=True)
class TimelineEvent:
    """One dated event: the article's date (None: undated), its quoted sentence and the citation of it."""

    date: str | None
    text: str
    citation: Citation

    def to_dict(self) -> dict:
        """{"date", "text", "citation"} (the citation in the answers' JSON shape)."""
        return {"date": self.date, "text": self.text, "citation": self.citation.to_dict()}


@dataclass(frozen=True)
class Timeline:
    """The events about a topic, oldest first, undated last."""

    topic: str
    events: tuple[TimelineEvent, ...] = ()
    filters: Filters = Filters()

    def to_dict(self) -> dict:
        """{"topic", "events": [{"date", "text", "citation"}], "filters"}."""
        return {"topic": self.topic, "events": [e.to_dict() for e in self.events], "filters": self.filters.to_dict()}

    def text(self) -> str:
        """The events as lines '- 2022-12-18, Outlet: sentence [n]' (for a terminal or a chat answer)."""
        return "\n".join(f"- {e.date or 'Undated'}, {e.citation.source or e.citation.title}: {e.text} "
                         f"[{e.citation.n}]" for e in self.events)


def timeline_topic(question: str) -> str | None:
    """The topic of a question that asks what happened with something, else None."""
    match = ASKS.match(question.strip())
    return match["topic"].strip() if match else None


def about(query: Query, passage: Passage) -> bool:
    """True when the passage holds the topic's names and most of its terms (in its text or title)."""
    terms = [t for t in query.terms if t not in QUIET]
    if not terms or names_found(query, "", passage) == 0:
        return False
    return coverage(terms, passage.text, passage) >= MIN_TERMS


def best_sentences(query: Query, topic: np.ndarray, passages: Sequence[Passage],
                   vectors: Callable[[list[Sentence]], np.ndarray]) -> list[Sentence]:
    """Each article's sentence that best matches the topic (its terms, the cosine with `topic` computed by
    `vectors`, and a little its place in the article), in the order the articles were retrieved; headings are left
    out."""
    found = [s for s in candidates([p for p in passages if about(query, p)]) if not is_heading(s.text)]
    if not found:
        return []
    cosine = vectors(found) @ topic
    starts: dict[str, list[int]] = defaultdict(list)
    for sentence in found:
        starts[sentence.passage.article_id].append(sentence.start)
    best: dict[str, tuple[float, Sentence]] = {}
    for sentence, similarity in zip(found, cosine):
        place = sorted(starts[sentence.passage.article_id]).index(sentence.start)
        score = coverage(query.terms, sentence.text, sentence.passage) + float(similarity) + LEDE * 0.5 ** place
        article = sentence.passage.article_id
        if article not in best or score > best[article][0]:
            best[article] = (score, sentence)
    return [sentence for _, sentence in best.values()]


def timeline(topic: str, sentences: Sequence[Sentence], groups: Groups, filters: Filters = Filters()) -> Timeline:
    """One event per story (the first copy of each group), oldest first and undated last, numbered in that order;
    each citation lists the story's other copies that pass the filters."""
    kept, seen = [], set()
    for sentence in sentences:
        group = group_of(sentence.passage)
        if group not in seen:
            seen.add(group)
            kept.append(sentence)
    kept.sort(key=lambda s: (s.passage.date is None, (s.passage.date or "")[:10], s.passage.title, s.start))
    events = []
    for n, sentence in enumerate(kept, 1):
        citation = cite(n, sentence.passage, sentence.start, sentence.end)
        copies = tuple(d for d in groups.copies(citation.article_id) if filters.admits(d["source"], d["date"]))
        events.append(TimelineEvent(citation.date, citation.quote, replace(citation, duplicates=copies)))
    return Timeline(topic, tuple(events), filters)

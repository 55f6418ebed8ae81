"""Who/which questions over several articles: the entity that the evidence agrees on.

Every sentence of the retrieved passages is read for entities of the asked kind; names the question already
gives and outlet names are left out; short forms join their long form ('Bankman-Fried' -> 'Sam Bankman-Fried').
The entity found in the most claims' outlets, then in the most articles, then highest up the ranking wins."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Sequence

from index import Passage, tokenize

from ..retrieve.query import Query
from .claims import Claim
from .entities import EntityReader
from .sentences import Sentence, candidates

_NOT_NAMES = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"})
KINDS = {"PERSON": {"PERSON"}, "ORG": {"ORG", "PRODUCT"}, "PLACE": {"GPE", "LOC", "FAC"},
         "OTHER": {"PERSON", "ORG", "PRODUCT", "GPE", "NORP", "EVENT", "WORK_OF_ART"}}


@dataclass(frozen=True)
class Consensus:
    """The agreed entity, how many claims and articles mention it, and one sentence per claim that does."""

    name: str
    claims: int
    articles: int
    weight: float
    sentences: tuple[Sentence, ...]


def agree(query: Query, claims: Sequence[Claim], passages: Sequence[Passage], reader: EntityReader) -> Consensus | None:
    """The entity the claims' evidence agrees on, or None when no candidate is found."""
    sentences = candidates(passages)
    labels = KINDS.get(query.answer_type, KINDS["OTHER"])
    outlets = {t for p in passages for t in tokenize(p.source or "")}
    asked = set(query.terms)
    rank = {p.id: r for r, p in reversed(list(enumerate(passages, 1)))}
    mentions: dict[str, list[Sentence]] = defaultdict(list)
    surface: dict[str, Counter] = defaultdict(Counter)
    kinds: set[str] = set()
    for sentence, entities in zip(sentences, reader.entities([s.text for s in sentences])):
        for e in entities:
            terms = tuple(t for t in tokenize(e.text) if not t.isdigit())
            if e.label in _NOT_NAMES or not terms or set(terms) <= asked | outlets:
                continue
            key = " ".join(terms)
            mentions[key].append(sentence)
            if e.label in labels:
                kinds.add(key)
                surface[key][e.text.strip(" '’s")] += 1
    groups = {key: found for key, found in _merge(mentions).items() if key in kinds}
    if not groups:
        return None
    scored = [_score(key, found, claims, rank, surface) for key, found in groups.items()]
    return max(scored, key=lambda c: (c.claims, c.articles, c.weight))


def _merge(mentions: dict[str, list[Sentence]]) -> dict[str, list[Sentence]]:
    """Short forms joined to the longest form holding all their terms."""
    keys = sorted(mentions, key=lambda k: -len(k.split()))
    groups: dict[str, list[Sentence]] = {}
    for key in keys:
        home = next((g for g in groups if set(key.split()) <= set(g.split())), None)
        groups.setdefault(home or key, []).extend(mentions[key])
    return groups


def _score(key: str, found: list[Sentence], claims: Sequence[Claim], rank: dict, surface: dict) -> Consensus:
    """How widely the evidence mentions an entity, with one sentence per claim (best ranked)."""
    best = sorted(found, key=lambda s: rank.get(s.passage.id, 99))
    per_claim = []
    for claim in claims:
        hit = next((s for s in best if not claim.sources or s.passage.source in claim.sources), None)
        if hit is not None and hit not in per_claim:
            per_claim.append(hit)
    words = key.split()
    forms = Counter({form: n for k, c in surface.items() if set(k.split()) <= set(words) for form, n in c.items()})
    longest = max(forms, key=lambda f: (len(f.split()), forms[f])) if forms else key
    return Consensus(longest, len(per_claim),
                     len({s.passage.article_id for s in found}),
                     sum(1.0 / rank.get(s.passage.id, 99) for s in found), tuple(per_claim))

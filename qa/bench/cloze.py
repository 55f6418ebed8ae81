"""Cloze questions over a corpus, made without a model: in a sentence, one named entity is replaced by a wh-phrase of
its kind ("how much", "who", "when"), a window of its words is kept around the slot, some function words are
dropped and the order is sometimes turned into a question ("Who ... ?"). The entity is the answer and the sentence
the evidence: training examples for the reader's span extractor (qa/bench/reader_spans.py) on the corpus's own
sentences, many more than the gold sets hold. They copy the sentence's words, so they teach where an answer sits
relative to what is asked, not paraphrase; the gold questions teach that."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

WH = {"PERSON": ("who", "which person"), "ORG": ("which company", "which organization", "what group", "who"),
      "GPE": ("where", "which country", "which city"), "LOC": ("where",), "FAC": ("where", "which venue"),
      "DATE": ("when", "what date", "what year"), "TIME": ("what time", "when"),
      "MONEY": ("how much", "how much money"), "CARDINAL": ("how many",), "QUANTITY": ("how much", "how many"),
      "PERCENT": ("what percentage", "how much"), "NORP": ("which nationality", "what group"),
      "EVENT": ("which event",), "WORK_OF_ART": ("which title", "what"), "PRODUCT": ("which product", "what"),
      "ORDINAL": ("which place", "what position"), "LAW": ("which law",)}
"""The wh-phrases that ask for an entity of each spaCy label."""
FUNCTION_WORDS = frozenset("the a an of to in on and or but is was were be been that this with for as at by from it its "
                           "their his her".split())
SLOT = "\0"


@dataclass(frozen=True)
class Cloze:
    """A question made from a sentence, and where its answer lies in the sentence (characters)."""

    question: str
    sentence: str
    start: int
    end: int


def clozes(doc, rng: random.Random, keep: float = 0.5) -> list[Cloze]:
    """Up to one cloze question per sentence of a parsed spaCy document (a share `keep` of its sentences of 40 to
    600 characters with at least two entities)."""
    out = []
    for sent in doc.sents:
        text = sent.text.strip()
        offset = sent.start_char + len(sent.text) - len(sent.text.lstrip())
        if not 40 <= len(text) <= 600 or len(sent.ents) < 2 or rng.random() > keep:
            continue
        entity = rng.choice(list(sent.ents))
        start, end = entity.start_char - offset, entity.end_char - offset
        if entity.label_ in WH and text[start:end] == entity.text:
            out.append(Cloze(question(text, start, end, rng.choice(WH[entity.label_]), rng), text, start, end))
    return out


def question(text: str, start: int, end: int, wh: str, rng: random.Random) -> str:
    """The sentence's words around the slot [start, end), thinned, with the wh-phrase in the slot or in front."""
    before, after = text[:start].split()[-rng.randint(4, 14):], text[end:].split()[:rng.randint(4, 14)]
    words = [w if w == SLOT else re.sub(r"^[\"'“”(]+|[,.;:\"'“”)]+$", "", w)
             for w in _thin(before, rng) + [SLOT] + _thin(after, rng)]
    words = [w for w in words if w]
    if rng.random() < 0.5:
        asked = " ".join([wh] + [w for w in words if w != SLOT])
    else:
        asked = " ".join(wh if w == SLOT else w for w in words)
    asked = asked.lower() if rng.random() < 0.3 else asked
    return asked[:1].upper() + asked[1:] + "?"


def _thin(words: list[str], rng: random.Random) -> list[str]:
    """The words with about half of the function words dropped."""
    return [w for w in words if not (w.lower().strip(",.") in FUNCTION_WORDS and rng.random() < 0.5)]

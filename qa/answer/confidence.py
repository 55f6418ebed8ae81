"""Whether to answer: the sentence scorer's probability and the span extractor's margin read together.

The scorer (qa/answer/scorer.py) judges a sentence from features; the extractor (qa/answer/extractor.py) reads the
question and the sentence together, and its margin (the best span's score over its score for no answer) is high where
the sentence holds what is asked. The reader answers with the sentence of highest

    log-odds(scorer) + weight * (margin - centre)

among the first RERANK sentences the scorer puts first and trusts, when that is at least `threshold`. The numbers
are fitted by `python -m qa.bench confidence --fit OUT` (qa/bench/confidence.py) with the bundled scorer and shipped as
qa/answer/data/reader-confidence.json; NEWSQA_READER_CONFIDENCE: 'off' (the default: the scorer's own threshold
decides, on its first sentence), 'on' (the bundled file), or a file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .encoder import layers_file
from .scorer import DEFAULT_MODEL as SCORER_FILE, SentenceScorer

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "reader-confidence.json"
RERANK = 2
"""How many of the sentences the scorer puts first the extractor reads to choose among."""


@dataclass(frozen=True)
class Confidence:
    """How the scorer's probability and the extractor's margin combine into the choice of sentence and the decision
    to answer. Only sentences the scorer trusts (probability at least `floor`, its own threshold) may be chosen: the
    margin reorders them and refuses some, and never answers what the scorer refuses. A near-miss question asks for
    a figure no article gives, and the story's other figure reads as a confident span (Session 19 in
    docs/answers.md: allowed to answer below the scorer's threshold, the margin answered 7 more of corpus test's 33
    near-misses)."""

    weight: float
    centre: float
    threshold: float
    floor: float

    def logit(self, chance: float, margin: float) -> float:
        """The combined log-odds that a sentence answers the question."""
        return log_odds(chance) + self.weight * (margin - self.centre)

    def best(self, chances: Sequence[float], margins: Sequence[float | None]) -> int | None:
        """The position of the sentence to answer with: of those the scorer trusts, the one of highest combined
        log-odds; None when none is trusted or the best is below the threshold. A sentence without a span (margin
        None) is read at the centre."""
        combined = {i: self.logit(c, self.centre if m is None else m)
                    for i, (c, m) in enumerate(zip(chances, margins)) if c >= self.floor}
        if not combined:
            return None
        best = max(combined, key=combined.__getitem__)
        return best if combined[best] >= self.threshold else None

    def to_json(self) -> dict:
        """The fitted numbers as a JSON object."""
        return {"weight": self.weight, "centre": self.centre, "threshold": self.threshold, "floor": self.floor}


def log_odds(chance: float) -> float:
    """log(p / (1 - p)), finite for 0 and 1."""
    chance = min(max(chance, 1e-6), 1 - 1e-6)
    return math.log(chance / (1 - chance))


def load_confidence(setting: str, scorer: SentenceScorer | None) -> Confidence | None:
    """The calibration a setting names: 'off' (the default: measured on held-out questions it did not pay, Session 19
    in docs/answers.md), 'on' (the bundled file, fitted with the bundled scorer: None with another scorer), or a
    file."""
    if scorer is None or setting == "off" or setting == "on" and scorer.path != SCORER_FILE:
        return None
    path = layers_file("default" if setting == "on" else setting, DEFAULT_FILE, "NEWSQA_READER_CONFIDENCE")
    if path is None:
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return Confidence(float(data["weight"]), float(data["centre"]), float(data["threshold"]), float(data["floor"]))

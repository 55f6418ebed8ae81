"""Whether to answer: the sentence scorer's probability and the span extractor's margin read together.

The scorer (qa/answer/scorer.py) judges a sentence from features; the extractor (qa/answer/extractor.py) reads the
question and the sentence together, and its margin (the best span's score over its score for no answer) is high where
the sentence holds what is asked. The reader answers with the sentence of highest

    log-odds(scorer) + weight * (margin - centre)

among the first RERANK sentences the scorer puts first, when that is at least `threshold`. The three numbers are
fitted by `python -m qa.bench confidence --fit OUT` (qa/bench/confidence.py) with the bundled scorer and shipped as
qa/answer/data/reader-confidence.json; NEWSQA_READER_CONFIDENCE: 'default', 'off' (the scorer's own threshold
decides, on its first sentence), or a file.
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
    to answer."""

    weight: float
    centre: float
    threshold: float

    def logit(self, chance: float, margin: float) -> float:
        """The combined log-odds that a sentence answers the question."""
        chance = min(max(chance, 1e-6), 1 - 1e-6)
        return math.log(chance / (1 - chance)) + self.weight * (margin - self.centre)

    def best(self, chances: Sequence[float], margins: Sequence[float]) -> int | None:
        """The position of the sentence to answer with (of highest combined log-odds), None when even that one is
        below the threshold."""
        if not chances:
            return None
        combined = [self.logit(c, m) for c, m in zip(chances, margins)]
        best = max(range(len(combined)), key=combined.__getitem__)
        return best if combined[best] >= self.threshold else None

    def to_json(self) -> dict:
        """The fitted numbers as a JSON object."""
        return {"weight": self.weight, "centre": self.centre, "threshold": self.threshold}


def load_confidence(setting: str, scorer: SentenceScorer | None) -> Confidence | None:
    """The calibration a setting names: 'default' (the bundled file, fitted with the bundled scorer: None without it
    or with another scorer), 'off', or a file."""
    if scorer is None or setting == "default" and scorer.path != SCORER_FILE:
        return None
    path = layers_file(setting, DEFAULT_FILE, "NEWSQA_READER_CONFIDENCE")
    if path is None:
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return Confidence(float(data["weight"]), float(data["centre"]), float(data["threshold"]))

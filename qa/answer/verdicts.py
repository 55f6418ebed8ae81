"""Yes/No verdicts for multi-hop questions: each claim's evidence is found, then a learned model (trees over
how well each claim is supported, the question's cue words and the order of the evidence's dates; fitted by
`python -m qa.bench verdicts --train OUT` on MultiHop-RAG dev) says Yes or No."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..retrieve.trees import TreeEnsemble, model_file
from ..vocabulary import critical
from .claims import Evidence

DEFAULT_MODEL = Path(__file__).resolve().parent / "data" / "verdict.json"
CUES = {"negation": r"\b(no|not|never|neither|nor|without)\b|n't\b",
        "contrast": r"\b(while|whereas|contrast|differ\w*|different|distinct|unlike|oppos\w*|contradict\w*|"
                    r"inconsisten\w*|diverg\w*|conflict\w*)\b",
        "agreement": r"\b(both|same|consistent\w*|agree\w*|similar\w*|also|align\w*|corroborat\w*|support\w*)\b",
        "change": r"\b(change\w*|shift\w*|evolv\w*|remain\w*)\b",
        "before": r"\b(before|earlier|prior|preced\w*)\b",
        "after": r"\b(after|later|subsequent\w*|following|then)\b",
        "compare": r"\b(more|less|higher|lower|greater|fewer|larger|smaller|better|worse)\b"}
FEATURES = ("claims", "min_support", "mean_support", "max_support", "supported_claims", "same_article",
            "dates_ascending", "dates_known", *(f"cue_{c}" for c in CUES), "words", "min_own_support",
            "mean_own_support", "min_similarity", "mean_similarity", "flipped_claims")


@dataclass(frozen=True)
class Verdict:
    """Yes or No, how sure (P(yes)), and the claim whose evidence is weakest (the one that fails on a No)."""

    yes: bool
    chance: float
    weakest: Evidence | None


def features(question: str, evidence: Sequence[Evidence]) -> np.ndarray:
    """One row of FEATURES for a question and its claims' evidence."""
    supports = [e.support for e in evidence] or [0.0]
    dates = [e.date for e in evidence if e.date]
    articles = {e.sentence.passage.article_id for e in evidence if e.sentence}
    ascending = float(dates == sorted(dates)) if len(dates) >= 2 else 0.5
    lowered = question.lower()
    cues = [float(len(re.findall(pattern, lowered))) for pattern in CUES.values()]
    own = [e.own_support for e in evidence] or [0.0]
    sims = [e.similarity for e in evidence] or [0.0]
    flipped = sum(bool(critical(e.claim.text) ^ critical(e.sentence.text)) for e in evidence if e.sentence)
    return np.array([[len(evidence), min(supports), float(np.mean(supports)), max(supports),
                      sum(s >= 0.5 for s in supports), float(len(articles) <= 1), ascending, float(len(dates)),
                      *cues, len(question.split()), min(own), float(np.mean(own)), min(sims), float(np.mean(sims)),
                      flipped]], dtype=np.float64)


@dataclass(frozen=True)
class VerdictModel:
    """The fitted trees; P(yes) >= threshold says Yes."""

    trees: TreeEnsemble
    threshold: float

    def judge(self, question: str, evidence: Sequence[Evidence]) -> Verdict:
        """The verdict on a question from its claims' evidence."""
        chance = float(1.0 / (1.0 + np.exp(-self.trees.score(features(question, evidence))[0])))
        weakest = min(evidence, key=lambda e: e.support) if evidence else None
        return Verdict(chance >= self.threshold, chance, weakest)


def load_verdicts(setting: str) -> VerdictModel | None:
    """The model a setting names: 'default' (bundled, if present), 'off', or a path."""
    path = model_file(setting, DEFAULT_MODEL)
    if path is None:
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return VerdictModel(TreeEnsemble.load(path, FEATURES), float(data.get("threshold", 0.5)))

"""The reader's second stage: which of the scorer's first candidates to answer with, or none.

The sentence scorer (qa/answer/scorer.py) judges each candidate from features; the span extractor (qa/answer/
extractor.py) reads the question and a sentence together and scores its best span over no answer. The judge is
gradient-boosted trees over both for each of the scorer's first DEPTH candidates that may answer: the scorer's
features, its log-odds, the extractor's span score over no answer (the margin), its no-answer score and the
candidate's rank. It gives the chance that the candidate's short answer is right; the reader answers with the
candidate of highest chance when that is at least `threshold`, or at least `confirm` (lower) when the scorer trusts
its own first candidate (its probability at least the scorer's threshold), else refuses: overruling the scorer's
refusal takes more than confirming its answer. Where the confidence rule
(qa/answer/confidence.py) only reorders what the scorer already trusts, the judge may answer a candidate the scorer
alone would refuse (the margin says it holds what is asked) and refuse one it would answer.

Fitted by `python -m qa.bench judge --fit OUT --index-dir DIR` (qa/bench/judge.py) with the bundled scorer and
extractor; NEWSQA_READER_JUDGE: 'default' or 'on' (the bundled qa/answer/data/reader-judge.json, with the bundled
scorer only), 'off' (the scorer's threshold decides, or the confidence rule where it is on) or a file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ModelFileMissing
from ..retrieve.trees import model_file
from .confidence import log_odds
from .extractor import Span
from .features import FEATURES
from .scorer import DEFAULT_MODEL as SCORER_FILE, Columns, SentenceScorer, load_columns

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "reader-judge.json"
DEPTH = 3
"""How many of the scorer's first candidates that may answer the judge reads."""
READ = ("log_odds", "margin", "null", "rank")
"""What the judge reads beside the scorer's features: the scorer's log-odds, the extractor's best span score over
its no-answer score, the no-answer score (missing when the sentence has no span) and the rank (1 = the scorer's
first)."""
JUDGE_FEATURES = FEATURES + READ


@dataclass(frozen=True)
class Judge:
    """P(candidate's short answer is right) from its features as read by both models; answers at `threshold`, or at
    `confirm` where the scorer trusts its first candidate (None: the threshold)."""

    model: Columns
    threshold: float
    depth: int = DEPTH
    confirm: float | None = None

    def chances(self, rows: np.ndarray, chances: Sequence[float], spans: Sequence[Span | None]) -> np.ndarray:
        """The chance for each candidate (rows: their FEATURES rows, in the scorer's order)."""
        if not len(rows):
            return np.zeros(0)
        margins = [None if s is None else s.margin for s in spans]
        nulls = [None if s is None else s.null for s in spans]
        return 1.0 / (1.0 + np.exp(-self.model.score(judge_rows(rows, chances, margins, nulls))))

    def best(self, rows: np.ndarray, chances: Sequence[float], spans: Sequence[Span | None],
             trusted: bool = False) -> int | None:
        """The position of the candidate to answer with; None to refuse. `trusted`: the scorer trusts its first."""
        found = self.chances(rows, chances, spans)
        if not len(found):
            return None
        best = int(np.argmax(found))
        return best if found[best] >= self.bar(trusted) else None

    def bar(self, trusted: bool) -> float:
        """The chance the judge's best candidate needs: `confirm` where the scorer trusts its first, else
        `threshold`."""
        return self.threshold if not trusted or self.confirm is None else self.confirm


def judge_rows(rows: np.ndarray, chances: Sequence[float], margins: Sequence[float | None],
               nulls: Sequence[float | None]) -> np.ndarray:
    """FEATURES rows (the candidates', in the scorer's order) widened to JUDGE_FEATURES; a sentence without a span
    (margin and null None) reads them as missing."""
    read = [[log_odds(c), math.nan if m is None else m, math.nan if n is None else n, rank]
            for rank, (c, m, n) in enumerate(zip(chances, margins, nulls), 1)]
    read = np.array(read, dtype=np.float64).reshape(len(rows), len(READ))
    return np.hstack([np.asarray(rows, dtype=np.float64), read])


def load_judge(setting: str, scorer: SentenceScorer | None) -> Judge | None:
    """The judge a setting names: 'off', 'on' or 'default' (the bundled file, fitted with the bundled scorer: None
    with another scorer or without the file) or a file."""
    if scorer is None or setting.lower() == "off":
        return None
    if setting.lower() in {"on", "default"}:
        if scorer.path != SCORER_FILE:
            return None
        setting = "default"
    path = model_file(setting, DEFAULT_FILE)
    if path is None:
        return None
    if not path.exists():
        raise ModelFileMissing(f"NEWSQA_READER_JUDGE={setting}: no such file")
    data = json.loads(path.read_text(encoding="utf-8"))
    confirm = data.get("confirm")
    return Judge(load_columns(path, JUDGE_FEATURES), float(data["threshold"]), int(data.get("depth", DEPTH)),
                 None if confirm is None else float(confirm))

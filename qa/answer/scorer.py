"""The learned sentence scorer and refusal threshold: gradient-boosted trees over qa/answer/features.py,
fitted by `python -m qa.bench reader --train OUT` on the corpus dev set, MultiHop-RAG dev and the seed sets,
stored as JSON (qa/answer/data/reader.json, with the span scorer beside it in spans.json) and walked with numpy.
The default reads the fine-tuned reader encoder's cosine (qa/answer/encoder.py); NEWSQA_READER=session10 is the
scorer without it, off falls back to the hand-set weights."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelFileMissing
from ..retrieve.trees import TreeEnsemble, model_file
from .features import CROSS, FEATURES, TUNED
from .spans import SPAN_FEATURES

DEFAULT_MODEL = Path(__file__).resolve().parent / "data" / "reader.json"
NAMED_MODELS = {"tuned": DEFAULT_MODEL, "session10": DEFAULT_MODEL.with_name("reader-session10.json")}
"""The scorers a setting names: the default (session 14, reading the reader encoder; 'tuned', its name while it was
opt-in, stays an alias) and session 10's, which needs no second encoder pass (docs/answers.md)."""
SPANS_FILE = "spans.json"


@dataclass(frozen=True)
class Columns:
    """A tree model that reads some columns of wider rows (a model fitted before features were added still
    loads)."""

    trees: TreeEnsemble
    columns: tuple[int, ...]

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Raw scores (log-odds) for each row."""
        return self.trees.score(rows[:, list(self.columns)])


@dataclass(frozen=True)
class SentenceScorer:
    """P(sentence answers the question) from its features; answers only at or above `threshold`."""

    model: Columns
    threshold: float
    spans: Columns | None = None
    path: Path | None = None
    """The model file (the encoders fitted with it lie beside it)."""

    @property
    def columns(self) -> tuple[int, ...]:
        """The FEATURES the model was fitted on, as column numbers."""
        return self.model.columns

    @property
    def reads_encoder(self) -> bool:
        """Does the scorer read the reader encoder's cosine (qa/answer/encoder.py)?"""
        return any(FEATURES[c] in TUNED for c in self.columns)

    @property
    def reads_cross(self) -> bool:
        """Does the scorer read the cross-encoder's logit (qa/answer/cross.py)?"""
        return any(FEATURES[c] in CROSS for c in self.columns)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """One probability per row (of all FEATURES; the model reads the columns it was fitted on)."""
        if not len(rows):
            return np.zeros(0)
        return 1.0 / (1.0 + np.exp(-self.model.score(rows)))


def load_columns(path: Path, features: tuple[str, ...]) -> Columns:
    """A model written by `export` whose features are some of `features` (a ValueError for any other)."""
    names = tuple(json.loads(path.read_text(encoding="utf-8"))["features"])
    unknown = set(names) - set(features)
    if unknown:
        raise ValueError(f"{path}: features {sorted(unknown)} are not this version's {features}")
    return Columns(TreeEnsemble.load(path, names), tuple(features.index(n) for n in names))


def load_scorer(setting: str) -> SentenceScorer | None:
    """The scorer a setting names: 'default' (the bundled model, if present), 'session10', 'off', or a path
    (ModelFileMissing when it is not there)."""
    path = NAMED_MODELS[setting] if setting in NAMED_MODELS else model_file(setting, DEFAULT_MODEL)
    if path is None:
        return None
    if not path.exists():
        raise ModelFileMissing(f"NEWSQA_READER={setting}: no such file")
    data = json.loads(path.read_text(encoding="utf-8"))
    spans = path.with_name(SPANS_FILE)
    return SentenceScorer(load_columns(path, FEATURES), float(data.get("threshold", 0.5)),
                          load_columns(spans, SPAN_FEATURES) if spans.exists() else None, path)

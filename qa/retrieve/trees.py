"""Gradient-boosted regression trees as plain JSON, scored with numpy: the learned ranker's model format.

`export` writes a fitted scikit-learn `HistGradientBoostingClassifier` (binary); `TreeEnsemble` reads it and
scores rows without scikit-learn, pickles or Python loops over trees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class TreeEnsemble:
    """Gradient-boosted regression trees on a logistic loss: raw score = baseline + sum of leaf values.
    The trees are packed into (tree, node) arrays, so all of them are walked at once, one level a step."""

    baseline: float
    arrays: dict
    depth: int

    @classmethod
    def load(cls, path: Path, features: Sequence[str]) -> "TreeEnsemble":
        """Read a model written by `export`; its feature names must be the ones given."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if tuple(data["features"]) != tuple(features):
            raise ValueError(f"{path}: the model's features {data['features']} are not this version's "
                             f"{tuple(features)}")
        return cls.pack(float(data["baseline"]), data["trees"])

    @classmethod
    def pack(cls, baseline: float, trees: list[dict]) -> "TreeEnsemble":
        """Pad every tree to the largest node count with leaves worth 0."""
        width = max((len(t["value"]) for t in trees), default=1)
        fill = {"value": 0.0, "feature": 0, "threshold": 0.0, "missing_left": True, "left": 0, "right": 0,
                "leaf": True}
        arrays = {key: np.array([list(t[key]) + [pad] * (width - len(t[key])) for t in trees] or [[pad]])
                  for key, pad in fill.items()}
        return cls(baseline, arrays, _depth(arrays))

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Raw scores (log-odds) for each row."""
        a = self.arrays
        trees = np.arange(len(a["value"]))[:, None]
        samples = np.arange(len(rows))[None, :]
        node = np.zeros((len(a["value"]), len(rows)), dtype=np.int64)
        for _ in range(self.depth):
            x = rows[samples, a["feature"][trees, node]]
            left = np.where(np.isnan(x), a["missing_left"][trees, node], x <= a["threshold"][trees, node])
            step = np.where(left, a["left"][trees, node], a["right"][trees, node])
            node = np.where(a["leaf"][trees, node], node, step)
        return self.baseline + a["value"][trees, node].sum(axis=0)


OFF = frozenset({"off", "none", "false", "0"})


def model_file(setting: str, default: Path) -> Path | None:
    """The model file a setting names: '' or 'default' for the bundled one (None if it is not there), 'off'
    (or none, false, 0) for none, else a path."""
    if setting.lower() in OFF:
        return None
    if setting.lower() in {"", "default"}:
        return default if default.exists() else None
    return Path(setting)


def _depth(arrays: dict) -> int:
    """The number of levels below the root of the deepest tree."""
    depth = np.zeros(arrays["value"].shape, dtype=np.int64)
    for tree in range(len(depth)):
        for node in range(len(depth[tree])):  # children always come after their parent
            if not arrays["leaf"][tree, node]:
                for child in (arrays["left"][tree, node], arrays["right"][tree, node]):
                    depth[tree, child] = depth[tree, node] + 1
    return int(depth.max())


def export(model, path: Path, features: Sequence[str], meta: dict) -> None:
    """Write a fitted scikit-learn HistGradientBoostingClassifier (binary) as this module's JSON."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        trees.append({"value": nodes["value"].tolist(), "feature": nodes["feature_idx"].tolist(),
                      "threshold": nodes["num_threshold"].tolist(), "missing_left": nodes["missing_go_to_left"]
                      .astype(bool).tolist(), "left": nodes["left"].tolist(), "right": nodes["right"].tolist(),
                      "leaf": nodes["is_leaf"].astype(bool).tolist()})
    baseline = float(np.ravel(model._baseline_prediction)[0])
    Path(path).write_text(json.dumps({"features": list(features), "baseline": baseline, "trees": trees, **meta}))

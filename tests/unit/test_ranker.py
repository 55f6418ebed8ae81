"""The learned ranker and its model format: the numpy tree walker agrees with scikit-learn, features are
what they say, the bundled model loads, and the setting turns it off."""

from __future__ import annotations

import numpy as np
import pytest

from qa.retrieve.ranker import DEFAULT_MODEL, FEATURES, load_ranker, passage_index, sentence_match
from qa.retrieve.trees import TreeEnsemble, export


def test_the_numpy_trees_score_exactly_as_scikit_learn(tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    rows = rng.normal(size=(600, len(FEATURES)))
    rows[rng.random(rows.shape) < 0.05] = np.nan
    labels = (np.nan_to_num(rows[:, 0]) + 0.5 * np.nan_to_num(rows[:, 3]) ** 2 + rng.normal(size=600) > 0.7)
    model = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=9, random_state=0).fit(rows, labels)
    export(model, tmp_path / "model.json", FEATURES, {"trained_on": "synthetic"})
    ours = TreeEnsemble.load(tmp_path / "model.json", FEATURES)
    fresh = rng.normal(size=(200, len(FEATURES)))
    fresh[::7, 2] = np.nan
    assert np.allclose(ours.score(fresh), model.decision_function(fresh), atol=1e-9)


def test_a_model_for_other_features_is_refused(tmp_path):
    path = tmp_path / "old.json"
    path.write_text('{"features": ["inverse_rank"], "baseline": 0, "trees": []}')
    with pytest.raises(ValueError, match="features"):
        TreeEnsemble.load(path, FEATURES)


def test_the_setting_picks_the_bundled_model_a_path_or_none(tmp_path):
    assert load_ranker("off") is None and load_ranker("none") is None
    bundled = load_ranker("default")
    assert isinstance(bundled, TreeEnsemble) and bundled.depth == 11
    assert np.allclose(load_ranker(str(DEFAULT_MODEL)).score(np.zeros((2, len(FEATURES)))),
                       bundled.score(np.zeros((2, len(FEATURES)))))


def test_the_best_sentence_is_measured_both_ways():
    idf = {"troop": 2.0, "remain": 1.0, "iraq": 1.0, "weather": 3.0}
    text = "The weather was mild. About 2,500 US troops remain in Iraq."
    precision, recall = sentence_match(text, frozenset({"troop", "remain", "iraq"}), idf)
    assert recall == pytest.approx(1.0)
    assert 0.5 < precision <= 1.0
    assert sentence_match("Nothing shared here.", frozenset({"troop"}), idf) == (0.0, 0.0)


def test_passage_numbers_come_from_the_id():
    assert passage_index("13c60e9b7cba16c2-0003") == 3
    assert passage_index("no-number-here") == 0

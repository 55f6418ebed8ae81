"""The reader encoder (qa/answer/encoder.py): fine-tuned layers merged into the bundled model, loaded by setting,
and the tuned columns of the sentence scorer's features."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.embedding import resolve_model_path
from index.settings import BUNDLED_MODEL
from qa import Settings
from qa.answer.encoder import DEFAULT_LAYERS, load_reader_encoder, merge, merged_model
from qa.answer.features import cosine_columns


def test_cosine_columns_are_the_cosine_its_gap_to_the_best_and_its_rank():
    out = cosine_columns(np.array([0.5, 0.75, 0.5, 0.25]))
    np.testing.assert_allclose(out, [[0.5, -0.25, 2], [0.75, 0.0, 1], [0.5, -0.25, 3], [0.25, -0.5, 4]])


def test_the_reader_encoder_columns_rank_the_candidates_that_hold_the_asked_names_first():
    named = np.array([True, False, True, False])
    out = cosine_columns(np.array([0.5, 0.75, 0.25, 0.6]), named)
    # the best and the ranks are taken among the named candidates; the others rank after them
    np.testing.assert_allclose(out, [[0.5, 0.0, 1], [0.75, 0.25, 3], [0.25, -0.25, 2], [0.6, 0.1, 4]])
    # no candidate holds the names: as without them
    np.testing.assert_allclose(cosine_columns(np.array([0.5, 0.75]), np.array([False, False])),
                               cosine_columns(np.array([0.5, 0.75])))


def test_a_layers_file_replaces_those_tensors_and_keeps_the_rest(tmp_path):
    from safetensors.numpy import load, load_file, save_file

    base = Path(resolve_model_path(BUNDLED_MODEL))
    weights = load_file(str(base / "model.safetensors"))
    name = "encoder.layer.5.output.dense.bias"
    layers = tmp_path / "layers.safetensors"
    save_file({name: np.full(weights[name].shape, 0.5, np.float16)}, str(layers))
    merged = load(merge(base, layers))
    assert merged[name].dtype == weights[name].dtype and np.all(merged[name] == 0.5)
    kept = "encoder.layer.4.output.dense.bias"
    assert np.array_equal(merged[kept], weights[kept]) and set(merged) == set(weights)
    folder = merged_model(layers, tmp_path / "cache")
    assert merged_model(layers, tmp_path / "cache") == folder, "written once per layers file"
    assert (folder / "tokenizer.json").exists() and (folder / "1_Pooling" / "config.json").exists()


def test_a_tensor_the_model_lacks_is_an_error(tmp_path):
    from safetensors.numpy import save_file

    layers = tmp_path / "layers.safetensors"
    save_file({"encoder.layer.9.output.dense.bias": np.zeros(3, np.float16)}, str(layers))
    with pytest.raises(ValueError, match="not in the bundled model"):
        merge(Path(resolve_model_path(BUNDLED_MODEL)), layers)


def test_the_setting_names_the_encoder(tmp_path):
    settings = replace(Settings(), cache_dir=tmp_path)
    assert load_reader_encoder(replace(settings, reader_encoder="off")) is None
    with pytest.raises(FileNotFoundError, match="NEWSQA_READER_ENCODER"):
        load_reader_encoder(replace(settings, reader_encoder=str(tmp_path / "missing.safetensors")))
    assert DEFAULT_LAYERS.exists(), "the fitted layers ship with the package"


def test_the_default_scorer_reads_the_encoder_and_session10s_does_not():
    from qa.answer.scorer import load_scorer

    assert load_scorer("default").reads_encoder and not load_scorer("session10").reads_encoder
    tuned, default = load_scorer("tuned"), load_scorer("default")  # 'tuned': its name while it was opt-in
    assert tuned.threshold == default.threshold == 0.43 and tuned.columns == default.columns


def test_a_name_swapped_negative_replaces_a_name_the_question_asks_about():
    import random

    from qa.answer.entities import Entity
    from qa.bench.reader_encoder import swapped

    text = "The village of Placeville0 built 10 new bridges; Placeville0 is in Kent."
    entities = (Entity("Placeville0", "GPE", 15, 26), Entity("10", "CARDINAL", 33, 35), Entity("Kent", "GPE", 67, 71))
    names = {"GPE": ["Kent", "Placeville0", "Placeville1"], "ORG": ["Acme"]}
    out = swapped(text, entities, "How many bridges did Placeville0 build?", names, random.Random(1), 3)
    # only the name the question holds is swapped, everywhere, for a name of the same label that is not asked
    kent = "The village of Kent built 10 new bridges; Kent is in Kent."
    other = "The village of Placeville1 built 10 new bridges; Placeville1 is in Kent."
    assert out == (kent, kent, other)
    assert swapped(text, entities, "How many bridges were built?", names, random.Random(0), 2) == ()
    assert swapped(text, entities[:1], "Placeville0?", {"GPE": ["placeville0"]}, random.Random(0), 1) == ()


def test_training_pairs_carry_hard_and_name_swapped_negatives():
    from qa.answer.entities import Entity
    from qa.answer.features import FEATURES
    from qa.bench.reader_encoder import Pair, TuneParams, pairs

    class Query:
        text = "Who leads Acme?"

    x = np.zeros((3, len(FEATURES)))
    x[:, FEATURES.index("similarity")] = [0.9, 0.5, 0.7]
    data = [{"query": Query(), "x": x, "y": np.array([False, True, False]),
             "texts": ["Globex is led by Ann.", "Acme is led by Bob.", "Acme sells rockets."],
             "entities": [(Entity("Globex", "ORG", 0, 6),), (Entity("Acme", "ORG", 0, 4),), (Entity("Acme", "ORG", 0, 4),)]}]
    assert pairs(data, TuneParams(negatives=2, swaps=1)) == [
        Pair("Who leads Acme?", "Acme is led by Bob.", ("Globex is led by Ann.", "Acme sells rockets.",
                                                        "Globex is led by Bob."))]
    assert pairs(data, TuneParams(negatives=1, swaps=0))[0].negatives == ("Globex is led by Ann.",)

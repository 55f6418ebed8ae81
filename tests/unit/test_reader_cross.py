"""The reader's cross-encoder (qa/answer/cross.py, qa/bench/reader_cross.py): a layers file with a head merged into
a sequence-classification folder, loaded by setting, its training groups, and the scorer columns it fills."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.embedding import resolve_model_path
from index.settings import BUNDLED_MODEL
from qa import Settings
from qa.answer.cross import load_cross_encoder
from qa.answer.encoder import merge, merged_model
from qa.answer.features import CROSS, FEATURES


def _head_layers(tmp_path: Path) -> Path:
    from safetensors.numpy import save_file

    layers = tmp_path / "cross.safetensors"
    save_file({"encoder.layer.5.output.dense.bias": np.full(384, 0.5, np.float16),
               "classifier.weight": np.full((1, 384), 0.25, np.float16),
               "classifier.bias": np.zeros(1, np.float16)}, str(layers))
    return layers


def test_a_layers_file_with_a_head_makes_a_sequence_classification_model(tmp_path):
    from safetensors.numpy import load, load_file

    base = Path(resolve_model_path(BUNDLED_MODEL))
    weights = load_file(str(base / "model.safetensors"))
    merged = load(merge(base, _head_layers(tmp_path)))
    # the body's tensors are named as BertForSequenceClassification names them, the head is added in float32
    assert set(merged) == {f"bert.{name}" for name in weights} | {"classifier.weight", "classifier.bias"}
    assert np.all(merged["bert.encoder.layer.5.output.dense.bias"] == 0.5)
    kept = "encoder.layer.4.output.dense.bias"
    assert np.array_equal(merged[f"bert.{kept}"], weights[kept])
    assert merged["classifier.weight"].dtype == np.float32 and np.all(merged["classifier.weight"] == 0.25)
    folder = merged_model(_head_layers(tmp_path), tmp_path / "cache", "reader-cross")
    assert folder.parent.name == "reader-cross"
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["BertForSequenceClassification"] and config["id2label"] == {"0": "LABEL_0"}


def test_the_setting_names_the_cross_encoder(tmp_path):
    settings = replace(Settings(), cache_dir=tmp_path)
    assert load_cross_encoder(replace(settings, reader_cross="off")) is None
    with pytest.raises(FileNotFoundError, match="NEWSQA_READER_CROSS"):
        load_cross_encoder(replace(settings, reader_cross=str(tmp_path / "missing.safetensors")))
    # 'default': the one beside the scorer's file, and an error rather than zeros when there is none
    with pytest.raises(FileNotFoundError, match=f"no cross-encoder at {tmp_path / 'reader-cross.safetensors'}"):
        load_cross_encoder(settings, tmp_path / "reader.json")
    with pytest.raises(ValueError, match="NEWSQA_READER_ENCODER_PRECISION='int4'"):
        load_cross_encoder(replace(settings, reader_cross=str(_head_layers(tmp_path)), reader_encoder_precision="int4"))
    assert Settings.from_env(env={"NEWSQA_READER_CROSS": "off"}).reader_cross == "off"


class _Query:
    text = "Who leads Acme?"


def _collected(labels, similarity, evidence=None):
    x = np.zeros((len(labels), len(FEATURES)))
    x[:, FEATURES.index("similarity")] = similarity
    row = {"question": _Query.text} | ({"evidence": evidence} if evidence else {})
    return {"query": _Query(), "x": x, "y": np.array(labels, bool), "row": row,
            "texts": [f"sentence {n}" for n in range(len(labels))]}


def test_a_group_holds_the_positives_then_the_hardest_negatives_then_others_at_random():
    from qa.bench.reader_cross import CrossParams, groups

    data = [_collected([False, True, False, False], [0.2, 0.5, 0.9, 0.1])]
    # negatives=2: one hard one (the highest base cosine), one of the other two drawn at random
    two = groups(data, CrossParams(negatives=2))[0]
    assert two.question == _Query.text and two.labels == (True, False, False)
    assert two.texts[:2] == ("sentence 1", "sentence 2") and two.texts[2] in {"sentence 0", "sentence 3"}
    three = groups(data, CrossParams(negatives=3))[0]
    assert three.texts[:2] == ("sentence 1", "sentence 2") and sorted(three.texts[2:]) == ["sentence 0", "sentence 3"]
    assert groups(data, CrossParams(negatives=2)) == groups(data, CrossParams(negatives=2)), "seeded"


def test_the_evidence_joins_a_group_whose_candidates_missed_it_and_a_near_miss_keeps_only_negatives():
    from qa.bench.reader_cross import CrossParams, groups

    missed = _collected([False, False], [0.3, 0.6], evidence="Acme is led by Bob.")
    near_miss = _collected([False, False], [0.3, 0.6])
    out = groups([missed, near_miss], CrossParams(negatives=1))
    assert (out[0].texts, out[0].labels) == (("Acme is led by Bob.", "sentence 1"), (True, False))
    assert (out[1].texts, out[1].labels) == (("sentence 1",), (False,))


def test_the_cross_columns_are_filled_when_logits_are_given_and_zero_otherwise():
    from qa.answer.features import cosine_columns

    first = FEATURES.index(CROSS[0])
    assert FEATURES[first:first + 3] == CROSS
    logits, named = np.array([1.5, -0.5, 3.0]), np.array([True, True, False])
    np.testing.assert_allclose(cosine_columns(logits, named), [[1.5, 0.0, 1], [-0.5, -2.0, 2], [3.0, 1.5, 3]])


def test_the_scorer_reads_the_columns_its_command_fitted():
    from qa.answer.features import TUNED
    from qa.bench.reader import USED, columns

    assert columns(True, False) == USED
    assert columns(True, True) == USED + CROSS
    assert columns(False, True) == tuple(n for n in USED if n not in TUNED) + CROSS
    assert len(columns(False, True)) == len(USED)

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


def test_only_the_tuned_scorer_reads_the_encoder():
    from qa.answer.scorer import load_scorer

    assert load_scorer("tuned").reads_encoder and not load_scorer("default").reads_encoder

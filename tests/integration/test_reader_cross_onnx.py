"""The reader's cross-encoder path on the real bundled model and the real seed index: a layers file with a head
merged into a sequence-classification folder, exported to ONNX with the torch model's logits, each pair scored on
its own, and its logits in the sentence scorer's columns. (No cross-encoder ships: a fitted one is opt-in,
docs/answers.md, Session 17; the head here is random, which is what the export path must carry over exactly.)"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa import Assistant
from qa.answer.cross import CrossEncoder, load_cross_encoder
from qa.answer.encoder import merged_model
from qa.answer.features import CROSS, FEATURES, cosine_columns

QUESTION = "How many US soldiers are left in Iraq?"


@pytest.fixture(scope="module")
def layers(tmp_path_factory) -> Path:
    """A layers file: one changed transformer tensor and a random one-logit head."""
    from safetensors.numpy import save_file

    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("cross") / "reader-cross.safetensors"
    save_file({"encoder.layer.5.output.dense.bias": (rng.standard_normal(384) * 0.05).astype(np.float16),
               "classifier.weight": rng.standard_normal((1, 384)).astype(np.float16),
               "classifier.bias": np.zeros(1, np.float16)}, str(path))
    return path


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory, layers) -> Path:
    """One cache folder for the module, the merged folder and its graphs written once (exported_model exports in a
    child process, so the export's transient memory, about 1.5 GB, does not raise this process's peak, which the
    scale benchmark's test reads)."""
    from index.export import exported_model

    folder = tmp_path_factory.mktemp("cross-cache")
    model = merged_model(layers, folder, "reader-cross")
    for variant in ("onnx-fp32", "onnx-int8"):
        exported_model(str(model), variant, folder)
    return folder


def test_the_exported_graph_gives_the_torch_models_logits(assistant, layers, cache_dir):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = merged_model(layers, cache_dir, "reader-cross")
    texts = [s.text for s in assistant.reading(QUESTION)[2].scored]
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    with torch.no_grad():
        torch_logits = model(**tokenizer([QUESTION] * len(texts), [t[:600] for t in texts], truncation="only_second",
                                         max_length=128, padding=True, return_tensors="pt")).logits[:, 0].numpy()
    assert np.ptp(torch_logits) > 0.1, "the candidates' logits differ"
    del model
    fp32 = CrossEncoder(folder, "onnx-fp32", cache_dir)
    np.testing.assert_allclose(fp32.scores(QUESTION, texts), torch_logits, atol=1e-3)
    int8 = CrossEncoder(folder, "onnx-int8", cache_dir)
    logits = int8.scores(QUESTION, texts)
    assert np.abs(logits - torch_logits).max() < 0.25 * np.ptp(torch_logits)
    # each pair alone: a sentence's logit does not depend on the other candidates (int8 scales a batch as a whole)
    np.testing.assert_array_equal(int8.scores(QUESTION, texts[::-1][:3]), logits[::-1][:3])


def test_the_reader_puts_the_cross_encoders_logits_in_the_scorers_columns(seed_settings, layers, cache_dir):
    settings = replace(seed_settings, reader_cross=str(layers))
    assistant = Assistant.open(settings=settings)
    assert assistant._reader.cross is None, "the shipped scorer does not read the cross-encoder, so none is loaded"
    assistant._reader.cross = cross = load_cross_encoder(replace(settings, cache_dir=cache_dir))
    _, way, found = assistant.reading(QUESTION)
    assert way == "factoid" and len(found.scored) > 3
    first = FEATURES.index(CROSS[0])
    logits = cross.scores(QUESTION, [s.text for s in found.scored])
    named = found.rows[:, FEATURES.index("names_ok")] > 0
    np.testing.assert_array_equal(found.rows[:, first:first + len(CROSS)], cosine_columns(logits, named))
    assert sorted(found.rows[:, first + 2]) == list(range(1, len(logits) + 1))

"""The fine-tuned reader encoder on the real seed index: loaded with the scorer that reads it (the default reader),
merged and exported once, and what the sentence scorer reads."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from qa import Assistant
from qa.answer.features import FEATURES


def test_the_session10_reader_needs_no_second_encoder(seed_settings):
    assert Assistant.open(settings=replace(seed_settings, reader="session10"))._reader.encoder is None


def test_the_default_reader_reads_with_its_own_encoder(assistant):
    reader = assistant._reader
    assert reader.encoder is not None and reader.encoder is not assistant._corpus.embedder
    assert reader.encoder.variant == "onnx-int8" and "reader-encoder" in reader.encoder.name  # the default precision
    question = "How many US soldiers are left in Iraq?"
    _, way, found = assistant.reading(question)
    assert way == "factoid"
    # each text alone, as the reader embeds them: an int8 encoder's vectors depend on what shares their batch
    vectors = np.vstack([reader.encoder.embed([text]) for text in [question] + [s.text[:600] for s in found.scored]])
    tuned = found.rows[:, FEATURES.index("tuned_similarity")]
    np.testing.assert_allclose(tuned, vectors[1:] @ vectors[0], atol=1e-5)
    batched = reader.encoder.embed([question] + [s.text[:600] for s in found.scored])
    assert np.abs(batched - vectors).max() > 1e-3, "int8 vectors depend on their batch (why the reader embeds one by one)"
    base = found.rows[:, FEATURES.index("similarity")]
    assert np.abs(tuned - base).max() > 0.05, "the fine-tuned layers change the cosines"
    best = found.scored[int(np.argmax(tuned))].text
    assert "approximately 2,500 soldiers" in best
    assert "2,500" in assistant.ask(question).short_answer

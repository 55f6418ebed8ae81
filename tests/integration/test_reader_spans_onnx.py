"""The reader's span extractor on the real bundled model and the real seed index: a layers file with a start/end head
merged into a question-answering folder and exported to ONNX with the torch model's logits; the shipped extractor,
loaded by default, reads the asked figure or date of a sentence; a setting turns it off."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa import Assistant
from qa.answer.encoder import merged_model
from qa.answer.extractor import DEFAULT_LAYERS, SpanExtractor, answer_entity, load_span_extractor
from qa.answer.spans import render

QUESTION = "How many US soldiers are left in Iraq?"


@pytest.fixture(scope="module")
def layers(tmp_path_factory) -> Path:
    """A layers file: one changed transformer tensor and a random start/end head."""
    from safetensors.numpy import save_file

    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("spans") / "reader-spans.safetensors"
    save_file({"encoder.layer.5.output.dense.bias": (rng.standard_normal(384) * 0.05).astype(np.float16),
               "qa_outputs.weight": rng.standard_normal((2, 384)).astype(np.float16),
               "qa_outputs.bias": np.zeros(2, np.float16)}, str(path))
    return path


def test_the_exported_graph_gives_the_torch_models_start_and_end_logits(assistant, layers, tmp_path):
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    folder = merged_model(layers, tmp_path, "reader-spans")
    text = next(s.text for s in assistant.reading(QUESTION)[2].scored if "2,500" in s.text)
    model = AutoModelForQuestionAnswering.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    encoded = tokenizer(QUESTION, text, truncation="only_second", max_length=192, return_tensors="pt")
    mine = [i for i, s in enumerate(encoded.sequence_ids(0)) if s == 1]
    with torch.no_grad():
        out = model(**encoded)
    every = np.stack([out.start_logits[0].numpy(), out.end_logits[0].numpy()], 1)
    expected = every[mine]
    del model
    fp32 = SpanExtractor(folder, "onnx-fp32", tmp_path)
    logits, offsets, null = fp32.logits(QUESTION, text)
    np.testing.assert_allclose(logits, expected, atol=1e-3)
    assert null == pytest.approx(float(every[0].sum()), abs=2e-3), "no answer: the [CLS] piece as start and end"
    pieces = tokenizer.convert_ids_to_tokens(encoded["input_ids"][0][mine])
    assert [text[a:b].lower() for a, b in offsets] == [p.removeprefix("##") for p in pieces]
    int8 = SpanExtractor(folder, "onnx-int8", tmp_path).logits(QUESTION, text)[0]
    assert np.abs(int8 - expected).max() < 0.25 * np.ptp(expected)


@pytest.mark.skipif(not DEFAULT_LAYERS.exists(), reason="no span extractor ships")
def test_the_shipped_extractor_reads_the_asked_figure_date_or_place(assistant):
    extractor = assistant._reader.extractor
    assert extractor is not None, "the default reader loads the shipped extractor"

    def read(question: str, text: str) -> str:
        entities = assistant._reader.entity_reader.entities([text])[0]
        return render(answer_entity(extractor.best(question, text), text, entities), text)

    troops = "The US has about 2,500 troops in Iraq and 900 in Syria, officials said on Tuesday."
    assert read(QUESTION, troops) == "about 2,500 troops"
    assert read("When did officials say it?", troops) == "Tuesday"
    phones = "Apple sold 50 million iPhones in the quarter, while Samsung shipped 60 million phones, IDC said in Singapore."
    assert read("How many phones did Samsung ship?", phones) == "60 million phones"
    assert read("How many iPhones did Apple sell?", phones) == "50 million iPhones"
    assert read("Where did IDC say it?", phones) == "Singapore"
    # Known misses (docs/answers.md, Session 18): "How many US troops are in Syria?" reads "about 2,500 troops", and
    # "When did Shield AI announce the raise?" reads the amount raised.


def test_a_question_longer_than_the_input_is_cut_not_refused(assistant):
    extractor = assistant._reader.extractor
    troops = "The US has about 2,500 troops in Iraq and 900 in Syria, officials said on Tuesday."
    asked = "troops " * 285 + "Iraq?"  # 287 word pieces: no room for the sentence in 192
    found = extractor.best(asked, troops)
    assert found is not None and 0 <= found.start < found.end <= len(troops)
    graph = extractor._graph
    assert graph.question(asked) == "troops " * 95 + "troops" and graph.question(QUESTION) == QUESTION


def test_the_extractor_is_a_setting(seed_settings):
    assistant = Assistant.open(settings=replace(seed_settings, reader_spans="off"))
    assert assistant._reader.extractor is None
    assert load_span_extractor(replace(seed_settings, reader_spans="off")) is None


@pytest.mark.skipif(not DEFAULT_LAYERS.exists(), reason="no span extractor ships")
def test_the_shipped_extractors_margin_says_whether_a_sentence_answers(assistant):
    extractor = assistant._reader.extractor
    asked = "How many US troops are in Iraq?"
    answers = extractor.best(asked, "The US has about 2,500 troops in Iraq and 900 in Syria, officials said on Tuesday.")
    other = extractor.best(asked, "Macron said French troops would stay in Iraq whatever the US decides.")
    assert answers.margin > 5 > 0 > -5 > other.margin, "trained with sentences of the article that do not answer"
    assert answers.null < other.null
    # Known miss (docs/answers.md, Session 19): another entity's figure of the asked kind still reads as an answer
    # ("How many French troops are in Iraq?" on the first sentence: margin about 9).


@pytest.mark.skipif(not DEFAULT_LAYERS.exists(), reason="no span extractor ships")
def test_the_confidence_calibration_is_opt_in_and_refuses_on_a_low_margin(seed_settings):
    from qa.answer.confidence import load_confidence

    asked = "how many officers were unaccounted for after the kirkuk assault"  # seeds_paraphrase p11
    off = Assistant.open(settings=replace(seed_settings, reader_judge="off"))
    assert off._reader.confidence is None
    assert off.ask(asked).short_answer == "one"
    on = Assistant.open(settings=replace(seed_settings, reader_confidence="on", reader_judge="off"))
    assert on._reader.confidence == load_confidence("on", on._reader.scorer)
    # The measured cost of the calibration on the seeds (docs/answers.md, Session 19): the sentence the scorer trusts
    # holds "one" police officer missing, but the extractor's margin there is low, so the answer is refused.
    assert on.ask(asked).short_answer is None
    assert on.ask(QUESTION).short_answer == off.ask(QUESTION).short_answer

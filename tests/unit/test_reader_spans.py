"""The reader's span extractor (qa/answer/extractor.py, qa/bench/reader_spans.py, qa/bench/cloze.py): its training
examples and cloze questions, the word pieces an answer is trained on, how an entity is scored from start and end
logits, how that score joins the span scorer's, and the setting that names it."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa import Settings
from qa.answer.encoder import merge, merged_model
from qa.answer.entities import Entity
from qa.answer.extractive import reread
from qa.answer.extractor import SPAN, Span, answer_entity, best_span, load_span_extractor
from qa.answer.spans import render
from qa.bench.cloze import WH, question
from qa.bench.reader_spans import NO_ANSWER, Example, gold_examples, located, negatives, positions, swapped
from qa.retrieve import analyse

SENTENCE = "Shield AI raised $200 million at a $2.7 billion valuation, the startup said on Friday."


def _entity(text: str, label: str, sentence: str = SENTENCE) -> Entity:
    start = sentence.index(text)
    return Entity(text, label, start, start + len(text))


def test_an_example_locates_the_longest_accepted_answer_in_the_evidence():
    example = located("What valuation did Shield AI hit?", SENTENCE, ["2.7 billion", "$2.7 billion", "3 billion"])
    assert example == Example("What valuation did Shield AI hit?", SENTENCE, 35, 47)
    assert SENTENCE[example.start:example.end] == "$2.7 billion"
    assert located("q", SENTENCE, ["$3 billion", " "]) is None


def test_gold_examples_keep_answerable_rows_whose_evidence_holds_an_answer(tmp_path):
    rows = [{"question": "a?", "answers": ["Friday"], "answerable": True, "evidence": SENTENCE},
            {"question": "b?", "answers": ["Monday"], "answerable": True, "evidence": SENTENCE},
            {"question": "c?", "answerable": False},
            {"question": "d?", "answers": ["2,500"], "sources": ["000.txt"]}]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    assert gold_examples([path]) == [Example("a?", SENTENCE, 79, 85)]


def test_the_answer_is_trained_on_its_first_and_last_word_pieces():
    from transformers import AutoTokenizer

    from index.embedding import resolve_model_path
    from index.settings import BUNDLED_MODEL

    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(BUNDLED_MODEL))
    example = located("What valuation did Shield AI hit?", SENTENCE, ["$2.7 billion"])
    encoded = tokenizer([example.question], [example.text], truncation="only_second", max_length=64)
    first, last = positions(encoded, 0, example)
    pieces = tokenizer.convert_ids_to_tokens(encoded["input_ids"][0][first:last + 1])
    assert pieces == ["$", "2", ".", "7", "billion"]
    assert encoded.sequence_ids(0)[first] == 1
    cut = tokenizer([example.question], [example.text], truncation="only_second", max_length=16)
    assert positions(cut, 0, example) == (0, 0), "an answer cut off points at [CLS]"
    unanswered = Example(example.question, example.text, NO_ANSWER, NO_ANSWER)
    assert not unanswered.answers and example.answers
    assert positions(encoded, 0, unanswered) == (0, 0), "a sentence that does not answer points at [CLS]"


def test_negatives_are_the_source_articles_closest_sentences_without_an_answer(tmp_path):
    body = ("Shield AI raised $200 million at a $2.7 billion valuation. The startup makes drones for the military. "
            "Shield AI was founded in 2015 by Brandon Tseng. The weather in San Diego was mild.")
    corpus = tmp_path / "corpus.json"
    corpus.write_text(json.dumps([{"url": "u1", "body": body}]))
    rows = [{"question": "What valuation did Shield AI hit?", "answers": ["$2.7 billion"], "url": "u1",
             "evidence": "Shield AI raised $200 million at a $2.7 billion valuation."},
            {"question": "How many drones has Shield AI sold?", "answers": [], "answerable": False, "url": "u1"},
            {"question": "Who runs Acme?", "answers": ["Jo"], "url": "elsewhere"}]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(r) for r in rows))
    found = negatives([gold], corpus, 1)
    assert found == [Example(rows[0]["question"], "Shield AI was founded in 2015 by Brandon Tseng.", NO_ANSWER, NO_ANSWER),
                     Example(rows[1]["question"], "Shield AI raised $200 million at a $2.7 billion valuation.",
                             NO_ANSWER, NO_ANSWER)]
    assert len(negatives([gold], corpus, 2)) == 4 and negatives([gold], corpus, 0) == []


def test_typed_negatives_are_the_next_closest_sentences_holding_an_entity_of_the_asked_type(tmp_path):
    body = ("Shield AI raised $200 million in its latest round. Shield AI makes drones and its round drew the "
            "military. The Pentagon spent $1 billion on drones last year. Shield AI was valued at $2.7 billion. "
            "The weather in San Diego was mild.")
    corpus = tmp_path / "corpus.json"
    corpus.write_text(json.dumps([{"url": "u1", "body": body}]))
    rows = [{"question": "How much did Shield AI raise in its latest round?", "answers": ["$200 million"],
             "url": "u1", "evidence": "Shield AI raised $200 million in its latest round."},
            {"question": "What did Shield AI say in its latest round?", "answers": ["drones"], "url": "u1"}]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(r) for r in rows))
    # by shared words first; then, of the next ones, those holding an amount (asked "how much"), closest first
    assert [e.text for e in negatives([gold], corpus, 1, 1) if e.question == rows[0]["question"]] == [
        "Shield AI makes drones and its round drew the military.", "Shield AI was valued at $2.7 billion."]
    assert [e.text for e in negatives([gold], corpus, 0, 2) if e.question == rows[0]["question"]] == [
        "Shield AI was valued at $2.7 billion.", "The Pentagon spent $1 billion on drones last year."]
    # a question of no particular type gets no typed negatives
    assert [e for e in negatives([gold], corpus, 0, 2) if e.question == rows[1]["question"]] == []


def test_the_best_span_maximises_start_plus_end_within_whole_words():
    text = "Shield AI raised $200 million"
    offsets = [(0, 6), (7, 9), (10, 16), (17, 18), (18, 21), (22, 29)]  # Shield AI raised $ 200 million
    logits = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [3.0, -1.0], [1.0, 0.5], [-2.0, 2.5]])
    assert best_span(logits, offsets, text) == Span(17, 29, 5.5)
    assert best_span(logits, offsets, text, max_pieces=2) == Span(17, 21, 3.5), "at most two pieces: '$200'"
    # a span that starts or ends inside a word is widened to the whole word
    assert best_span(np.array([[0.0, 0.0], [0.0, 5.0]]), [(0, 4), (4, 6)], "Hokkaido") == Span(0, 8, 5.0)
    assert best_span(np.zeros((0, 2)), [], "") is None
    assert Span(0, 4, 5.5, null=2.0).margin == 3.5, "the best span's score over no answer's"


def test_a_span_inside_an_entity_answers_as_that_entity_else_as_itself():
    entities = (_entity("$200 million", "MONEY"), _entity("$2.7 billion", "MONEY"), _entity("Friday", "DATE"))
    inside = answer_entity(Span(36, 47, 4.0), SENTENCE, entities)  # "2.7 billion"
    assert inside == entities[1] and render(inside, SENTENCE) == "$2.7 billion"
    free = answer_entity(Span(48, 57, 4.0), SENTENCE, entities)
    assert free == Entity("valuation", SPAN, 48, 57) and render(free, SENTENCE) == "valuation"


def test_rereading_replaces_the_scorers_span_unless_there_is_none_or_the_question_names_it():
    query = analyse("What valuation did Shield AI hit in its latest raise?")
    entities = (_entity("$200 million", "MONEY"), _entity("$2.7 billion", "MONEY"))
    scorer = entities[0]
    assert reread(Span(35, 47, 1.0), query, SENTENCE, entities, scorer) == entities[1]
    assert reread(Span(35, 47, 1.0), query, SENTENCE, entities, None) is None
    assert reread(None, query, SENTENCE, entities, scorer) == scorer
    assert reread(Span(0, 9, 1.0), query, SENTENCE, entities, scorer) == scorer, "'Shield AI' is asked"
    untyped = analyse("What did Shield AI say about the raise?")
    assert untyped.answer_type == "OTHER"
    # no span the scorer trusts: the sentence stays the short answer
    assert reread(Span(48, 57, 1.0), untyped, SENTENCE, entities, None) is None
    assert reread(None, untyped, SENTENCE, entities, scorer) == scorer


def test_a_cloze_question_asks_for_the_entity_with_a_wh_phrase():
    text = "The company raised $200 million from investors in New York last week."
    start = text.index("$200 million")
    seen = {question(text, start, start + len("$200 million"), "how much", random.Random(seed)) for seed in range(20)}
    assert all(q.lower().startswith(("how much", "the", "company", "raised")) or "how much" in q.lower()
               for q in seen)
    assert all("$200" not in q and q.endswith("?") for q in seen)
    assert any(q.startswith("How much") for q in seen) and any(" how much " in q for q in seen)
    assert set(WH["MONEY"]) == {"how much", "how much money"}


def test_a_layers_file_with_a_start_end_head_makes_a_question_answering_model(tmp_path):
    from safetensors.numpy import load, save_file

    layers = tmp_path / "reader-spans.safetensors"
    save_file({"encoder.layer.5.output.dense.bias": np.full(384, 0.5, np.float16),
               "qa_outputs.weight": np.full((2, 384), 0.25, np.float16),
               "qa_outputs.bias": np.zeros(2, np.float16)}, str(layers))
    from index.embedding import resolve_model_path
    from index.settings import BUNDLED_MODEL

    merged = load(merge(Path(resolve_model_path(BUNDLED_MODEL)), layers))
    assert merged["qa_outputs.weight"].shape == (2, 384) and merged["qa_outputs.weight"].dtype == np.float32
    assert np.all(merged["bert.encoder.layer.5.output.dense.bias"] == 0.5)
    config = json.loads((merged_model(layers, tmp_path / "cache", "reader-spans") / "config.json").read_text())
    assert config["architectures"] == ["BertForQuestionAnswering"] and "id2label" not in config or \
        config["id2label"] != {"0": "LABEL_0"}


def test_the_setting_names_the_span_extractor(tmp_path):
    settings = replace(Settings(), cache_dir=tmp_path)
    assert load_span_extractor(replace(settings, reader_spans="off")) is None
    with pytest.raises(FileNotFoundError, match="NEWSQA_READER_SPANS"):
        load_span_extractor(replace(settings, reader_spans=str(tmp_path / "missing.safetensors")))
    assert Settings.from_env(env={"NEWSQA_READER_SPANS": "off"}).reader_spans == "off"


def test_a_swapped_question_asks_of_another_name_the_one_it_shared_with_its_sentence(tmp_path):
    rows = [{"question": "How many troops does France keep in Iraq?", "answers": ["600"],
             "evidence": "France keeps 600 troops in Syria, its army said."},
            {"question": "How many soldiers did Germany send to Mali?", "answers": ["1,000"],
             "evidence": "Germany sent 1,000 soldiers to Mali in 2013."},  # two names shared: which one is asked?
            {"question": "How much did the ministry spend, according to Reuters?", "answers": ["$5 billion"],
             "evidence": "The ministry spent $5 billion, Reuters reported.", "source": "Reuters"},  # only its outlet
            {"question": "Who won in France?", "answerable": False}]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(r) for r in rows))
    [example] = swapped([gold], seed=0)
    assert example.text == rows[0]["evidence"] and not example.answers
    assert example.question in {"How many troops does Germany keep in Iraq?", "How many troops does Iraq keep in Iraq?"}

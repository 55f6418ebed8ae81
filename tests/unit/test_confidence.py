"""The reader's confidence calibration (qa/answer/confidence.py, qa/bench/confidence.py): how the sentence scorer's
probability and the span extractor's best-span score choose the sentence and decide to answer, how the calibration is
fitted, and the setting that names it."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from qa import Settings
from qa.answer.confidence import DEFAULT_FILE, RERANK, Confidence, load_confidence
from qa.answer.extractive import ExtractiveReader
from qa.answer.extractor import Span
from qa.answer.scorer import load_scorer
from qa.bench.confidence import Question, Read, fit, tally
from qa.errors import ModelFileMissing
from qa.retrieve import analyse
from tests.fakes import GivenSpans, WordCountEmbedder

CALIBRATION = Confidence(weight=0.3, centre=8.0, threshold=0.0, floor=0.0)


def test_the_combined_log_odds_add_the_weighted_span_score_to_the_scorers():
    assert CALIBRATION.logit(0.5, 10.0) == pytest.approx(0.6)
    assert CALIBRATION.logit(0.8, 8.0) == pytest.approx(math.log(4))
    assert CALIBRATION.logit(1.0, 8.0) == pytest.approx(math.log((1 - 1e-6) / 1e-6)), "a certain scorer stays finite"


def test_the_best_sentence_may_be_the_scorers_second_and_below_the_threshold_none_is():
    # 0.405 - 1.2 = -0.795 against 0.0 + 0.9: the extractor finds what is asked in the second
    assert CALIBRATION.best([0.6, 0.5], [4.0, 11.0]) == 1
    assert CALIBRATION.best([0.6, 0.5], [9.0, 9.0]) == 0
    assert CALIBRATION.best([0.3], [5.0]) is None, "-0.847 - 0.9 is below 0"
    assert CALIBRATION.best([0.3], [11.0]) == 0, "-0.847 + 0.9 reaches it"
    assert CALIBRATION.best([], []) is None


def test_only_a_sentence_the_scorer_trusts_may_be_chosen():
    trusting = Confidence(weight=0.3, centre=8.0, threshold=0.0, floor=0.55)
    assert trusting.best([0.6, 0.5], [4.0, 11.0]) is None, "the second is below the floor, the first below 0"
    assert Confidence(0.3, 8.0, -1.0, 0.55).best([0.6, 0.5], [4.0, 11.0]) == 0
    assert trusting.best([0.5, 0.4], [20.0, 20.0]) is None, "no margin answers what the scorer refuses"


def _questions() -> list[Question]:
    return [Question(True, (Read(0.4, 10.0, True),)),  # below the scorer's threshold: refused whatever its margin
            Question(False, (Read(0.5, 2.0, False),)),  # the scorer alone answers this near-miss
            Question(True, (Read(0.6, 4.0, False), Read(0.55, 11.0, True))),  # the second sentence is right
            Question(False, (Read(0.2, 9.0, False),)),
            Question(True, ())]  # nothing may answer


def test_a_tally_counts_questions_as_ask_answers_them():
    alone = Confidence(0.0, 6.5, math.log(0.43 / 0.57), 0.43)
    assert tally(_questions(), alone) == {"right": 0, "wrong": 1, "refused": 2, "null_refused": 1,
                                          "null_answered": 1}


def test_a_sentence_without_a_span_is_tallied_at_the_centre_as_ask_reads_it():
    calibration = Confidence(weight=0.5, centre=6.0, threshold=0.0, floor=0.43)
    # log-odds(0.5) = 0: at the centre the margin adds nothing and the sentence answers; read as 0 it would not
    question = Question(True, (Read(0.5, None, True),))
    assert tally([question], calibration)["right"] == 1
    assert tally([Question(True, (Read(0.5, 0.0, True),))], calibration)["refused"] == 1
    best, _, _ = fit(_questions() + [question], 0.43)
    assert best.centre == 6.5, "a sentence without a span leaves the centre alone"


def test_the_fit_answers_more_right_with_no_more_errors():
    best, calibrated, alone = fit(_questions(), 0.43)
    assert best.centre == 6.5, "the median first-candidate score of 10, 2, 4 and 9"
    assert best.weight > 0 and best.floor == 0.43
    assert calibrated == {"right": 1, "wrong": 0, "refused": 2, "null_refused": 2, "null_answered": 0}
    assert alone == {"right": 0, "wrong": 1, "refused": 2, "null_refused": 1, "null_answered": 1}
    free, calibrated, _ = fit(_questions(), 0.43, floor=0.0)
    assert free.floor == 0.0, "the margin may answer what the scorer refuses"
    assert calibrated == {"right": 2, "wrong": 0, "refused": 1, "null_refused": 2, "null_answered": 0}


class _Extractor:
    """A span extractor whose best-span score is given per sentence."""

    def __init__(self, scores: dict[str, float]):
        self.scores = scores
        self.calls = 0

    def best(self, question, text):
        self.calls += 1
        return Span(0, 4, self.scores[text])


def _first(confidence, extractor, chances):
    reader = ExtractiveReader(WordCountEmbedder(), scorer=SimpleNamespace(threshold=0.43), extractor=extractor,
                              confidence=confidence)
    texts = ["first sentence", "second sentence", "third sentence"]
    found = SimpleNamespace(scored=[SimpleNamespace(text=t) for t in texts])
    answering = [(i, chances[i]) for i in range(len(texts))]
    read = {}
    return reader._first(analyse("How many?"), found, answering, chances, read), read


def test_the_reader_answers_with_the_best_of_the_scorers_first_sentences_read_together():
    extractor = _Extractor({"first sentence": 4.0, "second sentence": 11.0, "third sentence": 20.0})
    first, read = _first(CALIBRATION, extractor, [0.6, 0.5, 0.45])
    assert first == 1, "the third is beyond RERANK"
    assert RERANK == 2 and sorted(read) == [0, 1] and extractor.calls == 2
    assert _first(None, extractor, [0.6, 0.5, 0.45])[0] == 0, "without a calibration the scorer's first"
    assert _first(None, extractor, [0.4, 0.3, 0.2])[0] is None, "below the scorer's threshold"
    assert _first(CALIBRATION, _Extractor({"first sentence": 2.0, "second sentence": 2.0}), [0.6, 0.5, 0.4])[0] is None


def test_the_setting_names_the_calibration_and_the_bundled_one_goes_with_the_bundled_scorer(tmp_path):
    scorer = load_scorer("default")
    assert Settings().reader_confidence == "off", "opt-in: it did not pay on held-out questions"
    assert load_confidence("off", scorer) is None
    assert load_confidence("on", None) is None
    assert load_confidence("on", load_scorer("session10")) is None, "fitted with another scorer"
    bundled = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    expected = Confidence(bundled["weight"], bundled["centre"], bundled["threshold"], bundled["floor"])
    assert load_confidence("on", scorer) == expected
    assert expected.floor == load_scorer("default").threshold, "only what the scorer trusts may answer"
    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps(CALIBRATION.to_json()), encoding="utf-8")
    assert load_confidence(str(mine), load_scorer("session10")) == CALIBRATION
    with pytest.raises(ModelFileMissing, match="NEWSQA_READER_CONFIDENCE"):
        load_confidence(str(tmp_path / "missing.json"), scorer)
    assert Settings.from_env(env={"NEWSQA_READER_CONFIDENCE": "on"}).reader_confidence == "on"


def test_the_fit_reads_each_questions_first_candidates_as_ask_does():
    from qa.answer.entities import Entity
    from qa.bench.confidence import read_questions
    from qa.bench.reader import fold, widened

    def entity(text, label, sentence):
        start = sentence.index(text)
        return Entity(text, label, start, start + len(text))

    texts = ["Shield AI raised $200 million on Friday.", "Shield AI Raises Money", "The startup has 400 staff.",
             "Rival Anduril raised $1.5 billion last year."]
    entities = [(entity("$200 million", "MONEY", texts[0]),), (), (entity("400", "CARDINAL", texts[2]),),
                (entity("$1.5 billion", "MONEY", texts[3]),)]
    data = [{"row": {"question": "How much did Shield AI raise?", "answers": ["$200 million"], "answerable": True,
                     "url": "https://example.com/shield"}, "query": analyse("How much did Shield AI raise?"),
             "x": np.zeros((4, 3)), "texts": texts, "entities": entities}]
    scorer = SimpleNamespace(spans=None, probabilities=lambda x: np.array([0.5, 0.9, 0.3, 0.7]))
    extractor = GivenSpans({texts[0]: Span(17, 29, 9.0, null=1.0), texts[2]: Span(16, 19, 3.0, null=5.0),
                          texts[3]: Span(22, 34, 8.0, null=0.0)})
    [question] = read_questions(data, scorer, extractor)
    # the headline (under five words) is no candidate; the scorer's order, cut at RERANK: Anduril's sentence (0.7),
    # then Shield AI's (0.5); the staff count is not read
    assert [(r.chance, r.margin, r.right, r.null) for r in question.reads] == [(0.7, 8.0, False, 0.0),
                                                                               (0.5, 8.0, True, 1.0)]
    assert question.reads[0].features == tuple(widened(np.zeros((1, 3)))[0]), "the scorer's features, widened"
    assert question.answerable and question.side == fold(data[0]["row"]), "split by the source article"
    assert extractor.asked == [texts[3], texts[0]]
    [deeper] = read_questions(data, scorer, GivenSpans(extractor.spans), depth=3)
    assert [r.chance for r in deeper.reads] == [0.7, 0.5, 0.3], "the judge reads three"

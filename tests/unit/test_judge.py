"""The reader's second stage (qa/answer/judge.py, qa/bench/judge.py): trees over the scorer's features and the span
extractor's scores on the scorer's first candidates choose the one to answer with, or refuse; how it is fitted and
the setting that names it."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from qa import Settings
from qa.answer.extractive import ExtractiveReader
from qa.answer.extractor import Span
from qa.answer.features import FEATURES
from qa.answer.judge import DEFAULT_FILE, DEPTH, JUDGE_FEATURES, READ, Judge, judge_rows, load_judge
from qa.answer.scorer import Columns, load_scorer
from qa.bench.confidence import Question, Read
from qa.bench.confidence import counted
from qa.bench.judge import Bars, GoldSet, alone, choose_bars, fit_trees, judged, merged, out_of_fold, rows_of
from qa.bench.reader import score_of
from qa.errors import ModelFileMissing
from qa.retrieve import analyse
from qa.retrieve.trees import TreeEnsemble, export
from tests.fakes import GivenSpans, WordCountEmbedder

MARGIN = JUDGE_FEATURES.index("margin")


def _on_margin(cut: float = 5.0, low: float = -2.0, high: float = 2.0) -> Columns:
    """A judge of one tree: margin above `cut` (or missing) is worth `high`, else `low`."""
    tree = {"value": [0.0, low, high], "feature": [0, 0, 0], "threshold": [cut, 0.0, 0.0],
            "missing_left": [False, True, True], "left": [1, 0, 0], "right": [2, 0, 0], "leaf": [False, True, True]}
    return Columns(TreeEnsemble.pack(0.0, [tree]), (MARGIN,))


def test_the_judge_reads_the_scorers_features_and_what_both_models_say():
    rows = np.arange(2 * len(FEATURES), dtype=float).reshape(2, len(FEATURES))
    wide = judge_rows(rows, [0.5, 0.8], [7.0, None], [1.0, None])
    assert wide.shape == (2, len(FEATURES) + len(READ)) and READ == ("log_odds", "margin", "null", "rank")
    assert (wide[:, :len(FEATURES)] == rows).all()
    assert wide[0, len(FEATURES):].tolist() == [0.0, 7.0, 1.0, 1.0]
    assert wide[1, -4] == pytest.approx(math.log(4)) and wide[1, -1] == 2.0
    assert math.isnan(wide[1, -3]) and math.isnan(wide[1, -2]), "no span: margin and null are missing"


def test_the_judge_answers_with_its_most_likely_candidate_at_its_threshold():
    judge = Judge(_on_margin(), threshold=0.6)
    rows = np.zeros((3, len(FEATURES)))
    spans = [Span(0, 3, 4.0, null=1.0), Span(0, 3, 9.0, null=1.0), None]
    assert judge.chances(rows, [0.9, 0.2, 0.1], spans) == pytest.approx([1 / (1 + math.e ** 2), 1 / (1 + math.e ** -2),
                                                                         1 / (1 + math.e ** -2)])
    assert judge.best(rows, [0.9, 0.2, 0.1], spans) == 1, "margin 8 over 3: the scorer's second, below its threshold"
    assert judge.best(rows[:1], [0.9], spans[:1]) is None, "the scorer's sure first, its margin 3: refused"
    assert Judge(_on_margin(), threshold=0.95).best(rows, [0.9, 0.2, 0.1], spans) is None
    confirming = Judge(_on_margin(), threshold=0.95, confirm=0.6)
    assert confirming.best(rows, [0.9, 0.2, 0.1], spans, trusted=True) == 1, "the scorer trusts its first: 0.6 will do"
    assert confirming.best(rows, [0.9, 0.2, 0.1], spans, trusted=False) is None
    assert (confirming.bar(True), confirming.bar(False), judge.bar(True)) == (0.6, 0.95, 0.6)
    assert judge.best(np.zeros((0, len(FEATURES))), [], []) is None


def test_the_reader_asks_the_judge_about_the_scorers_first_few():
    texts = ["first sentence", "second sentence", "third sentence", "fourth sentence"]
    extractor = GivenSpans({t: Span(0, 4, m, null=0.0) for t, m in zip(texts, (1.0, 2.0, 9.0, 20.0))})
    reader = ExtractiveReader(WordCountEmbedder(), scorer=SimpleNamespace(threshold=0.43), extractor=extractor,
                              judge=Judge(_on_margin(), 0.6))
    found = SimpleNamespace(scored=[SimpleNamespace(text=t) for t in texts], rows=np.zeros((4, len(FEATURES))))
    chances = np.array([0.9, 0.8, 0.2, 0.1])
    first = reader._first(analyse("How many?"), found, [(i, chances[i]) for i in range(4)], chances, {})
    assert first == 2 and DEPTH == 3 and extractor.asked == texts[:3], "the fourth is beyond the judge's depth"
    reader.judge = Judge(_on_margin(cut=50.0), 0.6)
    assert reader._first(analyse("How many?"), found, [(i, chances[i]) for i in range(4)], chances, {}) is None, \
        "the scorer's first is refused when the judge doubts it"
    reader.judge = Judge(_on_margin(cut=50.0, low=-0.5), threshold=0.6, confirm=0.3)  # every chance 0.378
    assert reader._first(analyse("How many?"), found, [(i, chances[i]) for i in range(4)], chances, {}) == 0, \
        "confirmed: the scorer trusts its first (0.9)"
    low = np.array([0.4, 0.3, 0.2, 0.1])
    assert reader._first(analyse("How many?"), found, [(i, low[i]) for i in range(4)], low, {}) is None, \
        "the scorer does not trust its first (0.4 < 0.43): the judge needs 0.6"


def _read(chance, margin, right):
    return Read(chance, margin, right, tuple([0.0] * len(FEATURES)), 0.0)


def test_the_fit_tallies_the_judges_choice_against_the_scorers():
    questions = [Question(True, (_read(0.9, 1.0, False), _read(0.3, 9.0, True))),
                 Question(False, (_read(0.5, 8.0, False),)),
                 Question(True, ())]
    chances = [np.array([0.2, 0.7]), np.array([0.4]), np.zeros(0)]
    assert judged(questions, chances, Bars(0.5, 0.5, 0.43)) == [1, None, None]
    assert judged(questions, chances, Bars(0.8, 0.3, 0.43)) == [1, 0, None], "both firsts are trusted: 0.3 will do"
    assert judged(questions, chances, Bars(0.8, 0.3, 0.95)) == [None, None, None]
    assert alone(questions, 0.43) == [0, 0, None]
    assert counted(questions, judged(questions, chances, Bars(0.5, 0.5, 0.43))) == {
        "right": 1, "wrong": 0, "refused": 1, "null_refused": 1, "null_answered": 0}
    assert counted(questions, alone(questions, 0.43)) == {"right": 0, "wrong": 1, "refused": 1, "null_refused": 0,
                                                        "null_answered": 1}


def test_the_bars_weigh_both_rates_and_never_do_worse_than_the_scorer():
    right, wrong, near = _read(0.5, 9.0, True), _read(0.5, 9.0, False), _read(0.2, 9.0, False)
    unsure = _read(0.3, 9.0, True)
    corpus = GoldSet("corpus", [Question(True, (right,)), Question(True, (unsure,)), Question(True, (wrong,)),
                                Question(False, (near,))], False)
    # the scorer alone (0.43): 1 right, 1 wrong, 1 refused, the near-miss refused
    chances = [[np.array([0.3]), np.array([0.7]), np.array([0.2]), np.array([0.5])]]
    # the judge confirms the scorer's right answer at 0.3 and refuses its wrong one below 0.2; on its own it answers
    # the unsure right one at 0.7 and must stay above 0.5, the near-miss
    bars = choose_bars([corpus], chances, 0.43)
    assert (bars.threshold, bars.confirm) == (0.7, 0.3), "2 right, none wrong, the near-miss refused"
    assert counted(corpus.questions, judged(corpus.questions, chances[0], bars)) == {
        "right": 2, "wrong": 0, "refused": 1, "null_refused": 1, "null_answered": 0}
    seeds = GoldSet("seeds", [Question(True, (right,)), Question(True, (right,))], True)
    assert choose_bars([corpus, seeds], chances + [[np.array([0.25]), np.array([0.1])]], 0.43).confirm == 0.1, \
        "the seeds' two right answers (the scorer answers both) need the judge to confirm at 0.1"
    assert choose_bars([corpus], [[np.array([0.3]), np.array([0.7]), np.array([0.2]), np.array([0.99])]],
                       0.43).threshold == 1.0, "no bar keeps the near-miss refused and the right answer: never answer"
    assert score_of({"right": 2, "wrong": 0, "refused": 1, "null_refused": 2, "null_answered": 0}) == \
        pytest.approx(2 / 3 + 1)
    assert merged([corpus], [[0, None, None, 0]]) == {"right": 1, "wrong": 0, "refused": 2, "null_refused": 0,
                                                      "null_answered": 1}


def test_the_trees_learn_from_both_models_out_of_fold():
    rng = np.random.default_rng(0)
    questions = []
    for n in range(240):
        margin = float(rng.normal())
        right = margin > 0
        questions.append(Question(True, (_read(float(rng.uniform()), margin * 5, right),), side=n % 2))
    names = tuple(FEATURES[:2]) + READ
    assert rows_of(questions[0], names).shape == (1, len(names))
    model = fit_trees(questions, names)
    oof = out_of_fold(questions, names)
    right = [q.answerable and q.reads[0].right for q in questions]
    high = [c[0] > 0.5 for c in oof]
    assert np.mean(np.array(high) == np.array(right)) > 0.95, "the margin tells right from wrong out of fold"
    assert model.n_features_in_ == len(names)


def test_the_setting_names_the_judge_and_the_bundled_one_goes_with_the_bundled_scorer(tmp_path):
    scorer = load_scorer("default")
    assert Settings().reader_judge == "default", "on by default (docs/answers.md, Session 21)"
    bundled = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    shipped = load_judge("default", scorer)
    assert (shipped.threshold, shipped.confirm, shipped.depth) == (bundled["threshold"], bundled["confirm"], DEPTH)
    assert shipped.confirm < shipped.threshold, "confirming the scorer takes less than overruling it"
    assert load_judge("on", scorer).threshold == shipped.threshold
    assert load_judge("off", scorer) is None
    assert load_judge("on", None) is None
    assert load_judge("on", load_scorer("session10")) is None, "fitted with another scorer"
    mine = tmp_path / "judge.json"
    from sklearn.ensemble import HistGradientBoostingClassifier

    names = ("similarity", "margin", "rank")
    x = np.array([[0.1, 1.0, 1], [0.9, 9.0, 1], [0.2, 2.0, 2], [0.8, 8.0, 2]] * 10)
    model = HistGradientBoostingClassifier(max_iter=5, min_samples_leaf=2).fit(x, [0, 1, 0, 1] * 10)
    export(model, mine, names, {"threshold": 0.55, "depth": 2})
    judge = load_judge(str(mine), load_scorer("session10"))
    assert judge.threshold == 0.55 and judge.depth == 2
    assert judge.model.columns == tuple(JUDGE_FEATURES.index(n) for n in names)
    rows = np.zeros((2, len(FEATURES)))
    rows[:, FEATURES.index("similarity")] = [0.1, 0.9]
    spans = [Span(0, 1, 2.0, null=1.0), Span(0, 1, 10.0, null=1.0)]
    assert judge.chances(rows, [0.5, 0.5], spans) == pytest.approx(
        model.predict_proba(np.array([[0.1, 1.0, 1], [0.9, 9.0, 2]]))[:, 1])
    with pytest.raises(ModelFileMissing, match="NEWSQA_READER_JUDGE"):
        load_judge(str(tmp_path / "missing.json"), scorer)
    assert Settings.from_env(env={"NEWSQA_READER_JUDGE": "on"}).reader_judge == "on"
    assert json.loads(mine.read_text())["features"] == list(names)

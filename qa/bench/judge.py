"""Fit the reader's second stage (qa/answer/judge.py): `python -m qa.bench judge --fit OUT --index-dir DIR`.

Each question of the gold sets (by default corpus_dev3 and corpus_nearmiss, asked over the MultiHop-RAG corpus
index DIR, and the seed sets gold_seeds and seeds_dev, asked over an index of the seeds so that the judge sees
what two articles look like) is asked as ask asks it; the span extractor reads the scorer's first DEPTH candidates
that may answer, and each becomes one example: its features as both models read them, labelled by whether its short
answer is right (never, for a question no article answers). Trees are fitted 2-fold by source article, and the two
bars (the judge's chance needed on its own, `threshold`, and where the scorer trusts its first candidate, `confirm`)
are chosen out of fold (choose_bars): the highest right rate plus unanswerable refused rate (the two rates the
targets are set on) over the corpus sets, never worse than the scorer alone there on right, wrong or answered
unanswerable questions, nor on the seed sets' two rates. The file holds the trees fitted on every question, and
each set's tallies out of fold beside the scorer's. Give an extractor not fitted on the gold sets (the bundled one
never saw corpus_dev3), else its margins there are too sure.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .confidence import Question, counted, read_questions
from .reader import DATA, collected, gold_rows, score_of

PARAMS = {"max_iter": 100, "learning_rate": 0.05, "max_leaf_nodes": 7, "min_samples_leaf": 20,
          "l2_regularization": 1.0, "early_stopping": False, "random_state": 0}
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.06, 0.951, 0.02))
GOLD = (DATA / "corpus_dev3.jsonl", DATA / "corpus_nearmiss.jsonl")
SEEDS = (DATA / "gold_seeds.jsonl", DATA / "seeds_dev.jsonl")


@dataclass(frozen=True)
class GoldSet:
    """One gold set's questions as read, and whether it was asked over the seeds."""

    name: str
    questions: list[Question]
    seeds: bool


def names_of(scorer) -> tuple[str, ...]:
    """The judge's features: the scorer's and what the judge reads beside them."""
    from qa.answer.features import FEATURES
    from qa.answer.judge import READ

    return tuple(FEATURES[c] for c in scorer.columns) + READ


def rows_of(question: Question, names: tuple[str, ...]) -> np.ndarray:
    """The question's candidates as judge rows (the named columns)."""
    from qa.answer.judge import JUDGE_FEATURES, judge_rows

    reads = question.reads
    full = judge_rows(np.stack([r.features for r in reads]), [r.chance for r in reads], [r.margin for r in reads],
                      [r.null for r in reads])
    return full[:, [JUDGE_FEATURES.index(n) for n in names]]


def fit_trees(questions: list[Question], names: tuple[str, ...]):
    """Gradient-boosted trees over every read candidate: is its short answer right?"""
    from sklearn.ensemble import HistGradientBoostingClassifier

    asked = [q for q in questions if q.reads]
    x = np.concatenate([rows_of(q, names) for q in asked])
    y = np.concatenate([[q.answerable and r.right for r in q.reads] for q in asked]).astype(int)
    return HistGradientBoostingClassifier(**PARAMS).fit(x, y)


def out_of_fold(questions: list[Question], names: tuple[str, ...]) -> list[np.ndarray]:
    """Each question's chances from the trees fitted on the other half (split by source article)."""
    out: list[np.ndarray] = [np.zeros(0)] * len(questions)
    for side in (0, 1):
        model = fit_trees([q for q in questions if q.side != side], names)
        for n, q in enumerate(questions):
            if q.side == side and q.reads:
                out[n] = model.predict_proba(rows_of(q, names))[:, 1]
    return out


@dataclass(frozen=True)
class Bars:
    """The judge's two thresholds and the scorer's: the chance the judge's best candidate needs on its own
    (`threshold`) and where the scorer trusts its first candidate (`confirm`)."""

    threshold: float
    confirm: float
    scorer: float


def judged(questions: list[Question], chances: list[np.ndarray], bars: Bars) -> list[int | None]:
    """The candidate of highest chance when it clears its bar (as Judge.best chooses)."""
    out = []
    for q, c in zip(questions, chances):
        trusted = bool(q.reads) and q.reads[0].chance >= bars.scorer
        out.append(int(np.argmax(c)) if len(c) and c.max() >= (bars.confirm if trusted else bars.threshold)
                   else None)
    return out


def alone(questions: list[Question], threshold: float) -> list[int | None]:
    """The scorer's own choice: its first candidate when at least its threshold."""
    return [0 if q.reads and q.reads[0].chance >= threshold else None for q in questions]


def merged(sets: list[GoldSet], choices: list[list[int | None]]) -> dict:
    """The tallies of several sets together (choices: each set's, in its question order)."""
    return counted([q for s in sets for q in s.questions], [c for chosen in choices for c in chosen])


def choose_bars(sets: list[GoldSet], chances: list[list[np.ndarray]], scorer_threshold: float) -> Bars:
    """The bars with the highest right rate plus unanswerable refused rate (qa/bench/reader.py's score_of) over the
    corpus sets among those that, there, give at least as many right answers, no more wrong ones and answer no more
    unanswerable questions than the scorer alone, and on the seed sets (a hundred questions on two articles, which the
    scorer was fitted on) score no lower than it (of two that tie, the one with fewer errors, then the higher bars);
    Bars(1, 1) (never answer) when none does."""
    def counts(bars: Bars | None, seeds: bool) -> dict:
        part = [(s, c) for s, c in zip(sets, chances) if s.seeds == seeds]
        return merged([s for s, _ in part], [alone(s.questions, scorer_threshold) if bars is None
                                            else judged(s.questions, c, bars) for s, c in part])

    ceiling, seeds_alone = counts(None, False), counts(None, True)
    best, key = Bars(1.0, 1.0, scorer_threshold), None
    for threshold in THRESHOLDS:
        for confirm in (c for c in THRESHOLDS if c <= threshold):
            bars = Bars(threshold, confirm, scorer_threshold)
            corpus = counts(bars, False)
            if corpus["right"] < ceiling["right"] or corpus["wrong"] > ceiling["wrong"] \
                    or corpus["null_answered"] > ceiling["null_answered"]:
                continue
            if any(s.seeds for s in sets) and score_of(counts(bars, True)) < score_of(seeds_alone) - 1e-9:
                continue
            mine = (round(score_of(corpus), 9), -corpus["wrong"] - corpus["null_answered"], threshold, confirm)
            if key is None or mine > key:
                best, key = bars, mine
    return best


def read_sets(assistant, paths: list[Path], cache: Path | None, seeds: bool) -> list[GoldSet]:
    """Each gold set asked and read as ask reads it."""
    from qa.answer.judge import DEPTH

    reader = assistant._reader
    out = []
    for path in paths:
        data = collected(lambda: assistant, gold_rows(path), cache and cache.with_suffix(f".{path.stem}.pickle"))
        out.append(GoldSet(path.stem, read_questions(data, reader.scorer, reader.extractor, DEPTH), seeds))
    return out


def opened(index_dir: Path, extractor: Path | None):
    """The assistant over an index as the fit reads it: no LLM, no calibration, no judge."""
    from qa import Assistant, Settings

    settings = Settings.from_env(index_dir=index_dir, llm="", reader_confidence="off", reader_judge="off")
    if extractor is not None:
        settings = replace(settings, reader_spans=str(extractor))
    assistant = Assistant.open(settings=settings)
    if assistant._reader.scorer is None or assistant._reader.extractor is None:
        raise SystemExit("the judge needs the sentence scorer and the span extractor")
    return assistant


def seed_index(index_dir: Path | None, extractor: Path | None):
    """The assistant over the seeds: the index given, else one built in a temporary folder."""
    from index import SEEDS as SEED_FILES, build_index
    from qa import Settings

    if index_dir is None:
        index_dir = Path(tempfile.mkdtemp(prefix="newsqa-judge-seeds-"))
        build_index(Settings.from_env(index_dir=index_dir), [SEED_FILES])
    return opened(index_dir, extractor)


def fit(index_dir: Path, out: Path, gold: list[Path], seeds: list[Path], extractor: Path | None,
        cache: Path | None, seeds_index: Path | None = None) -> dict:
    """Collect, read, fit out of fold, choose the threshold, fit on everything, write the judge; returns its
    summary."""
    from qa.answer.judge import DEPTH
    from qa.retrieve.trees import export

    corpus = opened(index_dir, extractor)
    scorer = corpus._reader.scorer
    sets = read_sets(corpus, gold, cache, False)
    if seeds:
        sets += read_sets(seed_index(seeds_index, extractor), seeds, cache and cache.with_name(cache.name + "-seeds"),
                          True)
    names = names_of(scorer)
    everything = [q for s in sets for q in s.questions]
    oof = out_of_fold(everything, names)
    chances, start = [], 0
    for s in sets:
        chances.append(oof[start:start + len(s.questions)])
        start += len(s.questions)
    bars = choose_bars(sets, chances, scorer.threshold)
    summary = {"threshold": bars.threshold, "confirm": bars.confirm, "depth": DEPTH,
               "fitted_on": [s.name for s in sets],
               "extractor": str(extractor or "default"), "scorer_threshold": scorer.threshold, "params": PARAMS,
               "out_of_fold": {s.name: counted(s.questions, judged(s.questions, c, bars))
                               for s, c in zip(sets, chances)},
               "scorer alone": {s.name: counted(s.questions, alone(s.questions, scorer.threshold)) for s in sets},
               "curve, one threshold": {str(t): merged([s for s in sets if not s.seeds],
                                                       [judged(s.questions, c, Bars(t, t, scorer.threshold))
                                                        for s, c in zip(sets, chances) if not s.seeds])
                                        for t in THRESHOLDS[2::5]}}
    out.parent.mkdir(parents=True, exist_ok=True)
    export(fit_trees(everything, names), out, names, summary)
    return summary


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, fit, print the summary."""
    parser = argparse.ArgumentParser(prog="python -m qa.bench judge", description=__doc__.splitlines()[0])
    parser.add_argument("--fit", type=Path, required=True, metavar="OUT", help="where to write the judge")
    parser.add_argument("--index-dir", type=Path, required=True, help="the MultiHop-RAG corpus index")
    parser.add_argument("--gold", type=Path, nargs="+", default=list(GOLD),
                        help="gold sets asked over the corpus index (default: corpus_dev3 and corpus_nearmiss)")
    parser.add_argument("--seeds", type=Path, nargs="*", default=list(SEEDS),
                        help="gold sets asked over the seeds (default: gold_seeds and seeds_dev; none: --seeds)")
    parser.add_argument("--seeds-index", type=Path, default=None, help="an index of the seeds (default: built)")
    parser.add_argument("--extractor", type=Path, default=None, metavar="LAYERS",
                        help="the span extractor to read with (default: NEWSQA_READER_SPANS)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep each gold set's collected candidates beside this path")
    args = parser.parse_args(argv)
    summary = fit(args.index_dir, args.fit, args.gold, args.seeds, args.extractor, args.cache, args.seeds_index)
    print(json.dumps(summary, indent=2))
    return 0

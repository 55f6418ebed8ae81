"""Fit the reader's confidence calibration (qa/answer/confidence.py): `python -m qa.bench confidence --fit OUT
--index-dir DIR --extractor LAYERS`.

Each question of the gold sets (by default corpus_dev3, which neither the shipped sentence scorer nor an extractor
fitted without it has seen, and corpus_nearmiss, 150 near-misses whose article gives a figure of the asked kind) is
asked over the index; its candidates are scored as ask scores them, and the span
extractor reads the first RERANK that may answer. The floor is the scorer's own threshold; the weight and the
threshold are the ones that get the most answerable questions right while giving no more wrong answers and answering
no more near-misses than the scorer's threshold alone (fewer errors, then the smaller weight, break ties); the centre
is the median margin of the first candidates. Give an extractor that was not fitted on the gold sets (`python -m
qa.bench spans --train OUT --gold ...` without them), else its margins there are too sure."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .reader import DATA, OUTCOMES, collected, fold, gold_rows, short_correct, widened

WEIGHTS = tuple(round(w, 2) for w in np.arange(0.0, 1.01, 0.05))
THRESHOLDS = tuple(round(t, 3) for t in np.arange(-3.0, 1.51, 0.125))


@dataclass(frozen=True)
class Read:
    """One candidate the extractor read: the scorer's probability, the best span's margin over no answer (None: the
    sentence has no span, which the calibration reads at its centre), is its short answer right; its features (a
    FEATURES row) and the extractor's no-answer score (None without a span), which the judge reads."""

    chance: float
    margin: float | None
    right: bool
    features: tuple[float, ...] = ()
    null: float | None = None


@dataclass(frozen=True)
class Question:
    """One gold question: answerable or not, its first candidates as read, and its half of the 2-fold split (by
    source article, qa/bench/reader.py's fold)."""

    answerable: bool
    reads: tuple[Read, ...]
    side: int = 0


def read_questions(data: list[dict], scorer, extractor, depth: int | None = None) -> list[Question]:
    """The first `depth` (default RERANK) candidates of each collected question that may answer, read by the
    extractor as ask reads them."""
    from qa.answer.confidence import RERANK
    from qa.answer.extractive import answering_spans, reread
    from qa.answer.spans import render

    depth = depth or RERANK
    out = []
    for d in data:
        row, query = d["row"], d["query"]
        x = widened(d["x"])
        chance = scorer.probabilities(x)
        spans = answering_spans(query, d["texts"], d["entities"], chance, scorer.spans)
        reads = []
        for i in list(spans)[:depth]:
            text, found = d["texts"][i], extractor.best(query.text, d["texts"][i])
            span = reread(found, query, text, d["entities"][i], spans[i])
            short = render(span, text) if span is not None else text
            reads.append(Read(float(chance[i]), found.margin if found else None,
                              short_correct(short, row.get("answers", ())), tuple(x[i].tolist()),
                              found.null if found else None))
        out.append(Question(bool(row.get("answerable", True)), tuple(reads), fold(row)))
    return out


def tally(questions: list[Question], confidence) -> dict:
    """Right / wrong / refused answerable questions and refused near-misses under a calibration."""
    return counted(questions, [confidence.best([r.chance for r in q.reads], [r.margin for r in q.reads])
                               for q in questions])


def counted(questions: list[Question], choices: list[int | None]) -> dict:
    """Right / wrong / refused answerable questions and refused / answered unanswerable ones, given the candidate
    each question answers with (None: refused); qa/bench/reader.py's OUTCOMES."""
    out = dict.fromkeys(OUTCOMES, 0)
    for q, best in zip(questions, choices):
        if q.answerable:
            out["refused" if best is None else "right" if q.reads[best].right else "wrong"] += 1
        else:
            out["null_refused" if best is None else "null_answered"] += 1
    return out


def fit(questions: list[Question], scorer_threshold: float, floor: float | None = None):
    """The calibration with the most right answers among those that give no more wrong answers and answer no more
    near-misses than the scorer's threshold alone (weight 0, threshold its log-odds), and the tallies of both. Only
    sentences the scorer trusts may answer (the floor is its threshold, unless one is given)."""
    from qa.answer.confidence import Confidence, log_odds

    margins = [q.reads[0].margin for q in questions if q.reads and q.reads[0].margin is not None]
    centre = round(float(np.median(margins)), 2) if margins else 0.0
    alone = Confidence(0.0, centre, log_odds(scorer_threshold), scorer_threshold)
    ceiling = tally(questions, alone)
    floor = scorer_threshold if floor is None else floor
    grid = [Confidence(w, centre, t, floor) for w in WEIGHTS for t in THRESHOLDS]
    tallies = {c: tally(questions, c) for c in grid}
    allowed = [c for c in grid if tallies[c]["wrong"] <= ceiling["wrong"]
               and tallies[c]["null_answered"] <= ceiling["null_answered"]] or [alone]
    best = max(allowed, key=lambda c: (tallies[c]["right"], -tallies[c]["wrong"] - tallies[c]["null_answered"],
                                       -c.weight))
    return best, tallies.get(best, ceiling), ceiling


def calibrate(index_dir: Path, out: Path, gold: list[Path], extractor_layers: Path | None,
              cache: Path | None, floor: float | None = None) -> dict:
    """Collect, read, fit, write the calibration file; returns what it writes."""
    from qa import Assistant, Settings

    settings = Settings.from_env(index_dir=index_dir, llm="", reader_confidence="off")
    if extractor_layers is not None:
        settings = replace(settings, reader_spans=str(extractor_layers))
    assistant = Assistant.open(settings=settings)
    scorer, extractor = assistant._reader.scorer, assistant._reader.extractor
    if scorer is None or extractor is None:
        raise SystemExit("a confidence calibration needs the sentence scorer and the span extractor")
    questions = []
    for path in gold:
        data = collected(lambda: assistant, gold_rows(path), cache and cache.with_suffix(f".{path.stem}.pickle"))
        questions += read_questions(data, scorer, extractor)
    best, calibrated, alone = fit(questions, scorer.threshold, floor)
    result = {**best.to_json(), "fitted_on": [p.name for p in gold],
              "extractor": str(extractor_layers or settings.reader_spans), "scorer_threshold": scorer.threshold,
              "calibrated": calibrated, "scorer alone": alone}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, fit, print what was written."""
    parser = argparse.ArgumentParser(prog="python -m qa.bench confidence", description=__doc__.splitlines()[0])
    parser.add_argument("--fit", type=Path, required=True, metavar="OUT", help="where to write the calibration")
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--gold", type=Path, nargs="+",
                        default=[DATA / "corpus_dev3.jsonl", DATA / "corpus_nearmiss.jsonl"],
                        help="gold sets to fit on (default: corpus_dev3 and the near-miss set)")
    parser.add_argument("--extractor", type=Path, default=None, metavar="LAYERS",
                        help="the span extractor to read with, one not fitted on the gold sets "
                             "(default: NEWSQA_READER_SPANS)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep each gold set's collected candidates beside this path")
    parser.add_argument("--floor", type=float, default=None, metavar="P",
                        help="the scorer probability a sentence needs to be chosen (default: the scorer's threshold; "
                             "0 lets the margin answer what the scorer refuses, which held out answered near-misses)")
    args = parser.parse_args(argv)
    result = calibrate(args.index_dir, args.fit, args.gold, args.extractor, args.cache, args.floor)
    print(json.dumps(result, indent=2))
    return 0

"""Fit the learned sentence scorer and its refusal threshold: `python -m qa.bench reader --train OUT`.

Training data: the corpus dev sets (tests/data/corpus_dev.jsonl and corpus_dev2.jsonl: questions in users' words on
MultiHop-RAG's corpus, each with its evidence sentence, and near-miss questions no article answers) asked over the
MultiHop-RAG index, MultiHop-RAG's dev queries that the factoid reader reads (its null queries as unanswerable,
the others with their evidence facts) over the same index, and the seed sets (tests/data/gold_seeds.jsonl,
tests/data/seeds_dev.jsonl) over a seed index. A candidate sentence is positive when it is (or holds) the evidence
sentence (or a MultiHop-RAG fact, with the gold answer), or holds an accepted answer in a source file. The
threshold is the one that gets the most dev questions right (answered with an accepted short answer, or refused
when nothing answers), measured 2-fold, the halves split by source article (fold())."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from qa.answer.cross import LAYERS_FILE as CROSS_FILE
from qa.answer.sentences import SENTENCE_CHARS

from . import ROOT, multihop_dir
from .reader_cross import CrossParams
from .reader_encoder import TuneParams

DATA = ROOT / "tests" / "data"
PARAMS = {"max_iter": 150, "learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 10,
          "l2_regularization": 1.0, "early_stopping": False, "random_state": 0}
SENTENCE_PARAMS = {"max_iter": 100, "learning_rate": 0.05, "max_leaf_nodes": 7, "min_samples_leaf": 25,
                   "l2_regularization": 2.0, "early_stopping": False, "random_state": 0}
USED = ("similarity", "relative_similarity", "similarity_rank", "coverage", "relative_coverage", "typed_entities",
        "new_entities", "passage_rank", "heading", "words", "asks_number", "asks_date", "asks_person", "asks_org",
        "asks_place", "asks_other", "open_entities", "span_chance", "tuned_similarity", "relative_tuned_similarity",
        "tuned_rank")
"""The sentence scorer's features: those that mean the same on any corpus. No absolute retrieval scores, and no
IDF-weighted overlap: over two seed articles every word's IDF is nearly the same, so the IDF features put the
seeds' answers below the threshold that suits 609 articles (docs/answers.md, session 9). The tuned_* columns are
the reader encoder's (fine-tuned by this command; session 13). The cross-encoder's columns (CROSS) join them when
it is fitted too (session 17)."""
ENCODER_FILE = "reader-encoder.safetensors"
THRESHOLDS = tuple(round(x, 2) for x in np.arange(0.05, 0.96, 0.025))
OUTCOMES = ("right", "wrong", "refused", "null_refused", "null_answered")
"""The 2-fold tallies per threshold, in this order, in the model file (the refusal curve)."""


def gold_rows(path: Path) -> list[dict]:
    """The rows of a gold JSONL file."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def normalize(text: str) -> str:
    """Lower-case words and digits only (for answer matching)."""
    import re

    return " ".join(re.sub(r"[^\w\s]", " ", text.lower().replace(",", "")).split())


def short_correct(short: str | None, answers) -> bool:
    """Does the short answer hold an accepted answer (normalised, on word boundaries)?"""
    if not short:
        return False
    padded = f" {normalize(short)} "
    return any(f" {normalize(a)} " in padded for a in answers if normalize(a))


def positive(scored, row: dict) -> bool:
    """Is this candidate the row's evidence (corpus sets) or an accepted answer in a source file (seeds)?"""
    text = scored.text
    if "facts" in row:  # MultiHop-RAG: a sentence of an evidence article that holds its fact (and the answer)
        return any(scored.passage.url == f["url"] and (f["fact"] in text or text in f["fact"]) for f in row["facts"]) \
            and (row.get("fact_only", False) or short_correct(text, row.get("answers", ())))
    if "evidence" in row:
        evidence = row["evidence"]
        same = scored.passage.url == row.get("url") or scored.passage.title == row.get("title")
        return same and (text in evidence or evidence in text or (len(text) > 40 and text[:40] in evidence))
    sources = {Path(s).name for s in row.get("sources", ())}
    return Path(scored.passage.path).name in sources and any(normalize(a) in normalize(text)
                                                             for a in row.get("answers", ()))


def multihop_rows(path: Path) -> list[dict]:
    """MultiHop-RAG's dev queries as gold rows: null queries as unanswerable, the others with their gold answer
    and evidence facts (only those the factoid reader reads are kept by collect)."""
    from .answers import load

    facts = {q["query"]: q["evidence_list"] for q in json.loads(Path(path).read_text(encoding="utf-8"))}
    out = []
    for q in load(path):
        if q.split != "dev":
            continue
        if q.kind == "null_query":
            out.append({"question": q.text, "answerable": False, "factoid_only": True})
        else:
            out.append({"question": q.text, "answers": [q.answer], "factoid_only": True,
                        "facts": [{"url": f["url"], "fact": f["fact"]} for f in facts[q.text]]})
    return out


def multihop_fact_rows(path: Path, read: set[str]) -> list[dict]:
    """MultiHop-RAG's answerable dev queries that are not in `read` (the questions the scorer is fitted on), each
    with its evidence facts as what answers it (fact_only: whatever its gold answer): extra reader-encoder pairs."""
    from .answers import load

    facts = {q["query"]: q["evidence_list"] for q in json.loads(Path(path).read_text(encoding="utf-8"))}
    return [{"question": q.text, "fact_only": True, "facts": [{"url": f["url"], "fact": f["fact"]}
                                                            for f in facts[q.text]]}
            for q in load(path) if q.split == "dev" and q.kind != "null_query" and q.text not in read]


def collect(assistant, rows: list[dict]) -> list[dict]:
    """Per question the factoid reader reads: the analysed question, its candidate sentences (text, entities,
    features, label). Rows marked factoid_only that ask would read another way (a yes/no verdict, the entity
    several outlets agree on) are left out."""
    data = []
    for n, row in enumerate(rows, 1):
        query, way, found = assistant.reading(row["question"])
        if n % 50 == 0:
            print(f"collected {n}/{len(rows)}", file=sys.stderr, flush=True)
        if way != "factoid" and row.get("factoid_only"):
            continue
        data.append({"row": row, "query": query, "x": found.rows, "texts": [s.text for s in found.scored],
                     "entities": found.entities, "y": np.array([positive(s, row) for s in found.scored], bool),
                     "same": np.array([source_article(s.passage, row) for s in found.scored], bool)})
    return data


def source_article(passage, row: dict) -> bool:
    """Is the passage from the row's source article (its url, one of its facts' urls, or a source file)? A row
    without a url matches every passage without one (the seeds: either article may hold the answer)."""
    urls = {row.get("url")} | {f["url"] for f in row.get("facts", ())}
    return passage.url in urls or Path(passage.path).name in row.get("sources", ())


def span_data(data: list[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per question: the span rows of its evidence sentences' open entities, labelled by the accepted answers."""
    from qa.answer.spans import open_entities, render, span_rows

    out = []
    for d in data:
        rows, labels = [], []
        for text, ents, good in zip(d["texts"], d["entities"], d["y"]):
            found = open_entities(d["query"], ents)
            if good and found:
                rows.append(span_rows(d["query"], text, found))
                labels += [short_correct(render(e, text), d["row"].get("answers", ())) for e in found]
        out.append((np.concatenate(rows) if rows else np.zeros((0, 0)), np.array(labels, bool)))
    return out


def with_shorts(data: list[dict], spans) -> list[dict]:
    """Each candidate's short answer under a span model (None: no span, so no answer) and whether it is right."""
    from qa.answer.spans import render, short_span

    for d in data:
        shorts = []
        for text, ents in zip(d["texts"], d["entities"]):
            span = short_span(d["query"], text, ents, spans)
            shorts.append(render(span, text) if span else (text if d["query"].answer_type == "OTHER" else None))
        d["shorts"] = shorts
        d["correct"] = [short_correct(sh, d["row"].get("answers", ())) for sh in shorts]
    return data


def with_span_chance(data: list[dict], spans) -> None:
    """Fill the span_chance feature with a span model's probabilities, and label as positive every evidence
    sentence and every sentence of the source article whose short answer is accepted."""
    from qa.answer.features import FEATURES, span_chance
    from qa.answer.spans import open_entities

    column = FEATURES.index("span_chance")
    for d in data:
        if d["x"].shape[1] < len(FEATURES):  # collected before the entity columns existed
            opened = [[min(len(open_entities(d["query"], e)), 8), 0.0] for e in d["entities"]]
            d["x"] = np.hstack([d["x"], np.array(opened).reshape(len(d["x"]), 2)])
        for i, (text, ents) in enumerate(zip(d["texts"], d["entities"])):
            d["x"][i, column] = span_chance(d["query"], text, ents, spans)
        if "correct" in d:
            d["y"] = d["y"] | (np.array(d["correct"], bool) & d.get("same", d["y"]))


def fit_spans(pairs: list[tuple[np.ndarray, np.ndarray]]):
    """A gradient-boosted classifier over span rows."""
    x = np.concatenate([r for r, _ in pairs if len(r)])
    y = np.concatenate([lab for r, lab in pairs if len(r)])
    return fit_xy(x, y)


def fit_xy(x: np.ndarray, y: np.ndarray):
    """A gradient-boosted classifier (scikit-learn, dev extra)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(**PARAMS).fit(x, y)


class _Sklearn:
    """A fitted scikit-learn classifier seen through TreeEnsemble's `score` (raw log-odds)."""

    def __init__(self, model):
        self.model = model

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Log-odds per row."""
        return self.model.decision_function(rows)


def fit(data: list[dict], names: tuple[str, ...] = USED):
    """A gradient-boosted classifier on every candidate of the questions given (the named columns)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = np.concatenate([used(d["x"], names) for d in data if len(d["x"])])
    y = np.concatenate([d["y"] for d in data if len(d["x"])])
    return HistGradientBoostingClassifier(**SENTENCE_PARAMS).fit(x, y)


def used(x: np.ndarray, names: tuple[str, ...] = USED) -> np.ndarray:
    """The named columns of full feature rows."""
    from qa.answer.features import FEATURES

    return widened(x)[:, [FEATURES.index(n) for n in names]]


def columns(encoder: bool, cross: bool) -> tuple[str, ...]:
    """The sentence scorer's features: USED, without the reader encoder's when it is not fitted, with the
    cross-encoder's when it is."""
    from qa.answer.features import CROSS, TUNED

    return tuple(n for n in USED if encoder or n not in TUNED) + (CROSS if cross else ())


def outcomes(data: list[dict], chances: list[np.ndarray], threshold: float) -> dict:
    """Answered right / wrong / refused for answerable questions, and refused for the others, at a threshold (as
    ExtractiveReader._choose answers: the most probable sentence with a short answer, never a headline)."""
    from qa.answer.types import is_heading

    tally = dict.fromkeys(OUTCOMES, 0)
    for d, p in zip(data, chances):
        usable = [i for i in np.argsort(-p, kind="stable")
                  if p[i] >= threshold and d["shorts"][i] is not None and not is_heading(d["texts"][i])]
        answerable = d["row"].get("answerable", True)
        if not usable:
            tally["refused" if answerable else "null_refused"] += 1
        elif answerable:
            tally["right" if d["correct"][usable[0]] else "wrong"] += 1
        else:
            tally["null_answered"] += 1
    return tally


def score_of(tally: dict) -> float:
    """The share of answerable questions answered right plus the share of unanswerable ones refused: the two rates
    the targets are set on, weighed alike (a count of both let the answerable questions, three in four of the
    data, choose a threshold that answers more near-misses)."""
    answerable = tally["right"] + tally["wrong"] + tally["refused"]
    unanswerable = tally["null_refused"] + tally["null_answered"]
    return (tally["right"] / answerable if answerable else 0.0) + (
        tally["null_refused"] / unanswerable if unanswerable else 0.0)


def with_tuned(data: list[dict], params, extra: list | None = None) -> object:
    """Fill the tuned_* columns with out-of-fold cosines (each half's from an encoder fine-tuned on the other half,
    the same halves the sentence scorer is cross-validated on); returns the encoder fine-tuned on all questions.
    extra: collected questions that only train the encoder, in a first stage every fold's encoder starts from
    (never scored, never in the scorer's data)."""
    from qa.answer.features import TUNED

    from .reader_encoder import adapt, cosines, fine_tune, pairs

    split = halves(data, data)
    start = adapt(pairs(extra or [], params), params)
    for h in (0, 1):
        model = fine_tune(pairs(split[1 - h], params), params, start)
        for d in split[h]:
            put_columns(d, TUNED, cosines(model, d["query"].text, d["texts"]))
    return fine_tune(pairs(data, params), params, start)


def tuned(data: list[dict], params, extra: list[dict], layers: Path, cache: Path | None) -> None:
    """with_tuned(), its encoder's layers written to `layers`; or, when cache holds them (from a run on the same
    questions with the same parameters), the out-of-fold tuned columns and the layers kept there (fine-tuning is
    most of a run's time, so the scorer and the span model can be refitted in minutes)."""
    import pickle

    from qa.answer.features import FEATURES, TUNED

    from .reader_encoder import save_layers

    columns = slice(FEATURES.index(TUNED[0]), FEATURES.index(TUNED[0]) + len(TUNED))
    if cache and cache.exists():
        kept, weights = pickle.loads(cache.read_bytes())
        for d, values in zip(data, kept):
            d["x"] = widened(d["x"])
            d["x"][:, columns] = values
        layers.parent.mkdir(parents=True, exist_ok=True)
        layers.write_bytes(weights)
        return
    save_layers(with_tuned(data, params, extra), layers, params.layers)
    if cache:
        cache.write_bytes(pickle.dumps(([d["x"][:, columns] for d in data], layers.read_bytes())))


def put_columns(d: dict, names: tuple[str, ...], scores: np.ndarray) -> None:
    """Write a score per candidate into the question's three columns `names` (TUNED or CROSS: the score, its gap to
    the best, its rank, among the candidates that hold the asked names first), its rows widened to every FEATURE."""
    from qa.answer.features import FEATURES, cosine_columns

    d["x"] = widened(d["x"])
    if len(d["x"]):
        first = FEATURES.index(names[0])
        d["x"][:, first:first + len(names)] = cosine_columns(scores, d["x"][:, FEATURES.index("names_ok")] > 0)


def fixed_tuned(data: list[dict], assistant, layers: Path, out: Path) -> None:
    """Fill the tuned_* columns with the cosines of a reader encoder already fitted (its layers file), as the reader
    computes them (the encoder at its configured precision, each sentence alone), and copy its layers beside OUT.
    For questions the encoder never saw, these are out-of-sample without fine-tuning anything."""
    import shutil

    from qa.answer.features import TUNED

    encoder = assistant._reader.encoder
    for d in data:
        texts = [d["query"].text] + [text[:SENTENCE_CHARS] for text in d["texts"]]
        vectors = np.vstack([encoder.embed([text]) for text in texts])
        put_columns(d, TUNED, vectors[1:] @ vectors[0])
    target = out.with_name(ENCODER_FILE)
    if target.resolve() != layers.resolve():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(layers, target)


def digest(value) -> str:
    """A short hash of a JSON-able value (names a cache file by the parameters it was made with)."""
    import hashlib

    return hashlib.sha1(json.dumps(value, sort_keys=True).encode()).hexdigest()[:10]


def cross_validated(data: list[dict], names: tuple[str, ...] = USED) -> list[np.ndarray]:
    """Each question's candidate probabilities from a model fitted on the other half of the questions."""
    first, second = halves(data, data)
    models = [fit(second, names), fit(first, names)]
    return [models[fold(d["row"])].predict_proba(used(d["x"], names))[:, 1] if len(d["x"]) else np.zeros(0)
            for d in data]


def with_cross(data: list[dict], params: CrossParams, layers: Path, cache: Path | None) -> None:
    """Fill the CROSS columns with out-of-fold logits (each half's from a cross-encoder fine-tuned on the other half,
    the halves the sentence scorer is cross-validated on) and write the cross-encoder fine-tuned on every question
    to `layers`; or, when cache holds them (a run on the same questions with the same parameters), take both from
    there."""
    import pickle

    from qa.answer.features import CROSS

    from . import reader_cross

    if cache and cache.exists():
        kept, weights = pickle.loads(cache.read_bytes())
    else:
        split = halves(data, data)
        kept = [None] * len(data)
        position = {id(d): n for n, d in enumerate(data)}
        for h in (0, 1):
            trained = reader_cross.fine_tune(reader_cross.groups(split[1 - h], params), params)
            for d in split[h]:
                kept[position[id(d)]] = reader_cross.scores(trained, d["query"].text, d["texts"], params.max_tokens)
        reader_cross.save(reader_cross.fine_tune(reader_cross.groups(data, params), params), layers, params)
        weights = layers.read_bytes()
        if cache:
            cache.write_bytes(pickle.dumps((kept, weights)))
    for d, logits in zip(data, kept):
        put_columns(d, CROSS, logits)
    layers.parent.mkdir(parents=True, exist_ok=True)
    layers.write_bytes(weights)


def halves(items: list, data: list[dict]) -> tuple[list, list]:
    """The items (one per question of data, in its order) of fold 0 and of fold 1."""
    sides = [fold(d["row"]) for d in data]
    return [i for i, h in zip(items, sides) if h == 0], [i for i, h in zip(items, sides) if h == 1]


def widened(x: np.ndarray) -> np.ndarray:
    """Feature rows collected before the tuned columns existed, padded to every FEATURE."""
    from qa.answer.features import FEATURES

    return np.hstack([x, np.zeros((len(x), len(FEATURES) - x.shape[1]))]) if x.shape[1] < len(FEATURES) else x


def fold(row: dict) -> int:
    """Which half of the 2-fold split a question is in: decided by its source article (its url, else its first
    fact's), so that no article has questions on both sides, as held-out questions are on articles the models have
    not seen. Split question by question (until session 15), the encoder fine-tuned on one half had seen other
    questions on the same evidence (353 corpus dev questions are on 152 articles). A question without an article
    (the seeds' rows name files, both files hold most answers) is placed by its text."""
    import hashlib

    key = row.get("url") or next((f["url"] for f in row.get("facts", ())), None) or row["question"]
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 2


def collected(assistant_factory, rows: list[dict], cache: Path | None) -> list[dict]:
    """collect(), or its result kept in cache (a pickle of plain values, written by this command only)."""
    import pickle

    if cache and cache.exists():
        return pickle.loads(cache.read_bytes())
    data = collect(assistant_factory(), rows)
    if cache:
        cache.write_bytes(pickle.dumps(data))
    return data


def train(index_dir: Path, out: Path, gold: list[Path], seeds_gold: list[Path], cache: Path | None = None,
          multihop: Path | None = None, extra: tuple[Path, ...] = (), multihop_facts: bool = False,
          tune: TuneParams | None = TuneParams(), cross: CrossParams | None = None,
          encoder: Path | None = None) -> dict:
    """Collect, fine-tune the reader encoder and the cross-encoder, fit, choose the threshold 2-fold, write the
    models (the encoders' layers beside OUT); returns the dev figures. multihop: MultiHop-RAG's queries file, whose
    dev queries the factoid reader reads join the training data. extra: gold files (LLM-written questions) and, with
    multihop_facts, the other MultiHop-RAG dev queries with their facts, which train only the reader encoder's first
    stage. tune: how the reader encoder is fine-tuned (None: not at all, its columns unread); cross: how the
    cross-encoder is (None: not at all); encoder: a reader encoder's layers file to read instead of fine-tuning one
    (fit on questions it never saw)."""
    from index import SEEDS, build_index
    from qa import Assistant, Settings
    from qa.answer.scorer import SPANS_FILE
    from qa.answer.spans import SPAN_FEATURES
    from qa.retrieve.trees import export

    base = replace(Settings.from_env(), reader="off", llm="")

    def corpus_assistant():
        return Assistant.open(settings=replace(base, index_dir=index_dir))

    corpus = [d for path in gold for d in collected(corpus_assistant, gold_rows(path),
                                                    cache and cache.with_suffix(f".{path.stem}.pickle"))]
    hops = collected(corpus_assistant, multihop_rows(multihop),
                     cache and cache.with_suffix(".multihop.pickle")) if multihop else []
    seed_settings = replace(base, index_dir=Path(tempfile.mkdtemp(prefix="newsqa-seeds-")))

    def seed_assistant():
        build_index(seed_settings, [SEEDS])
        return Assistant.open(settings=seed_settings)

    seed_rows = [row for path in seeds_gold for row in gold_rows(path)]
    seeds = collected(seed_assistant, seed_rows, cache and cache.with_suffix(".seeds.pickle"))
    data = corpus + hops + seeds
    extra_rows = [row for path in extra for row in gold_rows(path)]
    if multihop and multihop_facts:
        extra_rows += multihop_fact_rows(multihop, {d["row"]["question"] for d in hops})
    adapting = collected(corpus_assistant, extra_rows,
                         cache and cache.with_suffix(f".extra{len(extra_rows)}.pickle")) if extra_rows else []
    from .reader_encoder import pairs as encoder_pairs

    if encoder is not None:
        fixed_tuned(data, Assistant.open(settings=replace(base, index_dir=index_dir, reader="default",
                                                          reader_encoder=str(encoder), reader_cross="off")),
                    encoder, out)
    elif tune is not None:
        tuned(data, tune, adapting, out.with_name(ENCODER_FILE),
              cache and cache.with_suffix(f".tuned-{len(data)}-{len(adapting)}-"
                                          f"{digest({**asdict(tune), 'folds': 'by article'})}.pickle"))
    if cross is not None:
        with_cross(data, cross, out.with_name(CROSS_FILE),
                   cache and cache.with_suffix(f".cross-{len(data)}-{digest(asdict(cross))}.pickle"))
    names = columns(tune is not None or encoder is not None, cross is not None)
    pairs = span_data(data)
    split_pairs, split = halves(pairs, data), halves(data, data)
    span_models = [_Sklearn(fit_spans(split_pairs[1])), _Sklearn(fit_spans(split_pairs[0]))]
    for h in (0, 1):
        with_shorts(split[h], span_models[h])
        with_span_chance(split[h], span_models[h])
    chances = cross_validated(data, names)
    by_threshold = {t: outcomes(data, chances, t) for t in THRESHOLDS}
    threshold = max(THRESHOLDS, key=lambda t: (score_of(by_threshold[t]), -abs(t - 0.5)))
    spans = fit_spans(pairs)
    with_span_chance(data, _Sklearn(spans))
    model = fit(data, names)
    export(spans, out.with_name(SPANS_FILE), SPAN_FEATURES, {"trained_on": "the evidence sentences of the same data",
                                                             "params": PARAMS})
    seed_names = " + ".join(path.name for path in seeds_gold)
    hopped = f" + MultiHop-RAG dev ({len(hops)})" if hops else ""
    golds = " + ".join(path.name for path in gold)
    meta = {"threshold": threshold, "trained_on": f"{golds} ({len(corpus)}){hopped} + {seed_names} ({len(seeds)})",
            "params": SENTENCE_PARAMS,
            "encoder": {"file": ENCODER_FILE, "fixed": str(encoder)} if encoder is not None else
            None if tune is None else {"file": ENCODER_FILE, **asdict(tune),
                                                  "extra": [path.name for path in extra]
                                                  + (["MultiHop-RAG dev facts"] if multihop_facts else []),
                                                  "extra_pairs": len(encoder_pairs(adapting, tune))},
            "cross_encoder": None if cross is None else {"file": CROSS_FILE, **asdict(cross)},
            "two_fold": {"threshold": threshold, **by_threshold[threshold]},
            "two_fold_by_threshold": {f"{t:.3f}": [by_threshold[t][k] for k in OUTCOMES] for t in THRESHOLDS},
            "two_fold_corpus": outcomes(corpus, chances[:len(corpus)], threshold),
            "two_fold_multihop": outcomes(hops, chances[len(corpus):len(corpus) + len(hops)], threshold)}
    out.parent.mkdir(parents=True, exist_ok=True)
    export(model, out, names, meta)
    return meta


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, fit, print the 2-fold figures."""
    parser = argparse.ArgumentParser(prog="python -m qa.bench reader", description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, required=True, metavar="OUT", help="where to write the model")
    parser.add_argument("--index-dir", type=Path, required=True, help="the MultiHop-RAG corpus index "
                        "(built by `python -m qa.bench multihop`)")
    parser.add_argument("--gold", type=Path, nargs="+", default=[DATA / "corpus_dev.jsonl", DATA / "corpus_dev2.jsonl"],
                        help="gold sets on the MultiHop-RAG corpus (default: corpus_dev.jsonl and corpus_dev2.jsonl)")
    parser.add_argument("--seeds-gold", type=Path, nargs="+",
                        default=[DATA / "gold_seeds.jsonl", DATA / "seeds_dev.jsonl"],
                        help="gold sets on the seed articles, asked over one seed index (default: gold_seeds.jsonl "
                        "and seeds_dev.jsonl)")
    parser.add_argument("--multihop", type=Path, nargs="?", const=None, default=multihop_dir() / "MultiHopRAG.json",
                        help="MultiHop-RAG's queries: the dev ones the factoid reader reads join the training data "
                        "(default: the shared benchmark's; give the flag alone to leave them out)")
    parser.add_argument("--cache", type=Path, help="keep the collected candidates here (to refit quickly)")
    parser.add_argument("--extra", type=Path, nargs="*", default=[],
                        help="gold files that only train the reader encoder's first stage (e.g. the questions "
                        "`python -m qa.bench questions` writes over the even-index articles)")
    parser.add_argument("--multihop-facts", action="store_true",
                        help="MultiHop-RAG's other dev queries with their evidence facts join that first stage")
    parser.add_argument("--learning-rate", type=float, default=TuneParams.learning_rate,
                        help="the reader encoder's fine-tuning learning rate (default: %(default)s)")
    parser.add_argument("--no-encoder", action="store_true", help="do not fine-tune the reader encoder (the scorer "
                        "does not read its cosine)")
    parser.add_argument("--encoder", type=Path, metavar="LAYERS",
                        help="read this reader encoder's cosines (a layers file already fitted) instead of fine-tuning "
                        "one: give gold sets it never saw")
    parser.add_argument("--cross", action="store_true", help="fine-tune the cross-encoder too (the scorer reads its "
                        "logit; qa/answer/cross.py)")
    parser.add_argument("--cross-epochs", type=int, default=CrossParams.epochs,
                        help="the cross-encoder's epochs (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.multihop is not None and not args.multihop.exists():
        parser.error(f"{args.multihop} not found (set NEWSQA_SHARED, or give --multihop alone to leave MultiHop-RAG's "
                     "queries out)")
    print(json.dumps(train(args.index_dir, args.train, args.gold, args.seeds_gold, args.cache, args.multihop,
                           tuple(args.extra), args.multihop_facts,
                           None if args.no_encoder else TuneParams(learning_rate=args.learning_rate),
                           CrossParams(epochs=args.cross_epochs) if args.cross else None, args.encoder), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Fit the reader's span extractor (qa/answer/extractor.py): `python -m qa.bench spans --train OUT`.

The bundled MiniLM with a start/end head learns, from a question and a sentence that answers it, where in the
sentence the answer starts and ends (extractive question answering; the standard cross-entropy over start and end
positions). Training examples: the evidence sentences of the corpus gold sets with the first accepted answer found in
them, MultiHop-RAG's dev queries with the evidence facts that hold their answer, and cloze questions made from the
corpus's own sentences (qa/bench/cloze.py), none from the articles of the sets named by --exclude (corpus_test's by
default, so it stays held out). Torch and transformers, dev extra; about 7 minutes an epoch over 5,000 examples on 2
cores.

`--check GOLD` measures what the extractor changes, on gold sets it never saw: per answerable row, the short answer
the span scorer gives its evidence sentence, and the one the extractor gives instead."""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from qa.answer.sentences import SENTENCE_CHARS

from . import multihop_dir, shared_dir
from .reader import DATA, gold_rows, short_correct
from .reader_cross import FROZEN, head_model, save_changed
from .reader_encoder import steps


@dataclass(frozen=True)
class SpanParams:
    """How the extractor is fine-tuned: epochs, peak learning rate (a linear warm-up over the first tenth, then a
    linear decay), examples per step, the longest input in word pieces, cloze questions drawn from the corpus, how
    many times each gold and MultiHop-RAG example is seen an epoch, how many sentences that do not answer each gold
    question (negatives()) are paired with it and how many more that hold an entity of the asked type, whether gold
    questions are also asked of another name (swapped()), and the seed."""

    epochs: int = 2
    learning_rate: float = 5e-5
    batch: int = 16
    max_tokens: int = 192
    cloze: int = 4000
    gold_copies: int = 1
    negatives: int = 0
    typed: int = 0
    swaps: bool = False
    seed: int = 0


@dataclass(frozen=True)
class Example:
    """A question, a sentence, and the answer's characters in the sentence (NO_ANSWER: the sentence does not answer
    the question, and the model learns to point at the [CLS] piece)."""

    question: str
    text: str
    start: int
    end: int

    @property
    def answers(self) -> bool:
        """Does the sentence hold the answer?"""
        return self.start != NO_ANSWER


NO_ANSWER = -1


def located(question: str, text: str, answers) -> Example | None:
    """The example with the longest accepted answer found in the text (case-insensitive), None if none is."""
    text = text[:SENTENCE_CHARS]
    low = text.lower()
    for answer in sorted((a for a in answers if a.strip()), key=len, reverse=True):
        at = low.find(answer.lower())
        if at >= 0:
            return Example(question, text, at, at + len(answer))
    return None


def gold_examples(paths: list[Path]) -> list[Example]:
    """The answerable rows of gold sets with an evidence sentence that holds an accepted answer."""
    found = (located(r["question"], r["evidence"], r["answers"]) for path in paths for r in gold_rows(path)
             if r.get("answerable", True) and r.get("evidence"))
    return [e for e in found if e is not None]


def negatives(paths: list[Path], corpus: Path, count: int, typed: int = 0) -> list[Example]:
    """For each gold question with a source article, its `count` sentences of that article that share the most
    words with the question and hold no accepted answer (for a near-miss, any), as examples with NO_ANSWER: the
    same story's other figures, dates and names, which a near-miss question ("what salary will Jonathan Smith make at
    Michigan State", where the article gives his old contract) would otherwise be answered with. Then `typed` more:
    of the next sentences by shared words, those that hold an entity of the asked type (an amount for "how much", a
    date for "when"), the ones that tempt a reader most ("how many people does AI21 Labs employ" read as "roughly
    800+" customers)."""
    from index import tokenize
    from index.chunking import sentence_spans

    if count <= 0 and typed <= 0:
        return []
    bodies = {a["url"]: a["body"] for a in json.loads(corpus.read_text(encoding="utf-8"))}
    reader = _entity_reader() if typed > 0 else None
    out = []
    for row in (r for path in paths for r in gold_rows(path)):
        body = bodies.get(row.get("url"))
        if body is None:
            continue
        asked = set(tokenize(row["question"]))
        answers = [a.lower() for a in row.get("answers", ()) if a.strip()]
        texts = [t for span in sentence_spans(body) if (t := body[span.start:span.end][:SENTENCE_CHARS])
                 and t != row.get("evidence") and not any(a in t.lower() for a in answers)]
        texts.sort(key=lambda t: -len(asked & set(tokenize(t))))
        tempting = _typed(reader, row["question"], texts[count:count + TYPED_POOL], typed) if reader else []
        kept = texts[:count] + tempting
        out += [Example(row["question"], t, NO_ANSWER, NO_ANSWER) for t in kept]
    return out


TYPED_POOL = 8
"""How many of a question's next sentences by shared words are looked at for an entity of the asked type."""


def _entity_reader():
    """The entity reader ask uses (spaCy's en_core_web_sm, loaded once per process however many readers ask)."""
    from qa.answer.entities import DEFAULT_MODEL, EntityReader

    return EntityReader(DEFAULT_MODEL)


def _typed(reader, question: str, texts: list[str], count: int) -> list[str]:
    """The first `count` texts that hold an entity of the type the question asks for (none for a question of no
    particular type), in order."""
    from qa.answer.spans import candidates
    from qa.retrieve.query import analyse

    query = analyse(question)
    if query.answer_type == "OTHER" or not texts:
        return []
    found = [t for t, ents in zip(texts, reader.entities(texts)) if candidates(query, t, ents)]
    return found[:count]


SWAPPABLE = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART")


def swapped(paths: list[Path], seed: int) -> list[Example]:
    """Gold questions asked of another name, each with its own evidence sentence as NO_ANSWER: "How much did Anduril
    raise?" is not answered by "Shield AI raised $200 million", which the story's other sentences do not teach. Only
    a question that shares exactly one name with its sentence (not its outlet's) is asked again, so that the name
    swapped is the one the answer is about; the new name is one of the same kind from another question, which the
    sentence does not hold."""
    rows = [r for path in paths for r in gold_rows(path) if r.get("answerable", True) and r.get("evidence")]
    named = [[e for e in ents if e.label in SWAPPABLE]
             for ents in _entity_reader().entities([r["question"] for r in rows])]
    pool: dict[str, list[str]] = {}
    for ents in named:
        for e in ents:
            pool.setdefault(e.label, []).append(e.text)
    rng = random.Random(seed)
    out = []
    for row, ents in zip(rows, named):
        text = row["evidence"][:SENTENCE_CHARS]
        shared = [e for e in ents if e.text.lower() in text.lower()
                  and e.text.lower() not in (row.get("source") or "").lower()]
        if len(shared) != 1:
            continue
        name = shared[0]
        others = [o for o in pool[name.label] if o.lower() not in text.lower() and name.text.lower() not in o.lower()
                  and o.lower() not in name.text.lower()]
        if others:
            question = row["question"][:name.start] + rng.choice(others) + row["question"][name.end:]
            out.append(Example(question, text, NO_ANSWER, NO_ANSWER))
    return out


def multihop_examples(path: Path) -> list[Example]:
    """MultiHop-RAG's dev queries (not null, not yes/no) with each evidence fact that holds the gold answer."""
    from .answers import load

    facts = {q["query"]: q["evidence_list"] for q in json.loads(path.read_text(encoding="utf-8"))}
    out = []
    for q in load(path):
        if q.split != "dev" or q.kind == "null_query" or q.answer.lower() in ("yes", "no"):
            continue
        out += [e for f in facts[q.text] if (e := located(q.text, f["fact"], [q.answer])) is not None]
    return out


def cloze_examples(corpus: Path, excluded: set[str], count: int, seed: int) -> list[Example]:
    """`count` cloze questions (qa/bench/cloze.py) over the corpus's articles whose url is not excluded."""
    import spacy

    from qa.answer.entities import DEFAULT_MODEL

    from .cloze import clozes

    if count <= 0:
        return []
    rng = random.Random(seed)
    nlp = spacy.load(DEFAULT_MODEL, disable=["lemmatizer"])  # its parser sets the sentences
    articles = [a for a in json.loads(corpus.read_text(encoding="utf-8")) if a["url"] not in excluded]
    rng.shuffle(articles)
    out: list[Example] = []
    for article in articles:
        out += [Example(c.question, c.sentence, c.start, c.end) for c in clozes(nlp(article["body"][:20000]), rng)
                if c.end <= SENTENCE_CHARS]
        if len(out) >= count:
            break
    print(f"reader span extractor: {len(out[:count])} cloze questions from {len(articles)} articles", file=sys.stderr)
    return out[:count]


def fine_tune(examples: list[Example], params: SpanParams = SpanParams()):
    """The bundled MiniLM with a start/end head trained on the examples; returns (model, tokenizer)."""
    model, tokenizer = head_model("AutoModelForQuestionAnswering", params.seed)
    total = params.epochs * -(-len(examples) // params.batch)
    steps(model, examples, lambda batch: batch_loss(model, tokenizer, batch, params.max_tokens), params.epochs,
          params.batch, params.learning_rate, params.seed, "reader span extractor", "examples",
          lambda step: min(1.0, (step + 1) / max(1.0, 0.1 * total)) * max(0.0, 1.0 - step / total))
    return model, tokenizer


def batch_loss(model, tokenizer, batch: list[Example], max_tokens: int):
    """The mean cross-entropy of the answers' first and last word pieces."""
    import torch

    encoded = tokenizer([e.question for e in batch], [e.text for e in batch], truncation="only_second",
                        max_length=max_tokens, padding=True, return_tensors="pt")
    starts, ends = zip(*(positions(encoded, n, e) for n, e in enumerate(batch)))
    return model(**encoded, start_positions=torch.tensor(starts), end_positions=torch.tensor(ends)).loss


def positions(encoded, n: int, example: Example) -> tuple[int, int]:
    """The word pieces (of the n-th input) where the example's answer starts and ends; (0, 0), the [CLS] piece,
    when the sentence does not answer or truncation cut the answer off."""
    if not example.answers:
        return 0, 0
    first = encoded.char_to_token(n, example.start, sequence_index=1)
    last = encoded.char_to_token(n, example.end - 1, sequence_index=1)
    return (first, last) if first is not None and last is not None else (0, 0)


def save(trained, path: Path, params: SpanParams) -> None:
    """The trained tensors as qa/answer/extractor.py merges them into the bundled MiniLM (save_changed)."""
    save_changed(trained[0], path, {"head": "start and end logits", "frozen": " ".join(FROZEN),
                                    **{k: str(v) for k, v in asdict(params).items()}})


def check(paths: list[Path], layers: Path | None) -> dict:
    """Per gold set, of its answerable rows whose evidence sentence the span scorer finds a short answer in: how many
    of those short answers hold an accepted answer, the span scorer's and the extractor's (as the reader rereads a
    quoted sentence)."""
    from dataclasses import replace

    from qa.answer.entities import EntityReader
    from qa.answer.extractive import reread
    from qa.answer.extractor import load_span_extractor
    from qa.answer.scorer import load_scorer
    from qa.answer.spans import render, short_span
    from qa.retrieve import analyse
    from qa.settings import Settings

    settings = Settings.from_env()
    if layers is not None:
        settings = replace(settings, reader_spans=str(layers))
    extractor, model, reader = load_span_extractor(settings), load_scorer(settings.reader).spans, EntityReader()
    if extractor is None or model is None:
        raise SystemExit("no span extractor or span scorer to check: give --train OUT, or set NEWSQA_READER_SPANS "
                         "and NEWSQA_READER")
    out = {}
    for path in paths:
        rows = [r for r in gold_rows(path) if r.get("answerable", True) and r.get("evidence")]
        tally = {"spans": 0, "span scorer": 0, "extractor": 0}
        for row, entities in zip(rows, reader.entities([r["evidence"] for r in rows])):
            query, text = analyse(row["question"]), row["evidence"]
            span = short_span(query, text, entities, model)
            if span is None:
                continue
            read = reread(extractor.best(query.text, text), query, text, entities, span)
            tally["spans"] += 1
            tally["span scorer"] += short_correct(render(span, text), row["answers"])
            tally["extractor"] += short_correct(render(read, text), row["answers"])
        out[path.name] = tally
        print(f"{path.name}: {tally}", file=sys.stderr, flush=True)
    return out


def train(out: Path, gold: list[Path], multihop: Path | None, corpus: Path | None, exclude: list[Path],
          params: SpanParams) -> dict:
    """Gather the examples, fine-tune, write the layers file; returns what it was trained on."""
    examples = gold_examples(gold)
    hops = multihop_examples(multihop) if multihop else []
    excluded = {r["url"] for path in exclude for r in gold_rows(path) if r.get("url")}
    cloze = cloze_examples(corpus, excluded, params.cloze, params.seed) if corpus else []
    unanswered = (negatives(gold, corpus, params.negatives, params.typed) if corpus else []) + (
        swapped(gold, params.seed) if params.swaps else [])
    save(fine_tune((examples + hops) * params.gold_copies + cloze + unanswered, params), out, params)
    return {"out": str(out), "gold": [p.name for p in gold], "gold_examples": len(examples),
            "multihop_examples": len(hops), "cloze_examples": len(cloze), "negative_examples": len(unanswered),
            "excluded_articles": len(excluded), "params": asdict(params)}


def main(argv: list[str] | None = None) -> int:
    """Parse arguments; fit (--train) and/or measure (--check)."""
    parser = argparse.ArgumentParser(prog="python -m qa.bench spans", description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, metavar="OUT", help="where to write the layers file")
    parser.add_argument("--gold", type=Path, nargs="+", default=[DATA / f"corpus_dev{s}.jsonl" for s in ("", "2", "3")],
                        help="gold sets whose evidence sentences train it (default: the three corpus dev sets)")
    parser.add_argument("--multihop", type=Path, nargs="?", const=None, default=multihop_dir() / "MultiHopRAG.json",
                        help="MultiHop-RAG's queries, whose dev ones train it (give the flag alone to leave them out)")
    parser.add_argument("--corpus", type=Path, nargs="?", const=None,
                        default=shared_dir() / "benchmarks" / "multihop-rag" / "corpus.json",
                        help="articles to make cloze questions from (give the flag alone for none)")
    parser.add_argument("--exclude", type=Path, nargs="*", default=[DATA / "corpus_test.jsonl"],
                        help="gold sets whose articles give no cloze question (default: corpus_test.jsonl)")
    parser.add_argument("--cloze", type=int, default=SpanParams.cloze, help="cloze questions (default: %(default)s)")
    parser.add_argument("--gold-copies", type=int, default=SpanParams.gold_copies,
                        help="times each gold and MultiHop-RAG example is seen an epoch (default: %(default)s)")
    parser.add_argument("--negatives", type=int, default=SpanParams.negatives,
                        help="sentences of its article that do not answer, per gold question (default: %(default)s)")
    parser.add_argument("--typed", type=int, default=SpanParams.typed,
                        help="more such sentences per gold question, ones holding an entity of the asked type "
                             "(default: %(default)s)")
    parser.add_argument("--swaps", action="store_true",
                        help="also ask gold questions of another name, with their evidence as no answer")
    parser.add_argument("--epochs", type=int, default=SpanParams.epochs)
    parser.add_argument("--learning-rate", type=float, default=SpanParams.learning_rate)
    parser.add_argument("--check", type=Path, nargs="*", default=[], metavar="GOLD",
                        help="gold sets to measure the extractor on (the one trained, else NEWSQA_READER_SPANS)")
    args = parser.parse_args(argv)
    if not args.train and not args.check:
        parser.error("give --train OUT, --check GOLD, or both")
    result = {}
    if args.train:
        params = SpanParams(epochs=args.epochs, learning_rate=args.learning_rate, cloze=args.cloze,
                            gold_copies=args.gold_copies, negatives=args.negatives, typed=args.typed, swaps=args.swaps)
        result["trained"] = train(args.train, args.gold, args.multihop, args.corpus, args.exclude, params)
    if args.check:
        result["check"] = check(args.check, args.train)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

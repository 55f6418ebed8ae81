"""Questions in users' words written by the local LLM over a corpus, as extra training pairs for the reader
encoder: `python -m qa.bench questions --out FILE [--llm qwen] [--limit N]`.

For sentences of the MultiHop-RAG corpus that hold a name, a number or a date (spaCy), the model is asked for a
question a reader would ask, in other words than the sentence's, whose answer is that entity. Only the
even-index articles are read (those corpus_dev.jsonl is written on; corpus_test.jsonl's odd-index articles stay
unseen), and corpus_dev's evidence sentences are skipped, so that the 2-fold figures of `python -m qa.bench
reader` do not see a question's evidence through another question. Each row is checked: one question, of 4 to 30
words, not holding the answer, written about the sentence's subject (it shares a name with the sentence). Rows are
written as they come (JSON Lines, the gold format of tests/data), so a stopped run keeps what it wrote and a rerun
continues after it."""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import ROOT, multihop_dir

ANSWER_LABELS = {"CARDINAL": "number", "MONEY": "number", "PERCENT": "number", "QUANTITY": "number",
                 "DATE": "date", "PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place",
                 "PRODUCT": "other", "EVENT": "other", "WORK_OF_ART": "other", "LAW": "other"}
"""The spaCy labels a generated question may ask for, and the gold set's answer type of each."""
SYSTEM = "You write the questions that readers of news type into a search box. Reply with one question only."
PROMPT = """Article: "{title}" ({source})
Sentence: {sentence}

Write one question that a reader who has not seen this sentence would ask, whose answer is exactly: {answer}
Say it in your own everyday words: use other words and another order than the sentence, keep the names needed to
know what is asked, and do not put the answer in the question."""
MIN_WORDS, MAX_WORDS = 12, 60
BOILERPLATE = re.compile(r"newsletter|sign up|subscribe|click|cookie|terms of use|privacy policy|affiliate|"
                         r"all rights reserved|follow us|read more", re.I)
"""Sentences of page furniture, not news: never asked about."""
SPECIFIC_DATE = re.compile(r"\d|january|february|march|april|may|june|july|august|september|october|november|"
                           r"december|monday|tuesday|wednesday|thursday|friday|saturday|sunday", re.I)
"""A date answer must name a day, a month or a number ("this month", "the year" are no answer)."""


@dataclass(frozen=True)
class Target:
    """A sentence of an article and the entity a question about it should ask for."""

    article: dict
    sentence: str
    answer: str
    kind: str


def targets(corpus: list[dict], skip: set[str], per_article: int, seed: int, nlp) -> list[Target]:
    """Up to `per_article` sentences of each even-index article, each with one entity to ask for (sentences in
    `skip` left out), drawn at random, articles interleaved so that a stopped run has covered many outlets."""
    from index.chunking import sentence_spans

    rng = random.Random(seed)
    chosen: list[list[Target]] = []
    for number, article in enumerate(corpus):
        if number % 2:
            continue
        body = article["body"]
        sentences = [body[s.start:s.end] for s in sentence_spans(body)]
        sentences = [s for s in sentences if MIN_WORDS <= len(s.split()) <= MAX_WORDS and not BOILERPLATE.search(s)
                     and not any(s in e or e in s for e in skip)]
        rng.shuffle(sentences)
        found = []
        for sentence in sentences:
            entities = [e for e in nlp(sentence).ents if specific(e.text, e.label_)]
            if entities:
                entity = rng.choice(entities)
                found.append(Target(article, sentence, entity.text, ANSWER_LABELS[entity.label_]))
            if len(found) >= per_article:
                break
        chosen.append(found)
    return [t for round_ in range(per_article) for found in chosen if round_ < len(found) for t in [found[round_]]]


def specific(text: str, label: str) -> bool:
    """Can this entity be a question's answer: of a label asked for, more than a letter, a number holding a digit
    and a date naming a day, month or number?"""
    if label not in ANSWER_LABELS or len(text) < 2:
        return False
    if ANSWER_LABELS[label] == "number":
        return any(c.isdigit() for c in text)
    return label != "DATE" or bool(SPECIFIC_DATE.search(text))


def question_of(reply: str) -> str | None:
    """The question in the model's reply (its first line ending with '?'), unquoted; None when there is none."""
    for line in reply.strip().splitlines():
        line = re.sub(r"^\s*(question:|q:|\d+[.)]|-)\s*", "", line.strip(), flags=re.I).strip(" \"'*")
        if line.endswith("?"):
            return line
    return None


def words(text: str) -> list[str]:
    """Lower-case words and numbers."""
    return re.findall(r"[a-z0-9]+", text.lower())


def acceptable(question: str, target: Target) -> bool:
    """4 to 30 words, the answer not in it, and at least one capitalised word or number of the sentence in it (so
    that it asks about the sentence's subject, not about anything)."""
    asked = words(question)
    if not 4 <= len(asked) <= 30:
        return False
    answer = " ".join(words(target.answer))
    if answer and f" {answer} " in f" {' '.join(asked)} ":
        return False
    anchors = {w.lower() for w in re.findall(r"\b(?:[A-Z][\w'-]*|\d[\d,.]*)\b", target.sentence)} - {
        w.lower() for w in re.findall(r"\b[A-Z][\w'-]*\b", target.sentence[:1] + " ")}
    anchors -= set(words(target.answer))
    return bool(anchors & set(asked)) if anchors else True


def row(number: int, question: str, target: Target) -> dict:
    """A gold row (the format of tests/data/corpus_dev.jsonl), marked as generated."""
    article = target.article
    return {"id": f"gen{number:04d}", "question": question, "answers": [target.answer], "answerable": True,
            "type": target.kind, "url": article["url"], "title": article["title"], "source": article["source"],
            "evidence": target.sentence, "generated": True}


def generate(generator, found: list[Target], out: Path, limit: int, max_tokens: int = 48) -> int:
    """Ask the model for each target's question and append the acceptable ones to out; returns how many."""
    done = {json.loads(line)["evidence"] for line in out.read_text(encoding="utf-8").splitlines()} \
        if out.exists() else set()
    written, started = len(done), time.perf_counter()
    with out.open("a", encoding="utf-8") as sink:
        for asked, target in enumerate(t for t in found if t.sentence not in done):
            if written >= limit:
                break
            prompt = PROMPT.format(title=target.article["title"], source=target.article["source"],
                                   sentence=target.sentence, answer=target.answer)
            reply = "".join(generator.stream([{"role": "system", "content": SYSTEM},
                                              {"role": "user", "content": prompt}], max_tokens))
            question = question_of(reply)
            if question and acceptable(question, target):
                written += 1
                sink.write(json.dumps(row(written, question, target), ensure_ascii=False) + "\n")
                sink.flush()
            if (asked + 1) % 10 == 0:
                print(f"questions: {written} written, {asked + 1} asked, "
                      f"{(time.perf_counter() - started) / (asked + 1):.1f} s each", file=sys.stderr, flush=True)
    return written


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and write the questions."""
    from dataclasses import replace

    from qa import Settings
    from qa.answer.entities import DEFAULT_MODEL, pipeline
    from qa.generate.backends import load_generator

    parser = argparse.ArgumentParser(prog="python -m qa.bench questions", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines file (appended to; a rerun continues)")
    parser.add_argument("--corpus", type=Path, default=multihop_dir() / "corpus.json")
    parser.add_argument("--skip", type=Path, default=ROOT / "tests" / "data" / "corpus_dev.jsonl",
                        help="a gold set whose evidence sentences are not asked about")
    parser.add_argument("--llm", default="qwen", help="the model, as NEWSQA_LLM names it (default qwen)")
    parser.add_argument("--per-article", type=int, default=3)
    parser.add_argument("--limit", type=int, default=1000, help="stop after this many questions in the file")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from .reader import gold_rows

    corpus = json.loads(args.corpus.read_text(encoding="utf-8"))
    skip = {row["evidence"] for row in gold_rows(args.skip) if "evidence" in row}
    found = targets(corpus, skip, args.per_article, args.seed, pipeline(DEFAULT_MODEL))
    print(f"questions: {len(found)} sentences to ask about", file=sys.stderr, flush=True)
    generator = load_generator(replace(Settings.from_env(), llm=args.llm))
    print(json.dumps({"written": generate(generator, found, args.out, args.limit), "out": str(args.out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

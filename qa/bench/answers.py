"""Answer accuracy on MultiHop-RAG with the benchmark's own metric, for the extractive answer and each LLM.

python -m qa.answer_bench --index-dir DIR [--models extractive,smollm2,qwen] [--sample 100] [--out FILE]

A fixed, seeded sample of dev queries (non-null queries numbered from 0 in file order, number % 4 == 0) is asked
through `Assistant.ask`, the path users see; a prediction is correct when its lower-cased whitespace-split words
share at least one word with the gold answer's (MultiHop-RAG's qa_evaluate.py).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import multihop_dir

QUERIES = multihop_dir() / "MultiHopRAG.json"
SEED = 20240115
PUBLISHED = {"GPT-4": 0.56, "Claude-2.1": 0.52, "PaLM": 0.47, "GPT-3.5": 0.44, "Mixtral-8x7B": 0.32,
             "Llama-2-70B": 0.28}
_MARK = re.compile(r"\s*\[\d+\]")


@dataclass(frozen=True)
class Query:
    """One benchmark query with its number among the non-null queries."""

    number: int
    query: str
    answer: str
    kind: str


def dev_sample(path: Path = QUERIES, size: int = 100, seed: int = SEED) -> list[Query]:
    """The fixed sample: `size` dev queries chosen with a seeded generator, in file order."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    non_null = [r for r in rows if r["question_type"] != "null_query"]
    dev = [Query(i, r["query"], r["answer"], r["question_type"]) for i, r in enumerate(non_null) if i % 4 == 0]
    return sorted(random.Random(seed).sample(dev, min(size, len(dev))), key=lambda q: q.number)


def correct(prediction: str, gold: str) -> bool:
    """MultiHop-RAG's has_intersection on lower-cased text: any shared whitespace-split word."""
    return bool(set(prediction.lower().split()) & set(gold.lower().split()))


def correct_loose(prediction: str, gold: str) -> bool:
    """The same with punctuation removed first ('Yes,' counts as 'yes'): a reference, not the benchmark's."""
    strip = lambda text: re.sub(r"[^\w\s'-]", " ", text)  # noqa: E731
    return correct(strip(prediction), strip(gold))


def plain(text: str) -> str:
    """An answer's text without its [n] citation marks (the words a reader sees)."""
    return _MARK.sub("", text)


def run_model(index_dir: Path, model: str, queries: list[Query], rows_path: Path, timeout: float) -> list[dict]:
    """Ask every query with one model ('extractive' for none), appending rows to rows_path (resumable)."""
    from qa import Assistant, Settings

    done = _done_rows(rows_path, model)
    settings = Settings.from_env(index_dir=index_dir, llm="" if model == "extractive" else model,
                                 llm_timeout=timeout)
    assistant = Assistant.open(settings=settings)
    rows = []
    for q in queries:
        row = done.get(q.number) or _ask(assistant, model, q)
        if q.number not in done:
            with open(rows_path, "a", encoding="utf-8") as out:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            print(f"{model} #{q.number}: {row['correct']} {row['prediction'][:100]!r}", flush=True)
        rows.append(row)
    return rows


def _ask(assistant, model: str, q: Query) -> dict:
    """One query through the ask path, scored."""
    started = time.perf_counter()
    answer = assistant.ask(q.query)
    prediction = plain(answer.text)
    return {"model": model, "number": q.number, "kind": q.kind, "gold": q.answer, "prediction": prediction,
            "correct": correct(prediction, q.answer), "correct_loose": correct_loose(prediction, q.answer),
            "mode": answer.mode, "refused": answer.refused,
            "citations": len(answer.citations), "notes": list(answer.notes), "sentences": list(answer.sentences),
            "seconds": time.perf_counter() - started,
            "first_token": answer.timings.get("llm_first_token"), "llm_seconds": answer.timings.get("llm")}


def _done_rows(path: Path, model: str) -> dict[int, dict]:
    """Rows already written for this model."""
    if not path.exists():
        return {}
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {r["number"]: r for r in rows if r["model"] == model}


def summary(rows: list[dict]) -> dict:
    """Accuracy overall and per query type, how often the LLM answer was kept, and timings."""
    kinds = sorted({r["kind"] for r in rows})
    timed = [r for r in rows if r["first_token"] is not None]
    return {"queries": len(rows), "accuracy": _mean(r["correct"] for r in rows),
            "accuracy_no_punctuation": _mean(r["correct_loose"] for r in rows),
            **{f"accuracy_{k.replace('_query', '')}": _mean(r["correct"] for r in rows if r["kind"] == k)
               for k in kinds},
            "llm_answers": _mean(r["mode"] == "llm" for r in rows), "refused": _mean(r["refused"] for r in rows),
            "timeouts": sum(any("NEWSQA_LLM_TIMEOUT" in n for n in r["notes"]) for r in rows),
            "median_first_token_s": statistics.median(r["first_token"] for r in timed) if timed else None,
            "median_llm_s": statistics.median(r["llm_seconds"] for r in timed) if timed else None,
            "median_total_s": statistics.median(r["seconds"] for r in rows) if rows else None}


def _mean(values) -> float:
    """Mean of booleans (0 for none)."""
    values = [float(v) for v in values]
    return sum(values) / len(values) if values else 0.0


def table(results: dict[str, dict]) -> str:
    """Models as rows, the key figures as columns, the published figures below."""
    lines = [f"{'model':<12} {'accuracy':>8} {'no punct':>8} {'llm kept':>8} {'1st tok s':>9} {'llm s':>6} "
             f"{'total s':>7}"]
    for model, s in results.items():
        lines.append(f"{model:<12} {s['accuracy']:>8.2f} {s['accuracy_no_punctuation']:>8.2f} {s['llm_answers']:>8.2f} "
                     f"{_num(s['median_first_token_s']):>9} {_num(s['median_llm_s']):>6} "
                     f"{_num(s['median_total_s']):>7}")
    lines.append("published (paper, retrieved chunks): " + ", ".join(f"{k} {v:.2f}" for k, v in PUBLISHED.items()))
    return "\n".join(lines)


def _num(value) -> str:
    """A number with one decimal, or '-'."""
    return "-" if value is None else f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: run each model on the sample, print the table, write JSON."""
    parser = argparse.ArgumentParser(prog="python -m qa.answer_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, required=True, help="an index of corpus.json")
    parser.add_argument("--models", default="extractive,smollm2,qwen")
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=300.0, help="NEWSQA_LLM_TIMEOUT for the run")
    parser.add_argument("--out", type=Path, default=Path("answer_bench.json"))
    parser.add_argument("--rows-only", action="store_true",
                        help="summarize the rows already written (an interrupted run) without asking anything")
    args = parser.parse_args(argv)
    queries = dev_sample(size=args.sample)
    rows_path = args.out.with_suffix(".rows.jsonl")
    results, rows = {}, {}
    for model in args.models.split(","):
        if args.rows_only:
            done = _done_rows(rows_path, model)
            rows[model] = [done[q.number] for q in queries if q.number in done]
        else:
            rows[model] = run_model(args.index_dir, model, queries, rows_path, args.timeout)
        results[model] = summary(rows[model])
    print(table(results))
    args.out.write_text(json.dumps({"sample": [q.number for q in queries], "seed": SEED, "summary": results,
                                    "published": PUBLISHED, "rows": rows}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

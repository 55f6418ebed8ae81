"""`python -m qa.bench answers --split dev|test [--llm NAME] [--limit N]`: MultiHop-RAG answer quality through
the same `Assistant.ask` path users take (--limit: N queries spread evenly over the split, every type included).

Queries: the non-null ones numbered from 0 in file order (dev = number % 4 == 0, test = the rest), plus the
null queries numbered separately by the same rule. Figures: the benchmark's own metric (prediction =
`short_answer`, or "Insufficient information." when refused: correct when it shares a lower-cased word with
the gold answer); a strict metric (yes/no gold: the short answer's first word agrees; other gold: it occurs in a
short answer of at most 8 words; null: refused); yes/no balanced accuracy; null refused; answerable refused;
per question type; and, in the same run, the majority-answer prior (each type's most common dev answer)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import multihop_dir

INSUFFICIENT = "Insufficient information."
PUBLISHED = {"GPT-4": 0.56, "Claude-2.1": 0.52, "PaLM": 0.47, "GPT-3.5": 0.44, "Mixtral-8x7B": 0.32,
             "Llama-2-70B": 0.28}
YES_NO = {"yes": "yes", "no": "no", "true": "yes", "false": "no"}


@dataclass(frozen=True)
class Query:
    """One benchmark query: its number (within non-null or null queries), text, gold answer and type."""

    number: int
    text: str
    answer: str
    kind: str

    @property
    def split(self) -> str:
        """'dev' when the number is divisible by 4, else 'test'."""
        return "dev" if self.number % 4 == 0 else "test"


def load(path: Path) -> list[Query]:
    """Non-null queries numbered in file order, then null queries numbered separately."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    answerable = [q for q in raw if q["question_type"] != "null_query"]
    null = [q for q in raw if q["question_type"] == "null_query"]
    return [Query(n, q["query"], q["answer"], q["question_type"]) for group in (answerable, null)
            for n, q in enumerate(group)]


def words(text: str) -> list[str]:
    """Lower-cased words without punctuation."""
    return re.findall(r"[\w'-]+", text.lower())


def benchmark_correct(prediction: str, gold: str) -> bool:
    """MultiHop-RAG's own check: the lower-cased, whitespace-split words of both share at least one."""
    return bool(set(prediction.lower().split()) & set(gold.lower().split()))


def strict_correct(short: str | None, refused: bool, query: Query) -> bool:
    """Yes/no gold: the first word agrees; null: refused; other gold: it occurs in a short answer of <= 8 words."""
    if query.kind == "null_query":
        return refused
    if refused or not short:
        return False
    gold = YES_NO.get(query.answer.lower().strip(" ."))
    said = words(short)
    if gold:
        return bool(said) and YES_NO.get(said[0]) == gold
    wanted = " ".join(words(query.answer))
    return len(said) <= 8 and f" {wanted} " in f" {' '.join(said)} "


def spread(queries: list[Query], limit: int | None) -> list[Query]:
    """`limit` queries evenly spaced over the list (in order), so every question type is sampled; all when None."""
    if limit is None or limit >= len(queries):
        return queries
    return [queries[i * len(queries) // limit] for i in range(limit)]


def prior(dev: list[Query]) -> dict[str, str]:
    """Each question type's most common dev answer."""
    by_kind: dict[str, Counter] = {}
    for q in dev:
        by_kind.setdefault(q.kind, Counter())[q.answer] += 1
    return {kind: counts.most_common(1)[0][0] for kind, counts in by_kind.items()}


def row(query: Query, short: str | None, refused: bool, seconds: float = 0.0, text: str = "", mode: str = "",
        notes: tuple[str, ...] = ()) -> dict:
    """One query's prediction and scores (mode: how the answer was written; notes: what the answer says of it)."""
    prediction = INSUFFICIENT if refused or not short else short
    return {"number": query.number, "kind": query.kind, "gold": query.answer, "short_answer": short,
            "refused": refused, "prediction": prediction, "benchmark": benchmark_correct(prediction, query.answer),
            "strict": strict_correct(short, refused, query), "seconds": round(seconds, 3), "answer": text[:300],
            "mode": mode, "notes": list(notes)}


def summary(rows: list[dict]) -> dict:
    """The table's figures for one system."""
    answerable = [r for r in rows if r["kind"] != "null_query"]
    null = [r for r in rows if r["kind"] == "null_query"]
    recalls = []
    for gold in ("yes", "no"):
        picked = [r for r in answerable if YES_NO.get(r["gold"].lower().strip(" .")) == gold]
        if picked:
            recalls.append(_mean(r["strict"] for r in picked))
    kinds = sorted({r["kind"] for r in rows})
    return {"queries": len(rows), "benchmark": _mean(r["benchmark"] for r in rows),
            "strict": _mean(r["strict"] for r in rows),
            "yes_no_balanced": sum(recalls) / len(recalls) if recalls else 0.0,
            "null_refused": _mean(r["refused"] for r in null),
            "answerable_refused": _mean(r["refused"] for r in answerable),
            **{f"strict_{k.replace('_query', '')}": _mean(r["strict"] for r in rows if r["kind"] == k) for k in kinds},
            "median_seconds": sorted(r["seconds"] for r in rows)[len(rows) // 2] if rows else None}


def _mean(values) -> float:
    """Mean of booleans (0 for none)."""
    values = [float(v) for v in values]
    return sum(values) / len(values) if values else 0.0


def run(index_dir: Path, queries: list[Query], llm: str, rows_path: Path | None) -> list[dict]:
    """Ask every query through Assistant.ask; rows are appended to rows_path as they come."""
    from qa import Assistant, Settings

    settings = Settings.from_env(index_dir=index_dir, llm=llm or "")
    assistant = Assistant.open(settings=settings)
    assistant.ask("warm up the models")
    rows = []
    for q in queries:
        started = time.perf_counter()
        answer = assistant.ask(q.text)
        rows.append(row(q, answer.short_answer, answer.refused, time.perf_counter() - started, answer.text,
                        answer.mode, answer.notes))
        if rows_path:
            with open(rows_path, "a", encoding="utf-8") as out:
                out.write(json.dumps(rows[-1], ensure_ascii=False) + "\n")
    return rows


def table(results: dict[str, dict]) -> str:
    """Systems as rows, the figures as columns; the published figures below."""
    cols = ("benchmark", "strict", "yes_no_balanced", "null_refused", "answerable_refused", "strict_comparison",
            "strict_inference", "strict_temporal", "strict_null")
    lines = [f"{'system':<22}" + "".join(f"{c.replace('strict_', 's_'):>19}" for c in cols)]
    for name, s in results.items():
        lines.append(f"{name:<22}" + "".join(f"{s.get(c, 0.0):>19.3f}" for c in cols))
    lines.append("published benchmark metric (paper, retrieved chunks): "
                 + ", ".join(f"{k} {v:.2f}" for k, v in PUBLISHED.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the project and the prior on the split, print the table, write JSON."""
    parser = argparse.ArgumentParser(prog="python -m qa.bench answers", description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("--index-dir", type=Path, required=True, help="an index of corpus.json (qa.bench multihop)")
    parser.add_argument("--queries", type=Path, default=multihop_dir() / "MultiHopRAG.json")
    parser.add_argument("--llm", default="", help="answer with this LLM (smollm2, qwen, a .gguf path, openai)")
    parser.add_argument("--limit", type=int, help="only N queries, spread evenly over the split")
    parser.add_argument("--out", type=Path, help="write the summary and rows as JSON")
    args = parser.parse_args(argv)
    everything = load(args.queries)
    queries = spread([q for q in everything if q.split == args.split], args.limit)
    majority = prior([q for q in everything if q.split == "dev"])
    rows_path = args.out.with_suffix(".rows.jsonl") if args.out else None
    if rows_path and rows_path.exists():
        rows_path.unlink()
    rows = run(args.index_dir, queries, args.llm, rows_path)
    baseline = [row(q, majority[q.kind], majority[q.kind] == INSUFFICIENT) for q in queries]
    name = f"newsqa ({args.llm or 'extractive'})"
    results = {name: summary(rows), "majority prior": summary(baseline)}
    print(f"MultiHop-RAG {args.split}: {len(queries)} queries")
    print(table(results))
    if args.out:
        args.out.write_text(json.dumps({"split": args.split, "summary": results, "prior": majority,
                                        "published": PUBLISHED, "rows": rows}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

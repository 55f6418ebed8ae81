"""Evaluate the ask path against a gold Q&A set: retrieval, answers, citations, refusals, latency.

python -m qa.evaluation tests/data/gold_seeds.jsonl [--index-dir DIR] [--corpus PATH] [--out report.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from index import SEEDS, build_index

from ..answer import quote_matches
from ..assistant import Assistant
from ..bench.stats import percentile
from ..settings import Settings

HIT_KS = (1, 3, 5)


@dataclass(frozen=True)
class GoldItem:
    """One gold question: accepted answers and the source files that hold them (none if unanswerable)."""

    id: str
    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]
    answerable: bool
    url: str | None = None


def load_gold(path: Path) -> list[GoldItem]:
    """Read a gold JSONL file."""
    items = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            items.append(GoldItem(row["id"], row["question"], tuple(row.get("answers", ())),
                                  tuple(row.get("sources", ())), bool(row.get("answerable", True)), row.get("url")))
    return items


def normalize(text: str) -> str:
    """Lower-case, unify quotes and dashes, collapse spaces (for answer matching)."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    return " ".join(re.sub(r"[^\w\s,.'\-]", " ", text).split())


def contains_answer(text: str, answers: tuple[str, ...]) -> bool:
    """Does the text contain any accepted answer (normalised, on word boundaries)?"""
    norm = normalize(text)
    return any(re.search(rf"(?<!\w){re.escape(normalize(a))}(?!\w)", norm) for a in answers)


def evaluate_item(assistant: Assistant, item: GoldItem) -> dict:
    """Ask one gold question through the user path and score what came back."""
    started = time.perf_counter()
    answer = assistant.ask(item.question)
    latency = time.perf_counter() - started
    passages = assistant.search(item.question, k=max(HIT_KS))
    names = [p.url if item.url else Path(p.path).name for p in passages]
    wanted = {item.url} if item.url else set(item.sources)
    texts = {c.article_id: assistant.article_text(c.article_id) for c in answer.citations}
    return {"id": item.id, "question": item.question, "answerable": item.answerable,
            "refused": answer.refused, "answer": answer.text, "short_answer": answer.short_answer,
            "latency": latency, "mode": answer.mode,
            "correct": (not answer.refused and contains_answer(answer.text, item.answers)) if item.answerable
            else answer.refused,
            "short_correct": (not answer.refused and contains_answer(answer.short_answer or "", item.answers))
            if item.answerable else answer.refused,
            "short_words": len((answer.short_answer or "").split()),
            "hits": {k: any(n in wanted for n in names[:k]) for k in HIT_KS} if item.answerable else {},
            "citations": len(answer.citations),
            "precise_citations": sum(contains_answer(c.passage_text, item.answers) for c in answer.citations),
            "offset_errors": sum(not quote_matches(c, texts[c.article_id]) for c in answer.citations)}


STRICT_WORDS = 8
"""short_answer_strict counts a short answer right only when it is at most this many words (the issue's strict
metric): a quoted sentence standing in for the short answer holds the answer without being one."""


def summarize(rows: list[dict]) -> dict:
    """Aggregate figures over per-question rows."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    cited = sum(r["citations"] for r in answerable)
    latencies = sorted(r["latency"] for r in rows)
    return {"questions": len(rows), "answerable": len(answerable), "unanswerable": len(unanswerable),
            **{f"hit@{k}": _mean(r["hits"][k] for r in answerable) for k in HIT_KS},
            "short_answer_accuracy": _mean(r["short_correct"] for r in answerable),
            "short_answer_strict": _mean(r["short_correct"] and r.get("short_words", 0) <= STRICT_WORDS
                                         for r in answerable),
            "answer_accuracy": _mean(r["correct"] for r in answerable),
            "answerable_wrong": _mean(not r["refused"] and not r["short_correct"] for r in answerable),
            "false_refusals": _mean(r["refused"] for r in answerable),
            "refusal_accuracy": _mean(r["correct"] for r in unanswerable),
            "unanswerable_answered": _mean(not r["refused"] for r in unanswerable),
            "citation_precision": sum(r["precise_citations"] for r in answerable) / cited if cited else 0.0,
            "citations": cited + sum(r["citations"] for r in unanswerable),
            "offset_errors": sum(r["offset_errors"] for r in rows),
            "llm_answers": _mean(r.get("mode") == "llm" for r in rows),
            "latency_p50_ms": 1000 * (percentile(latencies, 0.50) or 0.0),
            "latency_p95_ms": 1000 * (percentile(latencies, 0.95) or 0.0)}


def _mean(values) -> float:
    """Mean of booleans or numbers (0 for none)."""
    values = [float(v) for v in values]
    return sum(values) / len(values) if values else 0.0


def evaluate(assistant: Assistant, gold: list[GoldItem]) -> dict:
    """Run every gold question (after one warm-up ask) and return summary and rows."""
    assistant.ask(gold[0].question)
    rows = [evaluate_item(assistant, item) for item in gold]
    return {"summary": summarize(rows), "rows": rows}


def table(summary: dict) -> str:
    """The summary as an aligned two-column table."""
    lines = [f"{'metric':<22} value", f"{'-' * 22} -----"]
    for key, value in summary.items():
        shown = f"{value:.3f}" if isinstance(value, float) and not key.endswith("_ms") else \
            f"{value:.1f}" if isinstance(value, float) else str(value)
        lines.append(f"{key:<22} {shown}")
    return "\n".join(lines)


def refusal_table(rows: list[dict]) -> str:
    """Answered correctly / answered wrongly / refused, for answerable and unanswerable questions."""
    lines = [f"{'':<14}{'right':>8}{'wrong':>8}{'refused':>9}"]
    for label, answerable in (("answerable", True), ("unanswerable", False)):
        picked = [r for r in rows if r["answerable"] is answerable]
        right = sum(r["short_correct"] and not r["refused"] for r in picked) if answerable else 0
        refused = sum(r["refused"] for r in picked)
        lines.append(f"{label:<14}{right:>8}{len(picked) - right - refused:>8}{refused:>9}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: evaluate, print the table and the failures, write JSON."""
    parser = argparse.ArgumentParser(prog="python -m qa.evaluation", description=__doc__.splitlines()[0])
    parser.add_argument("gold", type=Path)
    parser.add_argument("--index-dir", type=Path, help="existing index (default: build --corpus into a temp dir)")
    parser.add_argument("--corpus", type=Path, default=SEEDS)
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    parser.add_argument("--llm", help="answer with this LLM (smollm2, qwen, openai or a .gguf path; see docs/llm.md)")
    parser.add_argument("--report", type=Path, help="write an HTML report (a chart per metric, every failure)")
    args = parser.parse_args(argv)
    settings = Settings.from_env(index_dir=args.index_dir or Path(tempfile.mkdtemp(prefix="newsqa-eval-")),
                                 llm=args.llm)
    if args.index_dir is None:
        build_index(settings, [args.corpus])
    report = evaluate(Assistant.open(settings=settings), load_gold(args.gold))
    print(table(report["summary"]))
    print(refusal_table(report["rows"]))
    for row in report["rows"]:
        if not row["short_correct"]:
            print(f"  wrong {row['id']}: {row['question']} -> {row['short_answer']!r} | {row['answer'][:100]!r}")
    if args.report:
        from .report import write_report

        write_report(args.report, args.gold.name, report)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

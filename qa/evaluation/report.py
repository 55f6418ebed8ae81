"""An HTML report of an evaluation: one bar chart per metric and every failed question, self-contained."""

from __future__ import annotations

import html
from pathlib import Path

CHARTED = ("short_answer_accuracy", "short_answer_strict", "answer_accuracy", "refusal_accuracy", "false_refusals",
           "answerable_wrong", "unanswerable_answered", "citation_precision", "hit@1", "hit@3", "hit@5")


def bar(label: str, value: float) -> str:
    """One metric as a labelled horizontal bar (0..1) in inline SVG."""
    width = max(0.0, min(1.0, value)) * 300
    return (f'<div class="metric"><span>{html.escape(label)}</span><svg width="310" height="18">'
            f'<rect width="300" height="16" fill="#eee"/><rect width="{width:.1f}" height="16" fill="#3a6ea5"/>'
            f'</svg><b>{value:.3f}</b></div>')


def failure(row: dict) -> str:
    """A failed question as a table row: what was asked, what came back."""
    cells = (row["id"], row["question"], "answerable" if row["answerable"] else "unanswerable",
             "refused" if row["refused"] else row.get("short_answer") or "", row["answer"][:300])
    return "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"


def write_report(path: Path, title: str, report: dict) -> None:
    """Write the report for one gold set."""
    summary = report["summary"]
    bars = "".join(bar(m, summary[m]) for m in CHARTED if isinstance(summary.get(m), float))
    failed = "".join(failure(r) for r in report["rows"] if not r["short_correct"])
    page = f"""<!doctype html><meta charset="utf-8"><title>newsqa evaluation: {html.escape(title)}</title>
<style>body{{font:14px sans-serif;margin:2em}} .metric{{display:flex;gap:.6em;align-items:center}}
.metric span{{width:14em}} table{{border-collapse:collapse}} td{{border:1px solid #ccc;padding:3px;vertical-align:top}}</style>
<h1>{html.escape(title)}: {summary['questions']} questions</h1>{bars}
<p>Latency p50 {summary['latency_p50_ms']:.0f} ms, p95 {summary['latency_p95_ms']:.0f} ms.</p>
<h2>Failed questions ({failed.count('<tr>')})</h2>
<table><tr><th>id</th><th>question</th><th>kind</th><th>short answer</th><th>answer</th></tr>{failed}</table>"""
    Path(path).write_text(page, encoding="utf-8")

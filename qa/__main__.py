"""CLI: python -m qa ask "QUESTION" [--index-dir DIR] [--json] | python -m qa search "QUERY" [-k N].

Exit codes: 0 answered; 1 an error; 2 a bad setting; 4 the index was embedded by another encoder (index/__main__.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import Assistant, NewsqaError, Settings
from .answer import source_label


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the command; domain errors become a message and exit code 1 (4: another encoder)."""
    parser = argparse.ArgumentParser(prog="python -m qa", description="Ask the indexed news articles.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, helptext in (("ask", "answer a question with citations"), ("search", "list matching passages")):
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("question")
        cmd.add_argument("--index-dir", type=Path, help="index folder (env NEWSQA_INDEX_DIR)")
        cmd.add_argument("--json", action="store_true", help="print JSON")
        cmd.add_argument("-k", type=int, default=None, help="passages to use or list")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(index_dir=args.index_dir)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        assistant = Assistant.open(settings=settings)
        if args.command == "search":
            passages = assistant.search(args.question, k=args.k or 10)
            print(json.dumps([p.to_dict() for p in passages], indent=2, ensure_ascii=False) if args.json
                  else "\n\n".join(f"[{i}] {p.score:.4f} {p.title} ({p.date or 'undated'})\n{p.text}"
                                   for i, p in enumerate(passages, 1)))
            return 0
        answer = assistant.ask(args.question, k=args.k)
    except NewsqaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False) if args.json else render(answer))
    return 0


def render(answer) -> str:
    """The answer (the short answer on its first line) and its numbered sources, for a terminal."""
    lines = [answer.text, ""]
    if answer.rewritten_question:
        lines.insert(0, f"(understood as: {answer.rewritten_question})")
    for c in answer.citations:
        lines.append(f"[{c.n}] {source_label(c)} — {c.path} [{c.start}:{c.end}]")
        if c.duplicates:
            lines.append("    also published by: " + ", ".join(
                f"{d.get('source') or d.get('title')} ({d.get('date') or 'undated'})" for d in c.duplicates))
    return "\n".join(lines).rstrip()


if __name__ == "__main__":
    sys.exit(main())

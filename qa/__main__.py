"""CLI: python -m qa ask "QUESTION" [--index-dir DIR] [--json] [filters] | python -m qa search "QUERY" [-k N] [filters]
| python -m qa timeline "TOPIC" [--json] [filters], where the filters are --source NAME, --exclude-source NAME (each
repeatable), --since YYYY-MM-DD and --until YYYY-MM-DD.

Exit codes: 0 answered; 1 an error; 2 a bad setting or filter; 4 the index was embedded by another encoder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import Assistant, Filters, InvalidFilters, NewsqaError, Settings
from .answer import source_label

COMMANDS = (("ask", "answer a question with citations"), ("search", "list matching passages"),
            ("timeline", "the dated events about a topic, oldest first"))


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the command; bad settings or filters exit 2, other domain errors 1 (4: another encoder)."""
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env(index_dir=args.index_dir)
        filters = Filters(args.source, args.exclude_source, args.since, args.until)
    except (ValueError, InvalidFilters) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        print(run(Assistant.open(settings=settings), args, filters))
    except NewsqaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


def parser() -> argparse.ArgumentParser:
    """The commands and their options."""
    parser = argparse.ArgumentParser(prog="python -m qa", description="Ask the indexed news articles.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, helptext in COMMANDS:
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("question", metavar="topic" if name == "timeline" else "question")
        cmd.add_argument("--index-dir", type=Path, help="index folder (env NEWSQA_INDEX_DIR)")
        cmd.add_argument("--json", action="store_true", help="print JSON")
        if name != "timeline":
            cmd.add_argument("-k", type=int, default=None, help="passages to use or list")
        cmd.add_argument("--source", action="append", default=[], metavar="NAME",
                         help="only articles from this outlet (repeatable; case-insensitive)")
        cmd.add_argument("--exclude-source", action="append", default=[], metavar="NAME",
                         help="leave out articles from this outlet (repeatable)")
        cmd.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published on or after this day")
        cmd.add_argument("--until", metavar="YYYY-MM-DD", help="only articles published on or before this day")
    return parser


def run(assistant: Assistant, args, filters: Filters) -> str:
    """The command's output."""
    if args.command == "search":
        passages = assistant.search(args.question, k=args.k or 10, filters=filters)
        return (json.dumps([p.to_dict() for p in passages], indent=2, ensure_ascii=False) if args.json
                else "\n\n".join(f"[{i}] {p.score:.4f} {p.title} ({p.date or 'undated'})\n{p.text}"
                                 for i, p in enumerate(passages, 1)))
    if args.command == "timeline":
        found = assistant.timeline(args.question, filters=filters)
        if args.json:
            return json.dumps({k: v for k, v in found.to_dict().items() if k in ("topic", "events")}, indent=2,
                              ensure_ascii=False)
        return found.text() or f"No article is about {found.topic!r}" + (
            f" within the filters ({filters.describe()})." if filters.active else ".")
    answer = assistant.ask(args.question, k=args.k, filters=filters)
    return json.dumps(answer.to_dict(), indent=2, ensure_ascii=False) if args.json else render(answer)


def render(answer) -> str:
    """The answer (the short answer on its first line) and its numbered sources, for a terminal."""
    lines = [answer.text, ""]
    understood = [f"(understood as: {answer.rewritten_question})"] if answer.rewritten_question else []
    lines[:0] = understood + [f"({note})" for note in answer.notes]
    for c in answer.citations:
        lines.append(f"[{c.n}] {source_label(c)} — {c.path} [{c.start}:{c.end}]")
        if c.duplicates:
            lines.append("    also published by: " + ", ".join(
                f"{d.get('source') or d.get('title')} ({d.get('date') or 'undated'})" for d in c.duplicates))
    return "\n".join(lines).rstrip()


if __name__ == "__main__":
    sys.exit(main())

"""CLI: python -m index build [PATH|URL ...] [--index-dir DIR] [--prune]; feeds add|list|remove, update, groups
(index/commands.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import SEEDS, IndexSettings, NewsqaError, SkipKind, build_index
from .commands import COMMANDS, add_parsers, run


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, build the index, print the summary; errors become a message and exit 1."""
    parser = argparse.ArgumentParser(prog="python -m index", description="Build or update the newsqa index.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="index files and folders (default: the seeds)")
    build.add_argument("paths", nargs="*", help="files or folders (txt, md, html, json, jsonl), article page or "
                                                "feed URLs")
    build.add_argument("--index-dir", type=Path, help="index folder (env NEWSQA_INDEX_DIR)")
    build.add_argument("--prune", action="store_true", help="remove articles whose files are gone")
    build.add_argument("--json", action="store_true", help="print the report as JSON")
    add_parsers(sub)
    args = parser.parse_args(argv)
    try:
        settings = IndexSettings.from_env(index_dir=args.index_dir)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command in COMMANDS:
            return run(args, settings, progress=_status_lines if args.json else True)
        report = build_index(settings, args.paths or [SEEDS], prune=args.prune,
                             progress=_status_lines if args.json else True)
    except NewsqaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.summary())
    missing = [s.path for s in report.skipped if s.kind is SkipKind.MISSING]
    if missing:
        print(f"error: not found: {', '.join(missing)}", file=sys.stderr)
    return 1 if missing else 0


def _status_lines(done: int, total: int) -> None:
    """Progress as plain lines (for --json runs, whose stdout is the report)."""
    print(f"indexed {done}/{total} passages", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())

"""CLI: python -m index build [PATH|URL ...] [--index-dir DIR] [--prune]
      | python -m index rebuild [PATH ...] [--index-dir DIR]
      | python -m index feeds add|list|remove, update, groups (index/commands.py)

Exit codes: 0 done; 1 an error, or a path that does not exist; 2 a bad setting; 3 indexed, but some files or
records could not be read (each is listed with its reason); 4 the index was embedded by another encoder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import SEEDS, IndexReport, IndexSettings, NewsqaError, SkipKind, build_index
from .commands import COMMANDS, add_parsers, run
from .rebuild import rebuild_index

PARTIAL = 3
CONTENT_SKIPS = {SkipKind.UNREADABLE, SkipKind.TOO_LARGE}


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, build or rebuild the index, print the summary; errors become a message and exit 1."""
    args = _parser().parse_args(argv)
    try:
        settings = IndexSettings.from_env(index_dir=args.index_dir)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command in COMMANDS:
            return run(args, settings, progress=_status_lines if args.json else True)
        if args.command == "rebuild":
            return _rebuild(settings, args.paths)
        report = build_index(settings, args.paths or [SEEDS], prune=args.prune,
                             progress=_status_lines if args.json else True)
    except NewsqaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.summary())
    return exit_code(report)


def _parser() -> argparse.ArgumentParser:
    """The build, rebuild, feeds, update and groups commands and their options."""
    parser = argparse.ArgumentParser(prog="python -m index", description="Build, update or rebuild the newsqa index.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="index files and folders (default: the seeds)")
    build.add_argument("paths", nargs="*", help="files or folders (txt, md, html, json, jsonl), article page or "
                                                "feed URLs")
    build.add_argument("--index-dir", type=Path, help="index folder (env NEWSQA_INDEX_DIR)")
    build.add_argument("--prune", action="store_true", help="remove articles whose files are gone")
    build.add_argument("--json", action="store_true", help="print the report as JSON")
    rebuild = sub.add_parser("rebuild", help="rebuild a damaged index from its database (and files, if given)")
    rebuild.add_argument("paths", nargs="*", type=Path, help="original files or folders to index again too")
    rebuild.add_argument("--index-dir", type=Path, help="index folder (env NEWSQA_INDEX_DIR)")
    add_parsers(sub)
    return parser


def exit_code(report: IndexReport) -> int:
    """1 when a given path does not exist, 3 when a file's content could not be read, else 0 (one stderr line)."""
    missing = [s.path for s in report.skipped if s.kind is SkipKind.MISSING]
    if missing:
        print(f"error: not found: {', '.join(missing)}", file=sys.stderr)
        return 1
    unreadable = sum(s.kind in CONTENT_SKIPS for s in report.skipped)
    if unreadable:
        print(f"warning: {unreadable} file(s) or record(s) could not be read and were skipped (listed with the "
              f"reason); everything else is indexed", file=sys.stderr)
        return PARTIAL
    return 0


def _rebuild(settings: IndexSettings, paths: list[Path]) -> int:
    """Rebuild the index folder; say what was recovered and where the damaged files are kept."""
    recovered, report, kept = rebuild_index(settings, paths, progress=True)
    print(f"rebuilt {settings.index_dir}: {recovered} articles from the index database"
          + (f"; files: {report.summary()}" if paths else ""))
    if kept:
        print(f"the damaged folder is kept as {kept}; delete it once the rebuilt index answers")
    return exit_code(report)


def _status_lines(done: int, total: int) -> None:
    """Progress as plain lines (for --json runs, whose stdout is the report)."""
    print(f"indexed {done}/{total} passages", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())

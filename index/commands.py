"""The CLI's commands for feeds and syndicated copies: `python -m index feeds add|list|remove`, `update`, `groups`
(index/__main__.py dispatches to them; `build` takes URLs itself)."""

from __future__ import annotations

import json
import sys

from .corpus import Corpus
from .dedupe import regroup
from .feeds import Feeds, UpdateReport
from .groups import Groups, duplicate
from .settings import IndexSettings

COMMANDS = ("feeds", "update", "groups")


def add_parsers(sub) -> None:
    """Add the feeds, update and groups subcommands to the CLI's subparsers."""
    feeds = sub.add_parser("feeds", help="the feeds remembered in the index")
    action = feeds.add_subparsers(dest="action", required=True)
    add = action.add_parser("add", help="remember a feed (RSS 2.0, RSS 1.0, Atom) and fetch its entries")
    add.add_argument("url")
    add.add_argument("--no-update", action="store_true", help="remember it only; `update` fetches it")
    action.add_parser("list", help="the feeds, with when each was last checked")
    remove = action.add_parser("remove", help="forget a feed (its articles stay)")
    remove.add_argument("feed", help="the feed's URL or id")
    update = sub.add_parser("update", help="fetch what is new in the feeds (conditional GET; read entries skipped)")
    update.add_argument("feeds", nargs="*", help="feed URLs or ids (default: every feed)")
    groups = sub.add_parser("groups", help="syndicated copies: the groups of two or more articles")
    groups.add_argument("--rebuild", action="store_true", help="derive every group again from the articles")
    for parser in (add, action.choices["list"], remove, update, groups):
        parser.add_argument("--index-dir", help="index folder (env NEWSQA_INDEX_DIR)")
        parser.add_argument("--json", action="store_true", help="print JSON")


def run(args, settings: IndexSettings, progress) -> int:
    """Run one of COMMANDS; domain errors are left to the caller to print."""
    if args.command == "groups":
        return _groups(args, settings)
    feeds = Feeds.open(settings)
    if args.command == "feeds" and args.action == "list":
        return _print(args, [f.to_dict() for f in feeds.list()],
                      "\n".join(f"{f.id}  {f.url}  {f.title or ''}  checked {f.checked or 'never'}"
                                f"{f' ({f.status})' if f.status else ''}" for f in feeds.list()) or "no feeds")
    if args.command == "feeds" and args.action == "remove":
        feed = feeds.remove(args.feed)
        return _print(args, feed.to_dict(), f"removed {feed.url} (its articles stay in the index)")
    if args.command == "feeds":
        feed = feeds.add(args.url)
        if args.no_update:
            return _print(args, feed.to_dict(), f"added {feed.url} as {feed.id}")
        keys = [feed.id]
    else:
        keys = args.feeds or None
    corpus = Corpus.open(settings, create=True, progress=not args.json)
    report: UpdateReport = feeds.update(corpus, keys, progress=progress)
    return _print(args, report.to_dict(), report.summary())


def _groups(args, settings: IndexSettings) -> int:
    """List the groups of copies (after deriving them again, with --rebuild)."""
    from .store import Store

    store = Store.open(settings)
    changed = regroup(store) if args.rebuild else None
    groups = Groups.of(store.articles())
    shared = [[duplicate(a) for a in m] for m in groups.members.values() if len(m) > 1]
    lines = [f"{len(shared)} groups of copies; {groups.stats()['groups']} stories in all"
             + (f"; {changed} articles changed group" if changed is not None else "")]
    for members in shared:
        lines += [""] + [f"  {m['date'] or 'undated'}  {m['source'] or '?'}: {m['title']}" for m in members]
    return _print(args, {"stats": groups.stats(), "changed": changed, "groups": shared}, "\n".join(lines))


def _print(args, data, text: str) -> int:
    """Print JSON or text; exit code 0."""
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else text)
    return 0

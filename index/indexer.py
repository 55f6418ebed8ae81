"""Incremental, idempotent, crash-safe indexing of article files into the store."""

from __future__ import annotations

import hashlib
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from .articles import Article, Passage
from .chunking import passage_spans
from .dedupe import signature, stored_grouper
from .embedding import Embedder
from .readers import Found, Skip, SkipKind, find_files, read_file
from .settings import IndexSettings
from .store import Store, StoredArticle

Progress = Callable[[int, int], None]
BATCH_PASSAGES = 256


@dataclass
class IndexReport:
    """What a build did: counts of articles added / updated / unchanged / removed, and each skip; `copies`
    counts the new articles that joined a group of syndicated copies (index/dedupe.py)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    passages: int = 0
    copies: int = 0
    skipped: list[Skip] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "removed": self.removed, "passages": self.passages, "copies": self.copies,
                "seconds": round(self.seconds, 2),
                "article_ids": self.article_ids,
                "skipped": [s.to_dict() for s in self.skipped]}

    def summary(self) -> str:
        """A human summary, one line per skip."""
        copies = f", {self.copies} {'copy' if self.copies == 1 else 'copies'} of a story already indexed (grouped)" \
            if self.copies else ""
        head = (f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
                f"removed {self.removed}, skipped {len(self.skipped)}"
                f"{copies} "
                f"({self.passages} passages embedded, {self.seconds:.1f} s)")
        return "\n".join([head] + [f"  skipped {s.path}{f' ({s.title})' if s.title else ''}: {s.reason}"
                                   for s in self.skipped])


@dataclass
class _Plan:
    """What a build will write: articles to index, unchanged articles to restamp with their file's new hash
    and count (after the new ones are committed), and ids the changed files no longer hold (removed last)."""

    pending: list[_Pending] = field(default_factory=list)
    restamp: list[tuple[str, str, int]] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    claimed: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Pending:
    """An article read and chunked, waiting to be embedded and committed."""

    article: Article
    passages: list[Passage]
    embed_texts: list[str]
    file_hash: str
    file_articles: int
    replaces: bool = False
    signature: str = ""


class Indexer:
    """Reads files, chunks and embeds new or changed articles, commits them one by one."""

    def __init__(self, settings: IndexSettings, store: Store, embedder: Embedder):
        self.settings = settings
        self.store = store
        self.embedder = embedder

    def build(self, paths: Iterable[Path], prune: bool = False, progress: bool | Progress = False,
              names: dict[Path, str] | None = None) -> IndexReport:
        """Index files and folders (names: how given files are shown, e.g. an upload's own name); with prune,
        remove articles whose files are gone."""
        started = time.perf_counter()
        report = IndexReport()
        paths = [Path(p) for p in paths]
        files, report.skipped = find_files(paths)
        stored = self.store.articles()
        self.store.remove_orphans(set(stored))
        by_path: dict[str, list[StoredArticle]] = defaultdict(list)
        for article in stored.values():
            by_path[article.path].append(article)
        plan = _Plan()
        for found in files:
            self._read_one(Found(found.path, (names or {}).get(found.path, found.name)), by_path, stored, report,
                           plan)
        pending = self._group(plan.pending, set(plan.replaced), report)
        self._commit_all(pending, report, progress)
        self.store.set_file_hashes(plan.restamp)
        for article_id in plan.replaced:
            self.store.remove_article(article_id)
        if prune:
            report.removed += self._prune(by_path, [p.resolve() for p in paths])
        report.seconds = time.perf_counter() - started
        return report

    def add_articles(self, items: Iterable[tuple[Article, str, int]], progress: bool | Progress = False) -> IndexReport:
        """Chunk, embed and commit articles already read, each with its file's hash and article count (a rebuild
        from the index database)."""
        started = time.perf_counter()
        report = IndexReport()
        pending = self._group([self._chunk(article, file_hash, count) for article, file_hash, count in items],
                              set(), report)
        self._commit_all(pending, report, progress)
        report.article_ids = [p.article.id for p in pending]
        report.seconds = time.perf_counter() - started
        return report

    def _read_one(self, found: Found, by_path: dict, stored: dict, report: IndexReport, plan: _Plan) -> None:
        """Read a changed file into the plan, or count an unchanged one (same bytes, all its articles stored)."""
        key = str(found.path.resolve())
        data_hash = _file_hash(found.path)
        before = by_path.get(key, [])
        if data_hash and before and all(a.file_hash == data_hash for a in before) \
                and len(before) == before[0].file_articles:
            report.unchanged += len(before)
            report.article_ids.extend(a.id for a in before)
            return
        result = read_file(found.path, self.settings.max_upload_bytes, label=found.name)
        report.skipped.extend(result.skipped)
        new = len(plan.pending)
        articles = [replace(a, path=key, name=found.name) for a in result.articles]
        keep = self._plan_file(articles, found.name, data_hash, stored, report, plan)
        gone = [old for old in before if old.id not in keep] if keep else []
        replaced = min(len(gone), len(plan.pending) - new)
        plan.pending[new:new + replaced] = [replace(p, replaces=True) for p in plan.pending[new:new + replaced]]
        report.removed += len(gone) - replaced
        plan.replaced.extend(old.id for old in gone)

    def _plan_file(self, articles: list[Article], name: str, data_hash: str, stored: dict, report: IndexReport,
                   plan: _Plan) -> set[str]:
        """Decide per article: unchanged, duplicate (skipped) or to be indexed; returns the ids kept."""
        keep: set[str] = set()
        mine: list[Article] = []
        for article in articles:
            if article.id in plan.claimed or article.id in keep or \
                    (article.id in stored and stored[article.id].path != article.path):
                where = stored[article.id].name if article.id in stored else "this run"
                report.skipped.append(Skip(name, f"duplicate of an article already in {where}", SkipKind.DUPLICATE,
                                           article.title))
            else:
                keep.add(article.id)
                mine.append(article)
        for article in mine:
            plan.claimed.add(article.id)
            report.article_ids.append(article.id)
            if article.id in stored:
                plan.restamp.append((article.id, data_hash, len(mine)))
                report.unchanged += 1
            else:
                plan.pending.append(self._chunk(article, data_hash, len(mine)))
        return keep

    def _chunk(self, article: Article, file_hash: str, file_articles: int) -> _Pending:
        """Split an article into passages sized so the model sees the header and the whole passage."""
        header = embed_header(article)
        budget = min(self.settings.passage_tokens,
                     self.embedder.max_tokens - self.embedder.count_tokens([header])[0] - 2)
        overlap = min(self.settings.overlap_tokens, budget // 2)
        spans = passage_spans(article.text, self.embedder.count_tokens, max(budget, 32), overlap)
        passages = [Passage(id=f"{article.id}-{n:04d}", article_id=article.id, text=article.text[s.start:s.end],
                            start=s.start, end=s.end, title=article.title, source=article.source,
                            date=article.date, url=article.url, path=article.name or Path(article.path).name)
                    for n, s in enumerate(spans)]
        return _Pending(article, passages, [f"{header}\n{p.text}" for p in passages], file_hash, file_articles)

    def _group(self, pending: list[_Pending], replaced: set[str], report: IndexReport) -> list[_Pending]:
        """Give each new article its group: that of its nearest indexed or earlier copy, else its own id."""
        if not pending:
            return pending
        grouper = stored_grouper(self.store, exclude=replaced)
        grouped = []
        for item in pending:
            encoded = signature(item.article.text)
            group = grouper.add(item.article.id, encoded)
            report.copies += group != item.article.id
            grouped.append(replace(item, article=replace(item.article, group=group), signature=encoded,
                                   passages=[replace(p, group=group) for p in item.passages]))
        return grouped

    def _commit_all(self, pending: list[_Pending], report: IndexReport, progress: bool | Progress) -> None:
        """Embed in batches across articles, then commit each article (the unit of atomicity)."""
        total = sum(len(p.passages) for p in pending)
        bar = _progress_bar(total) if progress is True else None
        if callable(progress):
            progress(0, total)
        done = 0
        for batch in _batches(pending, BATCH_PASSAGES):
            vectors = self.embedder.embed([t for item in batch for t in item.embed_texts])
            offset = 0
            for item in batch:
                n = len(item.passages)
                self.store.put_article(item.article, item.passages, vectors[offset:offset + n],
                                       item.file_hash, item.file_articles, item.signature)
                offset += n
                report.updated += item.replaces
                report.added += not item.replaces
                report.passages += n
            done += offset
            if bar:
                bar.update(offset)
            elif callable(progress):
                progress(done, total)
        if bar:
            bar.close()

    def _prune(self, by_path: dict[str, list[StoredArticle]], roots: list[Path]) -> int:
        """Remove articles whose file, under one of the roots being built, no longer exists (files
        indexed from elsewhere, e.g. by another instance sharing a Chroma server, are not judged)."""
        removed = 0
        for path, articles in by_path.items():
            file = Path(path.split("#", 1)[0])
            if path and not file.exists() and any(root == file or root in file.parents for root in roots):
                for article in articles:
                    removed += self.store.remove_article(article.id)
        return removed


def embed_header(article: Article) -> str:
    """The line embedded before each passage: title, outlet and date."""
    return " | ".join(x for x in (article.title, article.source, article.date) if x)


def _batches(pending: list[_Pending], size: int) -> Iterable[list[_Pending]]:
    """Group articles so each group has about `size` passages."""
    batch, count = [], 0
    for item in pending:
        batch.append(item)
        count += len(item.passages)
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


def _file_hash(path: Path) -> str:
    """sha256 of a file's bytes ('' if unreadable: the reader reports why)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _progress_bar(total: int):
    """A tqdm bar on stderr for long work."""
    from tqdm import tqdm

    return tqdm(total=total, unit="passage", desc="embedding", file=sys.stderr, disable=total < 64)


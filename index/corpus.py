"""The one way to open or build an index: the store, the embedder and the keyword index, set up together.

Used by qa's Assistant, app.py, both CLIs, the benchmarks and the tests; a caller with its own parts (a
fake embedder, a store on Chroma's in-memory client) passes them in instead.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .embedding import Embedder, settings_embedder
from .fetch import is_url
from .indexer import Indexer, IndexReport
from .keyword import KeywordIndex
from .settings import IndexSettings
from .store import Store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@dataclass(frozen=True)
class Corpus:
    """An open index: its settings, the Chroma store, the embedder and the keyword index derived from it."""

    settings: IndexSettings
    store: Store
    embedder: Embedder
    keyword: KeywordIndex

    @classmethod
    def open(cls, settings: IndexSettings, create: bool = False, embedder: Embedder | None = None,
             store: Store | None = None, progress=False) -> "Corpus":
        """Open the index the settings point at (create=True makes an empty one); parts given are used as
        they are; with progress, each phase is announced on stderr."""
        _announce(progress, f"opening the index in {settings.index_dir}")
        store = store or Store.open(settings, create=create)
        if embedder is None:
            _announce(progress, f"loading the embedding model {settings.embed_model} ({settings.encoder_variant})")
            embedder = settings_embedder(settings)
        keyword = KeywordIndex(store, keyword_folder(settings), settings.keyword_refresh_seconds)
        return cls(settings, store, embedder, keyword)

    def add(self, paths: Sequence[Path | str], prune: bool = False, progress=False,
            names: dict[Path, str] | None = None) -> IndexReport:
        """Index files, folders and URLs given as strings (an article page, or a feed's linked pages, fetched by
        index/web.py; only http and https are fetched), then bring the keyword index up to date (names: how
        given files are shown)."""
        urls = [p for p in paths if isinstance(p, str) and is_url(p)]
        files = [Path(p) for p in paths if not (isinstance(p, str) and is_url(p))]
        gathered = self._fetch(urls, progress)
        report = Indexer(self.settings, self.store, self.embedder).build(
            files + gathered.files, prune=prune, progress=progress, names={**gathered.names(), **(names or {})})
        report.skipped = gathered.skipped + gathered.relabel(report.skipped)
        _announce(progress, "refreshing the keyword index")
        self.keyword.refresh(force=True)
        return report

    def _fetch(self, urls: list[str], progress) -> "Gathered":
        """Fetch URLs into article files under the index folder."""
        from .web import Gathered, Web

        if not urls:
            return Gathered()
        _announce(progress, f"fetching {len(urls)} URL{'s' if len(urls) > 1 else ''}")
        with Web(self.settings) as web:
            return web.gather(urls)

    def add_recovered(self, recovered: Sequence, progress=False) -> IndexReport:
        """Index articles recovered from an index database (rebuild.Recovered), then refresh the keyword index."""
        report = Indexer(self.settings, self.store, self.embedder).add_articles(
            [(r.article, r.file_hash, r.file_articles) for r in recovered], progress=progress)
        self.keyword.refresh(force=True)
        return report


def build_index(settings: IndexSettings, paths: Sequence[Path | str], prune: bool = False, progress=False,
                embedder: Embedder | None = None) -> IndexReport:
    """Open or create the index and add the paths and URLs to it (the CLI's `build`, the app's seeding)."""
    return Corpus.open(settings, create=True, embedder=embedder, progress=progress).add(
        paths, prune=prune, progress=progress)


def keyword_folder(settings: IndexSettings) -> Path:
    """Where the keyword index cache lives: beside Chroma, or per server in the index folder."""
    if settings.server_mode:
        name = f"keyword-{settings.chroma_host}-{settings.chroma_port}-{settings.collection}"
        return settings.index_dir / name.replace("/", "_").replace(":", "_")
    return settings.index_dir / f"keyword-{settings.collection}"


def _announce(progress, message: str) -> None:
    """One phase line on stderr when progress is shown."""
    if progress:
        print(message, file=sys.stderr, flush=True)

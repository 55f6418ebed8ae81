"""The one way to open or build an index: the store, the embedder and the keyword index, set up together.

Used by qa's Assistant, app.py, both CLIs, the benchmarks and the tests; a caller with its own parts (a
fake embedder, a store on Chroma's in-memory client) passes them in instead.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .embedding import Embedder, load_embedder
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
            _announce(progress, f"loading the embedding model {settings.embed_model}")
            embedder = load_embedder(settings.embed_model, settings.embed_batch)
        keyword = KeywordIndex(store, keyword_folder(settings), settings.keyword_refresh_seconds)
        return cls(settings, store, embedder, keyword)

    def add(self, paths: Sequence[Path], prune: bool = False, progress=False,
            names: dict[Path, str] | None = None) -> IndexReport:
        """Index files or folders (names: how given files are shown), then bring the keyword index up to date."""
        report = Indexer(self.settings, self.store, self.embedder).build(
            [Path(p) for p in paths], prune=prune, progress=progress, names=names)
        _announce(progress, "refreshing the keyword index")
        self.keyword.refresh(force=True)
        return report


    def add_recovered(self, recovered: Sequence, progress=False) -> IndexReport:
        """Index articles recovered from an index database (rebuild.Recovered), then refresh the keyword index."""
        report = Indexer(self.settings, self.store, self.embedder).add_articles(
            [(r.article, r.file_hash, r.file_articles) for r in recovered], progress=progress)
        self.keyword.refresh(force=True)
        return report


def build_index(settings: IndexSettings, paths: Sequence[Path], prune: bool = False, progress=False,
                embedder: Embedder | None = None) -> IndexReport:
    """Open or create the index and add the paths to it (the CLI's `build`, the app's seeding)."""
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

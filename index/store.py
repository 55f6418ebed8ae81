"""Chroma, the one source of truth: an articles collection and a passages collection.

An article is committed when its record is in the articles collection: passages are written first,
the article record last, so a crash leaves at most passages of an uncommitted article, which readers
ignore and the next build replaces. A state record carries a generation that changes on every commit,
so other processes (server mode) know when to refresh what they derive from the store, and each commit leaves a
record in the change log (index/changes.py) naming the articles it touched, so that they can refresh only those.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from .articles import Article, Passage
from .changes import ChangeLog
from .errors import EncoderMismatch, IndexDamaged, IndexUnavailable, StorageFull
from .export import vector_space
from .integrity import damaged_file
from .settings import ENCODERS, IndexSettings

SCHEMA = 1
UNRECORDED_ENCODER = "torch-fp32"  # indexes written before encoders were recorded
STATE_ID = "__newsqa_state__"
PAGE = 2000
ARTICLES_PER_GET = 100  # articles a `passages_of` read asks for at once (about 1,600 passages: one page)


@dataclass(frozen=True)
class StoredArticle:
    """A committed article's metadata as the store holds it (text left out)."""

    id: str
    title: str
    source: str | None
    date: str | None
    url: str | None
    author: str | None
    path: str
    file_hash: str
    file_articles: int
    passages: int
    group: str | None = None
    name: str = ""

    def to_dict(self) -> dict:
        """JSON-ready form for users: `path` is the shown name, never the server's absolute path."""
        shown = {k: v for k, v in dataclasses.asdict(self).items() if k != "name"}
        return {**shown, "path": self.name or Path(self.path).name}


def visible_articles(articles: dict[str, StoredArticle]) -> dict[str, StoredArticle]:
    """The articles readers may see: those whose file's articles are all committed (a file's articles become
    visible together, and a file cut off midway by a crash or a disk error stays hidden until it is complete)."""
    counts = Counter((a.path, a.file_hash) for a in articles.values())
    return {i: a for i, a in articles.items() if counts[a.path, a.file_hash] >= a.file_articles}


def make_client(settings: IndexSettings, create: bool):
    """An embedded PersistentClient in the index folder (its vector files checked first), or an HttpClient for a
    Chroma server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.server_mode:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                       ssl=settings.chroma_ssl, headers=_headers(settings.chroma_headers),
                                       settings=chroma_settings)
        folder = settings.index_dir / "chroma"
        if not create and not (folder / "chroma.sqlite3").exists():
            raise IndexUnavailable(f"No index at {settings.index_dir}: build one with "
                                   f"`python -m index build PATH --index-dir {settings.index_dir}`")
        folder.mkdir(parents=True, exist_ok=True)
        if not all(os.access(p, os.W_OK) for p in (folder, folder / "chroma.sqlite3") if p.exists()):
            raise IndexUnavailable(f"The index at {settings.index_dir} is read-only, and Chroma needs write access "
                                   f"even to answer: make it writable or copy it to a writable folder")
        damaged = damaged_file(folder)
        if damaged:
            raise IndexDamaged(f"The index at {settings.index_dir} is damaged ({damaged}); opening it could crash "
                               f"the process. Rebuild it from the articles its database still holds: "
                               f"`python -m index rebuild --index-dir {settings.index_dir}`")
        return _persistent_client(folder, chroma_settings)
    except IndexUnavailable:
        raise
    except Exception as exc:
        where = f"{settings.chroma_host}:{settings.chroma_port}" if settings.server_mode else settings.index_dir
        raise IndexUnavailable(f"Cannot open the index at {where}: {exc}") from exc


def _persistent_client(folder: Path, chroma_settings):
    """Chroma's embedded client; a database it cannot open is reported as damaged, and Chroma's broken
    per-folder system is forgotten so that the next attempt starts afresh."""
    import chromadb

    try:
        return chromadb.PersistentClient(path=str(folder), settings=chroma_settings)
    except Exception as exc:
        forget_client(folder)
        if any(s in str(exc) for s in ("file is not a database", "malformed", "code: 26", "code: 11")):
            index_dir = folder.parent
            raise IndexDamaged(f"The index at {index_dir} is damaged: its database chroma.sqlite3 cannot be read "
                               f"({str(exc).split(') ')[-1]}). Rebuild it from the original files: `python -m "
                               f"index rebuild --index-dir {index_dir} PATH ...`") from exc
        raise


def forget_client(folder: Path) -> None:
    """Drop Chroma's cached system for an embedded folder (after a failure it would keep failing), so a new
    client opens the folder afresh."""
    from chromadb.api.shared_system_client import SharedSystemClient

    with SharedSystemClient._refcount_lock:
        SharedSystemClient._identifier_to_system.pop(str(folder), None)
        SharedSystemClient._identifier_to_refcount.pop(str(folder), None)


def _headers(raw: str) -> dict:
    """'Name: value; Name2: value2' into a dict (e.g. an Authorization or X-Chroma-Token header)."""
    pairs = [part.split(":", 1) for part in raw.split(";") if ":" in part]
    return {k.strip(): v.strip() for k, v in pairs}


class Store:
    """Articles and passages in Chroma, written in an order that survives a crash at any point."""

    def __init__(self, client, name: str, embed_model: str, create: bool = True, where: str = "the index",
                 reopen: Callable[[], object] | None = None, encoder: str = UNRECORDED_ENCODER):
        self._lock = threading.Lock()
        self._reopen_lock = threading.Lock()
        self.embed_model, self.encoder = embed_model, encoder
        self._name, self._where, self._reopen, self._client = name, where, reopen, client
        self._stale = False
        guards = [_Guarded(None, where, self) for _ in range(4)]
        self.articles_col, self.passages_col, self.state_col, self.changes_col = guards
        self.log = ChangeLog(self.changes_col)
        self._attach(client, create)
        self._check_compatible()

    @classmethod
    def open(cls, settings: IndexSettings, create: bool = False) -> "Store":
        """Open (or create) the store the settings point at."""
        client = make_client(settings, create)
        where = (f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}" if settings.server_mode
                 else f"the index at {settings.index_dir}")
        reopen = None if settings.server_mode else lambda: _reopened(settings)
        return cls(client, settings.collection, settings.embed_model, create, where, reopen, settings.encoder_variant)

    def _attach(self, client, create: bool) -> None:
        """Point the four guarded collections at this client's collections (the change log's is created even in an
        index written before it existed: it is derived, and an empty log makes readers rebuild once)."""
        try:
            cols = [self._collection(client, f"{self._name}-{part}", create) for part in ("articles", "passages",
                                                                                         "state")]
            cols.append(self._collection(client, f"{self._name}-changes", True))
        except IndexUnavailable:
            raise
        except Exception as exc:
            raise IndexUnavailable(f"Cannot open collection {self._name!r}: {exc}") from exc
        for guard, col in zip((self.articles_col, self.passages_col, self.state_col, self.changes_col), cols):
            guard._collection = col
        self._client = client

    def failed(self, exc: Exception) -> IndexUnavailable:
        """The domain error for a failed Chroma call; an embedded client is reopened before the next call (after
        "database or disk is full" it would hang or fail on every later write)."""
        self._stale = self._reopen is not None
        message = str(exc)
        where = self._where[0].upper() + self._where[1:]
        if "disk is full" in message or "No space left" in message or "code: 13" in message:
            return StorageFull(f"{where} has no space left on its disk ({message.split(') ')[-1]}): free some "
                               f"space and try again")
        if "readonly" in message or "read-only" in message:
            return IndexUnavailable(f"{where} is read-only, and Chroma needs write access: make it writable")
        return IndexUnavailable(f"{where} is unavailable: {exc}")

    def ensure_open(self) -> None:
        """Reopen the embedded client if a failure left it unusable (a no-op otherwise)."""
        if not self._stale:
            return
        with self._reopen_lock:
            if self._stale:
                self._attach(self._reopen(), create=False)
                self._stale = False

    def close(self) -> None:
        """Release the Chroma client (its files are closed when no other client of this process uses them)."""
        close = getattr(self._client, "close", None)
        if close is not None:
            close()

    def _collection(self, client, name: str, create: bool):
        """Get or create one collection in cosine space, never with Chroma's own embedding function."""
        meta = {"newsqa_schema": SCHEMA, "embed_model": self.embed_model, "encoder": self.encoder,
                "hnsw:space": "cosine"}
        if create:
            return client.get_or_create_collection(name, embedding_function=None, metadata=meta)
        try:
            return client.get_collection(name, embedding_function=None)
        except Exception as exc:
            raise IndexUnavailable(f"The index holds no collection {name!r}: build it first "
                                   f"(`python -m index build`)") from exc

    def _check_compatible(self) -> None:
        """Refuse an index written by another schema version or with another embedding model."""
        for col in (self.articles_col, self.passages_col, self.state_col):
            meta = col.metadata or {}
            if meta.get("newsqa_schema") != SCHEMA:
                raise IndexUnavailable(f"The index was written by an incompatible version "
                                       f"(schema {meta.get('newsqa_schema')!r}, this is {SCHEMA}); "
                                       f"rebuild it in a new index folder")
            if meta.get("embed_model") != self.embed_model:
                raise IndexUnavailable(f"The index was built with the embedding model "
                                       f"{meta.get('embed_model')!r}, not {self.embed_model!r}; "
                                       f"use that model or rebuild in a new index folder")
        self._check_encoder(self.passages_col.metadata or {})

    def _check_encoder(self, meta: dict) -> None:
        """Refuse an index whose vectors another encoder made (int8 vs fp32); torch and ONNX fp32 are one space."""
        recorded = meta.get("encoder", UNRECORDED_ENCODER)
        if vector_space(recorded) == vector_space(self.encoder):
            return
        setting = {variant: name for name, variant in ENCODERS.items()}.get(recorded, recorded)
        raise EncoderMismatch(f"{self._where[0].upper() + self._where[1:]} was embedded by the encoder {recorded!r}, "
                              f"whose vectors differ from those of {self.encoder!r} (configured): set "
                              f"NEWSQA_ENCODER={setting} to use it as it is, or re-embed it with the configured "
                              f"encoder, `python -m index rebuild` (an embedded index; the old vectors are kept "
                              f"beside it), or build into a new collection on a server")

    @property
    def recorded_encoder(self) -> str:
        """The encoder variant the index records (indexes written before the record: torch-fp32)."""
        return (self.passages_col.metadata or {}).get("encoder", UNRECORDED_ENCODER)

    # --- reading -----------------------------------------------------------------------------

    def generation(self) -> str:
        """A token that changes whenever an article is committed or removed."""
        got = self.state_col.get(ids=[STATE_ID], include=["metadatas"])
        return (got["metadatas"][0] or {}).get("generation", "") if got["ids"] else ""

    def articles(self) -> dict[str, StoredArticle]:
        """Every committed article's metadata, by id (readers show only `visible_articles` of these)."""
        found = {}
        for ids, _, metas in self._pages(self.articles_col, ["metadatas"]):
            for article_id, meta in zip(ids, metas):
                found[article_id] = _stored_article(article_id, meta or {})
        return found

    def articles_of(self, article_ids: Sequence[str]) -> dict[str, StoredArticle]:
        """The committed articles among these ids, by id."""
        return self._articles_where(ids=list(article_ids)) if article_ids else {}

    def articles_at(self, paths: Sequence[str]) -> dict[str, StoredArticle]:
        """Every committed article read from one of these files, by id."""
        return self._articles_where(where={"path": {"$in": list(paths)}}) if paths else {}

    def _articles_where(self, **query) -> dict[str, StoredArticle]:
        """Committed articles by ids or a where clause, a page at a time."""
        found, offset = {}, 0
        while True:
            got = self.articles_col.get(**query, include=["metadatas"], limit=PAGE, offset=offset)
            found.update((i, _stored_article(i, m or {})) for i, m in zip(got["ids"], got["metadatas"]))
            if len(got["ids"]) < PAGE:
                return found
            offset += PAGE

    def passages_of(self, article_ids: Sequence[str]) -> list[Passage]:
        """Every stored passage of these articles (`passage_batches` joined)."""
        return [p for batch in self.passage_batches(article_ids) for p in batch]

    def passage_batches(self, article_ids: Sequence[str]) -> Iterator[list[Passage]]:
        """Every stored passage of these articles, ARTICLES_PER_GET articles a batch, in the order of the ids given
        (within a batch, as Chroma returns them). Chroma's offset pages rescan every row before the page, so one
        `where` over many articles read by offset grows with the square of what it matches (a full keyword rebuild
        at 1M passages took 16 minutes that way, 291 s in batches)."""
        article_ids = list(article_ids)
        for start in range(0, len(article_ids), ARTICLES_PER_GET):
            where, offset, found = {"article_id": {"$in": article_ids[start:start + ARTICLES_PER_GET]}}, 0, []
            while True:
                got = self.passages_col.get(where=where, include=["documents", "metadatas"], limit=PAGE,
                                            offset=offset)
                found.extend(_passage(i, d, m or {}) for i, d, m in zip(got["ids"], got["documents"],
                                                                        got["metadatas"]))
                if len(got["ids"]) < PAGE:
                    break
                offset += PAGE
            yield found

    def article_ids_of(self, path: str) -> list[str]:
        """The ids of the committed articles read from one file."""
        return self.articles_col.get(where={"path": path}, include=[])["ids"]

    def article_text(self, article_id: str) -> str | None:
        """The committed article's text, or None."""
        got = self.articles_col.get(ids=[article_id], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def passages(self) -> Iterator[Passage]:
        """Every stored passage (committed or not: callers filter by committed article ids)."""
        for ids, docs, metas in self._pages(self.passages_col, ["documents", "metadatas"]):
            for pid, doc, meta in zip(ids, docs, metas):
                yield _passage(pid, doc, meta or {})

    def vectors(self) -> dict[str, np.ndarray]:
        """Every stored passage's vector, by passage id (for comparing encoders; a whole corpus in memory)."""
        return {pid: np.asarray(v, dtype=np.float32) for ids, vecs, _ in self._pages(self.passages_col, ["embeddings"])
                for pid, v in zip(ids, vecs)}

    def query(self, vector: np.ndarray, n: int, article_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Nearest passages to a vector: (passage id, cosine similarity), best first (fewer than n when
        the collection holds fewer; Chroma returns what it has); only those of some articles when given."""
        where = None if article_ids is None else {"article_id": {"$in": list(article_ids)}}
        got = self.passages_col.query(query_embeddings=[vector.tolist()], n_results=n, include=["distances"],
                                      where=where)
        return [(pid, 1.0 - float(d)) for pid, d in zip(got["ids"][0], got["distances"][0])]

    def _pages(self, col, include: list[str]) -> Iterator[tuple[list, list, list]]:
        """A collection's records, page by page: (ids, documents or, when included, embeddings, metadatas)."""
        offset = 0
        while True:
            got = col.get(include=include, limit=PAGE, offset=offset)
            if not got["ids"]:
                return
            docs = got["embeddings"] if "embeddings" in include else got.get("documents") or [None] * len(got["ids"])
            metas = got.get("metadatas") or [None] * len(got["ids"])
            yield got["ids"], docs, metas
            offset += len(got["ids"])

    # --- writing -----------------------------------------------------------------------------

    def put_article(self, article: Article, passages: Sequence[Passage], vectors: np.ndarray,
                    file_hash: str, file_articles: int = 1, signature: str = "") -> None:
        """Write an article: stale passages out, passages in, then the article record (the commit), with the
        MinHash signature its copies are found by (index/dedupe.py)."""
        with self._lock, self._commit([article.id], [article.path]):
            self._delete_passages(article.id)
            self._add_passages(list(passages), vectors)
            self.articles_col.upsert(**_article_record(article, passages, vectors, file_hash, file_articles,
                                                       signature))

    def put_new(self, entries: Sequence[tuple[Article, Sequence[Passage], np.ndarray]], file_hash: str = "") -> None:
        """Write many new articles (ids not in the store) at once: all their passages, then their records (the
        commit), one generation; for bulk imports of articles that each are their own file."""
        with self._lock, self._commit([a.id for a, _, _ in entries], [a.path for a, _, _ in entries]):
            passages = [p for _, ps, _ in entries for p in ps]
            if passages:
                self._add_passages(passages, np.concatenate([v for *_, v in entries if len(v)]))
            records = [_article_record(a, ps, v, file_hash or a.id, 1, "") for a, ps, v in entries]
            for i in range(0, len(records), PAGE):
                page = records[i:i + PAGE]
                self.articles_col.add(**{key: [r[key][0] for r in page] for key in page[0]})

    def _add_passages(self, passages: list[Passage], vectors: np.ndarray) -> None:
        """Add passages with their vectors, a page at a time (each passage's number n counts within its article)."""
        numbers, seen = [], Counter()
        for p in passages:
            numbers.append(seen[p.article_id])
            seen[p.article_id] += 1
        for i in range(0, len(passages), PAGE):
            batch = passages[i:i + PAGE]
            self.passages_col.add(ids=[p.id for p in batch], documents=[p.text for p in batch],
                                  embeddings=vectors[i:i + PAGE].tolist(),
                                  metadatas=[_passage_meta(p, n) for p, n in zip(batch, numbers[i:i + PAGE])])

    def set_file_hashes(self, stamps: Sequence[tuple[str, str, int]]) -> None:
        """Record that unchanged articles now come from a file with this hash and article count
        ((id, file_hash, file_articles) each), in one write (a commit: which articles are visible may change)."""
        if not stamps:
            return
        with self._lock, self._commit([i for i, _, _ in stamps]):
            self.articles_col.update(ids=[i for i, _, _ in stamps],
                                     metadatas=[{"file_hash": h, "file_articles": n} for _, h, n in stamps])

    def group_records(self) -> dict[str, tuple[str | None, str | None, str | None]]:
        """Every committed article's (group, MinHash signature, date); None where not recorded yet."""
        return {article_id: (meta.get("group"), meta.get("minhash"), meta.get("date"))
                for ids, _, metas in self._pages(self.articles_col, ["metadatas"])
                for article_id, meta in zip(ids, (m or {} for m in metas))}

    def set_group(self, article_id: str, group: str, signature: str) -> None:
        """Record an article's group and signature, on its record and on each of its passages."""
        with self._lock, self._commit([article_id]):
            self.articles_col.update(ids=[article_id], metadatas=[{"group": group, "minhash": signature}])
            ids = self.passages_col.get(where={"article_id": article_id}, include=[])["ids"]
            if ids:
                self.passages_col.update(ids=ids, metadatas=[{"group": group}] * len(ids))

    def remove_article(self, article_id: str, recount: bool = False) -> bool:
        """Remove an article (record first, so it stops being visible at once); False if absent. With recount
        (a user removing one article), the other articles of its file count one fewer, so they stay visible."""
        with self._lock:
            got = self.articles_col.get(ids=[article_id], include=["metadatas"])
            path = (got["metadatas"][0] or {}).get("path", "") if got["ids"] else ""
            with self._commit([article_id], [path]):
                if recount and got["ids"]:
                    self._recount_siblings(article_id, got["metadatas"][0] or {})
                self.articles_col.delete(ids=[article_id])
                self._delete_passages(article_id)
            return bool(got["ids"])

    def _recount_siblings(self, article_id: str, meta: dict) -> None:
        """Lower the file's article count on the other articles of the same file and version."""
        where = {"$and": [{"path": meta.get("path", "")}, {"file_hash": meta.get("file_hash", "")}]}
        siblings = [i for i in self.articles_col.get(where=where, include=[])["ids"] if i != article_id]
        if siblings:
            count = max(int(meta.get("file_articles", 1)) - 1, len(siblings))
            self.articles_col.update(ids=siblings, metadatas=[{"file_articles": count}] * len(siblings))

    def remove_orphans(self, committed: set[str]) -> int:
        """Delete passages whose article is not committed (left by an interrupted run)."""
        stored = {(meta or {}).get("article_id") for _, _, metas in self._pages(self.passages_col, ["metadatas"])
                  for meta in metas}
        orphans = stored - committed
        with self._lock:
            for article_id in orphans:
                self._delete_passages(article_id)
        return len(orphans)

    def _delete_passages(self, article_id: str) -> None:
        """Delete every passage of an article."""
        self.passages_col.delete(where={"article_id": article_id})

    @contextmanager
    def _commit(self, articles: Sequence[str], paths: Sequence[str] = ()) -> Iterator[None]:
        """Around a commit's writes: its change-log record, pending, before them (a writer killed midway leaves
        the record of what it may have changed); after them, the record done and a new generation, so readers know
        to refresh. A write that fails leaves the record pending: readers apply it until a writer settles it."""
        generation = self.log.begin(articles, paths)
        yield
        self.log.finish(generation, articles, paths)
        self.state_col.upsert(ids=[STATE_ID], embeddings=[[1.0]], documents=[""],
                              metadatas=[{"generation": generation}])


class _Guarded:
    """A Chroma collection whose failures (server gone, disk full or read-only, ...) raise IndexUnavailable, and
    which reopens its store's client first when an earlier failure left it unusable."""

    def __init__(self, collection, where: str, store: Store):
        self._collection = collection
        self._where = where
        self._store = store

    def __getattr__(self, name: str):
        self._store.ensure_open()
        attr = getattr(self._collection, name)
        if not callable(attr):
            return attr

        def guarded(*args, **kwargs):
            try:
                return attr(*args, **kwargs)
            except Exception as exc:
                raise self._store.failed(exc) from exc

        return guarded


def _reopened(settings: IndexSettings):
    """A new embedded client for the settings' folder, Chroma's failed one forgotten."""
    forget_client(settings.index_dir / "chroma")
    return make_client(settings, create=False)


def _passage_meta(p: Passage, n: int) -> dict:
    """Chroma metadata for a passage (Chroma stores no None values)."""
    return _clean({"article_id": p.article_id, "n": n, "start": p.start, "end": p.end, "title": p.title,
                   "source": p.source, "date": p.date, "url": p.url, "path": p.path, "group": p.group})


def _shown(path: str) -> str:
    """A stored path as shown: indexes written before shown names kept absolute paths; those show the file name."""
    return Path(path).name if os.path.isabs(path) else path


def _passage(pid: str, doc: str, meta: dict) -> Passage:
    """A Passage from a Chroma record."""
    return Passage(id=pid, article_id=meta.get("article_id", ""), text=doc or "",
                   start=int(meta.get("start", 0)), end=int(meta.get("end", 0)),
                   title=meta.get("title", ""), source=meta.get("source"), date=meta.get("date"),
                   url=meta.get("url"), path=_shown(meta.get("path", "")), group=meta.get("group"))


def _stored_article(article_id: str, meta: dict) -> StoredArticle:
    """A StoredArticle from a Chroma record."""
    return StoredArticle(id=article_id, title=meta.get("title", ""), source=meta.get("source"),
                         date=meta.get("date"), url=meta.get("url"), author=meta.get("author"),
                         path=meta.get("path", ""), file_hash=meta.get("file_hash", ""),
                         file_articles=int(meta.get("file_articles", 1)), passages=int(meta.get("passages", 0)),
                         name=meta.get("name") or _shown(meta.get("path", "")), group=meta.get("group"))


def _article_record(article: Article, passages: Sequence[Passage], vectors: np.ndarray, file_hash: str,
                    file_articles: int, signature: str) -> dict:
    """An article's Chroma record (one-element lists): its text, the mean of its passage vectors, its metadata."""
    mean = vectors.mean(axis=0) if len(vectors) else np.ones(vectors.shape[1], dtype=np.float32)
    mean = mean / (np.linalg.norm(mean) or 1.0)
    meta = _clean({**article.metadata(), "file_hash": file_hash, "file_articles": file_articles,
                   "passages": len(passages), "minhash": signature})
    meta.pop("id")
    return {"ids": [article.id], "documents": [article.text], "embeddings": [mean.tolist()], "metadatas": [meta]}


def _clean(meta: dict) -> dict:
    """Drop None values (Chroma refuses them)."""
    return {k: v for k, v in meta.items() if v is not None}

"""The keyword side: an in-memory catalog of committed passages with a BM25 index over them.

It is derived from Chroma, persisted beside it as a cache keyed by the store's generation, and
rebuilt from Chroma whenever the generation differs (another process or instance wrote).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .articles import Passage
from .store import Store, StoredArticle, visible_articles

FORMAT = 2  # 2: articles carry their shown name, passages a shown path
# the lookbehinds run only after "America" matched (checking them at every position made this the slowest step)
_US = re.compile(r"\b(?:U\.S\.(?=\W|$)|US\b|United States\b"
                 r"|America\b(?<!Latin America)(?<!South America)(?<!North America)(?<!Central America))")
_STEMS: dict[str, str] = {}  # word -> stem: a dict lookup is five times faster than the stemmer's own cache
MAX_STEMS = 500_000
_TOKEN = re.compile(r"\d[\d,]*\d|[^\W_][\w\-]*", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():
    """English Snowball stemmer (PyStemmer)."""
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English stop words (bm25s's list), plus question words."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | {"what", "which", "who", "whom", "whose", "when", "where", "why", "how",
                                      "did", "does", "do", "many", "much"}


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop words out, stemmed terms; hyphenated words also give their parts."""
    text = _US.sub("USA", text)
    stops = stopwords()
    words = []
    for word in _TOKEN.findall(text.lower().replace("’", "'")):
        if "-" in word:
            words.extend(p for p in [word, *word.split("-")] if p and p not in stops and (len(p) > 1 or p.isdigit()))
        elif word not in stops and (len(word) > 1 or word.isdigit()):
            words.append(word)
    return [_stem(w.replace(",", "")) for w in words]


def _stem(word: str) -> str:
    """The Snowball stem of a word, remembered (the memory is emptied past MAX_STEMS words)."""
    stem = _STEMS.get(word)
    if stem is None:
        if len(_STEMS) >= MAX_STEMS:
            _STEMS.clear()
        stem = _STEMS[word] = _stemmer().stemWord(word)
    return stem


def keyword_text(p: Passage) -> str:
    """What BM25 indexes for a passage: title, outlet and date, then the passage."""
    return " ".join(x for x in (p.title, p.source or "", p.date or "", p.text) if x)


@dataclass(frozen=True)
class Snapshot:
    """Committed passages, their articles and a BM25 index, as of one store generation."""

    generation: str
    passages: list[Passage]
    articles: dict[str, StoredArticle]
    bm25: object | None
    position: dict[str, int]

    def terms(self, query: str) -> list[str]:
        """The query's terms that the index knows (others cannot score)."""
        return [t for t in tokenize(query) if t in self.bm25.vocab_dict] if self.bm25 else []

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage (in snapshot order) for the query; empty when nothing is indexed."""
        if self.bm25 is None:
            return np.zeros(0, dtype=np.float32)
        terms = self.terms(query)
        if not terms:
            return np.zeros(len(self.passages), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(terms), dtype=np.float32)

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        """Top-n passages by BM25: (passage id, score), best first; no query terms, no hits."""
        terms = self.terms(query)
        if not terms:
            return []
        ids, scores = self.bm25.retrieve([terms], k=min(n, len(self.passages)), show_progress=False,
                                         n_threads=1)
        return [(self.passages[i].id, float(s)) for i, s in zip(ids[0], scores[0]) if s > 0]

    def get(self, passage_id: str) -> Passage | None:
        """A committed passage by id."""
        i = self.position.get(passage_id)
        return None if i is None else self.passages[i]

    def idf(self) -> dict[str, float]:
        """BM25's IDF of every indexed term, from the index's document frequencies."""
        if self.bm25 is None:
            return {}
        df = np.diff(np.asarray(self.bm25.scores["indptr"]))
        n = float(self.bm25.scores["num_docs"])
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        return {term: float(idf[i]) for term, i in self.bm25.vocab_dict.items() if i < len(idf)}


def build_snapshot(store: Store) -> Snapshot:
    """Read the visible committed articles and their passages from the store and index them."""
    generation = store.generation()
    articles = visible_articles(store.articles())
    passages = sorted((p for p in store.passages() if p.article_id in articles),
                      key=lambda p: (p.article_id, p.start))
    return _snapshot(generation, passages, articles)


def _snapshot(generation: str, passages: list[Passage], articles: dict) -> Snapshot:
    """Index passages with BM25."""
    bm25 = None
    if passages:
        import bm25s

        bm25 = bm25s.BM25()
        bm25.index([tokenize(keyword_text(p)) for p in passages], show_progress=False)
    return Snapshot(generation, passages, articles, bm25, {p.id: i for i, p in enumerate(passages)})


class KeywordIndex:
    """Keeps a Snapshot current with the store; persists it in a folder beside the store."""

    def __init__(self, store: Store, folder: Path | None, refresh_seconds: float = 2.0):
        self.store = store
        self.folder = folder
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._checked = 0.0
        self.snapshot = self._load() or self._rebuild()

    def current(self) -> Snapshot:
        """The snapshot, refreshed first if the store changed (checked at most every refresh_seconds)."""
        if time.monotonic() - self._checked >= self.refresh_seconds:
            self.refresh()
        return self.snapshot

    def refresh(self, force: bool = False) -> Snapshot:
        """Rebuild from the store if its generation moved (or when forced)."""
        with self._lock:
            self._checked = time.monotonic()
            if force or self.store.generation() != self.snapshot.generation:
                self.snapshot = self._rebuild()
        return self.snapshot

    def _rebuild(self) -> Snapshot:
        """Build from the store and persist."""
        snapshot = build_snapshot(self.store)
        self._save(snapshot)
        return snapshot

    def _save(self, snapshot: Snapshot) -> None:
        """Persist the snapshot atomically (write a new folder, then swap)."""
        if self.folder is None or snapshot.bm25 is None:
            return
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            snapshot.bm25.save(str(tmp / "bm25"), show_progress=False)
            with open(tmp / "passages.jsonl", "w", encoding="utf-8") as out:
                for p in snapshot.passages:
                    out.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
            articles = {k: dataclasses.asdict(v) for k, v in snapshot.articles.items()}
            (tmp / "articles.json").write_text(json.dumps(articles, ensure_ascii=False), encoding="utf-8")
            (tmp / "meta.json").write_text(json.dumps({"format": FORMAT, "generation": snapshot.generation}))
            old = self.folder.with_name(self.folder.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.folder.exists():
                self.folder.rename(old)
            tmp.rename(self.folder)
            shutil.rmtree(old, ignore_errors=True)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # a read-only folder: the cache is optional

    def _load(self) -> Snapshot | None:
        """The persisted snapshot if it matches the store's generation, else None."""
        if self.folder is None or not (self.folder / "meta.json").exists():
            return None
        try:
            meta = json.loads((self.folder / "meta.json").read_text())
            if meta.get("format") != FORMAT or meta.get("generation") != self.store.generation():
                return None
            import bm25s

            bm25 = bm25s.BM25.load(str(self.folder / "bm25"), show_progress=False)
            with open(self.folder / "passages.jsonl", encoding="utf-8") as lines:
                passages = [Passage(**{k: v for k, v in json.loads(line).items() if k != "score"})
                            for line in lines]
            raw = json.loads((self.folder / "articles.json").read_text(encoding="utf-8"))
            articles = {k: StoredArticle(**v) for k, v in raw.items()}
        except (OSError, ValueError, TypeError, KeyError):
            return None
        self._checked = time.monotonic()
        return Snapshot(meta["generation"], passages, articles, bm25,
                        {p.id: i for i, p in enumerate(passages)})


"""The Assistant: the one path that CLI, REST, UI and evaluation use to search, ask and manage articles."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from index import (SUPPORTED, ArticleNotFound, DuplicateArticle, Embedder, FileTooLarge, Indexer, IndexReport,
                   KeywordIndex, Passage, Settings, Store, StoredArticle, UnreadableFile, UnsupportedFile,
                   keyword_folder, load_embedder)

from .answer import Answer, AnswerPolicy, Sentence, candidates, choose, compose, score, shortlist
from .conversation import rewrite
from .query import analyse, check_question
from .ranker import load_ranker
from .retrieval import CrossEncoderReranker, Retriever

SENTENCE_BATCH = 8
SENTENCE_CHARS = 600


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer: 'rewritten', 'token' (text to append), 'answer' (complete)."""

    kind: str
    text: str = ""
    answer: Answer | None = None


class Assistant:
    """Question answering over the indexed news articles."""

    def __init__(self, settings: Settings, store: Store, keyword: KeywordIndex, embedder: Embedder,
                 retriever: Retriever, synthesizer=None, policy: AnswerPolicy = AnswerPolicy()):
        self.settings = settings
        self.store = store
        self.keyword = keyword
        self.embedder = embedder
        self.retriever = retriever
        self.synthesizer = synthesizer
        self.policy = policy
        self._write_lock = threading.Lock()
        self._vectors: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()

    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None,
             create: bool = False, synthesizer=None) -> "Assistant":
        """Open the index (index_dir overrides the settings); create=True makes an empty one if absent."""
        settings = settings or Settings.from_env()
        if index_dir is not None:
            settings = replace(settings, index_dir=Path(index_dir))
        store = Store.open(settings, create=create)
        embedder = load_embedder(settings.embed_model, settings.embed_batch)
        keyword = KeywordIndex(store, keyword_folder(settings), settings.keyword_refresh_seconds)
        reranker = CrossEncoderReranker(settings.rerank_model) if settings.rerank_model else None
        retriever = Retriever(store, keyword, embedder, reranker=reranker, ranker=load_ranker(settings.ranker))
        if synthesizer is None and settings.llm:
            from .synthesis import Synthesizer

            synthesizer = Synthesizer.from_settings(settings)
        return cls(settings, store, keyword, embedder, retriever, synthesizer)

    # --- asking ------------------------------------------------------------------------------

    def search(self, question: str, k: int = 10) -> list[Passage]:
        """The k passages that best match the question, best first."""
        question = check_question(question, self.settings.max_question_chars)
        return self.retriever.search(question, k=max(1, min(int(k), 100)))

    def ask(self, question: str, history: Sequence = (), k: int | None = None) -> Answer:
        """Answer a question (with the conversation so far) from the articles, with citations."""
        final = None
        for event in self.ask_stream(question, history, k):
            if event.kind == "answer":
                final = event.answer
        return final

    def ask_stream(self, question: str, history: Sequence = (), k: int | None = None) -> Iterator[Event]:
        """Answer as a stream of events; the last is always kind 'answer'."""
        started = time.perf_counter()
        question = check_question(question, self.settings.max_question_chars)
        rewritten = rewrite(question, history)
        if rewritten != question:
            yield Event("rewritten", rewritten)
        answer, passages = self._extractive(question, rewritten, k)
        answer = replace(answer, timings={**answer.timings, "total": time.perf_counter() - started})
        if self.synthesizer is None:
            yield Event("token", answer.text)
            yield Event("answer", answer=answer)
            return
        yield from self.synthesizer.stream(answer, passages)

    def _extractive(self, question: str, rewritten: str, k: int | None) -> tuple[Answer, list[Passage]]:
        """Retrieve, score the passages' sentences, quote the best ones (or refuse)."""
        t0 = time.perf_counter()
        query = analyse(rewritten)
        vector = self.embedder.embed([rewritten])[0]
        passages = self.retriever.search(rewritten, k=k or self.policy.passages, vector=vector)
        t1 = time.perf_counter()
        found = shortlist(query, candidates(passages), self.policy.shortlist)
        scored = score(query, vector, found, self._sentence_vectors(found), self.policy)
        chosen = choose(scored, self.policy)
        text, citations = compose(rewritten, chosen)
        timings = {"retrieval": t1 - t0, "answer": time.perf_counter() - t1}
        return Answer(question=question, text=text, refused=not citations, citations=citations,
                      rewritten_question=rewritten if rewritten != question else None,
                      timings=timings), passages

    def _sentence_vectors(self, found: list[Sentence]) -> np.ndarray:
        """Embeddings of candidate sentences, cached by (article, offset)."""
        keys = [(s.passage.article_id, s.start) for s in found]
        missing = [i for i, key in enumerate(keys) if key not in self._vectors]
        # Shortest first, in small batches, so that little padding is computed; a run-on "sentence" (a
        # list, a table) is judged by its first SENTENCE_CHARS characters.
        missing.sort(key=lambda i: len(found[i].text))
        for start in range(0, len(missing), SENTENCE_BATCH):
            batch = missing[start:start + SENTENCE_BATCH]
            for i, vector in zip(batch, self.embedder.embed([found[i].text[:SENTENCE_CHARS] for i in batch])):
                self._vectors[keys[i]] = vector
        while len(self._vectors) > 50_000:
            self._vectors.popitem(last=False)
        return np.stack([self._vectors[key] for key in keys]) if keys else np.zeros((0, 1), np.float32)

    # --- the corpus --------------------------------------------------------------------------

    def add_files(self, paths: Sequence[str | Path], prune: bool = False, progress=False,
                  labels: dict[Path, str] | None = None) -> IndexReport:
        """Index files or folders; asks keep being served while this runs."""
        with self._write_lock:
            report = Indexer(self.settings, self.store, self.embedder).build(
                [Path(p) for p in paths], prune=prune, progress=progress, labels=labels)
            self.keyword.refresh(force=True)
        return report

    def add_upload(self, filename: str, data: bytes, progress=False) -> IndexReport:
        """Save an uploaded file under the index folder and index it; bad files raise UnsupportedFile."""
        name = safe_filename(filename)
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED:
            raise UnsupportedFile(f"{filename!r}: unsupported file type; use one of {', '.join(sorted(SUPPORTED))}")
        if len(data) > self.settings.max_upload_bytes:
            raise FileTooLarge(f"{filename!r} is {len(data) / 2**20:.1f} MB; the limit is "
                                  f"{self.settings.max_upload_mb:g} MB (NEWSQA_MAX_UPLOAD_MB)")
        folder = self.settings.index_dir / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(data).hexdigest()[:12]
        target = folder / f"{Path(name).stem}-{digest}{suffix}"
        tmp = target.with_name("." + target.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)
        report = self.add_files([target], progress=progress)
        if not report.article_ids:
            target.unlink(missing_ok=True)
            raise _upload_error(filename, report)
        return report

    def remove_article(self, article_id: str) -> None:
        """Remove an article and its passages (an uploaded file is deleted too)."""
        with self._write_lock:
            stored = self.keyword.refresh().articles.get(article_id)
            if stored is None or not self.store.remove_article(article_id):
                raise ArticleNotFound(f"No article with id {article_id!r}")
            upload = Path(stored.path)
            if upload.parent == self.settings.index_dir / "uploads" and upload.exists():
                upload.unlink()
            self.keyword.refresh(force=True)

    def articles(self) -> list[StoredArticle]:
        """Every indexed article, newest first (undated last)."""
        return sorted(self.keyword.current().articles.values(), key=lambda a: (a.date or "", a.title),
                      reverse=True)

    def article_text(self, article_id: str) -> str:
        """An article's full text."""
        text = self.store.article_text(article_id)
        if text is None:
            raise ArticleNotFound(f"No article with id {article_id!r}")
        return text

    def stats(self) -> dict:
        """Corpus facts: articles, passages, date range, outlets."""
        snapshot = self.keyword.current()
        dates = sorted(a.date for a in snapshot.articles.values() if a.date)
        outlets = sorted({a.source for a in snapshot.articles.values() if a.source})
        return {"articles": len(snapshot.articles), "passages": len(snapshot.passages),
                "undated_articles": sum(1 for a in snapshot.articles.values() if not a.date),
                "date_range": [dates[0], dates[-1]] if dates else None, "outlets": outlets,
                "embed_model": self.settings.embed_model, "llm": self.settings.llm or None,
                "server_mode": self.settings.server_mode}


def _upload_error(filename: str, report: IndexReport) -> UnsupportedFile:
    """Why an upload added nothing: all duplicates (without revealing server paths), or unreadable."""
    if report.skipped and all(s.reason.startswith("duplicate") for s in report.skipped):
        titles = "; ".join(s.path.split(": ", 1)[-1] for s in report.skipped)
        return DuplicateArticle(f"{filename!r} was not indexed: already in the index ({titles})")
    reasons = "; ".join(s.reason for s in report.skipped) or "no article in file"
    return UnreadableFile(f"{filename!r} was not indexed: {reasons}")


def safe_filename(name: str) -> str:
    """The last component of an uploaded name, with anything but letters, digits, '.', '-', '_' replaced."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.\-]", "_", base).lstrip(".")
    if len(base) > 120:  # shorten the stem, never the type
        base = Path(base).stem[:100] + Path(base).suffix[:20]
    return base or "upload.txt"

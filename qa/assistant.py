"""The Assistant: the one path that CLI, REST, UI and evaluation use to search, ask and manage articles."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Iterator, Sequence

from index import (ArticleNotFound, Corpus, DuplicateArticle, Feed, Feeds, Groups, IndexReport, IndexUnavailable,
                   NewsqaError, Passage, SkipKind, StorageFull, StoredArticle, UnreadableFile, UnsupportedFile,
                   UnsupportedUrl, UpdateReport, check_upload, is_url, safe_filename)

from .answer import REFUSAL, Answer, AnswerPolicy, ExtractiveReader
from .answer.claims import is_yes_no, split_claims
from .answer.conversation import rewrite
from .answer.entities import EntityReader
from .answer.confidence import load_confidence
from .answer.cross import load_cross_encoder
from .answer.encoder import load_reader_encoder
from .answer.extractor import load_span_extractor
from .answer.judge import load_judge
from .answer.scorer import load_scorer
from .answer.verdicts import load_verdicts
from .events import Event, final_answer
from .questions import check_history, without_escapes
from .retrieve import Retriever, analyse, check_question
from .retrieve.filters import Filters, no_match
from .retrieve.periods import QuestionDates, warm_up
from .settings import Settings
from .timeline import Timeline, best_sentences, timeline, timeline_topic

log = logging.getLogger(__name__)
TIMELINE_PASSAGES = 40
"""Passages a timeline reads (one event per article among them)."""
WARM_QUESTION = "What happened?"  # the search Assistant.warm runs


class Assistant:
    """Question answering over the indexed news articles."""

    def __init__(self, settings: Settings, corpus: Corpus, retriever: Retriever, synthesizer=None,
                 policy: AnswerPolicy = AnswerPolicy()):
        self.settings = settings
        self._corpus = corpus
        self._retriever = retriever
        scorer = load_scorer(settings.reader)
        self._reader = ExtractiveReader(corpus.embedder, policy, scorer=scorer,
                                        entities=EntityReader(settings.ner_model),
                                        verdicts=load_verdicts(settings.verdicts),
                                        encoder=load_reader_encoder(settings) if scorer and scorer.reads_encoder
                                        else None,
                                        cross=load_cross_encoder(settings, scorer.path) if scorer and scorer.reads_cross
                                        else None,
                                        extractor=load_span_extractor(settings) if scorer and scorer.spans else None,
                                        confidence=load_confidence(settings.reader_confidence, scorer),
                                        judge=load_judge(settings.reader_judge, scorer))
        self._synthesizer = synthesizer
        self._write_lock = threading.Lock()
        self._groups_cache: tuple | None = None

    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None,
             create: bool = False, synthesizer=None, corpus: Corpus | None = None) -> "Assistant":
        """Open the index (index_dir overrides the settings; create=True makes an empty one if absent), or
        answer over a corpus already open (one with fake parts, in tests)."""
        settings = settings or Settings.from_env()
        if index_dir is not None:
            settings = replace(settings, index_dir=Path(index_dir))
        corpus = corpus or Corpus.open(settings, create=create)
        if synthesizer is None and settings.llm:
            from .generate import Synthesizer

            synthesizer = Synthesizer.from_settings(settings)
        warm_up()
        return cls(settings, corpus, Retriever.from_settings(corpus, settings), synthesizer)

    def warm(self) -> float:
        """Run one search, so that the first user's question does not pay for loading the vector index (5 to 7 s
        at 1M passages: Chroma reads its HNSW segment at the first query), the encoder and the keyword lookups;
        returns the seconds it took."""
        started = time.perf_counter()
        self._retriever.search(WARM_QUESTION, k=1)
        return time.perf_counter() - started

    @property
    def llm_enabled(self) -> bool:
        """True when answers are written by an LLM (and checked), not extractive only."""
        return self._synthesizer is not None

    # --- asking ------------------------------------------------------------------------------

    def question(self, question: object) -> str:
        """The question as asked of the index: escapes and control characters out, or InvalidQuestion."""
        return check_question(without_escapes(question), self.settings.max_question_chars)

    def search(self, question: str, k: int = 10, filters: Filters | dict | None = None) -> list[Passage]:
        """The k passages that best match the question, best first; only from articles that pass the filters (and
        the dates the question restricts to with "only", "between" or "since")."""
        question = self.question(question)
        scope = scope_of(Filters.of(filters), self._retriever.dates(question))
        if scope is None or not self._retriever.admitted(scope):
            return []
        return self._retriever.search(question, k=max(1, min(int(k), 100)), filters=scope)

    def ask(self, question: str, history: Sequence = (), k: int | None = None,
            filters: Filters | dict | None = None) -> Answer:
        """Answer a question (with the conversation so far) from the articles that pass the filters, with
        citations."""
        return final_answer(self.ask_stream(question, history, k, filters))

    def ask_stream(self, question: str, history: Sequence = (), k: int | None = None,
                   filters: Filters | dict | None = None) -> Iterator[Event]:
        """Answer as a stream of events: 'rewritten' (a follow-up as understood), 'dates' (the dates the question
        writes, as read), 'token'...; the last is always kind 'answer'."""
        started = time.perf_counter()
        question = self.question(question)
        filters = Filters.of(filters)
        check_history(history, self.settings.max_history_turns, self.settings.max_history_chars,
                      self.settings.max_question_chars)
        rewritten = rewrite(question, history or ())
        if rewritten != question:
            yield Event("rewritten", rewritten)
        dates = self._retriever.dates(rewritten)
        if dates.periods:
            yield Event("dates", dates.describe())
        answer, passages, facets = self._extractive(question, rewritten, k, filters, dates)
        answer = replace(answer, timings={**answer.timings, "total": time.perf_counter() - started})
        if self._synthesizer is None:
            yield Event("token", answer.text)
            yield Event("answer", answer=answer)
            return
        claims = split_claims(rewritten, facets) if is_yes_no(rewritten) else ()
        yield from self._synthesizer.stream(answer, passages, claims)

    def _depth(self, k: int | None, facets: Sequence) -> int:
        """How many passages a question is read from: k when given, else NEWSQA_MULTI_HOP_K for a question that
        names two outlets or more, NEWSQA_TOP_K otherwise."""
        return k or (self.settings.multi_hop_k if len(facets) >= 2 else self.settings.top_k)

    def _extractive(self, question: str, rewritten: str, k: int | None, filters: Filters,
                    dates: QuestionDates) -> tuple[Answer, list[Passage], list]:
        """Retrieve the k passages (NEWSQA_TOP_K by default) that pass the filters and quote their best sentences
        (or refuse; saying so when no article passes the filters); also the passages and the question's facets."""
        t0 = time.perf_counter()
        notes = (dates.describe(),) if dates.periods else ()
        shown = rewritten if rewritten != question else None
        scope = scope_of(filters, dates)
        if scope is None or not self._retriever.admitted(scope):
            text = no_match(scope) if scope is not None else disjoint(filters, dates)
            return Answer(question=question, text=text, refused=True, notes=notes, rewritten_question=shown), [], []
        topic = timeline_topic(rewritten)
        if topic is not None:
            return timeline_answer(question, self.timeline(topic, scope), shown, notes, t0), [], []
        query = analyse(rewritten)
        vector = self._corpus.embedder.embed([rewritten])[0]
        facets = self._retriever.facets(rewritten)
        depth = self._depth(k, facets)
        passages = self._retriever.search(rewritten, k=depth, vector=vector, filters=scope)
        t1 = time.perf_counter()
        reading = self._reader.read(rewritten, query, vector, passages, self._retriever.idf(), facets)
        timings = {"retrieval": t1 - t0, "answer": time.perf_counter() - t1}
        groups = self._groups()
        citations = tuple(replace(c, duplicates=tuple(d for d in groups.copies(c.article_id)
                                                      if scope.admits(d["source"], d["date"])))
                          for c in reading.citations)
        return Answer(question=question, text=reading.text, refused=not reading.citations,
                      citations=citations, short_answer=reading.short_answer, rewritten_question=shown,
                      notes=notes, timings=timings), passages, facets

    def timeline(self, topic: str, filters: Filters | dict | None = None) -> Timeline:
        """The dated events about a topic across the articles that pass the filters, oldest first (undated last),
        one quoted and cited sentence each, syndicated copies merged."""
        topic = self.question(topic)
        dates = self._retriever.dates(topic)
        scope = scope_of(Filters.of(filters), dates)
        if scope is None or not self._retriever.admitted(scope):
            return Timeline(topic, (), scope or Filters.of(filters))
        about = dates.rest or topic  # "Kirkuk since May": the articles about Kirkuk, since May
        vector = self._corpus.embedder.embed([about])[0]
        passages = self._retriever.search(about, k=TIMELINE_PASSAGES, vector=vector, filters=scope)
        chosen = best_sentences(analyse(about), vector, passages, self._reader.sentence_vectors)
        return timeline(topic, chosen, self._groups(), scope)

    def reading(self, question: str, k: int | None = None):
        """The analysed question, how it is read ('verdict', 'consensus' or 'factoid') and the reader's scored
        candidate sentences among the passages ask retrieves for it (to fit the reader)."""
        question = self.question(question)
        query, vector = analyse(question), self._corpus.embedder.embed([question])[0]
        facets = self._retriever.facets(question)
        depth = self._depth(k, facets)
        passages = self._retriever.search(question, k=depth, vector=vector)
        return (query, self._reader.route(question, query, facets),
                self._reader.candidates(query, vector, passages, self._retriever.idf()))

    def claim_evidence(self, question: str) -> list:
        """Each claim of a multi-hop question with its best evidence in the retrieved passages (to fit verdicts)."""
        question = self.question(question)
        facets = self._retriever.facets(question)
        passages = self._retriever.search(question, k=self.settings.multi_hop_k)
        return self._reader.claims_evidence(question, facets, passages)

    def embed_query(self, question: str):
        """The question's vector, as search and ask compute it (for benchmarks that time the floor)."""
        return self._corpus.embedder.embed([question])[0]

    def nearest(self, vector, n: int) -> list[tuple[str, float]]:
        """The n nearest passage ids by the dense index alone (the floor that search is timed against)."""
        return self._corpus.store.query(vector, n)

    def candidates(self, question: str, depth: int):
        """The hybrid ranking's first `depth` passages and the ranker's evidence (to fit the ranker)."""
        return self._retriever.candidates(self.question(question), depth)

    # --- the corpus --------------------------------------------------------------------------

    def add_files(self, paths: Sequence[str | Path], prune: bool = False, progress=False,
                  names: dict[Path, str] | None = None) -> IndexReport:
        """Index files, folders or URLs (an article page or a feed, given as strings; names: how given files are
        shown); asks keep being served while this runs."""
        with self._write_lock:
            return self._corpus.add([p if isinstance(p, str) and is_url(p) else Path(p) for p in paths],
                                    prune=prune, progress=progress, names=names)

    def add_url(self, url: str, progress=False) -> IndexReport:
        """Fetch and index an article page, or every article a feed links (NEWSQA_FETCH_* limits); UnsupportedUrl
        with the reason when nothing could be indexed from it (a feed's broken entries are listed as skipped)."""
        url = (url or "").strip()
        if not is_url(url):
            raise UnsupportedUrl(f"{url[:200]!r} is not an http(s) URL")
        report = self.add_files([url], progress=progress)
        if not report.article_ids and report.skipped:
            raise UnsupportedUrl(f"{report.skipped[0].path}: {report.skipped[0].reason}")
        return report

    def feeds(self) -> list[Feed]:
        """The feeds remembered in the index."""
        return Feeds.open(self.settings).list()

    def add_feed(self, url: str, progress=False) -> UpdateReport:
        """Remember a feed and fetch what it holds now (adding one already remembered updates it)."""
        feeds = Feeds.open(self.settings)
        feed = feeds.add(url)
        return feeds.update(_Sink(self), [feed.id], progress=progress)

    def remove_feed(self, key: str) -> Feed:
        """Forget a feed, by id or URL (its articles stay); FeedNotFound if it is not remembered."""
        return Feeds.open(self.settings).remove(key)

    def update_feeds(self, progress=False) -> UpdateReport:
        """Fetch what is new in every remembered feed (conditional requests; seen entries are not fetched again)."""
        return Feeds.open(self.settings).update(_Sink(self), progress=progress)

    def add_upload(self, filename: str, data: bytes, progress=False) -> IndexReport:
        """Save an uploaded file under the index folder and index it, shown under its own name; bad files raise
        UnsupportedFile, a full or read-only disk StorageFull or IndexUnavailable; a failed upload leaves no file."""
        check_upload(filename or "", len(data), self.settings.max_upload_bytes)
        name = safe_filename(filename)
        digest = hashlib.sha256(data).hexdigest()[:12]
        target = self._uploads() / f"{Path(name).stem}-{digest}{Path(name).suffix.lower()}"
        with self._write_lock:
            existed = target.exists()
            save_upload(target, data)
            try:
                report = self._corpus.add([target], progress=progress, names={target: name})
            except BaseException:
                if not existed:
                    self._discard(target)
                raise
            if not report.article_ids:
                target.unlink(missing_ok=True)
                raise _upload_error(filename, report)
        return report

    def _uploads(self) -> Path:
        """The folder uploaded files are kept in."""
        return self.settings.index_dir.resolve() / "uploads"

    def _discard(self, target: Path) -> None:
        """Undo a failed upload as far as the disk allows: its committed articles (if any) and its file."""
        key = str(target.resolve())
        try:
            for article in [a for a in self._corpus.store.articles().values() if a.path == key]:
                self._corpus.store.remove_article(article.id)
        except NewsqaError:
            log.warning("could not remove the articles of the failed upload %s", target.name)
        target.unlink(missing_ok=True)

    def remove_article(self, article_id: str) -> None:
        """Remove an article and its passages; an uploaded file is deleted with its last article."""
        keyword, store = self._corpus.keyword, self._corpus.store
        with self._write_lock:
            stored = keyword.refresh().articles.get(article_id)
            if stored is None or not store.remove_article(article_id, recount=True):
                raise ArticleNotFound(f"No article with id {article_id!r}")
            upload = Path(stored.path)
            if upload.parent == self._uploads() and upload.exists() and not store.article_ids_of(stored.path):
                upload.unlink()
            keyword.refresh(force=True)

    def articles(self) -> list[StoredArticle]:
        """Every indexed article, newest first (undated last)."""
        return sorted(self._corpus.keyword.current().articles.values(), key=lambda a: (a.date or "", a.title),
                      reverse=True)

    def article_text(self, article_id: str) -> str:
        """An article's full text."""
        text = self._corpus.store.article_text(article_id)
        if text is None:
            raise ArticleNotFound(f"No article with id {article_id!r}")
        return text

    def _groups(self) -> Groups:
        """The syndicated copies of the current snapshot's articles (grouped once per snapshot)."""
        snapshot = self._corpus.keyword.current()
        cached = self._groups_cache
        if cached is None or cached[0] is not snapshot:
            cached = self._groups_cache = (snapshot, Groups.of(snapshot.articles))
        return cached[1]

    def stats(self) -> dict:
        """Corpus facts: articles, passages, date range, outlets, groups of syndicated copies."""
        snapshot = self._corpus.keyword.current()
        dates = sorted(a.date for a in snapshot.articles.values() if a.date)
        outlets = sorted({a.source for a in snapshot.articles.values() if a.source})
        return {"articles": len(snapshot.articles), "passages": len(snapshot.passages),
                "undated_articles": sum(1 for a in snapshot.articles.values() if not a.date),
                "date_range": [dates[0], dates[-1]] if dates else None, "outlets": outlets,
                "embed_model": self.settings.embed_model, "llm": self.settings.llm or None,
                "server_mode": self.settings.server_mode, **self._groups().stats()}

    def refresh(self) -> None:
        """See what other instances wrote to a shared store now, not at the next refresh interval."""
        self._corpus.keyword.refresh(force=True)


def timeline_answer(question: str, found: Timeline, rewritten: str | None, notes: tuple[str, ...],
                    started: float) -> Answer:
    """A 'what happened with X?' question answered by X's timeline (refused when no article is about X)."""
    if not found.events:
        return Answer(question=question, text=REFUSAL, refused=True, rewritten_question=rewritten, notes=notes)
    text = f"What happened with {found.topic}, oldest first:\n{found.text()}"
    return Answer(question=question, text=text, refused=False, citations=tuple(e.citation for e in found.events),
                  rewritten_question=rewritten, notes=notes, timings={"timeline": time.perf_counter() - started})


def scope_of(filters: Filters, dates: QuestionDates) -> Filters | None:
    """The filters a question is answered within: the given ones narrowed to the dates the question restricts to
    ("only", "between", "since"); None when the two date ranges do not overlap."""
    return filters.within(*dates.span()) if dates.restrict else filters


def disjoint(filters: Filters, dates: QuestionDates) -> str:
    """The refusal when the question restricts to dates outside the filters' range (or to an empty range)."""
    given = f"the filters ({filters.describe()}) and " if filters.active else ""
    return f"No article matches {given}the question's {dates.describe()}."


def save_upload(target: Path, data: bytes) -> None:
    """Write bytes to target through a temp file of its own (concurrent uploads never share one), then an atomic
    rename; a full or read-only disk raises StorageFull or IndexUnavailable and leaves no temp file."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise _disk_error(target.parent, exc) from exc
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _disk_error(target.parent, exc) from exc


def _disk_error(folder: Path, exc: OSError) -> IndexUnavailable:
    """A failed write in the uploads folder as a domain error that says what to do."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull(f"No space left on the disk of the uploads folder {folder}: free some space and try again")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return IndexUnavailable(f"The uploads folder {folder} is not writable ({exc.strerror}): make it writable")
    return IndexUnavailable(f"Cannot save the upload in {folder}: {exc.strerror or exc}")


def _upload_error(filename: str, report: IndexReport) -> UnsupportedFile:
    """Why an upload added nothing: all duplicates (without revealing server paths), or unreadable."""
    if report.skipped and all(s.kind is SkipKind.DUPLICATE for s in report.skipped):
        titles = "; ".join(s.title or "untitled" for s in report.skipped)
        return DuplicateArticle(f"{filename!r} was not indexed: already in the index ({titles})")
    reasons = "; ".join(s.reason for s in report.skipped) or "no article in file"
    return UnreadableFile(f"{filename!r} was not indexed: {reasons}")


class _Sink:
    """What feed updates index through: the Assistant's add_files, under its write lock."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant

    def add(self, paths, progress=False) -> IndexReport:
        """Index the saved pages."""
        return self.assistant.add_files(list(paths), progress=progress)

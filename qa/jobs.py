"""Upload jobs: each uploaded file is indexed in one worker thread, in turn, with its progress readable while it
runs; a request can wait for its job or leave (a cut connection does not stop it). Jobs live in memory."""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Callable

from index import IndexReport, NewsqaError

from .assistant import Assistant
from .errors import JobNotFound, UploadQueueFull

log = logging.getLogger(__name__)
MAX_WAITING = 8
KEEP_FINISHED = 200


@dataclass(frozen=True)
class Job:
    """One upload's indexing: its state (queued, running, done, failed), passages embedded of the total, and
    the report or the error when it ends."""

    id: str
    name: str
    state: str = "queued"
    done: int = 0
    total: int = 0
    report: IndexReport | None = None
    error: NewsqaError | None = None
    created: float = 0.0
    finished: float | None = None

    @property
    def ended(self) -> bool:
        """True once the job is done or failed."""
        return self.state in ("done", "failed")

    def to_dict(self) -> dict:
        """JSON-ready form (without the error, which the REST layer words and gives its HTTP status)."""
        data = {"id": self.id, "name": self.name, "state": self.state,
                "progress": {"passages_done": self.done, "passages_total": self.total}}
        if self.report is not None:
            data["report"] = self.report.to_dict()
        return data


class Jobs:
    """A queue of upload jobs over one Assistant source, run one at a time by a worker thread."""

    def __init__(self, source: Callable[[], Assistant], max_waiting: int = MAX_WAITING):
        self._source = source
        self._max_waiting = max_waiting
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Condition()
        self._worker: threading.Thread | None = None

    def submit(self, filename: str, data: bytes) -> Job:
        """Queue a file for indexing; UploadQueueFull when too many wait already."""
        return self.submit_work(filename, lambda assistant, progress: assistant.add_upload(filename, data,
                                                                                            progress=progress))

    def submit_url(self, url: str) -> Job:
        """Queue an article page or a feed's articles for fetching and indexing."""
        return self.submit_work(url, lambda assistant, progress: assistant.add_url(url, progress=progress))

    def submit_work(self, name: str, work: Callable[[Assistant, Callable], IndexReport]) -> Job:
        """Queue work that indexes (given the Assistant and a progress callback, it returns the report)."""
        with self._lock:
            if sum(not j.ended for j in self._jobs.values()) >= self._max_waiting:
                raise UploadQueueFull(f"{self._max_waiting} uploads are waiting to be indexed: try again later")
            job = Job(id=uuid.uuid4().hex[:16], name=name, created=time.time())
            self._jobs[job.id] = job
            self._forget_finished()
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="newsqa-uploads", daemon=True)
                self._worker.start()
        self._queue.put((job.id, work))
        return job

    def get(self, job_id: str) -> Job:
        """The job as it is now; JobNotFound for an unknown (or long-finished) id."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFound(f"No upload job with id {job_id!r}")
        return job

    def wait(self, job_id: str, seconds: float) -> Job:
        """The job once it has ended, or as it is after `seconds`."""
        deadline = time.monotonic() + seconds
        with self._lock:
            while not self.get(job_id).ended and (left := deadline - time.monotonic()) > 0:
                self._lock.wait(left)
        return self.get(job_id)

    def _run(self) -> None:
        """The worker: index queued uploads one after another."""
        while True:
            job_id, work = self._queue.get()
            self._update(job_id, state="running")
            try:
                report = work(self._source(), lambda done, total: self._update(job_id, done=done, total=total))
                self._update(job_id, state="done", report=report, finished=time.time())
            except NewsqaError as exc:
                self._update(job_id, state="failed", error=exc, finished=time.time())
            except Exception as exc:  # never let one upload stop the worker
                log.exception("upload job %s failed", job_id)
                self._update(job_id, state="failed", finished=time.time(),
                             error=NewsqaError(f"Indexing failed ({type(exc).__name__}); the server log has "
                                               f"the details"))

    def _update(self, job_id: str, **changes) -> None:
        """Replace a job's record with changed fields and wake the waiters."""
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)
            self._lock.notify_all()

    def _forget_finished(self) -> None:
        """Keep only the newest KEEP_FINISHED ended jobs."""
        ended = [j.id for j in self._jobs.values() if j.ended]
        for job_id in ended[:max(0, len(ended) - KEEP_FINISHED)]:
            del self._jobs[job_id]

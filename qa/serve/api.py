"""The REST API under /api: thin FastAPI handlers over the Assistant, domain errors mapped to HTTP in one place."""

from __future__ import annotations

import itertools
import json
from typing import Any, Callable, Iterable, Iterator

from fastapi import APIRouter, Depends, FastAPI, File, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from index import SUPPORTED, EncoderMismatch, Feeds, check_upload

from .. import (ArticleNotFound, Assistant, DuplicateArticle, Event, FeedNotFound, FileTooLarge, Filters,
                GeneratorError, IndexUnavailable, InvalidQuestion, JobNotFound, NewsqaError, Settings, StorageFull,
                UnreadableFile, UnsupportedFile, UnsupportedUrl, UploadQueueFull, final_answer)
from ..errors import ReaderUnavailable
from ..jobs import Job, Jobs
from .guard import Guard
from .messages import public_message

Source = Callable[[], Assistant]
READ_CHUNK = 1 << 20
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


STATUS = {InvalidQuestion: 422, UnsupportedFile: 415, FileTooLarge: 413, UnreadableFile: 422,
          DuplicateArticle: 409, ArticleNotFound: 404, JobNotFound: 404, IndexUnavailable: 503, StorageFull: 507, EncoderMismatch: 409,
          GeneratorError: 502, ReaderUnavailable: 503, UploadQueueFull: 503, UnsupportedUrl: 422,
          FeedNotFound: 404}


class UrlRequest(BaseModel):
    """Body of POST /api/articles (JSON) and POST /api/feeds."""

    url: str = Field(max_length=4096, description="An http(s) URL: an article page, or an RSS/Atom feed.")


class FiltersBody(BaseModel):
    """The `filters` of POST /api/ask (the dates are checked by Filters: a bad one is a 422)."""

    sources: list[str] = Field(default_factory=list, description="Only these outlets (case-insensitive).")
    exclude_sources: list[str] = Field(default_factory=list, description="Leave out these outlets.")
    since: str | None = Field(default=None, description="First publication day, YYYY-MM-DD.")
    until: str | None = Field(default=None, description="Last publication day, YYYY-MM-DD.")

    def filters(self) -> Filters:
        """As the domain's Filters (InvalidFilters for a bad date or range)."""
        return Filters(self.sources, self.exclude_sources, self.since, self.until)


class AskRequest(BaseModel):
    """Body of POST /api/ask."""

    question: str = Field(description="The question, at most NEWSQA_MAX_QUESTION_CHARS characters.")
    history: list[dict[str, Any] | list[str] | str] = Field(
        default_factory=list, description='Earlier turns: {"role", "content"} messages, [user, assistant] '
                                          'pairs, or earlier questions; used to rewrite follow-ups.')
    k: int | None = Field(default=None, ge=1, le=50, description="Passages to answer from (default 6).")
    stream: bool = Field(default=False, description="Server-sent events instead of one JSON answer: 'rewritten', "
                                                    "'dates', 'extractive', 'token' ({text}) and finally 'answer'.")
    filters: FiltersBody | None = Field(default=None, description="Outlets and dates the answer may draw on.")


def query_filters(source: list[str] = Query([], description="Only this outlet (repeatable; case-insensitive)."),
                  exclude_source: list[str] = Query([], description="Leave out this outlet (repeatable)."),
                  since: str | None = Query(None, description="First publication day, YYYY-MM-DD."),
                  until: str | None = Query(None, description="Last publication day, YYYY-MM-DD.")) -> Filters:
    """The filters of a GET request's query parameters (422 for a bad date or range)."""
    return Filters(source, exclude_source, since, until)


def create_api(source: Source, settings: Settings) -> FastAPI:
    """The FastAPI app with every /api route, the error handlers, the OpenAPI docs at /docs, and the Guard that
    checks each request before its body is read."""
    app = FastAPI(title="newsqa", version="0.1.0", docs_url="/docs", redoc_url=None,
                  description="Ask questions about the indexed news articles; every answer cites its sources.")
    routers = [_open_routes(source), _routes(source, settings, Jobs(source))]
    for router in routers + [_unmatched(routers)]:
        app.include_router(router)
    app.add_exception_handler(NewsqaError, _domain_error(settings))
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
    app.add_middleware(Guard, settings=settings)
    return app


def _open_routes(source: Source) -> APIRouter:
    """Routes that need no credentials: the liveness check."""
    router = APIRouter(prefix="/api")

    @router.get("/health", summary="Is the index open?")
    def health() -> dict:
        """200 with the article count when the index is open; 503 otherwise."""
        return {"status": "ok", "articles": source().stats()["articles"]}

    return router


def _routes(source: Source, settings: Settings, jobs: Jobs) -> APIRouter:
    """Asking, searching and managing articles (the Guard has checked the credentials)."""
    router = APIRouter(prefix="/api")

    @router.post("/ask", summary="Answer a question with cited sources")
    def ask(body: AskRequest) -> dict:
        """The answer JSON (Answer.to_dict()): answer text, refused, numbered citations."""
        filters = body.filters.filters() if body.filters else None
        if body.stream:
            events = source().ask_stream(body.question, body.history, body.k, filters)
            first = next(events)  # a bad question raises here, before any byte is sent
            return StreamingResponse(sse(itertools.chain([first], events)), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        return final_answer(source().ask_stream(body.question, body.history, body.k, filters)).to_dict()

    @router.get("/search", summary="The passages that best match a query")
    def search(q: str = Query(description="The query."), k: int = Query(10, ge=1, le=100),
               filters: Filters = Depends(query_filters)) -> dict:
        """Passages (Passage.to_dict()), best first, from the articles that pass the filters."""
        return {"query": q, "passages": [p.to_dict() for p in source().search(q, k=k, filters=filters)]}

    @router.get("/timeline", summary="The dated events about a topic, oldest first")
    def timeline(q: str = Query(description="The topic."), filters: Filters = Depends(query_filters)) -> dict:
        """{"topic", "events": [{"date", "text", "citation"}], "filters"}: undated events last."""
        return source().timeline(q, filters=filters).to_dict()

    @router.get("/articles", summary="Every indexed article (metadata only)")
    def list_articles() -> dict:
        """Articles newest first."""
        return {"articles": [a.to_dict() for a in source().articles()]}

    @router.get("/articles/{article_id}", summary="One article with its text")
    def get_article(article_id: str) -> dict:
        """The article's metadata and full text; 404 if unknown."""
        assistant = source()
        text = assistant.article_text(article_id)
        meta = next((a.to_dict() for a in assistant.articles() if a.id == article_id), {"id": article_id})
        return {**meta, "text": text}

    @router.post("/articles", status_code=201, summary="Upload article files (or give a URL) and index them",
                 openapi_extra={"requestBody": {"content": {"application/json": {"schema": {
                     "type": "object", "properties": {"url": {"type": "string"}}, "required": ["url"]}}}}})
    async def upload(request: Request, response: Response) -> dict:
        """Index each `file` part of a multipart body, or the article page or feed of a JSON body {"url": ...},
        as a job (one at a time, so asks keep being served): one that is done within NEWSQA_UPLOAD_WAIT_SECONDS
        gives 201 with the report and articles; otherwise 202 with the job(s)."""
        if request.headers.get("content-type", "").startswith("application/json"):
            submitted = [jobs.submit_url(_url_of(await request.body()))]
        else:
            parts = (await request.form()).getlist("file")
            if not parts or any(isinstance(p, str) for p in parts):
                raise RequestValidationError([{"loc": ["body", "file"], "msg": "upload files as `file` parts "
                                               f"({', '.join(sorted(SUPPORTED))}), or send JSON {{\"url\": ...}}",
                                               "type": "missing"}])
            uploads = [(part.filename or "upload.txt", await read_upload(part, settings)) for part in parts]
            submitted = [jobs.submit(name, data) for name, data in uploads]
        return await _finish(submitted, response)

    async def _finish(submitted: list[Job], response: Response) -> dict:
        """201 with the report when one job ends within the wait; else 202 with the job(s)."""
        if len(submitted) == 1:
            job = await run_in_threadpool(jobs.wait, submitted[0].id, settings.upload_wait_seconds)
            if job.error is not None:
                raise job.error
            if job.ended:
                return {"report": job.report.to_dict(), "articles": _articles_of(source, job), "job": job.id}
        response.status_code = 202
        response.headers["Location"] = f"/api/jobs/{submitted[0].id}"
        found = [job_json(source, settings, jobs.get(j.id)) for j in submitted]
        return {"job": found[0]} if len(found) == 1 else {"jobs": found}

    @router.get("/feeds", summary="The remembered feeds")
    def list_feeds() -> dict:
        """Each feed's id, URL, title, when it was added and last checked, how that went, entries read."""
        return {"feeds": [f.to_dict() for f in source().feeds()]}

    @router.post("/feeds", status_code=201, summary="Remember a feed and index what it holds now")
    async def add_feed(body: UrlRequest, response: Response) -> dict:
        """Remember the feed, then fetch and index its articles as a job (201 or 202 as for uploads)."""
        url = body.url.strip()
        Feeds.open(settings).add(url)  # UnsupportedUrl (422) before any job starts

        def work(assistant, progress):
            return assistant.add_feed(url, progress=progress).index

        return await _finish([jobs.submit_work(url, work)], response)

    @router.delete("/feeds/{feed_id}", summary="Forget a feed (its articles stay)")
    def delete_feed(feed_id: str) -> dict:
        """Forget it; 404 if it is not remembered."""
        return {"removed": source().remove_feed(feed_id).to_dict()}

    @router.get("/jobs/{job_id}", summary="An upload job: its state, progress, and report or error")
    def get_job(job_id: str) -> dict:
        """The job's state (queued, running, done, failed), passages embedded so far of the total, and at the
        end the report and articles, or the error with the HTTP status it would have had."""
        return job_json(source, settings, jobs.get(job_id))

    @router.delete("/articles/{article_id}", summary="Remove an article and its passages")
    def delete_article(article_id: str) -> dict:
        """Remove it; 404 if unknown."""
        source().remove_article(article_id)
        return {"removed": article_id}

    @router.get("/stats", summary="Corpus facts")
    def stats() -> dict:
        """Articles, passages, date range, outlets, models."""
        return source().stats()

    return router


def _url_of(body: bytes) -> str:
    """The URL of a JSON body {"url": ...}; 422 for anything else."""
    try:
        return UrlRequest.model_validate_json(body).url
    except ValueError as exc:
        raise RequestValidationError([{"loc": ["body", "url"], "msg": 'send JSON {"url": "https://..."}: ' +
                                       str(exc).splitlines()[0][:200], "type": "value_error"}]) from None


def job_json(source: Source, settings: Settings, job: Job) -> dict:
    """A job as JSON: its fields, the error (without server paths) and HTTP status of its outcome once it has
    ended, and the articles it added."""
    data = job.to_dict()
    if job.error is not None:
        data.update(error=public_message(job.error, settings), status=_status(job.error))
    elif job.ended:
        data["status"] = 201
        data["articles"] = _articles_of(source, job)
    return data


def _articles_of(source: Source, job: Job) -> list[dict]:
    """The listed articles of a finished job's report."""
    added = set(job.report.article_ids)
    return [a.to_dict() for a in source().articles() if a.id in added]


def _unmatched(routers: list[APIRouter]) -> APIRouter:
    """A last /api route: 405 (with Allow) for a path served with other methods, else 404, as JSON; without
    it, the UI mounted at / would answer its own 404 page."""
    router = APIRouter()

    @router.api_route("/api/{rest:path}", methods=METHODS, include_in_schema=False)
    def unmatched(request: Request) -> None:
        """Raise 405 or 404 for an /api request no route took."""
        path = request.url.path
        allowed = sorted({m for router in routers for r in router.routes
                          if isinstance(r, APIRoute) and r.path_regex.match(path) for m in r.methods})
        if allowed:
            raise HTTPException(405, f"{request.method} is not allowed on {path}; use {', '.join(allowed)}",
                                headers={"Allow": ", ".join(allowed)})
        raise HTTPException(404, "Not Found")

    return router


def sse(events: Iterable[Event]) -> Iterator[str]:
    """Server-sent events: `event: <kind>` with JSON data ({"text"}, or the answer JSON for answers)."""
    try:
        for event in events:
            data = event.answer.to_dict() if event.answer is not None else {"text": event.text}
            yield f"event: {event.kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
    except NewsqaError as exc:
        yield f"event: error\ndata: {json.dumps({'error': str(exc)}, ensure_ascii=False)}\n\n"


async def read_upload(file: UploadFile, settings: Settings) -> bytes:
    """The upload's bytes; UnsupportedFile for a bad type, FileTooLarge past the limit (checked while reading)."""
    name, limit = file.filename or "", settings.max_upload_bytes
    check_upload(name, file.size or 0, limit)
    chunks, size = [], 0
    while chunk := await file.read(READ_CHUNK):
        size += len(chunk)
        check_upload(name, size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def error_response(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    """The one error shape: {"error": message}."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _status(exc: NewsqaError) -> int:
    """A domain error's HTTP status (the most specific class in STATUS wins)."""
    return next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 500)


def _domain_error(settings: Settings):
    """The handler that answers a domain error with its status and a message without server paths."""
    async def handle(request: Request, exc: NewsqaError) -> JSONResponse:
        """{"error": message} with the error's status (503 with Retry-After when the upload queue is full)."""
        headers = {"Retry-After": "30"} if isinstance(exc, UploadQueueFull) else None
        return error_response(_status(exc), public_message(exc, settings), headers)

    return handle


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    """Anything unexpected: 500 in the one error shape (the traceback goes to the server log)."""
    return error_response(500, f"Internal error ({type(exc).__name__}); the server log has the details.")


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Malformed JSON becomes 400; a body or query that does not fit the schema, 422."""
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, "Malformed JSON in the request body.")
    parts = [f"{'.'.join(str(x) for x in e.get('loc', ()) if x != 'body') or 'body'}: {e.get('msg')}"
             for e in errors]
    return error_response(422, "; ".join(parts) or "Invalid request.")


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's HTTP errors (401, 404 route, 405) in the same shape."""
    return error_response(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

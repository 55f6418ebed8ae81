"""The REST API under /api: thin FastAPI handlers over the Assistant, domain errors mapped to HTTP in one place."""

from __future__ import annotations

import base64
import hmac
import itertools
import json
from typing import Any, Callable, Iterable, Iterator

from fastapi import APIRouter, Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from index import SUPPORTED, check_upload

from .. import (ArticleNotFound, Assistant, DuplicateArticle, Event, FileTooLarge, GeneratorError,
                IndexUnavailable, InvalidQuestion, NewsqaError, Settings, UnreadableFile, UnsupportedFile,
                final_answer)
from ..errors import ReaderUnavailable

Source = Callable[[], Assistant]
READ_CHUNK = 1 << 20


STATUS = {InvalidQuestion: 422, UnsupportedFile: 415, FileTooLarge: 413, UnreadableFile: 422,
          DuplicateArticle: 409, ArticleNotFound: 404, IndexUnavailable: 503, GeneratorError: 502,
          ReaderUnavailable: 503}


class AskRequest(BaseModel):
    """Body of POST /api/ask."""

    question: str = Field(description="The question, at most NEWSQA_MAX_QUESTION_CHARS characters.")
    history: list[dict[str, Any] | list[str] | str] = Field(
        default_factory=list, description='Earlier turns: {"role", "content"} messages, [user, assistant] '
                                          'pairs, or earlier questions; used to rewrite follow-ups.')
    k: int | None = Field(default=None, ge=1, le=50, description="Passages to answer from (default 6).")
    stream: bool = Field(default=False, description="Server-sent events instead of one JSON answer: 'rewritten', "
                                                    "'extractive', 'token' ({text}) and finally 'answer'.")


def create_api(source: Source, settings: Settings) -> FastAPI:
    """The FastAPI app with every /api route, the error handlers and the OpenAPI docs at /docs."""
    app = FastAPI(title="newsqa", version="0.1.0", docs_url="/docs", redoc_url=None,
                  description="Ask questions about the indexed news articles; every answer cites its sources.")
    app.include_router(_open_routes(source))
    app.include_router(_routes(source, settings), dependencies=[Depends(_authorizer(settings))])
    app.add_exception_handler(NewsqaError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    return app


def _open_routes(source: Source) -> APIRouter:
    """Routes that need no credentials: the liveness check."""
    router = APIRouter(prefix="/api")

    @router.get("/health", summary="Is the index open?")
    def health() -> dict:
        """200 with the article count when the index is open; 503 otherwise."""
        return {"status": "ok", "articles": source().stats()["articles"]}

    return router


def _routes(source: Source, settings: Settings) -> APIRouter:
    """Asking, searching and managing articles."""
    router = APIRouter(prefix="/api")

    @router.post("/ask", summary="Answer a question with cited sources")
    def ask(body: AskRequest) -> dict:
        """The answer JSON (Answer.to_dict()): answer text, refused, numbered citations."""
        if body.stream:
            events = source().ask_stream(body.question, body.history, body.k)
            first = next(events)  # a bad question raises here, before any byte is sent
            return StreamingResponse(sse(itertools.chain([first], events)), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        return final_answer(source().ask_stream(body.question, body.history, body.k)).to_dict()

    @router.get("/search", summary="The passages that best match a query")
    def search(q: str = Query(description="The query."), k: int = Query(10, ge=1, le=100)) -> dict:
        """Passages (Passage.to_dict()), best first."""
        return {"query": q, "passages": [p.to_dict() for p in source().search(q, k=k)]}

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

    @router.post("/articles", status_code=201, summary="Upload an article file and index it")
    async def upload(file: UploadFile = File(description=f"One of {', '.join(sorted(SUPPORTED))}")) -> dict:
        """Index the file's articles (in a worker thread, so asks keep being served); the report and articles."""
        data = await read_upload(file, settings)
        assistant = source()
        report = await run_in_threadpool(assistant.add_upload, file.filename or "upload.txt", data)
        added = set(report.article_ids)
        return {"report": report.to_dict(), "articles": [a.to_dict() for a in assistant.articles() if a.id in added]}

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


def _authorizer(settings: Settings) -> Callable[[Request], None]:
    """A dependency that checks credentials: Bearer NEWSQA_API_TOKEN, else Basic NEWSQA_UI_AUTH, else none."""
    def authorize(request: Request) -> None:
        """Raise 401 unless the request carries valid credentials (when any are configured)."""
        if not credentials_ok(request.headers.get("authorization", ""), settings):
            scheme = "Bearer" if settings.api_token else "Basic"
            raise HTTPException(401, f"Missing or wrong credentials: send 'Authorization: {scheme} ...'",
                                headers={"WWW-Authenticate": scheme})

    return authorize


def credentials_ok(header: str, settings: Settings) -> bool:
    """True if no credentials are configured or the Authorization header carries valid ones."""
    scheme, _, value = header.partition(" ")
    if settings.api_token:
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), settings.api_token.encode())
    if settings.ui_auth:
        try:
            given = base64.b64decode(value.strip(), validate=True)
        except ValueError:
            return False
        return scheme.lower() == "basic" and hmac.compare_digest(given, settings.ui_auth.encode())
    return True


def error_response(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    """The one error shape: {"error": message}."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def _domain_error(request: Request, exc: NewsqaError) -> JSONResponse:
    """A domain error as its HTTP status (the most specific class in STATUS wins)."""
    status = next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 500)
    return error_response(status, str(exc))


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

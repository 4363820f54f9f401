"""The FastAPI app. Heavy objects (model, index) are built once, in the lifespan."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from typing import Literal

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse

from index.embedder import from_settings
from index.engine import Index
from index.settings import Settings
from ingest.errors import BadRequest, IndexMismatch, NotFound, NotReady, VindplaatsError
from ingest.metadata import Overrides
from service import errors
from service.limits import ApiKeys, BodyLimit
from service.query import indicator_series, run_query, search_indicators
from service.schemas import QueryRequest, QueryResponse
from service.state import current_index
from service.web import install_pages

log = logging.getLogger(__name__)


def build_index(settings: Settings) -> Index:
    embedder = from_settings(settings)
    return Index(settings, embedder)


def create_app(settings: Settings, index: Index | None = None, not_ready: VindplaatsError | None = None) -> FastAPI:
    """`index` may be passed in (tests share one); otherwise the lifespan builds and closes it.

    A data dir that cannot be opened (damaged files, another model) leaves the
    service up and not ready: /health and every route answer 503 or 409 with the reason.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        owned = index is None
        app.state.index = index
        app.state.not_ready = not_ready
        if owned and not_ready is None:
            try:
                app.state.index = await run_in_threadpool(build_index, settings)
            except (NotReady, IndexMismatch) as exc:
                log.error("not ready: %s", exc.message)
                app.state.not_ready = exc
        app.state.write_lock = threading.Lock()
        try:
            yield
        finally:
            if owned and app.state.index is not None:
                app.state.index.close()

    app = FastAPI(
        title="Vindplaats",
        description="Zoeken in en cijfers uit Nederlandse beleidsdocumenten, met bronvermelding.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    install_pages(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_mb * 1024 * 1024)
    if settings.api_keys:
        app.add_middleware(ApiKeys, keys=settings.api_keys)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"])

    idx = current_index

    @app.post("/query", response_model=QueryResponse, responses={422: {"model": errors_model()}})
    async def query(body: QueryRequest, request: Request) -> dict:
        return await run_in_threadpool(run_query, idx(request), body)

    @app.get("/indicators")
    async def indicators(
        request: Request,
        q: str = Query(..., min_length=1, max_length=500),
        year: int | None = Query(None, ge=1900, le=2100),
        municipality: str | None = Query(None, max_length=100),
        kind: Literal["realised", "target", "budget", "difference", "reference", "other"] | None = None,
        limit: int = Query(20, ge=1, le=200),
    ) -> dict:
        return await run_in_threadpool(search_indicators, idx(request), q, year, municipality, kind, limit)

    @app.get("/indicators/series")
    async def series(
        request: Request,
        q: str = Query(..., min_length=1, max_length=500),
        municipality: str | None = Query(None, max_length=100),
        kind: Literal["realised", "target", "budget", "difference", "reference", "other"] | None = None,
    ) -> dict:
        return await run_in_threadpool(indicator_series, idx(request), q, municipality, kind)

    @app.get("/health")
    async def health(request: Request) -> dict:
        index_ = idx(request)
        return {
            "status": "ok",
            "model": index_.embedder.name,
            "dimension": index_.embedder.dim,
            "chroma": "server" if settings.chroma_url else "embedded",
            **await run_in_threadpool(index_.health),
        }

    @app.get("/documents")
    async def documents(request: Request) -> dict:
        store = idx(request).store
        return {"documents": store.documents(), "refused": store.refused()}

    @app.post("/documents", status_code=201)
    async def upload(
        request: Request,
        file: UploadFile = File(...),
        title: str | None = Form(None),
        municipality: str | None = Form(None),
        doc_type: str | None = Form(None),
        year: int | None = Form(None),
    ) -> dict:
        name = Path(file.filename or "").name
        if not name:
            raise BadRequest("the upload has no file name")
        limit = settings.max_upload_mb * 1024 * 1024
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise VindplaatsError(f"{name}: larger than {settings.max_upload_mb} MB", code="payload_too_large", status=413)
        overrides = Overrides(title=title, municipality=municipality, doc_type=doc_type, year=year)

        def work():
            with request.app.state.write_lock:
                return idx(request).ingest_bytes(data, name, overrides)

        result = await run_in_threadpool(work)
        if result.status == "refused":
            raise VindplaatsError(result.message or "refused", code=result.code or "unreadable_file", status=422)
        return result.__dict__

    @app.delete("/documents/{document_id}")
    async def delete(document_id: str, request: Request) -> dict:
        def work():
            with request.app.state.write_lock:
                idx(request).delete(document_id)

        await run_in_threadpool(work)
        return {"deleted": document_id}

    @app.get("/documents/{document_id}/original")
    async def original(document_id: str, request: Request) -> FileResponse:
        index_ = idx(request)
        doc = index_.store.document(document_id)
        if doc is None or not doc.get("original"):
            raise NotFound(f"no stored original for document {document_id}")
        path = index_.originals / doc["original"]
        if not path.exists():
            raise NotFound(f"the original of {doc['file']} is missing")
        return FileResponse(path, media_type=doc.get("media_type") or "application/octet-stream", filename=doc["file"],
                            content_disposition_type="inline")

    return app


def errors_model():
    from service.schemas import ErrorBody

    return ErrorBody

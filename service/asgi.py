"""ASGI entry point for multi-process servers: `uvicorn --factory service.asgi:create --workers N`.

uvicorn imports this module in every worker process, so importing it must not read the
environment, open a data dir or load the model. Each worker calls `create()` once it has
started; the app's lifespan then builds that worker's own index (model, store, BM25, Chroma
client). Several workers are only safe with VINDPLAATS_CHROMA_URL set (see docs/deploy.md).
"""

from __future__ import annotations

from fastapi import FastAPI

from service.app import create_app


def create() -> FastAPI:
    """Read VINDPLAATS_* now, not at import, so a bad setting fails the worker at start-up with
    pydantic's message, and each worker sees the environment it was started with."""
    from index.settings import Settings

    return create_app(Settings())

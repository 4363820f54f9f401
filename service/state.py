"""Where request handlers get the index, or the reason there is none.

A damaged or mismatched data dir must not crash the service: it starts,
answers /health with 503 and the reason, and every other route says the same.
"""

from __future__ import annotations

from fastapi import Request

from index.engine import Index
from ingest.errors import NotReady


def current_index(request: Request) -> Index:
    index = getattr(request.app.state, "index", None)
    if index is None:
        raise getattr(request.app.state, "not_ready", None) or NotReady("the index is still loading")
    return index

"""Question → the /query body. Shared by the HTTP route and the CLI so both say the same."""

from __future__ import annotations

import time

from index.engine import Index
from service.schemas import QueryRequest


def source_of(row: dict) -> dict:
    return {
        "document_id": row["document_id"],
        "file": row["file"],
        "title": row["title"],
        "municipality": row.get("municipality"),
        "doc_type": row.get("doc_type"),
        "year": row.get("year"),
        "section": row.get("section") or "",
        "page": row.get("page"),
        "page_label": row.get("page_label"),
    }


def run_query(index: Index, request: QueryRequest) -> dict:
    started = time.perf_counter()
    filters = request.filters.model_dump(exclude_none=True)
    hits = index.search(request.question, k=request.top_k, mode=request.mode, filters=filters)
    searched = time.perf_counter()
    passages = [
        {"rank": h.rank, "score": round(h.score, 6), "text": h.source["text"], "source": source_of(h.source)} for h in hits
    ]
    return {
        "question": request.question,
        "answer": None,
        "passages": passages,
        "indicators": [],
        "tables": [],
        "timing_ms": {
            "search": round((searched - started) * 1000, 2),
            "total": round((time.perf_counter() - started) * 1000, 2),
        },
    }

"""Question → the /query body. Shared by the HTTP route and the CLI so both say the same."""

from __future__ import annotations

import time

from index.engine import Index
from index.answer import MIN_LEXICAL, Answerer, fact_out, read_question
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


def table_out(index: Index, fact: dict) -> dict | None:
    """The whole table a cited figure stands in, with the cell to highlight."""
    source = fact["source"]
    if not source.get("table_id"):
        return None
    table = index.store.table(source["document_id"], source["table_id"])
    if table is None:
        return None
    header = table["header"]
    width = len(header)
    rows = table["rows"]
    row_at = next(
        (i for i, row in enumerate(rows) if row and row[0].strip() == fact["indicator"].strip() and fact["value_text"] in row[1:]),
        next((i for i, row in enumerate(rows) if fact["value_text"] in row[1:] and fact["indicator"][:20] in row[0]), None),
    )
    column_at = header.index(source["column"]) if source.get("column") in header else None
    return {
        "id": table["id"],
        "title": table["title"],
        "header": header,
        "rows": rows,
        # a row with fewer cells than columns is printed as-is; its cells are not aligned to years
        "aligned": [len(row) == width for row in rows],
        "highlight": {"row": row_at, "column": column_at},
        "source": {
            "document_id": table["document_id"], "file": table["file"], "title": table["document_title"],
            "section": table["section"], "page": table["page"], "page_label": table["page_label"],
        },
    }


def run_query(index: Index, request: QueryRequest) -> dict:
    started = time.perf_counter()
    filters = request.filters.model_dump(exclude_none=True)
    vector = index.embedder.query(request.question)
    embedded = time.perf_counter()
    hits = index.search(request.question, k=request.top_k, mode=request.mode, filters=filters, vector=vector)
    searched = time.perf_counter()
    answer, indicators = index.answer(request.question, vector, filters.get("municipality"))
    tables = []
    if answer and answer.get("citations"):
        first = next((f for f in indicators if f["source"]["table_id"] == answer["citations"][0].get("table_id")
                      and f["value_text"] == answer.get("value_text")), None)
        cited = first or next((f for f in indicators if f["source"]["table_id"] == answer["citations"][0].get("table_id")), None)
        table = table_out(index, cited) if cited else None
        if table:
            tables.append(table)
        for alt in answer.get("alternatives", []):
            for c in alt["citations"][:1]:
                match = next((f for f in indicators if f["source"]["table_id"] == c.get("table_id") and f["value_text"] == alt["value_text"]), None)
                t = table_out(index, match) if match else None
                if t and all(t["id"] != x["id"] for x in tables):
                    tables.append(t)
    passages = [
        {"rank": h.rank, "score": round(h.score, 6), "text": h.source["text"], "source": source_of(h.source)} for h in hits
    ]
    return {
        "question": request.question,
        "answer": answer,
        "passages": passages,
        "indicators": indicators,
        "tables": tables,
        "timing_ms": {
            "embed": round((embedded - started) * 1000, 2),
            "search": round((searched - embedded) * 1000, 2),
            "answer": round((time.perf_counter() - searched) * 1000, 2),
            "total": round((time.perf_counter() - started) * 1000, 2),
        },
    }


def _matches(index: Index, q: str, municipality: str | None, kind: str | None):
    reading = read_question(q, index.store.municipalities())
    reading.municipality = municipality or reading.municipality
    reading.kind = kind or reading.kind
    vector = index.embedder.query(q)
    return reading, Answerer(index.facts).matches(reading, vector)


def search_indicators(index: Index, q: str, year: int | None, municipality: str | None, kind: str | None, limit: int) -> dict:
    """Facts whose indicator matches q, best label first; filtered, never re-dated."""
    reading, matches = _matches(index, q, municipality, kind)
    out = []
    for score, facts in matches:
        for fact in sorted(facts, key=lambda f: (-(f["year"] or 0), f["kind"])):
            if year is not None and fact["year"] != year:
                continue
            if kind is not None and fact["kind"] != kind:
                continue
            out.append(fact_out(fact, score.score))
        if len(out) >= limit:
            break
    return {"q": q, "indicators": out[:limit]}


def indicator_series(index: Index, q: str, municipality: str | None, kind: str | None) -> dict:
    """Values per year of the best-matching indicator, each point with its own citation."""
    reading, matches = _matches(index, q, municipality, kind)
    if not matches or matches[0][0].lexical < MIN_LEXICAL:
        return {"q": q, "indicator": None, "points": []}
    best, facts = matches[0]
    points = [
        fact_out(f)
        for f in sorted(facts, key=lambda f: (f["year"] or 0, f["kind"], f["file"]))
        if f["value"] is not None and not f["ambiguous"] and (kind is None or f["kind"] == kind)
    ]
    return {"q": q, "indicator": best.label, "points": points}

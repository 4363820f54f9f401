"""The web page for staff and griffie: a question gives the figure, its table and passages to cite.

Server-rendered with Jinja2 (autoescaping on: document text is untrusted and
is only ever inserted as text). The page reads the same /query body as the
API (`run_query`), so page, API and CLI say the same. A small script
(static/app.js) adds the copy button, the upload form and a busy state; the
page works without it.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from index.answer import KIND_NL, read_question
from index.lexical import tokenize
from service.state import current_index
from service.query import run_query
from service.schemas import MAX_QUESTION, QueryRequest

HERE = Path(__file__).resolve().parent
QUOTE_CHARS = 200

# HTML pages load nothing but their own script and stylesheet
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

REFUSED_NL = {
    "unsupported_type": "bestandstype wordt niet ondersteund (alleen PDF, HTML, tekst en Markdown)",
    "empty_file": "het bestand is leeg",
    "not_a_pdf": "het bestand heet .pdf maar is geen PDF",
    "corrupt_pdf": "de PDF is beschadigd en kan niet gelezen worden",
    "encrypted_pdf": "de PDF is beveiligd met een wachtwoord",
    "no_text_layer": "de PDF bevat alleen afbeeldingen (scan); eerst OCR nodig",
    "garbage_text": "de tekst in de PDF is onleesbaar (kapotte lettertypekoppeling)",
    "unreadable_file": "het bestand kon niet gelezen worden",
    "original_missing": "het opgeslagen origineel ontbreekt",
}
KIND_LABEL = {**KIND_NL, "other": "cijfer (soort niet vermeld)"}
DOC_TYPES = ("begroting", "jaarverslag", "jaarstukken", "jaarrekening", "kadernota", "voorjaarsnota", "najaarsnota",
             "raadsvoorstel", "monitor")

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _number(value: int | float | None) -> str:
    """Dutch thousands separator: 1336 → 1.336."""
    if value is None:
        return "–"
    return f"{value:,}".replace(",", ".")


_env.filters["nummer"] = _number


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    html = _env.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status, headers={
        "Content-Security-Policy": PAGE_CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    })


# -- wording shared by the views ------------------------------------------------
def page_text(page: int | None, label: str | None) -> str | None:
    """The printed page number first; the PDF page too when they differ."""
    if not page and not label:
        return None
    if label and page and str(label) != str(page):
        return f"p. {label} (pdf-pagina {page})"
    return f"p. {label or page}"


def original_href(document_id: str, page: int | None) -> str:
    return f"/documents/{document_id}/original" + (f"#page={page}" if page else "")


def doc_short(doc: dict | None, fallback: str = "") -> str:
    """'Jaarverslag 2024' — how a clerk names a document; the title when type or year is unknown."""
    if doc and doc.get("doc_type") and doc.get("year"):
        return f"{doc['doc_type'].capitalize()} {doc['year']}"
    return (doc or {}).get("title") or fallback


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """The first ~limit characters of a passage, cut at a word, with … when cut."""
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–") + "…"


def citation_text(source: dict, text: str) -> str:
    """Gemeente Groningen, Jaarverslag 2024, Deelprogramma 3.3 …, p. 12: '…'"""
    parts = []
    if source.get("municipality"):
        parts.append(f"Gemeente {source['municipality']}")
    parts.append(doc_short(source, source.get("file", "")))
    if source.get("section"):
        parts.append(source["section"])
    page = source.get("page_label") or source.get("page")
    if page:
        parts.append(f"p. {page}")
    return ", ".join(p for p in parts if p) + f": '{quote(text)}'"


_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")


def highlight(text: str, question: str) -> list[tuple[str, bool]]:
    """Text split into (part, is_query_term); words match on their stem ('daklozen' ~ 'dakloze')."""
    wanted = set(tokenize(question))
    if not wanted:
        return [(text, False)]
    parts: list[tuple[str, bool]] = []
    at = 0
    for m in _WORD.finditer(text):
        if any(t in wanted for t in tokenize(m.group())):
            if m.start() > at:
                parts.append((text[at : m.start()], False))
            parts.append((m.group(), True))
            at = m.end()
    if at < len(text):
        parts.append((text[at:], False))
    return parts


def unit_inline(unit: str | None) -> str | None:
    """The unit beside the figure only when it changes how to read it (x € 1.000, per 1.000 inwoners)."""
    return unit if unit and re.search(r"€|\bper\b|\bx\b|euro|procent", unit, re.I) else None


def clean_value(value_text: str | None) -> str:
    """'1.339**' → '1.339' (footnote marks stay in the table itself)."""
    return re.sub(r"[\s*]+$", "", value_text or "")


# -- views ----------------------------------------------------------------------
class Docs:
    """Document rows by id, read once per request."""

    def __init__(self, store):
        self.store = store
        self._rows: dict[str, dict | None] = {}

    def get(self, document_id: str | None) -> dict | None:
        if not document_id:
            return None
        if document_id not in self._rows:
            self._rows[document_id] = self.store.document(document_id)
        return self._rows[document_id]


def source_view(cite: dict, docs: Docs) -> dict:
    doc = docs.get(cite.get("document_id")) or {}
    return {
        "title": cite.get("title") or doc.get("title") or cite.get("file", ""),
        "short": doc_short(doc, cite.get("title", "")),
        "municipality": doc.get("municipality"),
        "section": cite.get("section") or "",
        "table": cite.get("table"),
        "column": cite.get("column"),
        "page": page_text(cite.get("page"), cite.get("page_label")),
        "href": original_href(cite["document_id"], cite.get("page")) if cite.get("document_id") else None,
        "is_pdf": (cite.get("file") or "").lower().endswith(".pdf"),
    }


def answer_view(answer: dict, question: str, municipalities: list[str], docs: Docs) -> dict:
    asked_year = read_question(question, municipalities).year
    kind = answer.get("kind")
    view = {
        "indicator": answer.get("indicator"),
        "figure": clean_value(answer.get("value_text")),
        "raw": (answer.get("value_text") or "").strip(),
        "year": answer.get("year"),
        "unit": answer.get("unit"),
        "unit_inline": unit_inline(answer.get("unit")),
        "kind": KIND_LABEL.get(kind, kind) if kind else None,
        "comparator": answer.get("comparator"),
        "text": answer.get("text", ""),
        "sources": [source_view(c, docs) for c in answer.get("citations", [])],
        "conflict": None,
        "alternatives": [],
        "notes": [],
        "state": "definite",
        "candidates": [],
        "nearest": [],
    }
    if answer.get("value_text") is None:
        view["state"] = "ambiguous" if answer.get("ambiguous") else "missing"
    if answer.get("conflict"):
        groups = [(answer.get("value_text"), answer.get("citations", []))] + [
            (alt.get("value_text"), alt.get("citations", [])) for alt in answer.get("alternatives", [])
        ]
        listed = []
        for value_text, cites in groups:
            names = []
            for c in cites:
                name = doc_short(docs.get(c.get("document_id")), c.get("title", ""))
                if name not in names:
                    names.append(name)
            listed.append(f"{clean_value(value_text)} ({', '.join(names)})")
        view["conflict"] = "Bronnen verschillen: " + " · ".join(listed)
        view["alternatives"] = [
            {
                "figure": (alt.get("value_text") or "").strip(),
                "kind": KIND_LABEL.get(alt.get("kind"), alt.get("kind")),
                "indicator": alt.get("indicator"),
                "sources": [source_view(c, docs) for c in alt.get("citations", [])],
            }
            for alt in answer.get("alternatives", [])
        ]
    if view["state"] == "ambiguous":
        view["notes"].append(
            "Uit de opmaak van de tabel blijkt niet bij welk jaar dit cijfer hoort; er is geen zeker cijfer"
            + (f" voor {answer['year']}." if answer.get("year") else ".")
        )
        view["candidates"] = [
            {
                "figure": (c.get("value_text") or "").strip(),
                "years": ", ".join(str(y) for y in c.get("candidate_years") or []),
                "source": source_view(c["source"], docs),
            }
            for c in answer.get("candidates", [])
        ]
    elif view["state"] == "missing":
        view["notes"].append(
            f"Geen cijfer voor {answer['year']} gevonden." if answer.get("year") else "Geen cijfer gevonden voor deze vraag."
        )
        view["nearest"] = [
            {
                "year": f.get("year"),
                "figure": (f.get("value_text") or "").strip(),
                "unit": f.get("unit"),
                "kind": KIND_LABEL.get(f.get("kind"), f.get("kind")),
                "source": source_view(f["source"], docs),
            }
            for f in answer.get("nearest", [])
        ]
    if asked_year is None and answer.get("year") and view["state"] == "definite":
        view["notes"].append(f"De vraag noemt geen jaar: dit is het meest recente cijfer ({answer['year']}).")
    return view


def table_view(table: dict, cited: bool) -> dict:
    header = table.get("header") or []
    width = max([len(header)] + [len(r) for r in table.get("rows") or []])
    highlight_at = table.get("highlight") or {}
    aligned = table.get("aligned") or []
    rows = []
    for n, row in enumerate(table.get("rows") or []):
        is_row = n == highlight_at.get("row")
        ok = aligned[n] if n < len(aligned) else len(row) == width
        cells = [
            {"text": cell, "hit": is_row and i == highlight_at.get("column"), "first": i == 0}
            for i, cell in enumerate(row)
        ]
        rows.append({
            "cells": cells,
            "pad": max(0, width - len(row)),
            "hit": is_row,
            "group": len(row) == 1 and width > 1,
            "aligned": ok,
        })
    source = table.get("source") or {}
    return {
        "title": table.get("title") or "Tabel",
        "header": header + [""] * (width - len(header)),
        "rows": rows,
        "cited": cited,
        "has_unaligned": any(not r["aligned"] and not r["group"] for r in rows),
        "source": {
            "title": source.get("title") or source.get("file", ""),
            "section": source.get("section") or "",
            "page": page_text(source.get("page"), source.get("page_label")),
            "href": original_href(source["document_id"], source.get("page")) if source.get("document_id") else None,
            "is_pdf": (source.get("file") or "").lower().endswith(".pdf"),
        },
    }


def passage_view(passage: dict, question: str) -> dict:
    source = passage["source"]
    return {
        "rank": passage["rank"],
        "title": source.get("title") or source.get("file", ""),
        "file": source.get("file", ""),
        "municipality": source.get("municipality"),
        "short": doc_short(source, ""),
        "section": source.get("section") or "",
        "page": page_text(source.get("page"), source.get("page_label")),
        "pdf_page": source.get("page"),
        "href": original_href(source["document_id"], source.get("page")),
        "is_pdf": (source.get("file") or "").lower().endswith(".pdf"),
        "parts": highlight(passage["text"], question),
        "citation": citation_text(source, passage["text"]),
    }


def filter_options(documents: list[dict]) -> dict:
    return {
        "municipalities": sorted({d["municipality"] for d in documents if d.get("municipality")}, key=str.lower),
        "doc_types": sorted({d["doc_type"] for d in documents if d.get("doc_type")}),
        "years": sorted({d["year"] for d in documents if d.get("year")}, reverse=True),
    }


def _param(request: Request, name: str, limit: int = 300) -> str:
    return (request.query_params.get(name) or "").strip()[:limit]


def _when(at: float | None) -> str:
    if not at or not math.isfinite(at):
        return ""
    return datetime.fromtimestamp(at).strftime("%d-%m-%Y %H:%M")


def install_pages(app: FastAPI) -> None:
    """GET / (zoeken) and GET /documenten (HTML), /static; the JSON API is untouched."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(SandboxOriginals)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def search_page(request: Request) -> HTMLResponse:
        index = current_index(request)
        documents = await run_in_threadpool(index.store.documents)
        options = filter_options(documents)
        question = _param(request, "q", MAX_QUESTION + 1)
        chosen = {"gemeente": _param(request, "gemeente", 100), "soort": _param(request, "soort", 50),
                  "jaar": _param(request, "jaar", 10)}
        context = {"question": question, "chosen": chosen, "options": options, "error": None, "result": None,
                   "doc_count": len(documents)}
        if not question:
            return render(request, "search.html", page="zoeken", **context)
        filters = {"municipality": chosen["gemeente"] or None, "doc_type": chosen["soort"] or None,
                   "year": chosen["jaar"] or None}
        try:
            body = QueryRequest(question=question, filters={k: v for k, v in filters.items() if v})
        except ValidationError as exc:
            context["error"] = _invalid(exc)
            return render(request, "search.html", page="zoeken", status=422, **context)

        def work() -> dict:
            result = run_query(index, body)
            docs = Docs(index.store)
            answer = result.get("answer")
            return {
                "answer": answer_view(answer, question, options["municipalities"], docs) if answer else None,
                "tables": [table_view(t, n == 0) for n, t in enumerate(result.get("tables") or [])],
                "passages": [passage_view(p, question) for p in result.get("passages") or []],
                "ms": round(result.get("timing_ms", {}).get("total", 0)),
            }

        context["result"] = await run_in_threadpool(work)
        return render(request, "search.html", page="zoeken", **context)

    @app.get("/documenten", response_class=HTMLResponse, include_in_schema=False)
    async def documents_page(request: Request) -> HTMLResponse:
        store = current_index(request).store

        def work() -> dict:
            documents = store.documents()
            refused = store.refused()
            added = store.document(_param(request, "toegevoegd", 64)) if _param(request, "toegevoegd", 64) else None
            return {"documents": documents, "refused": refused, "added": added}

        data = await run_in_threadpool(work)
        docs = [{**d, "href": original_href(d["id"], None) if d.get("original") else None} for d in data["documents"]]
        refused = [{**r, "reason": REFUSED_NL.get(r.get("code"), r.get("code")), "when": _when(r.get("at"))}
                   for r in data["refused"]]
        totals = {
            "documents": len(docs),
            "pages": sum(d.get("pages") or 0 for d in docs),
            "chunks": sum(d.get("n_chunks") or 0 for d in docs),
            "facts": sum(d.get("n_facts") or 0 for d in docs),
            "refused": len(refused),
        }
        options = filter_options(data["documents"])
        return render(
            request, "documents.html", page="documenten", documents=docs, refused=refused, totals=totals,
            added=data["added"], options=options, doc_types=sorted(set(DOC_TYPES) | set(options["doc_types"])),
            max_mb=request.app.state.settings.max_upload_mb,
        )


def _invalid(exc: ValidationError) -> str:
    for err in exc.errors():
        where = [str(p) for p in err.get("loc", ())]
        if "question" in where:
            if err.get("type") == "string_too_long":
                return f"De vraag is te lang (hoogstens {MAX_QUESTION} tekens)."
            return "Vul een vraag in."
        if "year" in where:
            return "Kies een geldig jaar."
    return "De zoekopdracht is ongeldig."


class SandboxOriginals:
    """Stored HTML originals are untrusted: served from /documents/{id}/original they would run their
    scripts on this origin. A CSP sandbox gives them an opaque origin without scripts; PDFs and text
    are left as they are (Chromium's PDF viewer does not run in a sandboxed document)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path.startswith("/documents/") and path.endswith("/original")):
            return await self.app(scope, receive, send)

        async def guarded(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                kind = next((v for k, v in headers if k.lower() == b"content-type"), b"").lower()
                headers.append((b"x-content-type-options", b"nosniff"))
                if not kind.startswith(b"application/pdf"):
                    headers.append((b"content-security-policy", b"sandbox; default-src 'none'; style-src 'unsafe-inline'"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send=guarded)

"""One file in, one ParsedDocument out: parse, sections, chunks, tables and facts.

Knows nothing of embeddings or storage; the index takes it from here.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from ingest.chunking import chunk_sections
from ingest.errors import EmptyFile
from ingest.metadata import Overrides, guess
from ingest.models import DocumentMeta, ParsedDocument, TableExtraction, content_hash
from ingest.normalize import normalize_lines
from ingest.parsers import parse_bytes
from ingest.parsers.pdf import RawPage
from ingest.sections import split_sections

log = logging.getLogger(__name__)


def extract_figures(document_id: str, parsed_sections, pages) -> TableExtraction:
    """Tables and facts; PDFs use pypdf's layout text, text exports their lines."""
    from ingest.tables import extract_tables

    extraction = TableExtraction()
    if pages:
        from ingest.tables_pdf import extract_pdf_tables

        section_by_page: dict[int, str] = {}
        for section in parsed_sections:
            for line in section.lines:
                if line.page is not None and line.page not in section_by_page:
                    section_by_page[line.page] = section.path_text
        extraction.extend(extract_pdf_tables(document_id, pages, lambda n: section_by_page.get(n, "")))
    else:
        extraction.extend(extract_tables(document_id, parsed_sections))
    return extraction


def parse_document(
    data: bytes, name: str, overrides: Overrides | None = None, *, ocr: bool = False, raw_pages: list[RawPage] | None = None
) -> ParsedDocument:
    """Parse one file; with `ocr`, PDF pages without a usable text layer are read by tesseract.

    OCR'd pages are named in the warnings (ingest.ocr.ocr_note, persisted with
    the document) and their chunks carry `ocr=True` so a citation can say so.
    `raw_pages`: a PDF's page texts when already extracted (see ingest.sandbox).
    """
    parsed = parse_bytes(data, name, ocr=ocr, raw_pages=raw_pages)
    document_id = content_hash(data)
    lines = normalize_lines(parsed.lines)
    head = "\n".join([parsed.title or ""] + [line.text for line in lines[:300]])
    g = guess(name, head, parsed.title, overrides)
    meta = DocumentMeta(
        id=document_id,
        file=name,
        title=g.title,
        municipality=g.municipality,
        doc_type=g.doc_type,
        year=g.year,
        pages=parsed.n_pages,
        media_type=parsed.media_type,
    )
    sections = split_sections(lines, parsed.headings)
    chunks = chunk_sections(document_id, sections)
    ocr_pages = set(parsed.ocr_pages)
    if ocr_pages:  # a chunk is cited by the page it starts on, so that page decides
        chunks = [replace(c, ocr=True) if c.page in ocr_pages else c for c in chunks]
    if not chunks:
        raise EmptyFile(f"{name}: no text to index")
    extraction = extract_figures(document_id, sections, parsed.pages)
    warnings = list(parsed.warnings) + [f"{name}: table not parsed: {s}" for s in extraction.skipped]
    return ParsedDocument(
        meta=meta,
        sections=sections,
        chunks=chunks,
        facts=extraction.facts,
        tables=extraction.tables,
        warnings=warnings,
        ocr_pages=sorted(ocr_pages),
    )

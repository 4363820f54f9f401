"""What every parser returns: lines with their page, explicit headings, and pages for PDFs."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.models import Line, PdfPage


@dataclass
class ParsedFile:
    lines: list[Line]
    headings: dict[int, int] = field(default_factory=dict)  # line index -> level (HTML h1-h4, Markdown #)
    pages: list[PdfPage] = field(default_factory=list)  # PDFs only
    title: str | None = None
    n_pages: int | None = None
    media_type: str = "text/plain"
    warnings: list[str] = field(default_factory=list)
    ocr_pages: list[int] = field(default_factory=list)

"""File suffix → parser. Unknown suffixes are refused with a reason, never guessed."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import EmptyFile, UnsupportedType
from ingest.parsers.base import ParsedFile
from ingest.parsers.html import parse_html
from ingest.parsers.pdf import RawPage, parse_pdf
from ingest.parsers.text import parse_text

SUPPORTED = {".pdf", ".html", ".htm", ".txt", ".md", ".markdown", ".text"}


def parse_bytes(data: bytes, name: str, *, ocr: bool = False, raw_pages: list[RawPage] | None = None) -> ParsedFile:
    """Parse by suffix; `ocr` lets the PDF parser read image-only pages with tesseract (others ignore it).

    `raw_pages`: a PDF's page texts already extracted by `extract_pages` (the sandbox does that in parallel).
    """
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise UnsupportedType(
            f"{name}: unsupported file type '{suffix or '(none)'}'; supported: {', '.join(sorted(SUPPORTED))}"
        )
    if suffix == ".pdf":
        return parse_pdf(data, name, ocr=ocr, raw=raw_pages)
    if not data.strip():
        raise EmptyFile(f"{name}: the file is empty")
    if suffix in (".html", ".htm"):
        return parse_html(data, name)
    return parse_text(data, name, markdown=suffix in (".md", ".markdown"))


__all__ = ["ParsedFile", "SUPPORTED", "parse_bytes"]

"""The data types that flow from ingest through index to service.

One shape end to end keeps citations honest: a chunk or a fact always knows
its document, section path, PDF page and printed page, because it is built
from `Line`s that carry them and never loses them on the way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

SECTION_SEPARATOR = " › "


def content_hash(*parts: str | bytes) -> str:
    """Stable 32-hex id; re-ingesting the same content yields the same id."""
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class Line:
    """One line of extracted text with where it stands on paper."""

    text: str
    page: int | None = None  # 1-based PDF page; None for HTML/text
    page_label: str | None = None  # the page number printed on the page


@dataclass
class Section:
    """A run of lines under one heading path; chunks never cross it."""

    path: tuple[str, ...]
    lines: list[Line] = field(default_factory=list)

    @property
    def path_text(self) -> str:
        return SECTION_SEPARATOR.join(self.path)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class DocumentMeta:
    id: str  # content hash of the file bytes
    file: str  # file name as ingested
    title: str
    municipality: str | None = None
    doc_type: str | None = None
    year: int | None = None
    pages: int | None = None
    media_type: str = "text/plain"


@dataclass(frozen=True)
class Chunk:
    id: str
    document_id: str
    text: str
    section: str  # "A › B › C"
    page: int | None
    page_label: str | None
    ordinal: int  # position in the document, for stable ordering
    # the chunk starts on a page whose text was read by OCR (ingest/ocr.py); not part of the id,
    # so switching OCR on re-ingests nothing that had a text layer
    ocr: bool = False

    @staticmethod
    def make_id(document_id: str, section: str, text: str) -> str:
        return content_hash(document_id, section, text)


@dataclass
class Fact:
    """One figure from one table cell, with everything needed to cite it."""

    document_id: str
    indicator: str  # label as printed, wrapped lines joined
    key: str  # normalised label used for matching
    year: int | None  # the year the figure is about
    value: float | None
    value_text: str  # the cell as printed
    kind: str  # realised | target | budget | difference | reference | other
    unit: str | None = None
    comparator: str | None = None  # ">", "<", ">=", "<=", "~"
    scope: str | None = None  # "Wassenaar", "Nederland", ...
    footnote: str | None = None
    table_title: str | None = None
    table_id: str | None = None
    section: str = ""
    page: int | None = None
    page_label: str | None = None
    column: str | None = None  # the column header as printed
    row_group: str | None = None  # "Lasten", "Baten", ...
    ambiguous: bool = False
    candidate_years: tuple[int, ...] = ()


@dataclass
class Table:
    """A parsed table, kept whole so an answer can show where a figure stands."""

    id: str
    document_id: str
    title: str
    header: list[str]
    rows: list[list[str]]
    section: str = ""
    page: int | None = None
    page_label: str | None = None


@dataclass(frozen=True)
class PdfPage:
    """One PDF page as pypdf gives it: plain text for prose, layout text for tables."""

    number: int  # 1-based
    label: str | None  # printed page number, e.g. "58" from "Pagina 58 van 120"
    text: str  # extract_text() with running headers/footers removed
    layout: str  # extract_text(extraction_mode="layout"), untouched
    # text read by tesseract from the page image, not from a text layer; layout is then "" so no
    # typed facts are taken from OCR'd digits (unverified, and the column alignment is lost)
    ocr: bool = False


@dataclass
class TableExtraction:
    tables: list[Table] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "<where>: <why>" for tables not parsed

    def extend(self, other: TableExtraction) -> None:
        self.tables.extend(other.tables)
        self.facts.extend(other.facts)
        self.skipped.extend(other.skipped)


@dataclass
class ParsedDocument:
    meta: DocumentMeta
    sections: list[Section]
    chunks: list[Chunk] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ocr_pages: list[int] = field(default_factory=list)  # PDF pages whose text came from OCR

"""PDF → lines with PDF page and printed page, via pypdf.

Running headers and footers are found by repetition across pages (they would
otherwise match every query about the document's title), table-of-contents
dot leaders are dropped, and pages without a usable text layer are refused
page by page so nothing unreadable reaches an index.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError

from ingest.errors import CorruptPdf, EmptyFile, EncryptedPdf, GarbageText, NoTextLayer, NotAPdf
from ingest.models import Line, PdfPage
from ingest.parsers.base import ParsedFile
from ingest.quality import judge_page

log = logging.getLogger(__name__)

_PAGINA = re.compile(r"^\s*(?:pagina|page|blz\.?|p\.)\s*(\d{1,4})(?:\s*(?:van|/|of)\s*\d{1,4})?\s*$", re.I)
_BARE_NUMBER = re.compile(r"^\s*[-–]?\s*(\d{1,4})\s*[-–]?\s*$")
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d{0,4}\s*$|(?:…\s?){2,}\s*\d{0,4}\s*$")
_DIGITS = re.compile(r"\d+")
_EDGE = 2  # lines at the top and bottom of a page that may be running headers/footers


def _has_images(page) -> bool:
    try:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        for obj in xobjects.values():
            if obj.get_object().get("/Subtype") == "/Image":
                return True
    except Exception:  # a damaged resource dict only means "don't know"
        return False
    return False


def _printed_label(lines: list[str]) -> str | None:
    """The page number the page prints, from its first or last lines."""
    edge = [ln for ln in lines if ln.strip()]
    candidates = edge[:_EDGE] + edge[-_EDGE:]
    for ln in candidates:
        m = _PAGINA.match(ln)
        if m:
            return m.group(1)
    for ln in edge[-_EDGE:] + edge[:1]:
        m = _BARE_NUMBER.match(ln)
        if m:
            return m.group(1)
    return None


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Edge lines that recur (digits masked) on many pages: headers/footers."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        edge = [ln.strip() for ln in lines if ln.strip()]
        keys = {_DIGITS.sub("#", ln) for ln in edge[:_EDGE] + edge[-_EDGE:]}
        counts.update(keys)
    threshold = max(3, len(pages) // 3)
    return {key for key, n in counts.items() if n >= threshold}


def _is_edge_noise(line: str, running: set[str]) -> bool:
    s = line.strip()
    return bool(_PAGINA.match(s) or _BARE_NUMBER.match(s) or _DIGITS.sub("#", s) in running)


def _open(data: bytes, name: str) -> PdfReader:
    if not data:
        raise EmptyFile(f"{name}: the file is empty (0 bytes)")
    if b"%PDF-" not in data[:1024]:
        raise NotAPdf(f"{name}: not a PDF (no %PDF- signature at the start of the file)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except DependencyError as exc:
                raise EncryptedPdf(f"{name}: encrypted PDF; decryption support missing ({exc})") from exc
            except (FileNotDecryptedError, PdfReadError, NotImplementedError) as exc:
                raise EncryptedPdf(f"{name}: encrypted PDF that cannot be opened without a password") from exc
            if not ok:
                raise EncryptedPdf(f"{name}: encrypted PDF that cannot be opened without a password")
        _ = len(reader.pages)
        return reader
    except (EncryptedPdf, EmptyFile, NotAPdf):
        raise
    except FileNotDecryptedError as exc:
        raise EncryptedPdf(f"{name}: encrypted PDF that cannot be opened without a password") from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError, AssertionError) as exc:
        raise CorruptPdf(f"{name}: the PDF is damaged and cannot be read ({type(exc).__name__}: {exc})") from exc


def parse_pdf(data: bytes, name: str, *, with_layout: bool = True) -> ParsedFile:
    reader = _open(data, name)
    raw: list[tuple[list[str], str, bool]] = []
    try:
        for page in reader.pages:
            text = page.extract_text() or ""
            layout = (page.extract_text(extraction_mode="layout") or "") if with_layout else ""
            raw.append((text.splitlines(), layout, _has_images(page)))
    except FileNotDecryptedError as exc:
        raise EncryptedPdf(f"{name}: encrypted PDF that cannot be opened without a password") from exc
    except Exception as exc:  # pypdf raises many kinds on damaged content streams
        raise CorruptPdf(f"{name}: the PDF is damaged on page {len(raw) + 1} ({type(exc).__name__}: {exc})") from exc

    running = _running_lines([lines for lines, _, _ in raw])
    lines: list[Line] = []
    pages: list[PdfPage] = []
    refused: dict[str, list[int]] = {}
    for number, (page_lines, layout, has_images) in enumerate(raw, start=1):
        label = _printed_label(page_lines)
        kept = [ln.rstrip() for ln in page_lines]
        # strip running headers/footers and page numbers at the page edges only
        nonblank = [i for i, ln in enumerate(kept) if ln.strip()]
        edge_idx = set(nonblank[:_EDGE] + nonblank[-_EDGE:])
        kept = [ln for i, ln in enumerate(kept) if not (i in edge_idx and _is_edge_noise(ln, running))]
        kept = [ln for ln in kept if not _DOT_LEADER.search(ln)]
        body = "\n".join(kept)
        quality = judge_page(body, has_images)
        if not quality.usable:
            if quality.reason != "blank":
                refused.setdefault(quality.reason or "", []).append(number)
            continue
        pages.append(PdfPage(number=number, label=label, text=body, layout=layout))
        lines.extend(Line(text=ln, page=number, page_label=label) for ln in kept)

    warnings = [
        f"{name}: pages {', '.join(map(str, nums))} skipped ({reason})" for reason, nums in refused.items()
    ]
    if not pages:
        if "garbage_text" in refused:
            raise GarbageText(
                f"{name}: no usable text layer — glyph garbage from a broken font map on pages "
                f"{', '.join(map(str, refused['garbage_text']))}"
            )
        where = refused.get("no_text_layer")
        detail = f" (image-only pages {', '.join(map(str, where))})" if where else ""
        raise NoTextLayer(f"{name}: the PDF has no text layer{detail}; it needs OCR")
    return ParsedFile(
        lines=lines,
        pages=pages,
        title=_meta_title(reader),
        n_pages=len(raw),
        media_type="application/pdf",
        warnings=warnings,
    )


def _meta_title(reader: PdfReader) -> str | None:
    try:
        title = (reader.metadata or {}).get("/Title")
    except Exception:
        return None
    if not title or not isinstance(title, str) or title.strip().lower() in ("untitled", "anonymous", "unknown"):
        return None
    title = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", title).strip()
    title = re.sub(r"\.(docx?|pptx?)$", "", title, flags=re.I)
    return title or None

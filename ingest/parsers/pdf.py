"""PDF → lines with PDF page and printed page, via pypdf.

Running headers and footers are found by repetition across pages (they would
otherwise match every query about the document's title), table-of-contents
dot leaders are dropped, and pages without a usable text layer are refused
page by page so nothing unreadable reaches an index — unless OCR is asked for
(`ocr=True`): then such pages are read by tesseract (ingest/ocr.py), checked
with the same quality rules, and marked as OCR'd.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Sequence

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError, PyPdfError

from ingest import ocr as ocr_mod
from ingest.errors import CorruptPdf, DecompressionBomb, EmptyFile, EncryptedPdf, GarbageText, NoTextLayer, NotAPdf
from ingest.models import Line, PdfPage
from ingest.parsers.base import ParsedFile
from ingest.quality import judge_page

log = logging.getLogger(__name__)

_PAGINA = re.compile(r"^\s*(?:pagina|page|blz\.?|p\.)\s*(\d{1,4})(?:\s*(?:van|/|of)\s*\d{1,4})?\s*$", re.I)
_BARE_NUMBER = re.compile(r"^\s*[-–]?\s*(\d{1,4})\s*[-–]?\s*$")
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d{0,4}\s*$|(?:…\s?){2,}\s*\d{0,4}\s*$")
_DIGITS = re.compile(r"\d+")
_EDGE = 2  # lines at the top and bottom of a page that may be running headers/footers


def _has_images(page, depth: int = 0) -> bool:
    """Does the page (or a form XObject on it, as some scanners wrap the scan) hold an image?"""
    try:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        for obj in xobjects.values():
            xobj = obj.get_object()
            subtype = xobj.get("/Subtype")
            if subtype == "/Image":
                return True
            if subtype == "/Form" and depth < 3 and _has_images(xobj, depth + 1):
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
    except LimitReachedError as exc:
        raise _bomb(name, exc) from exc
    except FileNotDecryptedError as exc:
        raise EncryptedPdf(f"{name}: encrypted PDF that cannot be opened without a password") from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError, AssertionError) as exc:
        raise CorruptPdf(f"{name}: the PDF is damaged and cannot be read ({type(exc).__name__}: {exc})") from exc


def _strip_page(page_lines: list[str], running: set[str]) -> list[str]:
    """Running headers/footers and page numbers at the page edges, and dot-leader lines, removed."""
    kept = [ln.rstrip() for ln in page_lines]
    nonblank = [i for i, ln in enumerate(kept) if ln.strip()]
    edge_idx = set(nonblank[:_EDGE] + nonblank[-_EDGE:])
    kept = [ln for i, ln in enumerate(kept) if not (i in edge_idx and _is_edge_noise(ln, running))]
    return [ln for ln in kept if not _DOT_LEADER.search(ln)]


def _pages_text(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers))


def _bomb(name: str, exc: Exception) -> DecompressionBomb:
    return DecompressionBomb(
        f"{name}: a compressed stream inflates past the safety limit (decompression bomb?); not ingested ({exc})"
    )


RawPage = tuple[list[str], str, bool]  # plain-text lines, layout text, holds an image


def page_count(data: bytes, name: str) -> int:
    """Pages in the file, after the same checks as a full parse (so bad files fail here, cheaply)."""
    return len(_open(data, name).pages)


def extract_pages(data: bytes, name: str, indices: Sequence[int] | None = None, *, with_layout: bool = True) -> list[RawPage]:
    """pypdf's text of some pages (0-based `indices`, all by default).

    Split out so the parse sandbox can hand disjoint pages to several
    processes: pypdf is pure Python and this is nearly all of a PDF's parse time.
    """
    reader = _open(data, name)
    return _extract(reader, name, range(len(reader.pages)) if indices is None else indices, with_layout)


def _extract(reader: PdfReader, name: str, indices: Sequence[int], with_layout: bool) -> list[RawPage]:
    raw: list[RawPage] = []
    number = 0
    try:
        for i in indices:
            number = i + 1
            page = reader.pages[i]
            text = page.extract_text() or ""
            layout = (page.extract_text(extraction_mode="layout") or "") if with_layout else ""
            raw.append((text.splitlines(), layout, _has_images(page)))
    except FileNotDecryptedError as exc:
        raise EncryptedPdf(f"{name}: encrypted PDF that cannot be opened without a password") from exc
    except LimitReachedError as exc:
        raise _bomb(name, exc) from exc
    except MemoryError:
        raise  # the sandbox reports the memory limit; this is not damage
    except Exception as exc:  # pypdf raises many kinds on damaged content streams
        raise CorruptPdf(f"{name}: the PDF is damaged on page {number} ({type(exc).__name__}: {exc})") from exc
    return raw


def parse_pdf(
    data: bytes, name: str, *, with_layout: bool = True, ocr: bool = False, raw: list[RawPage] | None = None
) -> ParsedFile:
    """Lines with PDF page and printed page; with `ocr`, unreadable pages are read by tesseract.

    OCR is only tried on pages that fail the text-layer check (image-only or
    glyph garbage), so switching it on never changes a page that has good text.
    When OCR is asked for and such a page exists but tesseract (or its Dutch
    data) is missing, the file is refused with `ocr_unavailable` rather than
    silently skipping what the user asked to have read. `raw` is the pages' text
    when already extracted (by `extract_pages`, possibly in several processes).
    """
    reader = _open(data, name)
    if raw is None:
        raw = _extract(reader, name, range(len(reader.pages)), with_layout)
    elif len(raw) != len(reader.pages):
        raise ValueError(f"{name}: {len(raw)} extracted pages for a {len(reader.pages)}-page PDF")

    running = _running_lines([lines for lines, _, _ in raw])
    # number → PdfPage for pages with a usable text layer, or an OCR reading
    good: dict[int, tuple[PdfPage, list[str]]] = {}
    unreadable: dict[int, str] = {}  # number → "no_text_layer" | "garbage_text"
    for number, (page_lines, layout, has_images) in enumerate(raw, start=1):
        kept = _strip_page(page_lines, running)
        quality = judge_page("\n".join(kept), has_images)
        if quality.usable:
            good[number] = (PdfPage(number=number, label=_printed_label(page_lines), text="\n".join(kept), layout=layout), kept)
        elif quality.reason != "blank":
            unreadable[number] = quality.reason or ""

    ocr_problems: dict[int, str] = {}
    if ocr and unreadable:
        ocr_mod.require_ocr(name)
        readings: dict[int, list[str]] = {}
        for number, reason in unreadable.items():
            # a garbage page's text is vector glyphs: only a scan covering most of the page replaces it
            coverage = 0.5 if reason == "garbage_text" else 0.0
            reading = ocr_mod.ocr_page(reader.pages[number - 1], min_coverage=coverage)
            log.info("%s: page %d OCR in %.2f s (%s)", name, number, reading.seconds, reading.problem or "ok")
            if reading.lines:
                readings[number] = reading.lines
            else:
                ocr_problems[number] = reading.problem or "no text"
        # OCR'd scans repeat their own running headers; judge them over all pages' lines
        running_all = _running_lines([lines for lines, _, _ in raw] + list(readings.values()))
        for number, ocr_lines in readings.items():
            kept = _strip_page(ocr_lines, running_all)
            quality = judge_page("\n".join(kept), False)
            if not quality.usable:
                detail = f"{quality.reason}, {quality.detail}" if quality.detail else quality.reason
                ocr_problems[number] = f"no usable text read ({detail})"
                continue
            label = _printed_label(ocr_lines) or _printed_label(raw[number - 1][0])
            # layout "" keeps OCR'd digits out of the typed facts: unverified, and without column alignment
            good[number] = (PdfPage(number=number, label=label, text="\n".join(kept), layout="", ocr=True), kept)
            del unreadable[number]

    pages: list[PdfPage] = []
    lines: list[Line] = []
    for number in sorted(good):
        page, kept = good[number]
        pages.append(page)
        lines.extend(Line(text=ln, page=number, page_label=page.label) for ln in kept)

    refused: dict[str, list[int]] = {}
    for number, reason in unreadable.items():
        key = f"{reason}; OCR: {ocr_problems[number]}" if number in ocr_problems else reason
        refused.setdefault(key, []).append(number)
    warnings = [f"{name}: pages {_pages_text(nums)} skipped ({reason})" for reason, nums in refused.items()]
    ocr_pages = [p.number for p in pages if p.ocr]
    if ocr_pages:
        warnings.append(ocr_mod.ocr_note(name, ocr_pages))
    if not pages:
        by_reason: dict[str, list[int]] = {}
        for number, reason in unreadable.items():
            by_reason.setdefault(reason, []).append(number)
        tried = ""
        if ocr_problems:
            problems = list(dict.fromkeys(ocr_problems.values()))
            tried = f"; OCR ({ocr_mod.ENGINE}) could not read them either: {'; '.join(problems[:3])}"
        if "garbage_text" in by_reason:
            raise GarbageText(
                f"{name}: no usable text layer — glyph garbage from a broken font map on pages "
                f"{_pages_text(by_reason['garbage_text'])}{tried}"
            )
        where = by_reason.get("no_text_layer")
        detail = f" (image-only pages {_pages_text(where)})" if where else ""
        hint = tried or "; it needs OCR (vindplaats ingest --ocr)"
        raise NoTextLayer(f"{name}: the PDF has no text layer{detail}{hint}")
    return ParsedFile(
        lines=lines,
        pages=pages,
        title=_meta_title(reader),
        n_pages=len(raw),
        media_type="application/pdf",
        warnings=warnings,
        ocr_pages=ocr_pages,
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

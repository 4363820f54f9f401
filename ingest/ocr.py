"""Optional OCR for PDF pages without a usable text layer, with Debian's tesseract (`-l nld`).

Scanned council papers are image-only: without OCR they are refused
(`no_text_layer`) and their content is invisible to search. With OCR switched
on, such pages are read by the `tesseract` program with its Dutch model; the
text is normalised like any other text and the page is marked as OCR'd so a
citation can say that its words come from a machine reading, not from the
document's own text layer.

pypdf cannot render a page, but an image-only page *is* its images: we find
every image the page paints (also inside form XObjects) with the matrix that
places it, and paint them onto one greyscale canvas of the page at about
300 dpi. One tesseract call per page then sees the page as a reader does — a
scanner that stores a page as a stack of strips, or several photos side by
side, still reads in the right order, because tesseract does the layout
analysis on the whole page instead of on fragments cut mid-line.

No Python dependency is added: tesseract runs as a subprocess (PNG on stdin,
TSV on stdout, so no temporary files), under a time limit, with one thread
(the machines are small and shared; tesseract's own threading rarely helps).
The TSV gives each word's confidence, so chart debris and speckle that
tesseract itself doubts (MIN_WORD_CONFIDENCE) never reach an index.
"""

from __future__ import annotations

import functools
import io
import logging
import math
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ingest.errors import OcrUnavailable
from ingest.normalize import normalize_text

if TYPE_CHECKING:
    from PIL.Image import Image
    from pypdf import PageObject

log = logging.getLogger(__name__)

LANGUAGE = "nld"
ENGINE = f"tesseract {LANGUAGE}"
OCR_NOTE = f"text from OCR ({ENGINE})"  # the warning text that marks a page as OCR'd; see ocr_pages_in()
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-nld"
TIMEOUT_S = 90.0  # per tesseract call; a full A4 page at 300 dpi takes ~2 s of CPU here
_LIST_LANGS_TIMEOUT_S = 20.0
_TARGET_DPI = 300.0  # tesseract is trained on ~300 dpi; low-resolution scans are scaled up to it
_MAX_DPI = 400.0  # finer than this only costs time
_MIN_DPI = 100.0
_MAX_CANVAS_PIXELS = 40_000_000  # ~A2 at 300 dpi; bigger pages are read at a lower resolution
_MAX_IMAGE_PIXELS = 150_000_000  # an A4 scan at 1200 dpi is 140 MP; larger is a bomb, not a scan
_MAX_FORM_DEPTH = 6
# tesseract rates each word 0-100. On clean 300 dpi scans real words score 90+; on a degraded scan
# they still mostly score 40-95, while speckle, drawings and chart debris read as "words" near 0-30.
# Dropping those keeps letter soup out of both indexes at little cost to recall.
MIN_WORD_CONFIDENCE = 30.0
_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

Matrix = tuple[float, float, float, float, float, float]


# -- availability ------------------------------------------------------------
@dataclass(frozen=True)
class OcrStatus:
    """Whether OCR can run here, and if not, what exactly is missing."""

    binary: str | None  # path of the tesseract program
    languages: tuple[str, ...]  # what `tesseract --list-langs` reports
    version: str = ""
    tessdata: str = ""  # the folder tesseract reads its language data from

    @property
    def available(self) -> bool:
        return self.binary is not None and LANGUAGE in self.languages

    @property
    def missing(self) -> str | None:
        """A sentence naming what to install, or None when OCR is available."""
        if self.binary is None:
            return f"the `tesseract` program is not installed (install it with: {INSTALL_HINT})"
        if LANGUAGE not in self.languages:
            found = ", ".join(self.languages) or "none"
            return (
                f"tesseract has no Dutch language data '{LANGUAGE}' (found: {found}; "
                f"install it with: apt-get install tesseract-ocr-nld, or point TESSDATA_PREFIX at a folder "
                f"with {LANGUAGE}.traineddata)"
            )
        return None


@functools.lru_cache(maxsize=8)
def _probe(path_env: str | None, tessdata_env: str | None) -> OcrStatus:
    """Cached per (PATH, TESSDATA_PREFIX): the answer only changes when those do."""
    binary = shutil.which("tesseract", path=path_env)
    if binary is None:
        return OcrStatus(None, ())
    try:
        done = subprocess.run(
            [binary, "--list-langs"], capture_output=True, timeout=_LIST_LANGS_TIMEOUT_S, env=_env(), check=False
        )
        version = subprocess.run(
            [binary, "--version"], capture_output=True, timeout=_LIST_LANGS_TIMEOUT_S, env=_env(), check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("tesseract could not be run: %s", exc)
        return OcrStatus(None, ())
    # the list goes to stdout in tesseract 4/5 (to stderr in 3) under a heading naming the folder;
    # without that heading tesseract printed an error, and no language counts as found
    listing: list[str] = []
    for stream in (done.stdout, done.stderr):
        lines = stream.decode("utf-8", "replace").splitlines()
        if lines and lines[0].startswith("List of available languages"):
            listing = lines
            break
    languages = tuple(ln.strip() for ln in listing[1:] if ln.strip())
    folder = re.search(r'"(.+?)"', listing[0]) if listing else None
    first = (version.stdout or version.stderr).decode("utf-8", "replace").splitlines()
    return OcrStatus(binary, languages, first[0].strip() if first else "", folder.group(1) if folder else "")


def ocr_status() -> OcrStatus:
    """Is tesseract with Dutch data available in this process's environment?"""
    return _probe(os.environ.get("PATH"), os.environ.get("TESSDATA_PREFIX"))


def require_ocr(context: str = "") -> OcrStatus:
    """Raise `OcrUnavailable` naming what to install; call before work that was promised OCR."""
    status = ocr_status()
    if status.missing:
        prefix = f"{context}: " if context else ""
        raise OcrUnavailable(f"{prefix}OCR was asked for (--ocr / VINDPLAATS_OCR) but {status.missing}")
    return status


# -- the page image ----------------------------------------------------------
def _mul(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF row-vector convention: the product m × n)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2, e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _matrix(values: Any) -> Matrix | None:
    try:
        m = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        return None
    return m if len(m) == 6 and all(math.isfinite(v) for v in m) else None  # type: ignore[return-value]


@dataclass(frozen=True)
class _Placed:
    key: str | list[str]  # the key pypdf's page.images understands: "/Im0", ["/Fm0", "/Im0"] or "~0~"
    ctm: Matrix  # maps the image's unit square to page space
    pixels: int = 0  # /Width × /Height as declared, checked before decoding (0: not declared)


def _placed_images(page: PageObject) -> list[_Placed]:
    """Every image the page paints, in painting order, with the matrix that places it.

    A small walk over the content stream (q/Q/cm and Do, recursing into form
    XObjects) — just enough of a renderer for pages that consist of images.
    """
    from pypdf.generic import ContentStream

    placed: list[_Placed] = []
    inline = 0
    seen_forms: set[int] = set()

    def walk(operations: list, resources: Any, ctm: Matrix, path: list[str], depth: int) -> None:
        nonlocal inline
        stack: list[Matrix] = []
        try:
            xobjects = (resources or {}).get("/XObject")
            xobjects = xobjects.get_object() if xobjects is not None else {}
        except Exception:
            xobjects = {}
        for operands, operator in operations:
            if operator == b"q":
                stack.append(ctm)
            elif operator == b"Q":
                if stack:
                    ctm = stack.pop()
            elif operator == b"cm":
                m = _matrix(operands)
                if m is not None:
                    ctm = _mul(m, ctm)
            elif operator == b"INLINE IMAGE":
                if depth == 0:  # pypdf lists inline images of the page's own stream only
                    placed.append(_Placed(f"~{inline}~", ctm))
                    inline += 1
            elif operator == b"Do" and operands:
                name = str(operands[0])
                try:
                    xobj = xobjects[name].get_object()
                    subtype = xobj.get("/Subtype")
                except Exception:
                    continue
                if subtype == "/Image":
                    try:
                        pixels = int(xobj.get("/Width", 0)) * int(xobj.get("/Height", 0))
                    except (TypeError, ValueError):
                        pixels = 0
                    placed.append(_Placed(name if not path else [*path, name], ctm, pixels))
                elif subtype == "/Form" and depth < _MAX_FORM_DEPTH:
                    ident = id(xobj) if xobj.indirect_reference is None else xobj.indirect_reference.idnum
                    if ident in seen_forms:
                        continue
                    seen_forms.add(ident)
                    form_matrix = _matrix(xobj.get("/Matrix", _IDENTITY)) or _IDENTITY
                    try:
                        ops = ContentStream(xobj, page.pdf).operations
                    except Exception:
                        continue
                    walk(ops, xobj.get("/Resources") or resources, _mul(form_matrix, ctm), [*path, name], depth + 1)
                    seen_forms.discard(ident)

    contents = page.get_contents()
    if contents is None:
        return []
    resources = page.get("/Resources")
    walk(contents.operations, resources.get_object() if resources is not None else None, _IDENTITY, [], 0)
    return placed


def _bbox(ctm: Matrix) -> tuple[float, float, float, float]:
    a, b, c, d, e, f = ctm
    xs = [e, a + e, c + e, a + c + e]
    ys = [f, b + f, d + f, b + d + f]
    return min(xs), min(ys), max(xs), max(ys)


def _grey(image: Image) -> Image:
    """Any PIL mode (1, P, RGB(A), CMYK, LA, I;16) → 8-bit grey on a white background."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    if image.mode.startswith("I"):  # 16/32-bit grey: scale to 8 bits instead of clipping
        image = image.convert("I").point(lambda v: v / 256)
    return image.convert("L")


def _native_dpi(width_px: int, height_px: int, ctm: Matrix) -> float:
    """Pixels per inch the image has where it is placed (the longer side decides)."""
    a, b, c, d, _, _ = ctm
    w_pt, h_pt = math.hypot(a, b), math.hypot(c, d)
    ratios = [px / (pt / 72.0) for px, pt in ((width_px, w_pt), (height_px, h_pt)) if pt > 1e-6]
    return max(ratios) if ratios else _TARGET_DPI


@dataclass
class PageImage:
    """The page as tesseract should see it."""

    image: Image | None  # mode "L"; None when no image could be decoded
    dpi: int
    n_images: int
    skipped: list[str]  # images that could not be decoded, and why
    coverage: float = 0.0  # share of the page area the images cover (overlaps counted twice, capped at 1)


def page_image(page: PageObject) -> PageImage | None:
    """Paint the page's images onto one greyscale canvas; None when it paints no image."""
    from PIL import Image

    placed = _placed_images(page)
    images = page.images
    decoded: list[tuple[Image, Matrix]] = []
    skipped: list[str] = []
    for item in placed:
        name = item.key if isinstance(item.key, str) else "/".join(item.key)
        x0, y0, x1, y1 = _bbox(item.ctm)
        if x1 - x0 < 1 or y1 - y0 < 1:
            continue  # placed at zero size: paints nothing
        if item.pixels > _MAX_IMAGE_PIXELS:
            skipped.append(f"{name}: {item.pixels:,} pixels is more than any scan needs; not decoded")
            continue
        try:
            image = images[item.key].image
        except Exception as exc:  # JBIG2 without a decoder, damaged streams, ...
            skipped.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        if image is None or image.width < 2 or image.height < 2:
            continue
        decoded.append((image, item.ctm))
    if not decoded:
        return PageImage(None, round(_TARGET_DPI), 0, skipped) if skipped else None

    box = page.cropbox
    left, bottom, right, top = float(box.left), float(box.bottom), float(box.right), float(box.top)
    width_pt, height_pt = max(right - left, 1.0), max(top - bottom, 1.0)
    dpi = max(_native_dpi(img.width, img.height, ctm) for img, ctm in decoded)
    dpi = min(max(dpi, _TARGET_DPI), _MAX_DPI)
    area_in2 = (width_pt / 72.0) * (height_pt / 72.0)
    if area_in2 * dpi * dpi > _MAX_CANVAS_PIXELS:
        dpi = max(_MIN_DPI, math.sqrt(_MAX_CANVAS_PIXELS / area_in2))
    scale = dpi / 72.0  # canvas pixels per point
    covered = 0.0
    canvas = Image.new("L", (max(1, round(width_pt * scale)), max(1, round(height_pt * scale))), 255)

    for image, ctm in decoded:
        grey = _grey(image)
        a, b, c, d, e, f = ctm
        det = a * d - b * c
        if abs(det) < 1e-9:
            continue
        x0, y0, x1, y1 = _bbox(ctm)
        covered += max(0.0, min(x1, right) - max(x0, left)) * max(0.0, min(y1, top) - max(y0, bottom))
        size = (max(1, round(abs(a) * scale)), max(1, round(abs(d) * scale)))
        if abs(b) < 1e-9 and abs(c) < 1e-9 and size[0] <= 2 * canvas.width and size[1] <= 2 * canvas.height:
            # the usual scan: upright, axis-aligned — a resize and a paste (PIL clips at the edges)
            if a < 0:
                grey = grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            if d < 0:
                grey = grey.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
            if grey.size != size:
                grey = grey.resize(size, Image.Resampling.LANCZOS)
            canvas.paste(grey, (round((x0 - left) * scale), round((top - y1) * scale)))
            continue
        # turned, skewed or far larger than the page: only the part on the canvas is computed
        cx0 = max(0, math.floor((x0 - left) * scale))
        cx1 = min(canvas.width, math.ceil((x1 - left) * scale))
        cy0 = max(0, math.floor((top - y1) * scale))
        cy1 = min(canvas.height, math.ceil((top - y0) * scale))
        if cx1 - cx0 < 1 or cy1 - cy0 < 1:
            continue
        # canvas pixel (X, Y) → page point → unit square (u, v) → source pixel (u·W, (1-v)·H);
        # all affine, so one PIL transform handles scaling, flips and rotation alike
        ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
        w, h = grey.width, grey.height

        def source(X: float, Y: float) -> tuple[float, float]:
            px = left + (cx0 + X) / scale - e
            py = top - (cy0 + Y) / scale - f
            u = px * ia + py * ic
            v = px * ib + py * id_
            return u * w, (1.0 - v) * h

        sx0, sy0 = source(0.0, 0.0)
        sx1, sy1 = source(1.0, 0.0)
        sx2, sy2 = source(0.0, 1.0)
        coeffs = (sx1 - sx0, sx2 - sx0, sx0, sy1 - sy0, sy2 - sy0, sy0)
        size = (cx1 - cx0, cy1 - cy0)
        resample = Image.Resampling.BICUBIC if scale * 72.0 > _native_dpi(w, h, ctm) else Image.Resampling.BILINEAR
        tile = grey.transform(size, Image.Transform.AFFINE, coeffs, resample=resample, fillcolor=255)
        mask = Image.new("L", grey.size, 255).transform(
            size, Image.Transform.AFFINE, coeffs, resample=Image.Resampling.NEAREST, fillcolor=0
        )
        canvas.paste(tile, (cx0, cy0), mask)

    rotation = (page.get("/Rotate") or 0) % 360  # the page is shown turned clockwise by this much
    if rotation == 90:
        canvas = canvas.transpose(Image.Transpose.ROTATE_270)
    elif rotation == 180:
        canvas = canvas.transpose(Image.Transpose.ROTATE_180)
    elif rotation == 270:
        canvas = canvas.transpose(Image.Transpose.ROTATE_90)
    return PageImage(canvas, round(dpi), len(decoded), skipped, min(1.0, covered / (width_pt * height_pt)))


# -- running tesseract -------------------------------------------------------
def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"  # one thread: faster on 2 shared cores than tesseract's OpenMP
    return env


class OcrFailed(Exception):
    """One page could not be read; the page stays skipped and the reason goes into the warnings."""


def run_tesseract(image: Image, dpi: int, *, timeout: float = TIMEOUT_S) -> str:
    """OCR one PIL image with the Dutch model; tesseract's TSV (a row per word with its confidence).

    Raises OcrFailed with the reason when tesseract fails or runs past `timeout`.
    """
    status = require_ocr()
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    try:
        done = subprocess.run(
            [status.binary or "tesseract", "stdin", "stdout", "-l", LANGUAGE, "--dpi", str(dpi), "tsv"],
            input=buf.getvalue(),
            capture_output=True,
            timeout=timeout,
            env=_env(),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:  # subprocess.run kills the child before raising
        raise OcrFailed(f"tesseract took longer than {timeout:g} s and was stopped") from exc
    except OSError as exc:
        raise OcrFailed(f"tesseract could not be started ({exc})") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrFailed(f"tesseract failed (exit {done.returncode}: {detail[-1] if detail else 'no message'})")
    return done.stdout.decode("utf-8", "replace")


@dataclass(frozen=True)
class TsvText:
    """Lines rebuilt from tesseract's TSV, with what the confidence filter did."""

    lines: list[str]
    confidence: float | None  # mean word confidence of the kept words
    kept: int
    dropped: int


def tsv_lines(tsv: str, min_confidence: float = MIN_WORD_CONFIDENCE) -> TsvText:
    """tesseract TSV → normalised lines; words under `min_confidence` dropped, paragraphs kept apart.

    Columns: level page block par line word left top width height conf text.
    A blank line separates paragraphs, as in tesseract's plain-text output.
    """
    lines: list[str] = []
    words: list[str] = []
    current: tuple[str, str, str] | None = None
    paragraph: tuple[str, str] | None = None
    confidences: list[float] = []
    dropped = 0

    def flush() -> None:
        if words:
            lines.append(normalize_text(" ".join(words)).strip())
            words.clear()

    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        try:
            confidence = float(cols[10])
        except ValueError:
            continue
        key = (cols[2], cols[3], cols[4])
        if key != current:
            flush()
            if paragraph is not None and key[:2] != paragraph and lines and lines[-1]:
                lines.append("")
            current, paragraph = key, key[:2]
        if confidence < min_confidence:
            dropped += 1
            continue
        confidences.append(confidence)
        words.append(cols[11].strip())
    flush()
    while lines and not lines[-1]:
        lines.pop()
    mean = sum(confidences) / len(confidences) if confidences else None
    return TsvText(lines, mean, len(confidences), dropped)


@dataclass(frozen=True)
class PageOcr:
    """What OCR made of one page: its lines, or why there are none."""

    lines: list[str]
    n_images: int
    seconds: float
    problem: str | None = None  # set when lines is empty
    confidence: float | None = None  # tesseract's mean word confidence (0-100) of the kept words
    dropped_words: int = 0  # words under MIN_WORD_CONFIDENCE

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def ocr_page(page: PageObject, *, timeout: float = TIMEOUT_S, min_coverage: float = 0.0) -> PageOcr:
    """Read one pypdf page with tesseract; never raises for a page that merely cannot be read.

    `min_coverage`: the share of the page its images must cover. A page whose text is vector
    glyphs (a broken font map) and that merely has a logo would otherwise count as "read" with
    the logo's words alone, and its real text lost without a word in the warnings.
    """
    started = time.perf_counter()
    try:
        rendered = page_image(page)
    except MemoryError:
        raise  # the parse sandbox reports its memory limit; that is not one unreadable page
    except Exception as exc:  # a damaged image or content stream must cost one page, not the document
        return PageOcr([], 0, time.perf_counter() - started, f"the page image could not be built ({type(exc).__name__}: {exc})")
    if rendered is None:
        return PageOcr([], 0, time.perf_counter() - started, "no image on the page to read")
    if rendered.image is None:
        return PageOcr([], 0, time.perf_counter() - started, "its images could not be decoded: " + "; ".join(rendered.skipped))
    if rendered.coverage < min_coverage:
        return PageOcr([], rendered.n_images, time.perf_counter() - started,
                       f"its images cover only {rendered.coverage:.0%} of the page; the rest is not an image OCR can read")
    try:
        read = tsv_lines(run_tesseract(rendered.image, rendered.dpi, timeout=timeout))
    except OcrFailed as exc:
        return PageOcr([], rendered.n_images, time.perf_counter() - started, str(exc))
    seconds = time.perf_counter() - started
    if not read.lines:
        problem = "tesseract read no text" if not read.dropped else f"tesseract read only {read.dropped} unsure word(s)"
        return PageOcr([], rendered.n_images, seconds, problem, None, read.dropped)
    log.info(
        "OCR page: %d image(s), %d lines, %d words (mean confidence %.0f, %d unsure dropped), %.2f s",
        rendered.n_images, len(read.lines), read.kept, read.confidence or 0, read.dropped, seconds,
    )
    return PageOcr(read.lines, rendered.n_images, seconds, None, read.confidence, read.dropped)


# -- marking -----------------------------------------------------------------
def ocr_note(name: str, pages: list[int]) -> str:
    """The document warning that marks pages as OCR'd (stored with the document; see ocr_pages_in)."""
    which = f"page {pages[0]}" if len(pages) == 1 else f"pages {', '.join(map(str, pages))}"
    return f"{name}: {which}: {OCR_NOTE}"


def ocr_pages_in(warnings: list[str]) -> set[int]:
    """The OCR'd page numbers named in a document's stored warnings.

    Lets the store and the service tell a citation "(OCR)" from the warnings
    they already persist, without a new column: a chunk is OCR'd when its page is.
    """
    pages: set[int] = set()
    for warning in warnings:
        if not warning.endswith(OCR_NOTE):
            continue
        head = warning[: -len(OCR_NOTE)].rstrip(": ")
        _, _, which = head.rpartition(": ")
        which = which.removeprefix("pages ").removeprefix("page ")
        pages.update(int(p) for p in which.split(", ") if p.strip().isdigit())
    return pages


__all__ = [
    "ENGINE",
    "INSTALL_HINT",
    "MIN_WORD_CONFIDENCE",
    "OCR_NOTE",
    "OcrFailed",
    "OcrStatus",
    "PageOcr",
    "ocr_note",
    "ocr_page",
    "ocr_pages_in",
    "ocr_status",
    "page_image",
    "require_ocr",
    "run_tesseract",
    "tsv_lines",
]

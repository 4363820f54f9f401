"""A region's header lines, and the text columns left of the figures
(Progr. | Nr. | Naam Indicator | Eenheid | Bron) that they name.
"""

from __future__ import annotations

import re

from ingest.numbers import find_numbers
from ingest.tables_pdf.regions import _squash
from ingest.tables_pdf.scan import _Scan, _scan, _segments
from ingest.tables_pdf.shapes import _Line, _Region, _TextColumn
from ingest.tables_pdf.vocab import (
    _CAPTION,
    _FINANCIAL,
    _HEADER_WORDS,
    _KIND_WORDS,
    _MEASURES,
    _REFERENCE_SCOPES,
    _TEXT_ROLES,
    _YEAR_ANNOTATION,
    _YEAR_TOKEN,
)


def _split_header(region: _Region) -> tuple[list[_Line], list[_Line]]:
    """Header lines run up to the first row of figures; text lines after the
    last header word belong to the first row's label. A header repeated on
    a following page is dropped from the body."""
    caption_rest = _caption_remainder(region.caption.text)
    lines = [ln for ln in region.lines]
    first_value = next(
        (n for n, ln in enumerate(lines) if (s := _scan(ln.text)).cells and not s.is_year_line and _value_cells(s)),
        len(lines),
    )
    head = lines[:first_value]
    last_head = -1
    for n, ln in enumerate(head):
        if _looks_like_header(ln.text):
            last_head = n
    header = [ln for ln in head[: last_head + 1] if not ln.blank]
    if caption_rest is not None:
        header.insert(0, _Line(region.caption.page, region.caption.page_label, caption_rest))
    keys = {_squash(ln.text) for ln in header}
    body = [ln for ln in head[last_head + 1 :]] + [
        ln for ln in lines[first_value:] if ln.blank or _squash(ln.text) not in keys
    ]
    return header, body


def _value_cells(scan: _Scan) -> bool:
    return any(c.number is not None for c in scan.cells)


def _caption_remainder(text: str) -> str | None:
    """Header text printed on the caption line itself ("… 2025 2026 2027"),
    with the caption blanked out so positions stay where they are."""
    m = _CAPTION.match(text)
    if not m:
        return None
    parts = list(re.finditer(r"\S+(?:\s{1,2}\S+)*", text))
    if len(parts) < 2:
        return None
    first = parts[0]
    rest = " " * first.end() + text[first.end() :]
    return rest if rest.strip() else None


def _looks_like_header(text: str) -> bool:
    words = [w.lower() for w in text.split()]
    if not words:
        return False
    if _FINANCIAL.search(text):
        return True
    hits = sum(
        1 for w in words if w.strip(".:,()") in _HEADER_WORDS or w in _HEADER_WORDS or _YEAR_TOKEN.match(w)
    )
    return hits >= 1 and hits * 3 >= len(words)


def _text_columns(header: list[_Line], body: list[_Line]) -> list[_TextColumn]:
    """Columns of text left of the figures (Progr. | Nr. | Naam Indicator |
    Eenheid | Bron), from the header line that names most of them. Tables
    without such a line have a single label column."""
    best: list[_TextColumn] = []
    for ln in header:
        segs = [s for s in _segments(ln.text) if not _is_value_header(s.text)]
        roles = [_text_role(s.text) for s in segs]
        if sum(1 for r in roles if r != "label") == 0:
            continue
        cols = [_TextColumn(s.text, r, s.start, s.end) for s, r in zip(segs, roles)]
        if len(cols) > len(best):
            best = cols
    if not best:
        return [_TextColumn("", "label", 0, 0)]
    # exactly one label column: the first one that is not id/unit/source
    seen_label = False
    for col in best:
        if col.role == "label":
            if seen_label:
                col.role = "other"
            seen_label = True
    if not seen_label:
        best.insert(0, _TextColumn("", "label", 0, 0))
    return best


def _is_value_header(text: str) -> bool:
    words = [w.lower().strip(".:,()") for w in text.split()]
    return any(w in _KIND_WORDS or w in _REFERENCE_SCOPES or w in _MEASURES for w in words) or any(
        _YEAR_TOKEN.match(w) for w in text.split()
    ) or text.strip().lower() in {"(jaartal)", "wassenaar"} or _is_scope_word(text)


def _is_scope_word(text: str) -> bool:
    """A capitalised place name heading a value column next to 'Nederland'."""
    t = text.strip()
    return bool(re.fullmatch(r"[A-Z][a-zà-ÿ]+(?:[- ][A-Z][a-zà-ÿ]+)*", t)) and t.lower() not in _HEADER_WORDS and t.lower() not in _TEXT_ROLES and len(t.split()) == 1 and t.lower() not in {"naam"}


def _text_role(text: str) -> str:
    first = text.split()[0].lower()
    return _TEXT_ROLES.get(first, _TEXT_ROLES.get(first.strip(".:"), "label"))


def _label_col(text_cols: list[_TextColumn]) -> int:
    return next(i for i, c in enumerate(text_cols) if c.role == "label")


def _has_trailing_text(body: list[_Line]) -> bool:
    """Rows like "Wegen  1.818  2.000  Herstelwerkzaamheden asfalt": the
    figures are not the end of the line, so the trailing-run reading would
    find none or the wrong ones."""
    hits = 0
    rows = 0
    for ln in body:
        if ln.blank:
            continue
        found = [f for f in find_numbers(ln.text) if f[2].value is not None]
        if len(found) >= 2:
            rows += 1
            last_end = found[-1][1]
            tail = ln.text[last_end:].strip()
            if tail and not _YEAR_ANNOTATION.fullmatch(tail) and re.search(r"[A-Za-z]{4,}", tail) and not _scan(ln.text).cells:
                hits += 1
    return rows > 0 and hits * 2 >= rows

"""Lines and regions: a table runs from its caption ("Tabel 6.1 - …") to its
end, over page breaks; a caption covering several year headers is read as
several sub-tables, so no row is read under the wrong header.
"""

from __future__ import annotations

import re
from collections import Counter

from ingest.models import PdfPage
from ingest.tables_pdf.scan import _scan
from ingest.tables_pdf.shapes import _Line, _Region
from ingest.tables_pdf.vocab import (
    _BIG_GAP,
    _BUDGET_TITLE,
    _CAPTION,
    _FOOTER,
    _FOOTNOTE_LINE,
    _HEADER_WORDS,
    _KIND_WORDS,
    _MIN_PROSE,
    _YEAR_TOKEN,
)


def _document_lines(pages: list[PdfPage]) -> list[list[_Line]]:
    """Layout lines per page, without the printed page number at the foot,
    so a table running over a page break reads as one run of lines."""
    out: list[list[_Line]] = []
    for page in sorted(pages, key=lambda p: p.number):
        raw = page.layout.splitlines()
        idx = [i for i, t in enumerate(raw) if t.strip()]
        if idx and _FOOTER.match(raw[idx[-1]]):
            raw = raw[: idx[-1]]
        out.append([_Line(page.number, page.label, t.rstrip()) for t in raw])
    return out


def _budget_year(pages: list[PdfPage]) -> int | None:
    """The year of a budget ("Begroting 2025") from its first pages.

    Only used to call year columns without a kind word in a financial table
    of a budget 'budget' figures when they lie in or after that year.
    """
    for page in sorted(pages, key=lambda p: p.number)[:3]:
        m = _BUDGET_TITLE.search(page.text)
        if m:
            return int(m.group(1))
    return None


def _is_prose(text: str) -> bool:
    s = text.strip()
    return len(s) >= _MIN_PROSE and not _BIG_GAP.search(s) and not _scan(text).cells


def _find_regions(pages: list[list[_Line]]) -> list[_Region]:
    """Caption-to-end line runs; a table that reaches the foot of a page
    goes on on the next page when that page starts with its repeated header
    or with more rows."""
    regions: list[_Region] = []
    flat: list[tuple[int, int]] = [(p, i) for p, lines in enumerate(pages) for i in range(len(lines))]
    pos = {key: n for n, key in enumerate(flat)}
    n = 0
    while n < len(flat):
        p, i = flat[n]
        line = pages[p][i]
        m = _CAPTION.match(line.text)
        if not m:
            n += 1
            continue
        title = re.split(r"\s{3,}", m.group(2).strip())[0]
        region = _Region(ref=re.sub(r"\s+", " ", m.group(1)), title=title, caption=line, lines=[])
        end = _collect_region(pages, p, i, region)
        regions.append(region)
        n = pos.get(end, len(flat)) if end is not None else len(flat)
    return regions


def _collect_region(pages: list[list[_Line]], p: int, i: int, region: _Region) -> tuple[int, int] | None:
    """Fill `region.lines`; return where scanning should resume."""
    seen_values = False
    blanks = 0
    head_keys: set[str] = set()
    counts: Counter[int] = Counter()
    page = p
    idx = i + 1
    while page < len(pages):
        lines = pages[page]
        while idx < len(lines):
            line = lines[idx]
            text = line.text
            if _CAPTION.match(text):
                return (page, idx)
            if line.blank:
                blanks += 1
                region.lines.append(line)
                if seen_values and blanks >= 3 and not _resumes(lines[idx + 1 :], counts):
                    return (page, idx)
                idx += 1
                continue
            blanks = 0
            if _is_prose(text):
                return (page, idx)
            if seen_values and _FOOTNOTE_LINE.match(text) and not _scan(text).cells:
                while idx < len(lines) and _FOOTNOTE_LINE.match(lines[idx].text):
                    region.footnotes.append(lines[idx].text.strip())
                    idx += 1
                return (page, idx)
            scan = _scan(text)
            if scan.cells and not scan.is_year_line:
                seen_values = True
                counts[len(scan.cells)] += 1
            elif not seen_values:
                head_keys.add(_squash(text))
            region.lines.append(line)
            idx += 1
        # the foot of the page: does the table go on overleaf? (the blank
        # lines above the footer are no gap between rows)
        while region.lines and region.lines[-1].blank:
            region.lines.pop()
        page += 1
        if page >= len(pages) or not _continues(pages[page], head_keys, seen_values):
            return (page, 0) if page < len(pages) else None
        idx = 0
        blanks = 0
    return None


def _resumes(rest: list[_Line], counts: Counter[int]) -> bool:
    """After a wide vertical gap the table goes on only if what follows on
    the page is a row with the usual number of figures (some exports space
    rows far apart); anything else ends it."""
    nxt = next((ln for ln in rest if not ln.blank), None)
    if nxt is None:
        return True  # the foot of the page: the page-break check decides
    if _is_prose(nxt.text) or _CAPTION.match(nxt.text) or not counts:
        return False
    scan = _scan(nxt.text)
    usual = counts.most_common(1)[0][0]
    return len(scan.cells) == usual and not scan.is_year_line


def _continues(lines: list[_Line], head_keys: set[str], seen_values: bool) -> bool:
    """A page continues the table when it opens with the table's header
    repeated, or with a row or a wrapped label piece (lower case)."""
    first = next((ln for ln in lines if not ln.blank), None)
    if first is None or not seen_values:
        return False
    if _CAPTION.match(first.text):
        return False
    if _squash(first.text) in head_keys:
        return True
    kinds = _kind_sequence(first.text)
    if len(kinds) >= 2 and kinds in {_kind_sequence(k) for k in head_keys}:
        return True  # the same column heads under a new sub-title ("Programma: P3 …")
    scan = _scan(first.text)
    if scan.cells and not scan.is_year_line and not _is_prose(first.text):
        return True
    stripped = first.text.strip()
    return bool(stripped) and (stripped[0].islower() or stripped[0] == "(") and not _is_prose(first.text)


def _kind_sequence(text: str) -> tuple[str, ...]:
    return tuple(
        w.lower().strip(".:,") for w in text.split() if w.lower().strip(".:,") in _KIND_WORDS or _YEAR_TOKEN.match(w)
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _split_subtables(region: _Region) -> list[_Region]:
    """A caption may cover several tables, each with its own year header
    ("Meerjarenbeeld mutaties reserves per programma"); read them apart so
    no row is read under the wrong header."""
    parts: list[_Region] = []
    current = _Region(region.ref, region.title, region.caption, [], [])
    seen_values = False
    head_keys: set[str] = set()
    for n, line in enumerate(region.lines):
        scan = _scan(line.text)
        if not seen_values and not line.blank:
            head_keys.add(_squash(line.text))
        elif not line.blank and _squash(line.text) in head_keys:
            continue  # the header repeated over a page break
        header_like = scan.is_year_line or _has_repeated_kind_header(line.text)
        if header_like and seen_values:
            # pending text lines just above the new header name the sub-table
            tail: list[_Line] = []
            while current.lines and not _scan(current.lines[-1].text).cells:
                tail.insert(0, current.lines.pop())
            parts.append(current)
            sub = " ".join(t.text.strip() for t in tail if not t.blank and not _header_words_only(t.text))
            sub = sub or _header_prefix(line.text)
            title = f"{region.title} – {sub}" if sub else f"{region.title} (vervolg)"
            current = _Region(region.ref, title, line, [t for t in tail if _header_words_only(t.text)], [])
            seen_values = False
        if scan.cells and not scan.is_year_line:
            seen_values = True
        current.lines.append(line)
    current.footnotes = list(region.footnotes)
    parts.append(current)
    if len(parts) > 1:
        first = parts[0]
        head = next((ln for ln in first.lines if _has_repeated_kind_header(ln.text)), None)
        sub = _header_prefix(head.text) if head is not None else ""
        if sub:
            first.title = f"{region.title} – {sub}"
    return parts


def _header_prefix(text: str) -> str:
    """"Programma: P2 Mens en maatschappij" before the kind words of a
    repeated sub-header names the sub-table."""
    words = text.split()
    out: list[str] = []
    for w in words:
        if w.lower().strip(".:,") in _KIND_WORDS or _YEAR_TOKEN.match(w):
            break
        out.append(w)
    prefix = " ".join(out).strip(" :")
    if not prefix or all(w.lower().strip(".:,'") in _HEADER_WORDS for w in prefix.split()):
        return ""
    return prefix


def _has_repeated_kind_header(text: str) -> bool:
    words = [w.lower().strip(".:") for w in text.split()]
    return sum(1 for w in words if w in _KIND_WORDS) >= 2 and not _scan(text).cells


def _header_words_only(text: str) -> bool:
    words = [w.lower() for w in text.split()]
    return bool(words) and all(w.strip(".:,") in _HEADER_WORDS or _YEAR_TOKEN.match(w) for w in words)

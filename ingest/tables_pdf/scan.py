"""One layout line: its label and its figure cells.

A row's figures are the trailing run of figure tokens on its line; their
character positions drift, their order does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.numbers import ParsedNumber, find_numbers
from ingest.tables_pdf.shapes import _Cell, _Segment
from ingest.tables_pdf.vocab import _GAP_SPLIT, _SCALE_PHRASE, _UNIT_SUFFIX, _YEAR_ANNOTATION


@dataclass
class _Scan:
    """A line split into its label part and its trailing figure cells."""

    label_end: int
    cells: list[_Cell]

    @property
    def is_year_line(self) -> bool:
        """A line of bare years is a header, not a row of figures."""
        return len(self.cells) >= 2 and all(_is_bare_year(c) for c in self.cells)


def _is_bare_year(cell: _Cell) -> bool:
    n = cell.number
    return (
        n is not None
        and n.value is not None
        and re.fullmatch(r"(?:19|20)\d{2}[:;,]?", cell.value_text.strip()) is not None
        and cell.year is None
    )


def _scan(text: str) -> _Scan:
    """Split a line into its label and its trailing run of figure cells.

    "(2023)" after a figure is the year the figure is about, not a negative
    number; it is masked before the figures are read and then attached to
    the figure it follows. "x € 1.000" in a header is a scale, not a figure.
    """
    masked = text
    years: list[tuple[int, int, int]] = []
    for m in _YEAR_ANNOTATION.finditer(text):
        years.append((m.start(), m.end(), int(m.group(1))))
    for m in _SCALE_PHRASE.finditer(text):
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end() :]
    for s, e, _ in years:
        masked = masked[:s] + " " * (e - s) + masked[e:]
    units: dict[int, tuple[int, str]] = {}
    for m in _UNIT_SUFFIX.finditer(masked):
        units[m.start()] = (m.end(), m.group(2))
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end() :]

    found = find_numbers(masked)
    run: list[tuple[int, int, ParsedNumber]] = []
    limit = len(masked)
    for start, end, parsed in reversed(found):
        unit_end = units.get(end, (end, None))[0]
        if masked[unit_end:limit].strip():
            break
        if start > 0 and not masked[start - 1].isspace():
            break
        run.insert(0, (start, end, parsed))
        limit = start
    # "Kadernota 2025   1.512 …", "… van maximaal 3%": a figure one space
    # after the label words is part of the label (layout puts two or more
    # spaces between cells)
    while run and run[0][0] >= 2 and masked[run[0][0] - 1] == " " and not masked[run[0][0] - 2].isspace():
        run.pop(0)
    cells: list[_Cell] = []
    for start, end, parsed in run:
        unit_end, unit = units.get(end, (end, None))
        cells.append(
            _Cell(start, unit_end, text[start:unit_end], text[start:unit_end].strip(), parsed, unit=unit)
        )
    label_end = cells[0].start if cells else len(text)
    # attach "(2023)" to the figure just before it; a lone one is a fragment
    for s, e, year in years:
        if s < label_end and not (cells and _only_space(masked[e:label_end])):
            continue  # inside the label ("Woonvisie (2030)")
        owner = None
        for cell in cells:
            if cell.end <= s and _only_space(masked[cell.end : s]):
                owner = cell
        if owner is not None and owner.year is None:
            owner.year = year
            owner.end = e
            owner.text = text[owner.start : e]
        elif owner is None and s >= label_end - 1 or (cells and e <= cells[0].start):
            cells.append(_Cell(s, e, text[s:e], "", None, year=year))
    cells.sort(key=lambda c: c.start)
    label_end = min([label_end] + [c.start for c in cells]) if cells else len(text)
    if len(cells) == 1 and _is_bare_year(cells[0]) and text[:label_end].strip():
        return _Scan(len(text), [])  # "Toelichting begroot 2025" is a heading
    return _Scan(label_end, cells)


def _only_space(text: str) -> bool:
    return not text.strip()


def _segments(text: str, start: int = 0, end: int | None = None) -> list[_Segment]:
    """Pieces of a line separated by two or more spaces: one cell each."""
    part = text[start:end] if end is not None else text[start:]
    return [_Segment(start + m.start(), start + m.end(), m.group(0)) for m in _GAP_SPLIT.finditer(part)]

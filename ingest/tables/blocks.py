"""Blank-line separated blocks of cell-per-line exports: finding them, their
header, their title and what each block holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.models import SECTION_SEPARATOR
from ingest.tables.cells import _Cell, _is_values_line, _line_cells, _trailing_run
from ingest.tables.footnotes import _footnote_def
from ingest.tables.headers import Column, _dated, _fill_difference_years, _looks_like_prose, parse_header_text
from ingest.tables.stream import _Ln, _join_wrapped


def _block(stream: list[_Ln], j: int) -> tuple[int, int] | None:
    """The block (run of non-blank lines) starting at or after j."""
    while j < len(stream) and stream[j].blank:
        j += 1
    if j >= len(stream):
        return None
    e = j
    while e < len(stream) and not stream[e].blank:
        e += 1
    return j, e


def _block_text(stream: list[_Ln], s: int, e: int) -> str:
    return _join_wrapped([stream[k].text for k in range(s, e)])


@dataclass(frozen=True)
class _BlockHeader:
    prefix: str
    columns: list[Column]
    start: int
    end: int  # exclusive line index after the last header block


def _block_header(stream: list[_Ln], i: int) -> _BlockHeader | None:
    """Header cells in consecutive blocks: ``Behaald\\n2022`` / ``Beoogd 2025``
    / ``Rekening 2024 Verschil``; only the first may carry a title prefix
    (``% inwoners 18+ Behaald 2022``). Needs ≥2 dated columns."""
    columns: list[Column] = []
    prefix = ""
    end = i
    span = _block(stream, i)
    first = True
    while span is not None:
        s, e = span
        text = _block_text(stream, s, e)
        if e - s > 4 or len(text) > 120:
            break
        parsed = parse_header_text(text, kind_only=True)
        if parsed is None or (parsed[0] and not first) or _looks_like_prose(parsed[0]):
            break
        if first:
            prefix = parsed[0]
        columns += parsed[1]
        end, first = e, False
        span = _block(stream, e)
    if _dated(columns) < 2:
        return None
    return _BlockHeader(prefix, _fill_difference_years(columns), i, end)


def _block_title(stream: list[_Ln], i: int) -> str | None:
    """The short text block printed right above a cell header, if any; when
    the section splitter made that text a heading (``Prestatie-indicator(en)``),
    the last element of the header's section path."""
    section = stream[i].section
    k = i - 1
    while k >= 0 and stream[k].blank and stream[k].section == section:
        k -= 1
    e = k + 1
    while k >= 0 and not stream[k].blank and stream[k].section == section:
        k -= 1
    s = k + 1
    lines = [stream[x].text for x in range(s, e)]
    text = _join_wrapped(lines)
    if e <= s or e - s > 4 or _looks_like_prose(text) or _trailing_run(text)[1] or text.startswith(("•", "*")):
        return section.split(SECTION_SEPARATOR)[-1].strip() or None
    return text


def _is_footnote_block(stream: list[_Ln], s: int) -> bool:
    return _footnote_def(stream[s].text) is not None and not _is_values_line(stream[s].text)


def _block_kind(stream: list[_Ln], s: int, e: int) -> str:
    """values (every line all figures) | rowline (one ``label v …`` line) | text."""
    lines = [stream[k].text for k in range(s, e)]
    if all(_is_values_line(t) for t in lines):
        return "values"
    if len(lines) == 1 and _trailing_run(lines[0])[1]:
        return "rowline"
    return "text"


def _value_cells(stream: list[_Ln], s: int, e: int) -> list[list[_Cell]] | None:
    """Cells of a values block; a block of n single-value lines is ONE cell
    stacked over n sub-rows (``29%\\n20%``). Irregular stacks → None."""
    per_line = [_line_cells(stream[k].text, k) for k in range(s, e)]
    if len(per_line) == 1:
        return [[c] for c in per_line[0]]
    if all(len(cells) == 1 for cells in per_line):
        return [[cells[0] for cells in per_line]]
    return None


def _following_cell_count(stream: list[_Ln], j: int) -> int:
    """How many cells the value blocks starting at j hold (for text cells)."""
    count = 0
    span = _block(stream, j)
    while span is not None and _block_kind(stream, *span) == "values":
        cells = _value_cells(stream, *span)
        count += len(cells) if cells else 0
        span = _block(stream, span[1])
    return count

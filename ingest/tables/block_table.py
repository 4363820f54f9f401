"""Cell-per-line tables (Groningen exports): a label block followed by its
value blocks, including stacked sub-rows (``29%\\n20%``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.models import TableExtraction
from ingest.tables.blocks import (
    _BlockHeader,
    _block,
    _block_header,
    _block_kind,
    _block_text,
    _block_title,
    _following_cell_count,
    _is_footnote_block,
    _value_cells,
)
from ingest.tables.builder import _Builder, _Row
from ingest.tables.cells import _Cell, _split_label_mark, _trailing_run
from ingest.tables.footnotes import _collect_footnotes
from ingest.tables.headers import _looks_like_prose, _table_unit
from ingest.tables.keys import normalise_key
from ingest.tables.stream import _Ln
from ingest.tables.vocab import _END_RE, _GENERIC_LABELS


@dataclass
class _Pending:
    label: str
    line: int
    cells: list[list[_Cell]] = field(default_factory=list)
    irregular: bool = False


def _parse_block_table(document_id: str, stream: list[_Ln], head: _BlockHeader, ex: TableExtraction) -> int:
    """Cell-per-line table; ends at Toelichting, footnotes, prose or the next header."""
    title_text = head.prefix or _block_title(stream, head.start) or "Tabel"
    title, unit = _table_unit(title_text)
    header = [head.prefix] + [c.text for c in head.columns]
    builder = _Builder(document_id, title, header, head.columns, stream, head.start, unit)
    pending: _Pending | None = None
    group: str | None = None
    j = head.end
    while (span := _block(stream, j)) is not None:
        s, e = span
        first = stream[s].text.strip()
        if _is_footnote_block(stream, s):
            j = _collect_footnotes(stream, s, builder)
            break
        if _END_RE.match(first) or _looks_like_prose(_block_text(stream, s, e)) or _block_header(stream, s):
            break
        kind = _block_kind(stream, s, e)
        if kind == "text":
            nxt = _block(stream, e)
            if nxt and _block_header(stream, nxt[0]):
                break  # this text is the next table's title
        if kind == "values":
            cells = _value_cells(stream, s, e)
            if pending is None:
                builder.notes.append(f"{title}: values without a row label: '{_block_text(stream, s, e)}'")
            elif cells is None:
                pending.irregular = True
            else:
                pending.cells += cells
        elif kind == "rowline":
            if pending is not None:
                group = _close_pending(builder, pending, group, followed_by_row=True)
            pending = None
            label, run = _trailing_run(stream[s].text)
            label, mark = _split_label_mark(label)
            cells = [_Cell(t, p, s) for t, p in run]
            builder.add_row(_Row(label, cells, s, mark, group, _group_prefix(group, label)))
        else:
            text = _block_text(stream, s, e)
            if pending is not None and not pending.cells and _is_text_cell(stream, pending.label, text, e, builder):
                pending.cells.append([_Cell(text, None, s)])
            elif pending is not None:
                group = _close_pending(builder, pending, group, followed_by_row=True)
                pending = _Pending(text, s)
            else:
                pending = _Pending(text, s)
        j = e
    if pending is not None:
        _close_pending(builder, pending, group, followed_by_row=False)
    builder.finish(ex)
    return j


def _is_text_cell(stream: list[_Ln], label: str, text: str, after: int, builder: _Builder) -> bool:
    """``Andere registratie`` between a label and its values is a cell, not a
    new label, when all of this holds: the label names a measure (``Aantal
    geregistreerde daklozen``; group rows such as ``Zorg en veiligheid`` do
    not), the text is short, the values follow on ONE line (the row is printed
    row-style) and with the text the cell count comes out exactly right."""
    measure = re.match(r"(?:aantal|%|percentage|gemiddeld)", label.strip(), re.IGNORECASE) is not None
    short = len(text) <= 30 and len(text.split()) <= 3
    span = _block(stream, after)
    one_line = span is not None and span[1] - span[0] == 1 and _block_kind(stream, *span) == "values"
    if not (measure and short and one_line):
        return False
    return 1 + _following_cell_count(stream, after) == len(builder.columns)


def _group_prefix(group: str | None, label: str) -> tuple[str, ...]:
    """Cell tables: a group prefixes the key only for generic or lower-case labels."""
    if group is None:
        return ()
    key = normalise_key(label)
    return (group,) if key in _GENERIC_LABELS or label[:1].islower() else ()


def _close_pending(builder: _Builder, pending: _Pending, group: str | None, followed_by_row: bool) -> str | None:
    """Emit a finished label; a label without values before another row is a
    group row (``Opvang en Veilig Thuis``) and becomes the current group."""
    label, mark = _split_label_mark(pending.label)
    if pending.irregular:
        builder.rows.append([pending.label])
        builder.notes.append(f"{builder.title}: row '{label}' has irregular stacked cells")
        return group
    if not pending.cells:
        builder.add_group(pending.label)
        return label if followed_by_row else group
    flat_cells = [c for c in pending.cells]
    stacked = max(len(c) for c in flat_cells)
    if stacked == 1:
        cells = [c[0] for c in flat_cells]
        builder.add_row(_Row(label, cells, pending.line, mark, group, _group_prefix(group, label)))
        return group
    parts = [p.strip() for p in re.split(r"\s+en\s+", label)]
    values = [c for c in flat_cells if c[0].parsed is not None]
    if len(parts) != stacked or any(len(c) != stacked for c in values) or any(
        len(c) != 1 for c in flat_cells if c[0].parsed is None
    ):
        builder.rows.append([pending.label] + [" / ".join(x.text for x in c) for c in flat_cells])
        builder.notes.append(f"{builder.title}: row '{label}' has stacked cells that do not split into sub-indicators")
        return group
    for n, part in enumerate(parts):
        cells = [c[n] if c[0].parsed is not None else c[0] for c in flat_cells]
        builder.add_row(_Row(part, cells, cells[0].line, mark, group, _group_prefix(group, part)))
    return group

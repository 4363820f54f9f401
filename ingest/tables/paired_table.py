"""Count tables with paired columns per peildatum (``Zorg in Natura
31-12-2020 …``): read exactly or skipped whole.
"""

from __future__ import annotations

import re

from ingest.models import TableExtraction
from ingest.tables.builder import _Builder, _Row
from ingest.tables.cells import _Cell, _trailing_run
from ingest.tables.headers import Column
from ingest.tables.keys import normalise_key
from ingest.tables.line_table import _line_header
from ingest.tables.stream import _Ln


def _paired_subheader(text: str, dates: int) -> tuple[list[str], list[str]] | None:
    """``Betreft Eenheid van aantal per week Aantal cliënten Aantal per week …``
    → (label headers, the repeating sub-columns) when it repeats per date."""
    parts = re.split(r"\s+(?=Aantal\b)", text.strip())
    subs = parts[1:]
    if not subs or len(subs) % dates:
        return None
    width = len(subs) // dates
    if width < 2 or any(s != subs[k % width] for k, s in enumerate(subs)):
        return None
    label_part = parts[0]
    if " Eenheid" in f" {label_part}":
        at = label_part.index("Eenheid")
        return [label_part[:at].strip(), label_part[at:].strip()], subs[:width]
    return [label_part], subs[:width]


def _parse_paired_table(
    document_id: str, stream: list[_Ln], i: int, title: str, columns: list[Column], ex: TableExtraction
) -> int:
    """Count tables with several sub-columns per date; every row must carry
    exactly one value per (date, sub-column) or the table is skipped."""
    sub = _paired_subheader(stream[i + 1].text, len(columns))
    if sub is None:
        return _skip_region(stream, i, ex, f"{title}: paired columns per date could not be read")
    label_headers, subcolumns = sub
    has_unit = len(label_headers) == 2
    width = len(subcolumns)
    grid = [
        Column(f"{date.text} {name}", "other", date.year) for date in columns for name in subcolumns
    ]
    builder = _Builder(document_id, title, label_headers + [c.text for c in grid], grid, stream, i)
    j = i + 2
    while j < len(stream):
        text = stream[j].text.strip()
        label, run = _trailing_run(text)
        if not text or len(run) != len(grid) or not label or any(p.value is None for _, p in run):
            break
        unit_word = None
        if has_unit:
            head, _, unit_word = label.rpartition(" ")
            if not head or not unit_word.isalpha() or not unit_word.islower():
                break
            label = head
        printed = [label] + ([unit_word] if unit_word else []) + [t for t, _ in run]
        builder.rows.append(printed)
        for k, (cell_text, parsed) in enumerate(run):
            name = subcolumns[k % width]
            unit = f"{unit_word} per {name.split(' per ', 1)[1]}" if unit_word and " per " in name else name.lower()
            row = _Row(label, [], j, unit=unit, key_suffix=normalise_key(name))
            builder.add_cell(row, _Cell(cell_text, parsed, j), grid[k])
        j += 1
    if not builder.rows:
        return _skip_region(stream, i, ex, f"{title}: no row matched the paired columns")
    # titles like "Zorg in Natura" and "PGB" share row labels: keys carry the title
    for fact, _ in builder.facts:
        fact.key = " ".join([normalise_key(title), fact.key])
    builder.finish(ex)
    return j


def _skip_region(stream: list[_Ln], i: int, ex: TableExtraction, reason: str) -> int:
    """Consume a table we will not read, so its rows are not reported twice."""
    ex.skipped.append(reason)
    j = i + 1
    while j < len(stream) and stream[j].text.strip() and not _line_header(stream[j].text):
        j += 1
    return j

"""Figures outside any table: not read, but reported in ``skipped`` so a
reader knows they were seen.
"""

from __future__ import annotations

from ingest.models import TableExtraction
from ingest.tables.blocks import _block, _block_kind, _block_title
from ingest.tables.cells import _trailing_run
from ingest.tables.headers import _looks_like_prose
from ingest.tables.stream import _Ln


def _report_orphans(stream: list[_Ln], consumed: list[bool], ex: TableExtraction) -> None:
    """Figures that look tabular but have no year header are not read; say so
    (``Lasten, baten en saldo``: four bare figures; ``Toewijzingen 53``)."""
    free = [not consumed[k] and not stream[k].blank for k in range(len(stream))]
    k = 0
    while k < len(stream):
        if not free[k]:
            k += 1
            continue
        s = k
        while k < len(stream) and free[k]:
            k += 1
        rows = [x for x in range(s, k) if _is_short_row(stream[x].text)]
        if len(rows) >= 2:
            first = rows[0]
            name = stream[first - 1].text.strip() if first > s else _trailing_run(stream[first].text)[0]
            ex.skipped.append(f"{name}: {len(rows)} rows with figures but no year columns")
    _report_bare_figures(stream, free, ex)


def _report_bare_figures(stream: list[_Ln], free: list[bool], ex: TableExtraction) -> None:
    """Runs of ≥2 blank-separated blocks holding nothing but figures."""
    k = 0
    while k < len(stream):
        span = _block(stream, k)
        if span is None:
            return
        count, x = 0, span[0]
        while (sp := _block(stream, x)) and all(free[sp[0] : sp[1]]) and _block_kind(stream, *sp) == "values":
            count, x = count + 1, sp[1]
        if count >= 2:
            name = _block_title(stream, span[0]) or stream[span[0]].text.strip()
            ex.skipped.append(f"{name}: {count} figures without column headers")
            k = x
        else:
            k = span[1]


def _is_short_row(text: str) -> bool:
    label, run = _trailing_run(text)
    return bool(label) and bool(run) and len(text) <= 120 and not _looks_like_prose(label)

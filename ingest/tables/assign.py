"""Which column each of a row's cells stands in, or which columns it may stand
in: a value only gets a year when the layout proves it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.tables.cells import _Cell
from ingest.tables.headers import Column


@dataclass(frozen=True)
class _Placed:
    cell: _Cell
    column: Column | None  # None when ambiguous
    candidates: tuple[Column, ...] = ()


def _assign(cells: list[_Cell], columns: list[Column]) -> list[_Placed] | None:
    """Put a row's cells in columns, or say which columns each could be.

    Equal counts: in printed order. Fewer cells in a realised/target table:
    comparator cells (``> 80%``) at the end of the row are targets and go
    right-aligned to the target columns when their count matches; the plain
    cells go to the realised columns when *their* count matches. Every other
    shortfall leaves the cells ambiguous. More cells than columns: None.
    """
    if len(cells) == len(columns):
        return [_Placed(c, col) for c, col in zip(cells, columns)]
    if len(cells) > len(columns):
        return None
    kinds = {c.kind for c in columns}
    if not (kinds <= {"realised", "target"} or kinds == {"other"}):
        return [_Placed(c, None, tuple(columns)) for c in cells]
    targets = [c for c in columns if c.kind == "target"]
    pool = [c for c in columns if c.kind != "target"]
    suffix = 0
    while suffix < len(cells) and _is_comparator(cells[len(cells) - 1 - suffix]):
        suffix += 1
    comparators = cells[len(cells) - suffix :] if targets else []
    plain = cells[: len(cells) - len(comparators)]
    if targets and any(_is_comparator(c) for c in plain):
        return [_Placed(c, None, tuple(columns)) for c in cells]  # "<5 12 >10": no order to trust
    placed: list[_Placed] = []
    if len(plain) == len(pool):
        placed += [_Placed(c, col) for c, col in zip(plain, pool)]
    else:
        # more plain values than realised columns: some are targets printed
        # without a comparator, so every column is a candidate
        candidates = pool if len(plain) < len(pool) else columns
        placed += [_Placed(c, None, tuple(candidates)) for c in plain]
    if comparators and len(comparators) == len(targets):
        placed += [_Placed(c, col) for c, col in zip(comparators, targets)]
    else:
        candidates = targets if len(comparators) < len(targets) else columns
        placed += [_Placed(c, None, tuple(candidates)) for c in comparators]
    return placed


def _is_comparator(cell: _Cell) -> bool:
    return cell.parsed is not None and cell.parsed.comparator is not None

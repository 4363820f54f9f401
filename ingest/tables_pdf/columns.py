"""Value columns from header words.

Header years and kind words are assigned to columns by order when a header
line has one per column, and by an order-preserving best fit otherwise; a
fit that is not clearly the best refuses the table.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass

from ingest.tables_pdf.header import _is_scope_word
from ingest.tables_pdf.rows import _Row
from ingest.tables_pdf.scan import _segments
from ingest.tables_pdf.shapes import _Cell, _Column, _Line, _Skip
from ingest.tables_pdf.vocab import (
    _DATE_CONTEXT,
    _INCOMPATIBLE,
    _KIND_WORDS,
    _MEASURES,
    _REFERENCE_SCOPES,
    _SCALE_PHRASE,
    _TEXT_ROLES,
    _YEAR_TOKEN,
)


@dataclass
class _HeaderToken:
    line: int
    start: int
    end: int
    text: str
    cls: str  # year | kind | measure | scope | word
    value: str | int

    @property
    def centre(self) -> float:
        return (self.start + self.end) / 2


@dataclass
class _Unit:
    """One column head on one header line: the words printed together
    ("Begroting 2025", "2025 (%)", "eind 2024"). `loose` when the layout ran
    it into its neighbour with a single space, so its position is unreliable."""

    line: int
    tokens: list[_HeaderToken]
    loose: bool = False

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end

    @property
    def centre(self) -> float:
        heads = [t for t in self.tokens if t.cls != "word"] or self.tokens
        return (heads[0].start + heads[-1].end) / 2

    @property
    def classes(self) -> set[str]:
        return {t.cls for t in self.tokens}

    def kinds(self) -> list[str]:
        return [str(t.value) for t in self.tokens if t.cls == "kind"]


def _header_units(header: list[_Line], left_edge: int) -> dict[int, list[_Unit]]:
    """Column heads per header line, left to right. Text heading the label
    column (left of all figures) is not a column head."""
    tokens = _header_tokens(header)
    out: dict[int, list[_Unit]] = {}
    for n, ln in enumerate(header):
        line_tokens = [t for t in tokens if t.line == n]
        units: list[_Unit] = []
        for seg in _segments(_SCALE_PHRASE.sub(lambda m: " " * len(m.group(0)), ln.text)):
            seg_tokens = [t for t in line_tokens if seg.start <= t.start < seg.end]
            current: _Unit | None = None
            split = False
            for tok in seg_tokens:
                if current is not None and tok.cls != "word" and tok.cls in current.classes:
                    units.append(current)
                    current = None
                    split = True
                if current is None:
                    current = _Unit(n, [tok])
                else:
                    current.tokens.append(tok)
            if current is not None:
                units.append(current)
            if split:
                for u in units:
                    if seg.start <= u.start < seg.end:
                        u.loose = True
        heads = [u for u in units if u.classes - {"word"} and u.end > left_edge]
        for a, b in zip(heads, heads[1:]):
            if b.start - a.end <= 2:  # run together by the layout
                a.loose = b.loose = True
        if heads:
            out[n] = heads
    return out


def _columns(header: list[_Line], rows: list[_Row]) -> list[_Column]:
    """Value columns: how many, where, and what their header says.

    The count comes from the rows (the most common number of figures)
    unless a header line has more column heads. Header lines are placed in
    order when they have one head per column (or per column group, for
    "baten lasten saldo" under each year); a line with fewer heads is placed
    by an order-keeping fit that allows the whole line one common shift (the
    layout shifts header lines against the figures) and never stacks
    contradicting kinds (Peilwaarde over Streefwaarde). A fit that is not
    clearly the best refuses the table.
    """
    counts = Counter(len(r.cells) for r in rows)
    n_data = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
    full = [r for r in rows if len(r.cells) == n_data]
    left_edge = min(r.cells[0].start for r in full) - 3 if full else 0
    units = _header_units(header, left_edge)
    n_head = max((len(u) for u in units.values()), default=0)
    n_cols = max(n_data, n_head)
    if n_cols == n_data and full:
        centres = [statistics.median(r.cells[i].centre for r in full) for i in range(n_cols)]
    else:
        widest = next(u for u in units.values() if len(u) == n_cols)
        if any(u.loose for u in widest):
            raise _Skip("more column heads than figures per row, printed too tightly to place")
        centres = [u.centre for u in widest]
    columns = [_Column(centre=c) for c in centres]

    group_size = 1
    measure_line = next(
        (n for n, us in units.items() if len(us) == n_cols and all(u.classes - {"word"} == {"measure"} for u in us)),
        None,
    )
    if measure_line is not None:
        for col, unit in zip(columns, units[measure_line]):
            col.measure = str(next(t.value for t in unit.tokens if t.cls == "measure"))
            col.words.extend((unit.line, t.start, t.text) for t in unit.tokens)
        others = [len(us) for n, us in units.items() if n != measure_line]
        if others:
            groups = max(others)
            if n_cols % groups == 0 and n_cols // groups > 1:
                group_size = n_cols // groups
    slots = n_cols // group_size
    if group_size > 1:
        slot_cols = [
            _Column(statistics.mean(columns[g * group_size + j].centre for j in range(group_size)))
            for g in range(slots)
        ]
    else:
        slot_cols = columns
    ordered = sorted(
        ((n, us) for n, us in units.items() if n != measure_line), key=lambda kv: (len(kv[1]) != slots, kv[0])
    )
    for n, line_units in ordered:
        if len(line_units) > slots:
            raise _Skip(f"header line {header[n].text.strip()!r} has {len(line_units)} column heads for {slots} columns")
        placement = _place(line_units, slot_cols)
        for unit, i in zip(line_units, placement):
            targets = columns[i * group_size : (i + 1) * group_size] if group_size > 1 else [columns[i]]
            _apply(slot_cols[i], unit)
            for col in targets:
                if col is not slot_cols[i]:
                    _apply(col, unit)
    _resolve_scopes(columns)
    return columns


def _apply(col: _Column, unit: _Unit) -> None:
    for tok in unit.tokens:
        if tok.cls == "year":
            col.years.append(int(tok.value))
        elif tok.cls == "kind":
            col.kinds.append(str(tok.value))
        elif tok.cls == "scope":
            col.scope = str(tok.value)
        col.words.append((tok.line, tok.start, tok.text))


def _place(units: list[_Unit], columns: list[_Column]) -> list[int]:
    """Order-keeping placement of m column heads over n columns.

    Each candidate placement gets the line's common shift (median offset)
    and costs the remaining misfit; placements that stack contradicting
    kinds or need a shift of most of a column are out. The best must beat
    the runner-up clearly, else which column a year heads is a guess.
    """
    n = len(columns)
    centres = [c.centre for c in columns]
    if len(units) == n:
        return list(range(n))
    gaps = [b - a for a, b in zip(centres, centres[1:])]
    spacing = statistics.median(gaps) if gaps else 20.0
    scored: list[tuple[float, tuple[int, ...]]] = []
    for combo in itertools.combinations(range(n), len(units)):
        if any(
            frozenset({k, kind}) in _INCOMPATIBLE
            for unit, i in zip(units, combo)
            for kind in unit.kinds()
            for k in columns[i].kinds
        ):
            continue
        fixed = [(u.centre - centres[i]) for u, i in zip(units, combo) if not u.loose]
        if fixed:
            shift = statistics.median(fixed)
            if abs(shift) > 0.75 * spacing:
                continue
            cost = sum(abs(off - shift) for off in fixed)
        else:
            cost = 0.0
        scored.append((cost, combo))
    if not scored:
        raise _Skip("column heads cannot be lined up with the columns of figures")
    scored.sort()
    best_cost, best = scored[0]
    if len(scored) > 1 and scored[1][0] - best_cost < 0.5 * spacing:
        what = " ".join(t.text for u in units for t in u.tokens)
        raise _Skip(f"header {what!r} fits more than one set of columns")
    return list(best)


def _resolve_scopes(columns: list[_Column]) -> None:
    """A place name is a scope only next to a 'Nederland' comparison column;
    that column holds reference figures."""
    has_reference = any(c.scope == "Nederland" for c in columns)
    for col in columns:
        if col.scope and col.scope != "Nederland" and not has_reference:
            col.scope = None
        if col.scope == "Nederland" and "reference" not in col.kinds:
            col.kinds.append("reference")


def _header_tokens(header: list[_Line]) -> list[_HeaderToken]:
    out: list[_HeaderToken] = []
    for n, ln in enumerate(header):
        text = _SCALE_PHRASE.sub(lambda m: " " * len(m.group(0)), ln.text)
        words = list(re.finditer(r"\S+", text))
        for k, m in enumerate(words):
            w = m.group(0)
            low = w.lower().strip(".:,;")
            prev = words[k - 1].group(0).lower() if k and words[k - 1].end() + 1 >= m.start() else ""
            ym = _YEAR_TOKEN.match(w)
            if ym and prev not in _DATE_CONTEXT and not _date_above(header, n, m.start(), m.end()):
                out.append(_HeaderToken(n, m.start(), m.end(), w, "year", int(ym.group(1))))
            elif ym:
                out.append(_HeaderToken(n, m.start(), m.end(), w, "word", w))
            elif low in _KIND_WORDS:
                out.append(_HeaderToken(n, m.start(), m.end(), w, "kind", _KIND_WORDS[low]))
            elif low in _MEASURES:
                out.append(_HeaderToken(n, m.start(), m.end(), w, "measure", _MEASURES[low]))
            elif low in _REFERENCE_SCOPES and len(w) > 2:
                out.append(_HeaderToken(n, m.start(), m.end(), w, "scope", _REFERENCE_SCOPES[low]))
            elif _is_scope_word(w) and any(x.group(0).lower() in _REFERENCE_SCOPES for x in words):
                out.append(_HeaderToken(n, m.start(), m.end(), w, "scope", w))
            elif low in _TEXT_ROLES or low in {"naam", "indicator", "effectindicator", "omschrijving"}:
                continue
            else:
                out.append(_HeaderToken(n, m.start(), m.end(), w, "word", w))
    return out


def _date_above(header: list[_Line], n: int, start: int, end: int) -> bool:
    """"gesteld t/m" over "2024": a date in a wrapped header cell, not the
    year the column is about."""
    if n == 0:
        return False
    for seg in _segments(header[n - 1].text):
        if seg.start <= end and seg.end >= start:
            return seg.text.split()[-1].lower() in _DATE_CONTEXT
    return False


def _check_header(columns: list[_Column], per_cell_years: bool) -> None:
    """Refuse header readings that would put a figure under a wrong year."""
    years = [c.years[0] for c in columns if len(c.years) == 1 and c.measure is None]
    if not per_cell_years and len(years) != len(set(years)) and not any(c.kind == "difference" for c in columns):
        dup = [y for y, k in Counter(years).items() if k > 1]
        # the same year twice is fine when the kinds differ (Rekening vs Begroting)
        kinds_by_year: dict[int, set[str | None]] = {}
        for c in columns:
            if len(c.years) == 1:
                kinds_by_year.setdefault(c.years[0], set()).add(c.kind)
        if any(len(kinds_by_year[y]) < sum(1 for c in columns if c.years == [y]) for y in dup):
            raise _Skip(f"the same year {dup} heads several columns of the same kind")


def _place_for_display(cells: list[_Cell], columns: list[_Column]) -> list[str]:
    """Cells as they stand on paper, for rendering the table. A short row's
    cells go under the nearest header; facts from it stay ambiguous."""
    printed = [""] * len(columns)
    texts = [" ".join([c.text.strip(), *c.extra]).strip() for c in cells]
    if len(cells) == len(columns):
        return texts
    if len(cells) > len(columns):
        return texts[-len(columns) :] if columns else texts
    taken: set[int] = set()
    for cell, text in zip(cells, texts):
        order = sorted(range(len(columns)), key=lambda i: abs(columns[i].centre - cell.centre))
        idx = next((i for i in order if i not in taken), None)
        if idx is None:
            continue
        taken.add(idx)
        printed[idx] = text
    return printed

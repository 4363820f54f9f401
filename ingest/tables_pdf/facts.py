"""One figure as a citable `Fact`.

A row with as many figures as the table has value columns is assigned in
order; a row with fewer is emitted ``ambiguous`` with ``candidate_years``,
never placed by guesswork.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.models import Fact
from ingest.numbers import ParsedNumber
from ingest.tables import normalise_key
from ingest.tables_pdf.shapes import _Cell, _Column
from ingest.tables_pdf.vocab import _GENERIC_WORDS, _PER_UNIT, _TRAILING_MARK


@dataclass
class _FactBase:
    document_id: str
    label: str
    table_title: str
    table_id: str
    section: str
    page: int
    page_label: str | None
    row_unit: str | None
    financial: bool
    group: str | None
    subject: str
    footnotes: dict[str, str]
    budget_year: int | None


def _fact(base: _FactBase, cell: _Cell, col: _Column | None, candidates: list[_Column]) -> Fact | None:
    """One figure as a citable fact; `col` is None when the row is short and
    the figure's column cannot be told (then it is ambiguous)."""
    number = cell.number
    if number is None or number.value is None:
        return None
    ambiguous = col is None
    cols = [col] if col is not None else candidates
    if cell.year is not None:
        year: int | None = cell.year
        candidate_years: tuple[int, ...] = (cell.year,) if ambiguous else ()
    else:
        years = sorted({y for c in cols for y in c.years})
        if len(years) == 1 and not ambiguous:
            year, candidate_years = years[0], ()
        elif not years:
            year, candidate_years = None, ()
        else:
            year = None
            candidate_years = tuple(years)
            ambiguous = True
    kinds = {_column_kind(c, year, base) for c in cols}
    kind = kinds.pop() if len(kinds) == 1 else "other"
    scopes = {c.scope for c in cols}
    scope = scopes.pop() if len(scopes) == 1 else None
    measures = {c.measure for c in cols}
    measure = measures.pop() if len(measures) == 1 else None
    label = base.label
    mark = _TRAILING_MARK.search(label)
    footnote = number.footnote or (mark.group(1) if mark else None)
    if footnote and footnote in base.footnotes:
        footnote = base.footnotes[footnote]
    key = _normalise(label)
    if _is_generic(label) or not key:
        key = (_normalise(base.subject) + " " + key).strip()
    if measure:
        key = f"{key} {measure.lower()}"
    return Fact(
        document_id=base.document_id,
        indicator=label,
        key=key,
        year=year,
        value=number.value,
        value_text=cell.value_text,
        kind=kind,
        unit=_unit(base, cell, number),
        comparator=number.comparator or ("~" if number.approx else None),
        scope=scope,
        footnote=footnote,
        table_title=base.table_title,
        table_id=base.table_id,
        section=base.section,
        page=base.page,
        page_label=base.page_label,
        column=None if ambiguous and col is None else (col.label if col else None),
        row_group=measure or base.group,
        ambiguous=ambiguous,
        candidate_years=candidate_years,
    )


def _column_kind(col: _Column, year: int | None, base: _FactBase) -> str:
    kind = col.kind
    if kind:
        return kind
    if base.financial and base.budget_year and year is not None and year >= base.budget_year:
        return "budget"  # a budget's own and later years are what it budgets
    return "other"


def _unit(base: _FactBase, cell: _Cell, number: ParsedNumber) -> str | None:
    """The Eenheid column when there is one; else the scale of a financial
    table; else what the cell or the label says (%, kg, "per 1.000 inw")."""
    if base.row_unit:
        return base.row_unit
    if base.financial:
        return "x € 1.000"
    if cell.unit:
        return cell.unit
    if number.unit == "€" and number.scale == 1e6:
        return "€ mln"
    if number.unit:
        return number.unit
    m = _PER_UNIT.search(base.label)
    if m:
        return m.group(0).strip("()")
    if base.label.strip().startswith("%"):
        return "%"
    return None


def _footnote_texts(lines: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in lines:
        m = re.match(r"^\s*(\*{1,4}|\d\))\s*(.+)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def _normalise(text: str) -> str:
    """The shared key normalisation (lower case, accents folded, punctuation
    dropped) so keys from PDF tables and text tables meet; a table number
    ("Tabel 2.3 -") is no part of a subject."""
    return normalise_key(re.sub(r"(?i)^\s*tabel\s+[\d.]+[a-z]?\s*[-–:]?\s*", "", text))


def _is_generic(label: str) -> bool:
    """"Totaal lasten", or a label continuing the row above ("tweede hond")."""
    if label.strip()[:1].islower():
        return True
    words = _normalise(label).split()
    return all(w in _GENERIC_WORDS for w in words)

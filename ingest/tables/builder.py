"""One table's rows → a `Table` and its `Fact`s: keys, kinds, units and
footnotes resolved the same way for every table shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.models import Fact, Table, TableExtraction, content_hash
from ingest.numbers import ParsedNumber
from ingest.tables.assign import _Placed, _assign
from ingest.tables.cells import _Cell, _bare_label, _label_unit
from ingest.tables.headers import Column
from ingest.tables.keys import normalise_key
from ingest.tables.stream import _Ln
from ingest.tables.vocab import _GENERIC_LABELS, _GENERIC_TITLES, _PERIOD_RE


@dataclass
class _Row:
    """A row as the layout gives it, before column assignment."""

    label: str  # as printed, wrapped lines joined, mark stripped
    cells: list[_Cell]
    line: int
    mark: str | None = None
    group: str | None = None
    prefixes: tuple[str, ...] = ()
    scope: str | None = None
    unit: str | None = None  # BBV Eenheid
    year: int | None = None  # BBV peiljaar
    key_suffix: str = ""
    printed: list[str] | None = None  # the row as printed, when not label + cells


@dataclass
class _Builder:
    """Collects one table's rows and facts; ids and footnotes resolve at the end."""

    document_id: str
    title: str
    header: list[str]
    columns: list[Column]
    stream: list[_Ln]
    header_line: int
    unit: str | None = None
    rows: list[list[str]] = field(default_factory=list)
    facts: list[tuple[Fact, list[str]]] = field(default_factory=list)
    footnotes: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def measure_title(self) -> bool:
        """A title that names the measure (``Aantal huishoudens met een
        bijstandsuitkering``, ``% inwoners 18+``) heads breakdown rows."""
        key = normalise_key(self.title)
        return self.title.lstrip().startswith("%") or key.startswith("aantal ")

    def _needs_title(self, label: str) -> bool:
        """Breakdown rows (``Algemene bijstand``, ``Aantal gestart``) need the
        measure title in their key; a row that names its own measure
        (``% Meldingen …``, ``Aantal geregistreerde daklozen``) does not."""
        key = normalise_key(label.lstrip("- "))
        if key in _GENERIC_LABELS:
            return True
        if not self.measure_title:
            return False
        if label.lstrip("- ").startswith("%"):
            return False
        words = normalise_key(re.sub(r"\([^)]*\)", " ", label)).split()
        return not (words[:1] == ["aantal"] and len(words) >= 3)

    def add_group(self, label: str) -> None:
        self.rows.append([label])

    def key_for(self, row: _Row) -> str:
        label_key = normalise_key(row.label.lstrip("- "))
        parts: list[str] = []
        title_key = normalise_key(self.title)
        if title_key not in _GENERIC_TITLES and self._needs_title(row.label):
            parts.append(title_key)
        parts += [normalise_key(p) for p in row.prefixes]
        parts = [p for p in dict.fromkeys(parts) if p and f" {p} " not in f" {label_key} "]
        if label_key == "aantal" and parts and parts[0].startswith("aantal"):
            label_key = ""
        return " ".join(parts + [label_key, row.key_suffix]).strip()

    def add_row(self, row: _Row) -> None:
        self.rows.append(row.printed or [row.label + (row.mark or "")] + [c.text for c in row.cells])
        placed = _assign(row.cells, self.columns)
        if placed is None:
            self.notes.append(
                f"{self.title}: row '{row.label}' has {len(row.cells)} values for {len(self.columns)} columns"
            )
            return
        for item in placed:
            self._add_fact(row, item)

    def add_cell(self, row: _Row, cell: _Cell, column: Column) -> None:
        """A fact for a cell whose column the layout has already fixed."""
        self._add_fact(row, _Placed(cell, column))

    def _add_fact(self, row: _Row, item: _Placed) -> None:
        parsed = item.cell.parsed
        if parsed is None or parsed.value is None:
            return  # text or status cell: occupies a column, never a figure
        if parsed.uncertain:
            self.notes.append(
                f"{self.title}: row '{row.label}' cell '{item.cell.text}' has an irregular number form; not read"
            )
            return
        column = item.column
        candidates = item.candidates
        kind = _common_kind([column] if column else list(candidates))
        scope = row.scope or (column.scope if column else _common_scope(candidates))
        if row.scope and kind == "other":
            kind = "reference"
        year = row.year if row.year is not None else (column.year if column else None)
        candidate_years = _candidate_years(candidates)
        comparator = parsed.comparator or ("~" if parsed.approx else None)
        line = self.stream[item.cell.line]
        marks = [m for m in (row.mark, parsed.footnote) if m]
        fact = Fact(
            document_id=self.document_id,
            indicator=_bare_label(row.label),
            key=self.key_for(row),
            year=year,
            value=parsed.value,
            value_text=item.cell.text,
            kind=kind,
            unit=self._unit(row, parsed, column),
            comparator=comparator,
            scope=scope,
            table_title=self.title,
            section=self.stream[self.header_line].section,
            page=line.page,
            page_label=line.page_label,
            column=column.text if column else None,
            row_group=row.group,
            ambiguous=column is None,
            candidate_years=candidate_years if column is None else (),
        )
        self.facts.append((fact, marks))

    def _unit(self, row: _Row, parsed: ParsedNumber, column: Column | None) -> str | None:
        """Cell unit first, then the BBV Eenheid, the table's ``x € 1.000``,
        the row label, the column header, the title. A scaled cell
        (``€ 1,2 mln``) keeps its printed value 1.2, so the unit must say
        ``€ mln`` — a fact never carries a bare ``€`` for millions."""
        if parsed.scale != 1.0:
            scale = "mld" if parsed.scale == 1e9 else "mln"
            return f"{parsed.unit} {scale}" if parsed.unit else scale
        if row.unit:
            return row.unit
        if parsed.unit:
            return parsed.unit
        if self.unit:
            return self.unit
        for text in (row.label, *(row.prefixes[::-1]), column.text if column else "", self.title):
            if unit := _label_unit(text):
                return unit
        return None

    def finish(self, extraction: TableExtraction) -> None:
        if not self.rows:
            return
        table_id = content_hash(self.document_id, self.title, str(self.header), str(self.rows[:3]))
        head = self.stream[self.header_line]
        extraction.tables.append(
            Table(
                id=table_id,
                document_id=self.document_id,
                title=self.title,
                header=self.header,
                rows=self.rows,
                section=head.section,
                page=head.page,
                page_label=head.page_label,
            )
        )
        for fact, marks in self.facts:
            fact.table_id = table_id
            if marks:
                fact.footnote = " ".join(dict.fromkeys(self.footnotes.get(m, m) for m in marks))
            extraction.facts.append(fact)
        extraction.skipped.extend(self.notes)


def _candidate_years(columns: tuple[Column, ...]) -> tuple[int, ...]:
    """Every year an ambiguous value may be about; a period column
    (``2022-2023``) contributes both of its years, never just a neighbour's."""
    years: set[int] = set()
    for column in columns:
        if column.year is not None:
            years.add(column.year)
        elif column.period and (m := _PERIOD_RE.match(column.period)):
            years.update(range(int(m.group(1)), int(m.group(2)) + 1))
    return tuple(sorted(years))


def _common_kind(columns: list[Column]) -> str:
    kinds = {c.kind for c in columns}
    return kinds.pop() if len(kinds) == 1 else "other"


def _common_scope(columns: tuple[Column, ...]) -> str | None:
    scopes = {c.scope for c in columns}
    return scopes.pop() if len(scopes) == 1 else None

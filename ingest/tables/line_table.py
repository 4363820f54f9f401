"""Row-per-line tables (``label v1 v2 v3`` under ``Titel 2022 2023 2024``),
with the grouping rules that decide which rows share a prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.models import TableExtraction
from ingest.tables.bbv_table import _is_bbv_header
from ingest.tables.builder import _Builder, _Row, _common_kind
from ingest.tables.cells import _Cell, _split_label_mark, _trailing_run
from ingest.tables.footnotes import _collect_footnotes, _footnote_def
from ingest.tables.headers import (
    Column,
    _dated,
    _fill_difference_years,
    _looks_like_prose,
    _table_unit,
    parse_header_text,
)
from ingest.tables.keys import normalise_key
from ingest.tables.stream import _Ln
from ingest.tables.titles import _lookback_title, _unit_from_context
from ingest.tables.vocab import _END_RE, _FINANCIAL_GROUPS, _GENERIC_LABELS, _GENERIC_TITLES, _REFERENCE_WORDS


@dataclass
class _LineGroups:
    """Group rows in row-per-line tables.

    ``Welzijn op recept`` heads dashed sub-rows (``- Aantal verwijzingen``);
    ``Lasten``/``Baten`` head every row up to ``Totaal Lasten``; a dashed row
    after a plain row (``Nu niet zwanger`` → ``- waarvan Anticonceptie``)
    belongs to that row. A capitalised plain row after a dash group is
    top-level again, so no key is prefixed with a group it does not belong to.
    """

    stack: list[str] = field(default_factory=list)
    parent: str | None = None
    dash_seen: bool = False
    last_was_group: bool = False

    def group_line(self, label: str) -> None:
        if self.last_was_group:
            self.stack.append(label)
        else:
            self.stack = [label]
        self.parent, self.dash_seen, self.last_was_group = None, False, True

    def place(self, label: str) -> tuple[str | None, tuple[str, ...]]:
        """(row_group, key prefixes) for a row, updating the state."""
        self.last_was_group = False
        dashed = label.startswith("-")
        if dashed:
            self.dash_seen = True
            if self.parent:
                return self.parent, (self.parent,)
            if self.stack:
                return self.stack[-1], tuple(self.stack)
            return None, ()
        key = normalise_key(label)
        group_key = normalise_key(self.stack[-1]) if self.stack else ""
        financial = group_key in _FINANCIAL_GROUPS
        member = bool(self.stack) and not self.dash_seen and (
            financial or key in _GENERIC_LABELS or label[:1].islower() or key.startswith("totaal")
        )
        self.parent = label
        if not member:
            self.stack = []
            return None, ()
        group, prefixes = self.stack[-1], tuple(self.stack)
        if key.startswith("totaal") or key.startswith("saldo"):
            self.stack = []
        return group, prefixes


def _line_header(text: str) -> tuple[str, list[Column]] | None:
    stripped = text.strip()
    if not stripped or len(stripped) > 200:
        return None
    parsed = parse_header_text(stripped)
    if parsed is None:
        return None
    prefix, columns = parsed
    if _dated(columns) < 2 or _looks_like_prose(prefix) or prefix.endswith((".", ":")):
        return None
    return prefix, _fill_difference_years(columns)


def _parse_line_table(
    document_id: str, stream: list[_Ln], i: int, prefix: str, columns: list[Column], ex: TableExtraction
) -> int:
    """Row-per-line table: ``label v1 v2 …`` rows until a blank line, a new
    header, prose or the footnotes below the table."""
    title = prefix
    if normalise_key(prefix) in _GENERIC_TITLES:
        title = _lookback_title(stream, i) or prefix
    title, unit = _table_unit(title)
    unit = unit or _unit_from_context(stream, i)
    builder = _Builder(document_id, title, [prefix] + [c.text for c in columns], columns, stream, i, unit)
    groups = _LineGroups()
    trailing: list[int] = []  # group lines not (yet) followed by a row
    j = i + 1
    while j < len(stream):
        text = stream[j].text.strip()
        if not text or _END_RE.match(text) or _line_header(text) or _is_bbv_header(text):
            break
        if _footnote_def(text):
            trailing = []
            j = _collect_footnotes(stream, j, builder)
            break
        label, run = _trailing_run(text)
        if not run:
            if _looks_like_prose(text):
                break
            groups.group_line(text)
            builder.add_group(text)
            trailing.append(j)
            j += 1
            continue
        trailing = []
        if not label:
            builder.notes.append(f"{title}: values without a row label: '{text}'")
            builder.rows.append([""] + [t for t, _ in run])
            j += 1
            continue
        label, mark = _split_label_mark(label)
        group, prefixes = groups.place(label)
        cells = [_Cell(t, p, j) for t, p in run]
        scope = "Nederland" if _REFERENCE_WORDS.search(label) and _common_kind(columns) == "other" else None
        builder.add_row(_Row(label, cells, j, mark, group, prefixes, scope=scope))
        j += 1
    if trailing:
        # "Onderwijs" after the last row heads what follows, not this table
        del builder.rows[-len(trailing) :]
        j = trailing[0]
    builder.finish(ex)
    return j

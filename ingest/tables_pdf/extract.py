"""All captioned tables of one PDF, as `Table`s and per-cell `Fact`s.

A table whose header cannot be lined up with its figures is skipped, with
the reason in ``TableExtraction.skipped``.
"""

from __future__ import annotations

from collections.abc import Callable

from ingest.models import Fact, PdfPage, Table, TableExtraction, content_hash
from ingest.tables_pdf.columns import _check_header, _columns, _place_for_display
from ingest.tables_pdf.facts import _FactBase, _fact, _footnote_texts
from ingest.tables_pdf.header import _has_trailing_text, _label_col, _split_header, _text_columns
from ingest.tables_pdf.regions import _budget_year, _document_lines, _find_regions, _split_subtables
from ingest.tables_pdf.rows import _assemble_rows
from ingest.tables_pdf.scan import _scan
from ingest.tables_pdf.shapes import _Region, _Skip
from ingest.tables_pdf.vocab import _FINANCIAL


def extract_pdf_tables(
    document_id: str, pages: list[PdfPage], section_at: Callable[[int], str]
) -> TableExtraction:
    """All captioned tables of one PDF, as whole `Table`s and per-cell `Fact`s.

    Only tables with a caption ("Tabel 6.1 - …") are read: free-standing
    figures in notes or prose have no header to say what year or kind they
    are, and a fact without that is worse than no fact.
    """
    out = TableExtraction()
    lines = _document_lines(pages)
    budget_year = _budget_year(pages)
    for region in _find_regions(lines):
        for part in _split_subtables(region):
            try:
                table, facts, notes = _parse_region(document_id, part, section_at, budget_year)
            except _Skip as why:
                out.skipped.append(f"{part.where} ({part.title}): {why}")
                continue
            out.tables.append(table)
            out.facts.extend(facts)
            out.skipped.extend(notes)
    return out


def _parse_region(
    document_id: str, region: _Region, section_at: Callable[[int], str], budget_year: int | None
) -> tuple[Table, list[Fact], list[str]]:
    header_lines, body = _split_header(region)
    if not any(_scan(ln.text).cells for ln in body):
        raise _Skip("no rows ending in figures (no figures, or text printed right of them)")
    financial = any(_FINANCIAL.search(ln.text) for ln in [region.caption, *header_lines]) or bool(
        _FINANCIAL.search(region.title)
    )
    text_cols = _text_columns(header_lines, body)
    if _has_trailing_text(body):
        raise _Skip("text column to the right of the figures; cells cannot be told apart")
    rows = _assemble_rows(body, text_cols)
    rows = [r for r in rows if r.cells or r.text(_label_col(text_cols))]
    value_rows = [r for r in rows if any(c.number is not None for c in r.cells)]
    if not value_rows:
        raise _Skip("no rows ending in figures (no figures, or text printed right of them)")
    columns = _columns(header_lines, value_rows)
    n_cols = len(columns)
    short = [r for r in value_rows if len(r.cells) < n_cols]
    if len(short) * 2 > len(value_rows):
        raise _Skip(
            f"{len(short)} of {len(value_rows)} rows have fewer figures than the {n_cols} columns; "
            "positions too uncertain to place them"
        )
    per_cell_years = all(c.year is not None for r in value_rows for c in r.cells if c.number is not None)
    if not per_cell_years and not any(col.years for col in columns):
        raise _Skip("no year in the column headers or cells")
    _check_header(columns, per_cell_years)
    blind = [i + 1 for i, c in enumerate(columns) if not c.years and not c.kinds and not c.scope]
    if blind and not per_cell_years:
        raise _Skip(f"value column(s) {blind} have no year or kind in the header")

    title = f"{region.ref} - {region.title}" if region.title else region.ref
    table_id = content_hash(document_id, title, str(region.caption.page))
    footnotes = _footnote_texts(region.footnotes)
    facts: list[Fact] = []
    notes: list[str] = []
    label_col = _label_col(text_cols)
    unit_col = next((i for i, c in enumerate(text_cols) if c.role == "unit"), None)
    id_cols = [i for i, c in enumerate(text_cols) if c.role == "id"]
    section = section_at(region.caption.page)
    table_rows: list[list[str]] = []
    for row in rows:
        label = row.text(label_col)
        printed_cells = _place_for_display(row.cells, columns)
        table_rows.append([row.text(i) for i in range(len(text_cols))] + printed_cells)
        numbers = [c for c in row.cells if c.number is not None or c.year is not None]
        if not any(c.number is not None and c.number.value is not None for c in numbers):
            continue
        if len(numbers) > n_cols:
            notes.append(f"{region.where} ({region.title}): row '{label}': {len(numbers)} figures for {n_cols} columns; not read")
            continue
        row_unit = row.text(unit_col) if unit_col is not None else None
        group = row.group or next((f"{text_cols[i].name} {row.text(i)}" for i in id_cols[:1] if row.text(i)), None)
        base = _FactBase(
            document_id=document_id,
            label=label,
            table_title=title,
            table_id=table_id,
            section=section_at(row.page) if row.page != region.caption.page else section,
            page=row.page,
            page_label=row.page_label,
            row_unit=row_unit or None,
            financial=financial,
            group=group,
            subject=region.title,
            footnotes=footnotes,
            budget_year=budget_year,
        )
        if len(numbers) == n_cols:
            for cell, col in zip(numbers, columns):
                fact = _fact(base, cell, col, [col])
                if fact:
                    facts.append(fact)
        else:
            for cell in numbers:
                fact = _fact(base, cell, None, columns)
                if fact:
                    facts.append(fact)
    header = [c.name for c in text_cols] + [c.label for c in columns]
    table = Table(
        id=table_id,
        document_id=document_id,
        title=title,
        header=header,
        rows=table_rows,
        section=section,
        page=region.caption.page,
        page_label=region.caption.page_label,
    )
    return table, facts, notes

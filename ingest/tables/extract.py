"""The entry point: walk the stream, try each table shape at each line, then
report what was left over.
"""

from __future__ import annotations

from ingest.models import Section, TableExtraction
from ingest.tables.bbv_table import _is_bbv_header, _parse_bbv_table
from ingest.tables.block_table import _parse_block_table
from ingest.tables.blocks import _block_header
from ingest.tables.cells import _trailing_run
from ingest.tables.line_table import _line_header, _parse_line_table
from ingest.tables.orphans import _report_orphans
from ingest.tables.paired_table import _parse_paired_table
from ingest.tables.stream import _Ln, _flatten
from ingest.tables.titles import _lookback_title
from ingest.tables.vocab import _DATE_RE


def _try_table(document_id: str, stream: list[_Ln], i: int, ex: TableExtraction) -> int | None:
    """Parse a table whose header starts at line i; the index after it, or None."""
    text = stream[i].text.strip()
    if not text:
        return None
    next_blank = i + 1 >= len(stream) or stream[i + 1].blank
    if _is_bbv_header(text) and not next_blank:
        return _parse_bbv_table(document_id, stream, i, ex)
    header = _line_header(text)
    if header is not None and not next_blank:
        prefix, columns = header
        if any(_DATE_RE.match(c.text) for c in columns) and not _trailing_run(stream[i + 1].text)[1]:
            title = prefix or _lookback_title(stream, i) or "Tabel"
            return _parse_paired_table(document_id, stream, i, title, columns, ex)
        return _parse_line_table(document_id, stream, i, prefix, columns, ex)
    if i == 0 or stream[i - 1].blank:
        block_header = _block_header(stream, i)
        if block_header is not None:
            return _parse_block_table(document_id, stream, block_header, ex)
    return None


def extract_tables(document_id: str, sections: list[Section]) -> TableExtraction:
    """All tables in a document's sections, read as one stream of lines.

    Each fact's ``section`` is the section where its table header stands,
    its page/page_label those of the line its value stands on.
    """
    stream = _flatten(sections)
    extraction = TableExtraction()
    consumed = [False] * len(stream)
    i = 0
    while i < len(stream):
        end = _try_table(document_id, stream, i, extraction)
        if end is not None and end > i:
            for k in range(i, end):
                consumed[k] = True
            i = end
        else:
            i += 1
    _report_orphans(stream, consumed, extraction)
    return extraction

"""Tables and facts from PDF pages, read from pypdf's layout text.

Municipal budgets (Word → PDF) print their figures in a few table families:
the mandatory *beleidsindicatoren* (a year in every cell, a Wassenaar and a
Nederland column), a programme's own *effectindicatoren* (a baseline plus
targets per year) and financial tables ("bedragen x € 1.000", one column per
year, sometimes grouped as baten/lasten/saldo per year). pypdf's layout mode
keeps a row on one text line and keeps the columns in their order, but the
character positions drift by up to ~10 columns and header words that do not
fit their cell are pushed along. So this module trusts *order* and *counts*
far more than positions:

* a row's figures are the trailing run of figure tokens on its line;
* a row with as many figures as the table has value columns is assigned in
  order; a row with fewer is emitted ``ambiguous`` with ``candidate_years``,
  never placed by guesswork;
* header years and kind words are assigned to columns by order when a header
  line has one per column, and by an order-preserving best fit otherwise;
* a table whose header cannot be lined up with its figures is skipped, with
  the reason in ``TableExtraction.skipped``.

Numbers are sacred: nothing here ever attributes a value to a year, scope or
indicator that the layout does not clearly give it.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.models import Fact, PdfPage, Table, TableExtraction, content_hash
from ingest.numbers import ParsedNumber, find_numbers
from ingest.tables import normalise_key

__all__ = ["extract_pdf_tables"]

# --------------------------------------------------------------------------
# Patterns
# --------------------------------------------------------------------------

_CAPTION = re.compile(r"^\s*(Tabel\s+\d+(?:\.\d+)*(?:\.[A-Z])?)\b\s*[-–:]?\s*(.*)$")
_FOOTER = re.compile(r"^\s*(?:pagina\s+\d+(?:\s+van\s+\d+)?|\d{1,4})\s*$", re.I)
_YEAR_ANNOTATION = re.compile(r"\(\s*((?:19|20)\d{2})\s*\)")
_YEAR_TOKEN = re.compile(r"^\(?((?:19|20)\d{2})\)?[:;,.)]*$")
_UNIT_SUFFIX = re.compile(r"(?<=\d)(\s?)(kg|ton|km|ha|fte)\b", re.I)
_SCALE_PHRASE = re.compile(r"\(?\s*(?:bedragen\s+)?x\s*€\s*1\.000(?:,-)?\s*\)?", re.I)
_FINANCIAL = re.compile(r"(?:bedragen\s+)?x\s*€\s*1\.000", re.I)
_BIG_GAP = re.compile(r"\S\s{3,}\S")
_GAP_SPLIT = re.compile(r"\S+(?: \S+)*")
_FOOTNOTE_LINE = re.compile(r"^\s*(\*{1,4}|\d\))\s*\S")
_TRAILING_MARK = re.compile(r"\s*(\*{1,4})$")
_PER_UNIT = re.compile(r"\(?\bper\s+[\d.]+\s+[A-Za-zÀ-ÿ]+\.?\)?", re.I)
_BUDGET_TITLE = re.compile(r"\b(?:programma)?begroting\s+((?:19|20)\d{2})\b", re.I)

# Words that say what a value column holds. Kinds of the Fact model.
_KIND_WORDS: dict[str, str] = {
    "realisatie": "realised",
    "rekening": "realised",
    "jaarrekening": "realised",
    "werkelijk": "realised",
    "verslag": "realised",
    "peilwaarde": "realised",
    "cijfer": "realised",
    "streefwaarde": "target",
    "streefwaarden": "target",
    "doel": "target",
    "doelstelling": "target",
    "beoogd": "target",
    "norm": "target",
    "begroting": "budget",
    "begroot": "budget",
    "begr": "budget",
    "raming": "budget",
    "meerjarenraming": "budget",
    "primitief": "budget",
    "primitieve": "budget",
    "verschil": "difference",
    "mutatie": "difference",
    "afwijking": "difference",
    "vergelijkingscijfer": "reference",
}
# A column stacked from several kind words takes the most specific one:
# "Streefwaarde / Begroting 2025" is a target set in the budget.
_KIND_PRIORITY = ["difference", "target", "reference", "realised", "budget"]
# Kind words that cannot share one column; used to place header words.
_INCOMPATIBLE = {
    frozenset({"realised", "target"}),
    frozenset({"realised", "budget"}),
    frozenset({"difference", "target"}),
}
_MEASURES = {"baten": "Baten", "lasten": "Lasten", "saldo": "Saldo"}
_REFERENCE_SCOPES = {"nederland": "Nederland", "landelijk": "Nederland", "nl": "Nederland"}
# Header words naming a text column left of the figures.
_TEXT_ROLES = {
    "progr": "id",
    "progr.": "id",
    "nr": "id",
    "nr.": "id",
    "eenheid": "unit",
    "bron": "source",
}
_HEADER_WORDS = set(_KIND_WORDS) | set(_MEASURES) | set(_TEXT_ROLES) | {
    "(jaartal)", "jaartal", "indicator", "effectindicator", "omschrijving", "tarief",
    "bedragen", "peiljaar", "(peiljaar)", "kengetallen", "kengetallen:", "totaal",
}
_DATE_CONTEXT = {
    "t/m", "tm", "tot", "per", "peildatum", "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december", "t.o.v.", "tov", "sinds",
}
# Row labels that say nothing on their own ("Totaal lasten"): their key is
# prefixed with the table's subject so two tables' totals never collide.
_GENERIC_WORDS = {
    "totaal", "subtotaal", "sub", "lasten", "baten", "saldo", "van", "en", "mutaties", "mutatie",
    "reserves", "reserve", "onttrekking", "onttrekkingen", "toevoeging", "toevoegingen", "aan",
    "geraamde", "geraamd", "resultaat", "overig", "overige", "netto", "bruto", "per", "programma",
    "programmas", "begrotingssaldo", "af", "de", "het", "na",
}
_CONNECTORS = {
    "met", "van", "en", "de", "het", "een", "per", "voor", "tot", "op", "in", "aan", "uit", "of", "t/m",
    "dan", "bij", "maar", "naar", "over", "als", "om", "door",
}

_MIN_PROSE = 60  # a gapless line this long is running text, not a table row


# --------------------------------------------------------------------------
# Data shapes
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """One layout line with the page it stands on."""

    page: int
    page_label: str | None
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass
class _Cell:
    """One figure cell: the number, the year printed in it, where it stands."""

    start: int
    end: int
    text: str  # as printed, including "(2023)" and unit suffix
    value_text: str  # the figure itself as printed ("-39.524", "2,8 %", "205 kg")
    number: ParsedNumber | None  # None for a lone "(2022)" fragment
    year: int | None = None
    unit: str | None = None
    extra: list[str] = field(default_factory=list)  # wrapped text below/above the cell

    @property
    def centre(self) -> float:
        return (self.start + self.end) / 2


@dataclass
class _Scan:
    """A line split into its label part and its trailing figure cells."""

    label_end: int
    cells: list[_Cell]

    @property
    def is_year_line(self) -> bool:
        """A line of bare years is a header, not a row of figures."""
        return len(self.cells) >= 2 and all(_is_bare_year(c) for c in self.cells)


@dataclass
class _Segment:
    start: int
    end: int
    text: str

    @property
    def centre(self) -> float:
        return (self.start + self.end) / 2


@dataclass
class _Row:
    """A table row assembled from its value line and wrapped text lines."""

    texts: dict[int, list[str]]  # text column index -> printed pieces, top to bottom
    cells: list[_Cell]
    page: int
    page_label: str | None
    group: str | None = None
    closed: bool = False  # a blank line or a new row came after it

    def text(self, col: int) -> str:
        return _join_wrapped(self.texts.get(col, []))


@dataclass
class _TextColumn:
    name: str
    role: str  # label | id | unit | source
    start: int
    end: int


@dataclass
class _Column:
    """A value column: what its header says about the figures below it."""

    centre: float
    kinds: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    words: list[tuple[int, int, str]] = field(default_factory=list)  # (line, x, word)
    measure: str | None = None
    scope: str | None = None

    @property
    def kind(self) -> str | None:
        for k in _KIND_PRIORITY:
            if k in self.kinds:
                return k
        return None

    @property
    def label(self) -> str:
        return " ".join(w for _, _, w in sorted(self.words))


@dataclass
class _Region:
    """The lines of one table from its caption to its end, across pages."""

    ref: str  # "Tabel 6.1"
    title: str  # caption as printed, without the table number
    caption: _Line
    lines: list[_Line]
    footnotes: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"p. {self.caption.page} {self.ref}"


class _Skip(Exception):
    """A table that cannot be read reliably; the message says why."""


# --------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Lines and regions
# --------------------------------------------------------------------------


def _document_lines(pages: list[PdfPage]) -> list[list[_Line]]:
    """Layout lines per page, without the printed page number at the foot,
    so a table running over a page break reads as one run of lines."""
    out: list[list[_Line]] = []
    for page in sorted(pages, key=lambda p: p.number):
        raw = page.layout.splitlines()
        idx = [i for i, t in enumerate(raw) if t.strip()]
        if idx and _FOOTER.match(raw[idx[-1]]):
            raw = raw[: idx[-1]]
        out.append([_Line(page.number, page.label, t.rstrip()) for t in raw])
    return out


def _budget_year(pages: list[PdfPage]) -> int | None:
    """The year of a budget ("Begroting 2025") from its first pages.

    Only used to call year columns without a kind word in a financial table
    of a budget 'budget' figures when they lie in or after that year.
    """
    for page in sorted(pages, key=lambda p: p.number)[:3]:
        m = _BUDGET_TITLE.search(page.text)
        if m:
            return int(m.group(1))
    return None


def _is_prose(text: str) -> bool:
    s = text.strip()
    return len(s) >= _MIN_PROSE and not _BIG_GAP.search(s) and not _scan(text).cells


def _find_regions(pages: list[list[_Line]]) -> list[_Region]:
    """Caption-to-end line runs; a table that reaches the foot of a page
    goes on on the next page when that page starts with its repeated header
    or with more rows."""
    regions: list[_Region] = []
    flat: list[tuple[int, int]] = [(p, i) for p, lines in enumerate(pages) for i in range(len(lines))]
    pos = {key: n for n, key in enumerate(flat)}
    n = 0
    while n < len(flat):
        p, i = flat[n]
        line = pages[p][i]
        m = _CAPTION.match(line.text)
        if not m:
            n += 1
            continue
        title = re.split(r"\s{3,}", m.group(2).strip())[0]
        region = _Region(ref=re.sub(r"\s+", " ", m.group(1)), title=title, caption=line, lines=[])
        end = _collect_region(pages, p, i, region)
        regions.append(region)
        n = pos.get(end, len(flat)) if end is not None else len(flat)
    return regions


def _collect_region(pages: list[list[_Line]], p: int, i: int, region: _Region) -> tuple[int, int] | None:
    """Fill `region.lines`; return where scanning should resume."""
    seen_values = False
    blanks = 0
    head_keys: set[str] = set()
    counts: Counter[int] = Counter()
    page = p
    idx = i + 1
    while page < len(pages):
        lines = pages[page]
        while idx < len(lines):
            line = lines[idx]
            text = line.text
            if _CAPTION.match(text):
                return (page, idx)
            if line.blank:
                blanks += 1
                region.lines.append(line)
                if seen_values and blanks >= 3 and not _resumes(lines[idx + 1 :], counts):
                    return (page, idx)
                idx += 1
                continue
            blanks = 0
            if _is_prose(text):
                return (page, idx)
            if seen_values and _FOOTNOTE_LINE.match(text) and not _scan(text).cells:
                while idx < len(lines) and _FOOTNOTE_LINE.match(lines[idx].text):
                    region.footnotes.append(lines[idx].text.strip())
                    idx += 1
                return (page, idx)
            scan = _scan(text)
            if scan.cells and not scan.is_year_line:
                seen_values = True
                counts[len(scan.cells)] += 1
            elif not seen_values:
                head_keys.add(_squash(text))
            region.lines.append(line)
            idx += 1
        # the foot of the page: does the table go on overleaf? (the blank
        # lines above the footer are no gap between rows)
        while region.lines and region.lines[-1].blank:
            region.lines.pop()
        page += 1
        if page >= len(pages) or not _continues(pages[page], head_keys, seen_values):
            return (page, 0) if page < len(pages) else None
        idx = 0
        blanks = 0
    return None


def _resumes(rest: list[_Line], counts: Counter[int]) -> bool:
    """After a wide vertical gap the table goes on only if what follows on
    the page is a row with the usual number of figures (some exports space
    rows far apart); anything else ends it."""
    nxt = next((ln for ln in rest if not ln.blank), None)
    if nxt is None:
        return True  # the foot of the page: the page-break check decides
    if _is_prose(nxt.text) or _CAPTION.match(nxt.text) or not counts:
        return False
    scan = _scan(nxt.text)
    usual = counts.most_common(1)[0][0]
    return len(scan.cells) == usual and not scan.is_year_line


def _continues(lines: list[_Line], head_keys: set[str], seen_values: bool) -> bool:
    """A page continues the table when it opens with the table's header
    repeated, or with a row or a wrapped label piece (lower case)."""
    first = next((ln for ln in lines if not ln.blank), None)
    if first is None or not seen_values:
        return False
    if _CAPTION.match(first.text):
        return False
    if _squash(first.text) in head_keys:
        return True
    kinds = _kind_sequence(first.text)
    if len(kinds) >= 2 and kinds in {_kind_sequence(k) for k in head_keys}:
        return True  # the same column heads under a new sub-title ("Programma: P3 …")
    scan = _scan(first.text)
    if scan.cells and not scan.is_year_line and not _is_prose(first.text):
        return True
    stripped = first.text.strip()
    return bool(stripped) and (stripped[0].islower() or stripped[0] == "(") and not _is_prose(first.text)


def _kind_sequence(text: str) -> tuple[str, ...]:
    return tuple(
        w.lower().strip(".:,") for w in text.split() if w.lower().strip(".:,") in _KIND_WORDS or _YEAR_TOKEN.match(w)
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _split_subtables(region: _Region) -> list[_Region]:
    """A caption may cover several tables, each with its own year header
    ("Meerjarenbeeld mutaties reserves per programma"); read them apart so
    no row is read under the wrong header."""
    parts: list[_Region] = []
    current = _Region(region.ref, region.title, region.caption, [], [])
    seen_values = False
    head_keys: set[str] = set()
    for n, line in enumerate(region.lines):
        scan = _scan(line.text)
        if not seen_values and not line.blank:
            head_keys.add(_squash(line.text))
        elif not line.blank and _squash(line.text) in head_keys:
            continue  # the header repeated over a page break
        header_like = scan.is_year_line or _has_repeated_kind_header(line.text)
        if header_like and seen_values:
            # pending text lines just above the new header name the sub-table
            tail: list[_Line] = []
            while current.lines and not _scan(current.lines[-1].text).cells:
                tail.insert(0, current.lines.pop())
            parts.append(current)
            sub = " ".join(t.text.strip() for t in tail if not t.blank and not _header_words_only(t.text))
            sub = sub or _header_prefix(line.text)
            title = f"{region.title} – {sub}" if sub else f"{region.title} (vervolg)"
            current = _Region(region.ref, title, line, [t for t in tail if _header_words_only(t.text)], [])
            seen_values = False
        if scan.cells and not scan.is_year_line:
            seen_values = True
        current.lines.append(line)
    current.footnotes = list(region.footnotes)
    parts.append(current)
    if len(parts) > 1:
        first = parts[0]
        head = next((ln for ln in first.lines if _has_repeated_kind_header(ln.text)), None)
        sub = _header_prefix(head.text) if head is not None else ""
        if sub:
            first.title = f"{region.title} – {sub}"
    return parts


def _header_prefix(text: str) -> str:
    """"Programma: P2 Mens en maatschappij" before the kind words of a
    repeated sub-header names the sub-table."""
    words = text.split()
    out: list[str] = []
    for w in words:
        if w.lower().strip(".:,") in _KIND_WORDS or _YEAR_TOKEN.match(w):
            break
        out.append(w)
    prefix = " ".join(out).strip(" :")
    if not prefix or all(w.lower().strip(".:,'") in _HEADER_WORDS for w in prefix.split()):
        return ""
    return prefix


def _has_repeated_kind_header(text: str) -> bool:
    words = [w.lower().strip(".:") for w in text.split()]
    return sum(1 for w in words if w in _KIND_WORDS) >= 2 and not _scan(text).cells


def _header_words_only(text: str) -> bool:
    words = [w.lower() for w in text.split()]
    return bool(words) and all(w.strip(".:,") in _HEADER_WORDS or _YEAR_TOKEN.match(w) for w in words)


# --------------------------------------------------------------------------
# One line: label and figure cells
# --------------------------------------------------------------------------


def _is_bare_year(cell: _Cell) -> bool:
    n = cell.number
    return (
        n is not None
        and n.value is not None
        and re.fullmatch(r"(?:19|20)\d{2}[:;,]?", cell.value_text.strip()) is not None
        and cell.year is None
    )


def _scan(text: str) -> _Scan:
    """Split a line into its label and its trailing run of figure cells.

    "(2023)" after a figure is the year the figure is about, not a negative
    number; it is masked before the figures are read and then attached to
    the figure it follows. "x € 1.000" in a header is a scale, not a figure.
    """
    masked = text
    years: list[tuple[int, int, int]] = []
    for m in _YEAR_ANNOTATION.finditer(text):
        years.append((m.start(), m.end(), int(m.group(1))))
    for m in _SCALE_PHRASE.finditer(text):
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end() :]
    for s, e, _ in years:
        masked = masked[:s] + " " * (e - s) + masked[e:]
    units: dict[int, tuple[int, str]] = {}
    for m in _UNIT_SUFFIX.finditer(masked):
        units[m.start()] = (m.end(), m.group(2))
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end() :]

    found = find_numbers(masked)
    run: list[tuple[int, int, ParsedNumber]] = []
    limit = len(masked)
    for start, end, parsed in reversed(found):
        unit_end = units.get(end, (end, None))[0]
        if masked[unit_end:limit].strip():
            break
        if start > 0 and not masked[start - 1].isspace():
            break
        run.insert(0, (start, end, parsed))
        limit = start
    # "Kadernota 2025   1.512 …", "… van maximaal 3%": a figure one space
    # after the label words is part of the label (layout puts two or more
    # spaces between cells)
    while run and run[0][0] >= 2 and masked[run[0][0] - 1] == " " and not masked[run[0][0] - 2].isspace():
        run.pop(0)
    cells: list[_Cell] = []
    for start, end, parsed in run:
        unit_end, unit = units.get(end, (end, None))
        cells.append(
            _Cell(start, unit_end, text[start:unit_end], text[start:unit_end].strip(), parsed, unit=unit)
        )
    label_end = cells[0].start if cells else len(text)
    # attach "(2023)" to the figure just before it; a lone one is a fragment
    for s, e, year in years:
        if s < label_end and not (cells and _only_space(masked[e:label_end])):
            continue  # inside the label ("Woonvisie (2030)")
        owner = None
        for cell in cells:
            if cell.end <= s and _only_space(masked[cell.end : s]):
                owner = cell
        if owner is not None and owner.year is None:
            owner.year = year
            owner.end = e
            owner.text = text[owner.start : e]
        elif owner is None and s >= label_end - 1 or (cells and e <= cells[0].start):
            cells.append(_Cell(s, e, text[s:e], "", None, year=year))
    cells.sort(key=lambda c: c.start)
    label_end = min([label_end] + [c.start for c in cells]) if cells else len(text)
    if len(cells) == 1 and _is_bare_year(cells[0]) and text[:label_end].strip():
        return _Scan(len(text), [])  # "Toelichting begroot 2025" is a heading
    return _Scan(label_end, cells)


def _only_space(text: str) -> bool:
    return not text.strip()


def _segments(text: str, start: int = 0, end: int | None = None) -> list[_Segment]:
    """Pieces of a line separated by two or more spaces: one cell each."""
    part = text[start:end] if end is not None else text[start:]
    return [_Segment(start + m.start(), start + m.end(), m.group(0)) for m in _GAP_SPLIT.finditer(part)]


# --------------------------------------------------------------------------
# One region: header, rows, columns, facts
# --------------------------------------------------------------------------


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


def _split_header(region: _Region) -> tuple[list[_Line], list[_Line]]:
    """Header lines run up to the first row of figures; text lines after the
    last header word belong to the first row's label. A header repeated on
    a following page is dropped from the body."""
    caption_rest = _caption_remainder(region.caption.text)
    lines = [ln for ln in region.lines]
    first_value = next(
        (n for n, ln in enumerate(lines) if (s := _scan(ln.text)).cells and not s.is_year_line and _value_cells(s)),
        len(lines),
    )
    head = lines[:first_value]
    last_head = -1
    for n, ln in enumerate(head):
        if _looks_like_header(ln.text):
            last_head = n
    header = [ln for ln in head[: last_head + 1] if not ln.blank]
    if caption_rest is not None:
        header.insert(0, _Line(region.caption.page, region.caption.page_label, caption_rest))
    keys = {_squash(ln.text) for ln in header}
    body = [ln for ln in head[last_head + 1 :]] + [
        ln for ln in lines[first_value:] if ln.blank or _squash(ln.text) not in keys
    ]
    return header, body


def _value_cells(scan: _Scan) -> bool:
    return any(c.number is not None for c in scan.cells)


def _caption_remainder(text: str) -> str | None:
    """Header text printed on the caption line itself ("… 2025 2026 2027"),
    with the caption blanked out so positions stay where they are."""
    m = _CAPTION.match(text)
    if not m:
        return None
    parts = list(re.finditer(r"\S+(?:\s{1,2}\S+)*", text))
    if len(parts) < 2:
        return None
    first = parts[0]
    rest = " " * first.end() + text[first.end() :]
    return rest if rest.strip() else None


def _looks_like_header(text: str) -> bool:
    words = [w.lower() for w in text.split()]
    if not words:
        return False
    if _FINANCIAL.search(text):
        return True
    hits = sum(
        1 for w in words if w.strip(".:,()") in _HEADER_WORDS or w in _HEADER_WORDS or _YEAR_TOKEN.match(w)
    )
    return hits >= 1 and hits * 3 >= len(words)


def _text_columns(header: list[_Line], body: list[_Line]) -> list[_TextColumn]:
    """Columns of text left of the figures (Progr. | Nr. | Naam Indicator |
    Eenheid | Bron), from the header line that names most of them. Tables
    without such a line have a single label column."""
    best: list[_TextColumn] = []
    for ln in header:
        segs = [s for s in _segments(ln.text) if not _is_value_header(s.text)]
        roles = [_text_role(s.text) for s in segs]
        if sum(1 for r in roles if r != "label") == 0:
            continue
        cols = [_TextColumn(s.text, r, s.start, s.end) for s, r in zip(segs, roles)]
        if len(cols) > len(best):
            best = cols
    if not best:
        return [_TextColumn("", "label", 0, 0)]
    # exactly one label column: the first one that is not id/unit/source
    seen_label = False
    for col in best:
        if col.role == "label":
            if seen_label:
                col.role = "other"
            seen_label = True
    if not seen_label:
        best.insert(0, _TextColumn("", "label", 0, 0))
    return best


def _is_value_header(text: str) -> bool:
    words = [w.lower().strip(".:,()") for w in text.split()]
    return any(w in _KIND_WORDS or w in _REFERENCE_SCOPES or w in _MEASURES for w in words) or any(
        _YEAR_TOKEN.match(w) for w in text.split()
    ) or text.strip().lower() in {"(jaartal)", "wassenaar"} or _is_scope_word(text)


def _is_scope_word(text: str) -> bool:
    """A capitalised place name heading a value column next to 'Nederland'."""
    t = text.strip()
    return bool(re.fullmatch(r"[A-Z][a-zà-ÿ]+(?:[- ][A-Z][a-zà-ÿ]+)*", t)) and t.lower() not in _HEADER_WORDS and t.lower() not in _TEXT_ROLES and len(t.split()) == 1 and t.lower() not in {"naam"}


def _text_role(text: str) -> str:
    first = text.split()[0].lower()
    return _TEXT_ROLES.get(first, _TEXT_ROLES.get(first.strip(".:"), "label"))


def _label_col(text_cols: list[_TextColumn]) -> int:
    return next(i for i, c in enumerate(text_cols) if c.role == "label")


def _has_trailing_text(body: list[_Line]) -> bool:
    """Rows like "Wegen  1.818  2.000  Herstelwerkzaamheden asfalt": the
    figures are not the end of the line, so the trailing-run reading would
    find none or the wrong ones."""
    hits = 0
    rows = 0
    for ln in body:
        if ln.blank:
            continue
        found = [f for f in find_numbers(ln.text) if f[2].value is not None]
        if len(found) >= 2:
            rows += 1
            last_end = found[-1][1]
            tail = ln.text[last_end:].strip()
            if tail and not _YEAR_ANNOTATION.fullmatch(tail) and re.search(r"[A-Za-z]{4,}", tail) and not _scan(ln.text).cells:
                hits += 1
    return rows > 0 and hits * 2 >= rows


_ID_LIKE = re.compile(r"^[A-Z]?\d{1,3}(?:\.\d{1,3})*[.)]?$")


def _assign_text(text: str, end: int, text_cols: list[_TextColumn]) -> dict[int, str]:
    """Put the text pieces left of the figures into their text columns.

    Header and rows are shifted against each other, so pieces go by order:
    the order-keeping placement nearest to the header words, where an id
    column (Progr., Nr.) only takes a number. Pieces that cannot be placed
    that way fall back to the midpoints between the header words.
    """
    segs = _segments(text, 0, end)
    if len(text_cols) == 1:
        joined = " ".join(s.text for s in segs)
        return {0: joined} if joined else {}
    out: dict[int, list[str]] = {}
    centres = [(c.start + c.end) / 2 for c in text_cols]
    best: tuple[float, tuple[int, ...]] | None = None
    if len(segs) <= len(text_cols):
        for combo in itertools.combinations(range(len(text_cols)), len(segs)):
            if any(text_cols[i].role == "id" and not _ID_LIKE.match(seg.text) for seg, i in zip(segs, combo)):
                continue
            cost = sum(abs(seg.centre - centres[i]) for seg, i in zip(segs, combo))
            if best is None or cost < best[0]:
                best = (cost, combo)
    if best is not None:
        for seg, i in zip(segs, best[1]):
            out.setdefault(i, []).append(seg.text)
    else:
        bounds = [(text_cols[i].end + text_cols[i + 1].start) / 2 for i in range(len(text_cols) - 1)]
        for seg in segs:
            idx = sum(1 for b in bounds if seg.centre > b)
            out.setdefault(idx, []).append(seg.text)
    return {k: " ".join(v) for k, v in out.items()}


def _join_wrapped(pieces: list[str]) -> str:
    """Join a label's wrapped lines; "re-" + "integratie" keeps its hyphen."""
    text = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if text.endswith("-") and piece[:1].islower():
            text += piece
        elif text:
            text += " " + piece
        else:
            text = piece
    return text


def _starts_lower(text: str) -> bool:
    t = text.strip()
    return bool(t) and (t[0].islower() or t[0] in "(&+")


def _assemble_rows(body: list[_Line], text_cols: list[_TextColumn]) -> list[_Row]:
    """Group lines into rows.

    A row is anchored on its line of figures. Text-only lines around it are
    its wrapped label (or unit) when the wording says so: a piece starting
    in lower case or "(" continues what stands above it, a piece above a row
    whose own text starts in lower case belongs to that row. A text line
    that continues nothing and is followed by a new label is a group header
    ("Huishouden", "P3 Bestuur en Middelen") for the rows under it. Text
    standing under the figures ("(plus 65)", "(2023)") belongs to the cell
    above it, never to the label.
    """
    label_col = _label_col(text_cols)
    has_ids = any(c.role == "id" for c in text_cols)
    value_left = _value_left(body, text_cols)
    rows: list[_Row] = []
    pending: list[tuple[dict[int, str], list[_Segment]]] = []
    fragments: list[_Cell] = []  # figures on a line without a label: a wrapped cell
    group: str | None = None
    for line in body:
        if line.blank:
            if rows:
                rows[-1].closed = True
            continue
        scan = _scan(line.text)
        if scan.cells and not scan.is_year_line:
            texts = _assign_text(line.text, scan.label_end, text_cols)
            if not texts and len(scan.cells) == 1 and scan.cells[0].number is not None:
                fragments.append(scan.cells[0])  # "214,4 kg" over its "(2022)"
                continue
            if not texts and rows and not rows[-1].closed and all(c.number is None for c in scan.cells):
                _attach_extra(rows[-1], scan.cells)  # a lone "(2023)" under its figure
                continue
            last = rows[-1] if rows else None
            if (
                has_ids
                and last is not None
                and not last.cells
                and not last.closed
                and not any(text_cols[k].role == "id" for k in texts)
            ):
                # the figures stand on the second line of a row whose id and
                # first label line came above ("RO-procedure …" / "tbv woningbouw  200")
                for k, v in texts.items():
                    last.texts.setdefault(k, []).append(v)
                last.cells = scan.cells
                continue
            row = _Row({}, scan.cells, line.page, line.page_label)
            if pending and not has_ids:
                keep = _continuing_tail(pending, texts, label_col)
                if keep < len(pending):
                    head = pending[: len(pending) - keep]
                    group = _join_wrapped([t.get(label_col, "") for t, _ in head]) or group
                    pending = pending[len(pending) - keep :]
            for ptexts, _ in pending:
                for k, v in ptexts.items():
                    row.texts.setdefault(k, []).append(v)
            for k, v in texts.items():
                row.texts.setdefault(k, []).append(v)
            for _, psegs in pending:
                _attach_value_segments(row, psegs)
            pending = []
            if fragments:
                row.cells = _merge_fragments(fragments, row.cells)
                fragments = []
            if _is_total(row.text(label_col)):
                group = None
            row.group = group
            if rows:
                rows[-1].closed = True
            rows.append(row)
            continue
        if scan.is_year_line:
            continue
        # a text-only line: label pieces left, cell text under the figures
        value_segs = [s for s in _segments(line.text) if value_left is not None and s.start >= value_left]
        label_part = line.text[: min([s.start for s in value_segs] + [len(line.text)])]
        texts = _assign_text(label_part, len(label_part), text_cols)
        if has_ids and any(text_cols[k].role == "id" for k in texts):
            # a row without figures still starts a row of its own
            if rows:
                rows[-1].closed = True
            rows.append(_Row({k: [v] for k, v in texts.items()}, [], line.page, line.page_label, group))
            continue
        prev = rows[-1] if rows else None
        if prev is not None and not prev.closed and not pending:
            if not texts:
                _attach_value_segments(prev, value_segs)
                continue
            if _continues_previous(texts, prev, label_col):
                for k, v in texts.items():
                    prev.texts.setdefault(k, []).append(v)
                _attach_value_segments(prev, value_segs)
                continue
        pending.append((texts, value_segs))
    return rows


def _value_left(body: list[_Line], text_cols: list[_TextColumn]) -> int | None:
    """Where the figures begin: the leftmost first figure of the rows with
    the usual number of figures, and never inside a named text column."""
    scans = [s for ln in body if not ln.blank and (s := _scan(ln.text)).cells and not s.is_year_line]
    scans = [s for s in scans if any(c.number is not None for c in s.cells)]
    if not scans:
        return None
    counts = Counter(len(s.cells) for s in scans)
    usual = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
    left = min(s.cells[0].start for s in scans if len(s.cells) == usual) - 2
    if len(text_cols) > 1:
        left = max(left, text_cols[-1].end + 3)
    return left


def _is_total(label: str) -> bool:
    return bool(re.match(r"(?i)\s*(sub)?totaal|saldo", label))


def _continuing_tail(pending: list[tuple[dict[int, str], list[_Segment]]], texts: dict[int, str], label_col: int) -> int:
    """How many of the text lines above a row are its wrapped label: each
    must run on into the text below it; the lines above those are a group
    header ("3. Verwachte boekwinst" over "3a. (-) Verwachte boekwinst bij")."""
    below = texts.get(label_col, "")
    keep = 0
    for ptexts, _ in reversed(pending):
        above = ptexts.get(label_col, "")
        if not _runs_on(above, below):
            break
        keep += 1
        below = above
    return keep


def _runs_on(above: str, below: str) -> bool:
    if not above or not below:
        return bool(above or below)
    last_word = above.split()[-1].lower()
    return (
        _starts_lower(below)
        or re.search(r"\b[A-Z][a-z]{0,3}\.$", above) is not None  # "Combisporthal Dr." / "Mansveltkade"
        or above.endswith(("-", ","))
        or last_word in _CONNECTORS
        or above.count("(") > above.count(")")
    )


def _continues_previous(texts: dict[int, str], prev: _Row, label_col: int) -> bool:
    """Does a text-only line under a row continue that row's cells? Yes when
    a piece runs on from the text above it in the same column ("% van alle
    jongeren tot" / "18 jaar", "Lopende re-" / "integratievoorzieningen")."""
    if not texts:
        return False
    own = texts.get(label_col, "")
    if own and (own.endswith(("-", ",")) or own.split()[-1].lower() in _CONNECTORS):
        return False  # "… maar niet meer dan" runs on into the next row
    for col, piece in texts.items():
        above = prev.text(col)
        if above and _runs_on(above, piece):
            return True
    label = prev.text(label_col)
    if label.count("(") > label.count(")"):
        return True
    return _starts_lower(texts[min(texts)])

def _attach_value_segments(row: _Row, segs: list[_Segment]) -> None:
    """Text under the figures joins the nearest cell, for display; a "(2023)"
    there is the year of the figure above it."""
    if not row.cells:
        return
    for seg in segs:
        cell = min(row.cells, key=lambda c: abs(c.centre - seg.centre))
        m = _YEAR_ANNOTATION.fullmatch(seg.text.strip())
        if m and cell.year is None and cell.number is not None:
            cell.year = int(m.group(1))
        cell.extra.append(seg.text)

def _attach_extra(row: _Row, cells: list[_Cell]) -> None:
    for frag in cells:
        target = min(row.cells, key=lambda c: abs(c.centre - frag.centre), default=None)
        if target is None:
            continue
        if target.year is None and target.number is not None and frag.year is not None:
            target.year = frag.year
        target.extra.append(frag.text.strip())


def _merge_fragments(fragments: list[_Cell], cells: list[_Cell]) -> list[_Cell]:
    """A figure wrapped above its row ("214,4 kg" over "(2022)  200 kg …")
    joins the row only where it stands left of all the row's figures, or
    right over a lone year fragment; otherwise the row is left as printed."""
    out = list(cells)
    for frag in fragments:
        lone = [c for c in out if c.number is None and c.year is not None and abs(c.centre - frag.centre) <= 4]
        if lone:
            target = lone[0]
            frag.year = target.year
            frag.text = f"{frag.text.strip()} {target.text.strip()}"
            out[out.index(target)] = frag
        elif all(frag.end < c.start for c in out):
            out.insert(0, frag)
    return out


# --------------------------------------------------------------------------
# Columns from header words
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------


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

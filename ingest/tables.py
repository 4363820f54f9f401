"""Tables in text exports → `Table`s and `Fact`s.

Municipal documents reach us as text exports in which a table has lost its
grid. Three shapes occur, and this module reads each one conservatively:

* **Cell per line** (Groningen web exports): header cells such as
  ``Behaald\\n2022`` separated by blank lines, then a row label followed by
  its values, one block per cell. Empty cells are simply *missing*, so a row
  may carry fewer values than there are columns.
* **Cell blocks with stacked sub-rows** (Groningen jaarverslag summary): a
  block ``29%\\n20%`` holds one column of two sub-indicators.
* **Row per line** (Midden-Groningen jaarstukken): ``label v1 v2 v3`` under a
  header line ``Titel 2022 2023 2024``; plus the financial statement
  (``Realisatie 2023 … Verschil 2024``), the BBV table
  (``Naam Indicator Eenheid Peiljaar MG Nederland``) and count tables with
  paired columns per peildatum (``Zorg in Natura 31-12-2020 …``).

Numbers are sacred: a value is only given a year when the layout proves which
column it stands in. When a row has fewer values than columns and the
comparator rule (targets print as ``> 80%``) does not settle it, the fact is
kept with ``ambiguous=True``, ``year=None``, ``column=None`` and
``candidate_years`` (every year of the columns it may stand in) instead of a
guess.

Choices callers should know:

* Status cells (``n.n.b.``, ``n.v.t.``, ``-``, ``*``, ``onbekend``) and text
  cells (``Andere registratie``) occupy a column but produce **no fact**, so
  an answer can never present them as a figure; ``Table.rows`` keeps them.
* Cells with an irregular number form (``2.63%`` in a Dutch table) produce no
  fact either; they are listed in ``skipped``.
* A bare year column (``Indicatoren 2022 2023 2024``) says nothing about
  realised vs. target, so its facts have ``kind="other"``; kind words
  (Behaald, Beoogd, Realisatie, Begroting, Verschil …) set the kind.
* A school-year column (``2022-2023``) is not one year: ``year=None`` and the
  period stays in ``column``.
* ``value`` is the figure as printed; the multiplier lives in ``unit``
  (``x € 1.000`` for ``Bedragen x €1.000``, ``€ mln`` for ``€ 1,2 mln``).
* ``footnote`` holds the footnote line printed below the table
  (``* Betreft per 2023 …``); a mark without a definition under its own
  table stays as the bare mark (``**``) rather than borrowing another's.

Anything that cannot be read reliably goes to ``skipped`` as
``"<table title>: <reason>"``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.models import SECTION_SEPARATOR, Fact, Section, Table, TableExtraction, content_hash
from ingest.numbers import ParsedNumber, find_numbers, parse_number

__all__ = ["extract_tables", "normalise_key", "Column", "parse_header_text"]

# --------------------------------------------------------------------------
# vocabulary

_KIND_WORDS: dict[str, str] = {
    "behaald": "realised",
    "realisatie": "realised",
    "resultaat": "realised",
    "rekening": "realised",
    "jaarrekening": "realised",
    "werkelijk": "realised",
    "gerealiseerd": "realised",
    "beoogd": "target",
    "streefwaarde": "target",
    "streven": "target",
    "doel": "target",
    "doelstelling": "target",
    "norm": "target",
    "ambitie": "target",
    "begroting": "budget",
    "begroot": "budget",
    "raming": "budget",
    "primitief": "budget",
    "primitieve": "budget",
    "primaire": "budget",
    "actuele": "budget",
    "oorspronkelijke": "budget",
    "gewijzigde": "budget",
    "bijgestelde": "budget",
    "verschil": "difference",
    "afwijking": "difference",
}
# "Primitief begroot", "Actuele begroting": the second word continues the column.
_COMPOUND_PREFIX = {"primitief", "primitieve", "primaire", "actuele", "oorspronkelijke", "gewijzigde", "bijgestelde"}
# Words allowed inside a kind column besides kind words and years.
_COLUMN_FILLER = {"na", "wijziging", "wijzigingen", "incl.", "excl.", "t/m"}

_YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")
_PERIOD_RE = re.compile(r"^((?:19|20)\d{2})\s*[-–/]\s*((?:19|20)\d{2})$")
_DATE_RE = re.compile(r"^\d{1,2}-\d{1,2}-((?:19|20)\d{2})$")
_FOOTNOTE_DEF_RE = re.compile(r"^(\*+|\d{1,2}\)|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*([^\s*\d].*)$")
_LABEL_MARK_RE = re.compile(r"^(.*?\S)\s*(\*+|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)$")
_TABLE_UNIT_RE = re.compile(
    r"\(?\s*(?:bedragen\s+)?x\s*(?:€\s*)?1[.,]?000\s*(?:euro)?\s*\)?"
    r"|\(?\s*(?:bedragen\s+)?x\s*(?:€\s*)?1\s*(?:mln|miljoen)\s*(?:euro)?\s*\)?",
    re.IGNORECASE,
)
_NAV_RE = re.compile(r"^Terug naar navigatie\s*-\s*(.+)$")
_RUNNING_HEADER_RE = re.compile(r"^(?:Jaarstukken|Jaarverslag|Begroting|Programmabegroting|Jaarrekening)\s+\d{4}$")
_END_RE = re.compile(r"^(?:Toelichting\b|Deze pagina is gebouwd|Terug naar navigatie|Bron\s*:)", re.IGNORECASE)
_BBV_UNIT_RE = re.compile(r"\s(?=(?:Aantal\b|%))")

_GENERIC_LABELS = {
    "aantal", "totaal", "subtotaal", "regulier", "overig", "overige", "gestart", "lopend",
    "afgerond", "lasten", "baten", "saldo", "waarvan",
}
_GENERIC_TITLES = {
    "indicatoren", "indicator", "prestatie indicator en", "prestatie indicatoren", "kengetallen",
    "omschrijving", "product", "naam indicator", "naam", "algemeen", "doelstellingen", "toelichting",
    "acties", "",
}
_FINANCIAL_GROUPS = {"lasten", "baten", "stortingen", "onttrekkingen", "mutaties reserves", "reserves"}
_REFERENCE_WORDS = re.compile(r"\b(?:landelijk|nederland|nl)\b", re.IGNORECASE)


@lru_cache(maxsize=8192)
def normalise_key(text: str) -> str:
    """Matching text: lowercase, accents folded, punctuation dropped.

    ``Cliënten`` and ``clienten`` must meet, and ``- Aantal verwijzingen*``
    must match a question about "aantal verwijzingen".
    """
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    folded = re.sub(r"[^\w\s]|_", " ", folded)
    return " ".join(folded.split())


# --------------------------------------------------------------------------
# stream


@dataclass(frozen=True)
class _Ln:
    text: str
    section: str
    page: int | None
    page_label: str | None

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def _flatten(sections: list[Section]) -> list[_Ln]:
    """One stream: the section splitter may cut a table at a heading-like row."""
    return [
        _Ln(line.text, section.path_text, line.page, line.page_label)
        for section in sections
        for line in section.lines
    ]


def _join_wrapped(lines: list[str]) -> str:
    """Join wrapped label lines with single spaces; a line ending in a hyphen
    (``WIJ-`` / ``Groningen``) joins without a space so the word stays whole."""
    out = ""
    for raw in lines:
        part = " ".join(raw.split())
        if not part:
            continue
        if not out:
            out = part
        elif out.endswith("-") and not out.endswith(" -"):
            out += part
        else:
            out += " " + part
    return out


# --------------------------------------------------------------------------
# headers


@dataclass(frozen=True)
class Column:
    """One value column: the header cell as printed and what it means."""

    text: str
    kind: str  # realised | target | budget | difference | reference | other
    year: int | None
    period: str | None = None  # "2022-2023": a school year is not one year
    scope: str | None = None


def _year_token(token: str) -> tuple[int | None, str | None] | None:
    """(year, period) for a year-like header token, None if it is not one."""
    if _YEAR_RE.match(token):
        return int(token), None
    if m := _PERIOD_RE.match(token):
        return None, token
    if m := _DATE_RE.match(token):
        return int(m.group(1)), None
    return None


def _kind_columns(tokens: list[str]) -> tuple[str, list[Column]] | None:
    """Split a header on kind words: ``Realisatie 2023 Primitief begroot 2024
    Begroting 2024 na wijzigingen …`` — the year may sit mid-column."""
    starts: list[int] = []
    for k, token in enumerate(tokens):
        word = token.lower().strip(":,")
        if word not in _KIND_WORDS:
            continue
        prev = tokens[k - 1].lower() if k else ""
        if prev in _COMPOUND_PREFIX or prev == "na":
            continue
        starts.append(k)
    if not starts:
        return None
    prefix = " ".join(tokens[: starts[0]])
    columns: list[Column] = []
    for a, b in zip(starts, starts[1:] + [len(tokens)]):
        segment = tokens[a:b]
        years = [_year_token(t) for t in segment if _year_token(t)]
        other = [t for t in segment if not _year_token(t) and t.lower().strip(":,") not in _KIND_WORDS]
        if len(years) > 1 or any(t.lower() not in _COLUMN_FILLER for t in other):
            return None
        year, period = years[0] if years else (None, None)
        kind = _KIND_WORDS[segment[0].lower().strip(":,")]
        columns.append(Column(" ".join(segment), kind, year, period))
    return prefix, columns


def _trailing_year_columns(tokens: list[str]) -> tuple[str, list[Column]] | None:
    """``Indicatoren 2022 2023 2024``: a title, then ≥2 year tokens."""
    k = len(tokens)
    while k > 0 and _year_token(tokens[k - 1]):
        k -= 1
    run = tokens[k:]
    if len(run) < 2:
        return None
    columns = [Column(t, "other", *_year_token(t)) for t in run]  # type: ignore[misc]
    plain = [c.year for c in columns if c.period is None and c.year is not None]
    if any(b <= a for a, b in zip(plain, plain[1:])):
        return None  # header years run forward; "2024 2012 2019" is data
    return " ".join(tokens[:k]), columns


def _repeated_phrase_columns(text: str) -> tuple[str, list[Column]] | None:
    """``Product Aantal inwoners 2022 Aantal inwoners 2023 Aantal inwoners 2024``."""
    segments = re.findall(r"(.*?\b(?:19|20)\d{2})(?:\s+|$)", text)
    if len(segments) < 2 or "".join(segments).replace(" ", "") != text.replace(" ", ""):
        return None
    phrases = [re.sub(r"\s*(?:19|20)\d{2}$", "", s).strip() for s in segments]
    phrase = phrases[-1]
    if not phrase or any(p != phrase for p in phrases[1:]) or not phrases[0].endswith(phrase):
        return None
    prefix = phrases[0][: -len(phrase)].strip()
    kind = _KIND_WORDS.get(phrase.split()[0].lower(), "other")
    columns = [Column(s.strip(), kind, int(s.strip()[-4:])) for s in [segments[0][len(prefix) :]] + segments[1:]]
    years = [c.year for c in columns]
    if any(b is None or a is None or b <= a for a, b in zip(years, years[1:])):
        return None
    return prefix, columns


def parse_header_text(text: str, kind_only: bool = False) -> tuple[str, list[Column]] | None:
    """Header text → (title prefix, columns), or None when it is no header.

    Kind words first (they carry meaning), then bare year runs, then a
    repeated ``<phrase> <year>`` pattern. ``kind_only`` is for cell-per-line
    headers, where a bare ``2022`` block could just as well be a value.
    """
    tokens = text.split()
    if not tokens:
        return None
    parsed = _kind_columns(tokens)
    if parsed is not None or kind_only:
        return parsed
    if sum(1 for t in tokens if _year_token(t)) < 2:
        return None  # cheap exit for prose: a header has two year columns
    return _trailing_year_columns(tokens) or _repeated_phrase_columns(" ".join(tokens))


def _dated(columns: list[Column]) -> int:
    """Columns that pin a year or a period (a header needs at least two)."""
    return sum(1 for c in columns if c.year is not None or c.period is not None)


def _fill_difference_years(columns: list[Column]) -> list[Column]:
    """``Rekening 2024 Verschil``: a yearless difference column belongs to the
    one year all other columns share; with several years it stays None."""
    years = {c.year for c in columns if c.year is not None}
    if len(years) != 1:
        return columns
    (year,) = years
    return [
        Column(c.text, c.kind, year, c.period, c.scope) if c.kind == "difference" and c.year is None else c
        for c in columns
    ]


def _looks_like_prose(text: str) -> bool:
    words = text.split()
    return len(text) > 150 or (text.rstrip().endswith(".") and len(words) >= 8)


def _table_unit(text: str) -> tuple[str, str | None]:
    """Strip ``(x 1000 euro)`` / ``Bedragen x €1.000`` from a title; return
    (title, unit) with the unit normalised to ``x € 1.000``/``x € 1 mln``."""
    m = _TABLE_UNIT_RE.search(text)
    if not m:
        return text, None
    unit = "x € 1 mln" if re.search(r"mln|miljoen", m.group(0), re.IGNORECASE) else "x € 1.000"
    title = (text[: m.start()] + text[m.end() :]).strip(" ,-")
    title = re.sub(r"^bedragen$", "", title, flags=re.IGNORECASE).strip()
    return title, unit


# --------------------------------------------------------------------------
# cells and rows


@dataclass(frozen=True)
class _Cell:
    """A value cell (``parsed`` set) or a text cell occupying a column."""

    text: str
    parsed: ParsedNumber | None
    line: int  # stream index, for page/page_label


def _trailing_run(text: str) -> tuple[str, list[tuple[str, ParsedNumber]]]:
    """Split ``label v1 v2 v3`` into the label and the trailing figure run.

    Figures inside the label (``minimaal 1 jeugdhulpindicatie``) stay in the
    label: only an unbroken run that reaches the end of the line counts.
    """
    stripped = text.rstrip()
    tokens = [m.start() for m in re.finditer(r"\S+", stripped)]
    if not tokens or not _may_end_in_figure(stripped[tokens[-1] :]):
        return stripped.strip(), []
    window = 24
    while True:
        # only the tail can hold the run; widen the window if the run fills it
        offset = tokens[max(0, len(tokens) - window)]
        tail = stripped[offset:]
        run: list[tuple[int, int, ParsedNumber]] = []
        end = len(tail)
        for start, stop, parsed in reversed(find_numbers(tail)):
            if tail[stop:end].strip():
                break
            run.insert(0, (start + offset, stop + offset, parsed))
            end = start
        if window >= len(tokens) or not run or run[0][0] > offset:
            break
        window *= 2
    if not run:
        return stripped.strip(), []
    return stripped[: run[0][0]].strip(), [(stripped[a:b], p) for a, b, p in run]


def _may_end_in_figure(last_token: str) -> bool:
    """Cheap test before the full scan: prose lines end in words."""
    return (
        any(ch.isdigit() for ch in last_token)
        or last_token.lower().rstrip(".") in {"%", "mln", "mld", "miljoen", "miljard"}
        or parse_number(last_token) is not None
    )


def _is_values_line(text: str) -> bool:
    label, run = _trailing_run(text)
    return bool(run) and not label


def _line_cells(text: str, line: int) -> list[_Cell]:
    """Cells of a line that holds only figures. The whole line is tried as
    ONE cell first: in a cell-per-line export ``6.261 *`` is a value with a
    detached footnote mark, not a value and a ``*`` placeholder cell."""
    whole = parse_number(text)
    if whole is not None:
        return [_Cell(text.strip(), whole, line)]
    return [_Cell(t, p, line) for t, p in _trailing_run(text)[1]]


def _bare_label(label: str) -> str:
    """``- Aantal verwijzingen`` → ``Aantal verwijzingen``: the dash is a list
    marker of the layout, not part of the indicator's name."""
    return re.sub(r"^[-–•]\s+", "", label)


def _split_label_mark(label: str) -> tuple[str, str | None]:
    """``Aantal verwijzingen*`` → (``Aantal verwijzingen``, ``*``)."""
    m = _LABEL_MARK_RE.match(label)
    if not m:
        return label, None
    return m.group(1), m.group(2)


def _label_unit(label: str) -> str | None:
    """Unit printed in a row label: ``Aantal per 10.000 inwoners``,
    ``(aantal kinderen)``, or plain ``Aantal …`` (a count)."""
    bare = label.lstrip("- ").strip()
    if m := re.search(r"\b[Aa]antal per [\d.]+ [^\s()]+", bare):
        return m.group(0)[0].upper() + m.group(0)[1:]
    if m := re.search(r"\((aantal [^)]+)\)", bare, re.IGNORECASE):
        return m.group(1).lower()
    if re.match(r"aantal\b", bare, re.IGNORECASE):
        return "aantal"
    if bare.startswith("%"):
        return "%"
    return None


# --------------------------------------------------------------------------
# column assignment


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


# --------------------------------------------------------------------------
# table builder


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


def _footnote_def(text: str) -> tuple[str, str] | None:
    m = _FOOTNOTE_DEF_RE.match(text.strip())
    if not m:
        return None
    return m.group(1), text.strip()


# --------------------------------------------------------------------------
# titles


def _lookback_title(stream: list[_Ln], i: int) -> str | None:
    """Title for a header without one (``Omschrijving …``, ``Naam Indicator
    …``): the nearest ``Terug naar navigatie - <heading> - …`` line or short
    heading above it in the same section, skipping unit lines, running
    headers and prose; a data row ends the search (it belongs to another
    table). The section splitter often has taken the heading away already,
    so the section path is the fallback."""
    section = stream[i].section
    for k in range(i - 1, max(-1, i - 10), -1):
        if stream[k].section != section:
            break
        text = stream[k].text.strip()
        if not text or _RUNNING_HEADER_RE.match(text) or _table_unit(text)[1]:
            continue
        if m := _NAV_RE.match(text):
            return m.group(1).split(" - ")[0].strip()
        if _trailing_run(text)[1]:
            break
        if _looks_like_prose(text) or len(text) > 100:
            continue
        return text
    return _section_title(stream[i].section)


def _section_title(path_text: str) -> str | None:
    """The most specific heading of a section path that names something:
    ``2.2 Programma Sociaal › 2.2.8 Verplichte beleidsindicatoren (BBV) ›
    indicatoren`` → ``2.2.8 Verplichte beleidsindicatoren (BBV)``. Generic
    and lower-case navigation labels (``Indicatoren``, ``financieel overzicht
    sociaal``) are passed over."""
    for part in reversed([p.strip() for p in path_text.split(SECTION_SEPARATOR)]):
        letters = [ch for ch in part if ch.isalpha()]
        if letters and letters[0].isupper() and normalise_key(part) not in _GENERIC_TITLES:
            return part
    return None


def _unit_from_context(stream: list[_Ln], i: int) -> str | None:
    """``Bedragen x €1.000`` printed just above a header."""
    for k in range(i - 1, max(-1, i - 3), -1):
        text = stream[k].text.strip()
        if text:
            return _table_unit(text)[1]
    return None


# --------------------------------------------------------------------------
# row-per-line tables


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


def _is_bbv_header(text: str) -> bool:
    words = [w.lower() for w in text.split()]
    return "eenheid" in words and "peiljaar" in words and len(words) <= 12


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


def _collect_footnotes(stream: list[_Ln], j: int, builder: _Builder) -> int:
    """Footnote lines below a table: ``* Betreft …``, ``** “De Monitor …``."""
    last: str | None = None
    while j < len(stream):
        text = stream[j].text.strip()
        if not text:
            j += 1
            # a blank line ends the footnotes unless another definition follows
            if j < len(stream) and _footnote_def(stream[j].text.strip()):
                continue
            break
        definition = _footnote_def(text)
        if definition:
            last = definition[0]
            builder.footnotes.setdefault(last, definition[1])
        elif last and text[:1].islower() and not builder.footnotes[last].endswith((".", "”", '"')):
            builder.footnotes[last] += " " + text  # a wrapped footnote line
        else:
            break
        j += 1
    return j


# --------------------------------------------------------------------------
# BBV table: Naam Indicator Eenheid Peiljaar MG Nederland


def _expand_scope(abbreviation: str, stream: list[_Ln]) -> str:
    """``MG`` → ``Midden-Groningen`` when the document spells a name with
    exactly those initials; otherwise the abbreviation as printed."""
    if not re.fullmatch(r"[A-Z]{2,4}", abbreviation):
        return abbreviation
    names: Counter[str] = Counter()
    text = "\n".join(line.text for line in stream)
    for name in re.findall(r"\b[A-Z][a-zë]+(?:[- ][A-Z][a-zë]+)+\b", text):
        initials = "".join(part[0] for part in re.split(r"[- ]", name))
        if initials == abbreviation:
            names[name] += 1
    return names.most_common(1)[0][0] if names else abbreviation


def _parse_bbv_table(document_id: str, stream: list[_Ln], i: int, ex: TableExtraction) -> int:
    """Verplichte beleidsindicatoren: one row per (indicator, peiljaar), one
    value per scope column; continuation lines carry earlier peiljaren and
    ``Toelichting:`` text may be interleaved between them."""
    tokens = stream[i].text.split()
    lower = [t.lower() for t in tokens]
    e, p = lower.index("eenheid"), lower.index("peiljaar")
    scopes = tokens[p + 1 :]
    if not scopes or e > p:
        ex.skipped.append(f"{stream[i].text.strip()}: BBV header without scope columns")
        return i + 1
    columns = []
    for k, scope in enumerate(scopes):
        reference = bool(_REFERENCE_WORDS.fullmatch(scope))
        kind = "reference" if reference else ("realised" if k == 0 else "other")
        columns.append(Column(scope, kind, None, scope=scope if reference else _expand_scope(scope, stream)))
    header = [" ".join(tokens[:e]), tokens[e], tokens[p]] + scopes
    title = _lookback_title(stream, i) or " ".join(tokens[:e])
    builder = _Builder(document_id, title, header, columns, stream, i)
    current: tuple[str, str] | None = None
    j = i + 1
    while j < len(stream):
        text = stream[j].text.strip()
        if not text:
            break
        label_text, run = _trailing_run(text)
        if len(run) < 1 + len(scopes) or not _YEAR_RE.match(run[-1 - len(scopes)][0]):
            if text.lower().startswith("toelichting") and not run:
                builder.rows.append([text])
                j += 1
                continue
            break
        extra, (year_text, _), values = run[: -1 - len(scopes)], run[-1 - len(scopes)], run[-len(scopes) :]
        label_text = " ".join([label_text] + [t for t, _ in extra]).strip()
        note = re.match(r"^toelichting\s*:", label_text, re.IGNORECASE)
        split = None if note else _split_bbv_label(label_text)
        if split:
            current = split
        elif current is None:
            builder.notes.append(f"{title}: row without indicator: '{text}'")
            j += 1
            continue
        name, unit = current
        printed = [label_text if not split else name, unit if split else "", year_text] + [t for t, _ in values]
        cells = [_Cell(t, p_, j) for t, p_ in values]
        builder.add_row(_Row(name, cells, j, unit=unit, year=int(year_text), printed=printed))
        j += 1
    builder.finish(ex)
    return j


def _split_bbv_label(text: str) -> tuple[str, str] | None:
    """``Absoluut verzuim Aantal per 1.000 leerlingen`` → name and Eenheid,
    split at the first unit starter (``Aantal``, ``%``) after the name."""
    m = _BBV_UNIT_RE.search(text)
    if not m or not text[: m.start()].strip():
        return None
    return text[: m.start()].strip(), text[m.end() :].strip()


# --------------------------------------------------------------------------
# paired columns per peildatum: Zorg in Natura 31-12-2020 …


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


# --------------------------------------------------------------------------
# cell-per-line tables (blank-line separated blocks)


def _block(stream: list[_Ln], j: int) -> tuple[int, int] | None:
    """The block (run of non-blank lines) starting at or after j."""
    while j < len(stream) and stream[j].blank:
        j += 1
    if j >= len(stream):
        return None
    e = j
    while e < len(stream) and not stream[e].blank:
        e += 1
    return j, e


def _block_text(stream: list[_Ln], s: int, e: int) -> str:
    return _join_wrapped([stream[k].text for k in range(s, e)])


@dataclass(frozen=True)
class _BlockHeader:
    prefix: str
    columns: list[Column]
    start: int
    end: int  # exclusive line index after the last header block


def _block_header(stream: list[_Ln], i: int) -> _BlockHeader | None:
    """Header cells in consecutive blocks: ``Behaald\\n2022`` / ``Beoogd 2025``
    / ``Rekening 2024 Verschil``; only the first may carry a title prefix
    (``% inwoners 18+ Behaald 2022``). Needs ≥2 dated columns."""
    columns: list[Column] = []
    prefix = ""
    end = i
    span = _block(stream, i)
    first = True
    while span is not None:
        s, e = span
        text = _block_text(stream, s, e)
        if e - s > 4 or len(text) > 120:
            break
        parsed = parse_header_text(text, kind_only=True)
        if parsed is None or (parsed[0] and not first) or _looks_like_prose(parsed[0]):
            break
        if first:
            prefix = parsed[0]
        columns += parsed[1]
        end, first = e, False
        span = _block(stream, e)
    if _dated(columns) < 2:
        return None
    return _BlockHeader(prefix, _fill_difference_years(columns), i, end)


def _block_title(stream: list[_Ln], i: int) -> str | None:
    """The short text block printed right above a cell header, if any; when
    the section splitter made that text a heading (``Prestatie-indicator(en)``),
    the last element of the header's section path."""
    section = stream[i].section
    k = i - 1
    while k >= 0 and stream[k].blank and stream[k].section == section:
        k -= 1
    e = k + 1
    while k >= 0 and not stream[k].blank and stream[k].section == section:
        k -= 1
    s = k + 1
    lines = [stream[x].text for x in range(s, e)]
    text = _join_wrapped(lines)
    if e <= s or e - s > 4 or _looks_like_prose(text) or _trailing_run(text)[1] or text.startswith(("•", "*")):
        return section.split(SECTION_SEPARATOR)[-1].strip() or None
    return text


def _is_footnote_block(stream: list[_Ln], s: int) -> bool:
    return _footnote_def(stream[s].text) is not None and not _is_values_line(stream[s].text)


def _block_kind(stream: list[_Ln], s: int, e: int) -> str:
    """values (every line all figures) | rowline (one ``label v …`` line) | text."""
    lines = [stream[k].text for k in range(s, e)]
    if all(_is_values_line(t) for t in lines):
        return "values"
    if len(lines) == 1 and _trailing_run(lines[0])[1]:
        return "rowline"
    return "text"


def _value_cells(stream: list[_Ln], s: int, e: int) -> list[list[_Cell]] | None:
    """Cells of a values block; a block of n single-value lines is ONE cell
    stacked over n sub-rows (``29%\\n20%``). Irregular stacks → None."""
    per_line = [_line_cells(stream[k].text, k) for k in range(s, e)]
    if len(per_line) == 1:
        return [[c] for c in per_line[0]]
    if all(len(cells) == 1 for cells in per_line):
        return [[cells[0] for cells in per_line]]
    return None


@dataclass
class _Pending:
    label: str
    line: int
    cells: list[list[_Cell]] = field(default_factory=list)
    irregular: bool = False


def _following_cell_count(stream: list[_Ln], j: int) -> int:
    """How many cells the value blocks starting at j hold (for text cells)."""
    count = 0
    span = _block(stream, j)
    while span is not None and _block_kind(stream, *span) == "values":
        cells = _value_cells(stream, *span)
        count += len(cells) if cells else 0
        span = _block(stream, span[1])
    return count


def _parse_block_table(document_id: str, stream: list[_Ln], head: _BlockHeader, ex: TableExtraction) -> int:
    """Cell-per-line table; ends at Toelichting, footnotes, prose or the next header."""
    title_text = head.prefix or _block_title(stream, head.start) or "Tabel"
    title, unit = _table_unit(title_text)
    header = [head.prefix] + [c.text for c in head.columns]
    builder = _Builder(document_id, title, header, head.columns, stream, head.start, unit)
    pending: _Pending | None = None
    group: str | None = None
    j = head.end
    while (span := _block(stream, j)) is not None:
        s, e = span
        first = stream[s].text.strip()
        if _is_footnote_block(stream, s):
            j = _collect_footnotes(stream, s, builder)
            break
        if _END_RE.match(first) or _looks_like_prose(_block_text(stream, s, e)) or _block_header(stream, s):
            break
        kind = _block_kind(stream, s, e)
        if kind == "text":
            nxt = _block(stream, e)
            if nxt and _block_header(stream, nxt[0]):
                break  # this text is the next table's title
        if kind == "values":
            cells = _value_cells(stream, s, e)
            if pending is None:
                builder.notes.append(f"{title}: values without a row label: '{_block_text(stream, s, e)}'")
            elif cells is None:
                pending.irregular = True
            else:
                pending.cells += cells
        elif kind == "rowline":
            if pending is not None:
                group = _close_pending(builder, pending, group, followed_by_row=True)
            pending = None
            label, run = _trailing_run(stream[s].text)
            label, mark = _split_label_mark(label)
            cells = [_Cell(t, p, s) for t, p in run]
            builder.add_row(_Row(label, cells, s, mark, group, _group_prefix(group, label)))
        else:
            text = _block_text(stream, s, e)
            if pending is not None and not pending.cells and _is_text_cell(stream, pending.label, text, e, builder):
                pending.cells.append([_Cell(text, None, s)])
            elif pending is not None:
                group = _close_pending(builder, pending, group, followed_by_row=True)
                pending = _Pending(text, s)
            else:
                pending = _Pending(text, s)
        j = e
    if pending is not None:
        _close_pending(builder, pending, group, followed_by_row=False)
    builder.finish(ex)
    return j


def _is_text_cell(stream: list[_Ln], label: str, text: str, after: int, builder: _Builder) -> bool:
    """``Andere registratie`` between a label and its values is a cell, not a
    new label, when all of this holds: the label names a measure (``Aantal
    geregistreerde daklozen``; group rows such as ``Zorg en veiligheid`` do
    not), the text is short, the values follow on ONE line (the row is printed
    row-style) and with the text the cell count comes out exactly right."""
    measure = re.match(r"(?:aantal|%|percentage|gemiddeld)", label.strip(), re.IGNORECASE) is not None
    short = len(text) <= 30 and len(text.split()) <= 3
    span = _block(stream, after)
    one_line = span is not None and span[1] - span[0] == 1 and _block_kind(stream, *span) == "values"
    if not (measure and short and one_line):
        return False
    return 1 + _following_cell_count(stream, after) == len(builder.columns)


def _group_prefix(group: str | None, label: str) -> tuple[str, ...]:
    """Cell tables: a group prefixes the key only for generic or lower-case labels."""
    if group is None:
        return ()
    key = normalise_key(label)
    return (group,) if key in _GENERIC_LABELS or label[:1].islower() else ()


def _close_pending(builder: _Builder, pending: _Pending, group: str | None, followed_by_row: bool) -> str | None:
    """Emit a finished label; a label without values before another row is a
    group row (``Opvang en Veilig Thuis``) and becomes the current group."""
    label, mark = _split_label_mark(pending.label)
    if pending.irregular:
        builder.rows.append([pending.label])
        builder.notes.append(f"{builder.title}: row '{label}' has irregular stacked cells")
        return group
    if not pending.cells:
        builder.add_group(pending.label)
        return label if followed_by_row else group
    flat_cells = [c for c in pending.cells]
    stacked = max(len(c) for c in flat_cells)
    if stacked == 1:
        cells = [c[0] for c in flat_cells]
        builder.add_row(_Row(label, cells, pending.line, mark, group, _group_prefix(group, label)))
        return group
    parts = [p.strip() for p in re.split(r"\s+en\s+", label)]
    values = [c for c in flat_cells if c[0].parsed is not None]
    if len(parts) != stacked or any(len(c) != stacked for c in values) or any(
        len(c) != 1 for c in flat_cells if c[0].parsed is None
    ):
        builder.rows.append([pending.label] + [" / ".join(x.text for x in c) for c in flat_cells])
        builder.notes.append(f"{builder.title}: row '{label}' has stacked cells that do not split into sub-indicators")
        return group
    for n, part in enumerate(parts):
        cells = [c[n] if c[0].parsed is not None else c[0] for c in flat_cells]
        builder.add_row(_Row(part, cells, cells[0].line, mark, group, _group_prefix(group, part)))
    return group


# --------------------------------------------------------------------------
# leftovers: figures outside any table


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


# --------------------------------------------------------------------------
# entry point


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


"""Data shapes of the PDF table reader: layout lines, figure cells, text and
value columns, table regions, and the exception that skips a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.numbers import ParsedNumber
from ingest.tables_pdf.vocab import _KIND_PRIORITY


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
class _Segment:
    start: int
    end: int
    text: str

    @property
    def centre(self) -> float:
        return (self.start + self.end) / 2


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

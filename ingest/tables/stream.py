"""The document as one stream of lines: the section splitter may cut a table
at a heading-like row, so tables are read across section boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.models import Section


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

"""Titles and units for headers that print none themselves, taken from the
lines or section path above them.
"""

from __future__ import annotations

from ingest.models import SECTION_SEPARATOR
from ingest.tables.cells import _trailing_run
from ingest.tables.headers import _looks_like_prose, _table_unit
from ingest.tables.keys import normalise_key
from ingest.tables.stream import _Ln
from ingest.tables.vocab import _GENERIC_TITLES, _NAV_RE, _RUNNING_HEADER_RE


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

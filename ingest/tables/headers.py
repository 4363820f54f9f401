"""Header text → columns: kind words, year runs and repeated ``<phrase> <year>``
headers, plus the table unit printed in a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.tables.vocab import (
    _COLUMN_FILLER,
    _COMPOUND_PREFIX,
    _DATE_RE,
    _KIND_WORDS,
    _PERIOD_RE,
    _TABLE_UNIT_RE,
    _YEAR_RE,
)


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

"""The BBV table (``Naam Indicator Eenheid Peiljaar MG Nederland``): one row
per indicator and peiljaar, one value per scope column.
"""

from __future__ import annotations

import re
from collections import Counter

from ingest.models import TableExtraction
from ingest.tables.builder import _Builder, _Row
from ingest.tables.cells import _Cell, _trailing_run
from ingest.tables.headers import Column
from ingest.tables.stream import _Ln
from ingest.tables.titles import _lookback_title
from ingest.tables.vocab import _BBV_UNIT_RE, _REFERENCE_WORDS, _YEAR_RE


def _is_bbv_header(text: str) -> bool:
    words = [w.lower() for w in text.split()]
    return "eenheid" in words and "peiljaar" in words and len(words) <= 12


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

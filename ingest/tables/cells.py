"""A printed line → its label and trailing figure cells, and what a row label
says by itself (list dash, footnote mark, unit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.numbers import ParsedNumber, find_numbers, parse_number
from ingest.tables.vocab import _LABEL_MARK_RE


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

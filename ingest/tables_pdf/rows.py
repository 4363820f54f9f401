"""Rows: a line of figures with its wrapped label, unit and cell text, and
the group header over it; decided by wording and order, not by position.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

from ingest.tables_pdf.header import _label_col
from ingest.tables_pdf.scan import _scan, _segments
from ingest.tables_pdf.shapes import _Cell, _Line, _Segment, _TextColumn
from ingest.tables_pdf.vocab import _CONNECTORS, _YEAR_ANNOTATION


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

"""Dutch figure parsing for table cells.

Numbers are sacred in this product: a figure that is read wrongly is worse
than a figure that is not read at all. So this module is strict. It accepts
the forms Dutch municipal tables actually print (``1.336``, ``7,3``,
``43,3 %``, ``> 80%``, ``ca. 310``, ``n.n.b.*``, ``(1.234)``, ``€ 1,2 mln``)
and returns ``None`` for anything else, so that a heading like
``2.2.1 Gezondheid`` or a date like ``31-12-2024`` never becomes a value.

Dutch conventions: the dot groups thousands and the comma is the decimal
mark. A dot followed by anything other than groups of exactly three digits
(``2.63%``, ``1.5``) is not Dutch; it is read as an English decimal point
and flagged ``uncertain`` so callers can decide whether to trust it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ParsedNumber", "parse_number", "find_numbers", "STATUSES"]


@dataclass(frozen=True)
class ParsedNumber:
    """One figure cell, split into the parts a citation needs.

    ``value`` is the number as printed, *without* ``scale`` applied:
    ``€ 1,2 mln`` gives ``value=1.2, scale=1e6``. Keeping the printed
    magnitude means ``value`` always matches what a reader sees in the cell;
    multiply by ``scale`` for the amount in units.
    """

    value: float | None  # None for status cells (n.n.b., n.v.t., -, onbekend, *)
    text: str  # the cell as printed (stripped)
    comparator: str | None  # ">", "<", ">=", "<=" ("≥"/"≤" normalised), None
    unit: str | None  # "%", "€", None (as printed in the cell)
    footnote: str | None  # footnote mark(s): "*", "**", "1)"; None
    approx: bool  # "ca. 310", "circa", "±"
    status: str | None  # "n.n.b." | "n.v.t." | "onbekend" | "-" | "*" | None
    scale: float = 1.0  # 1e6 for "mln", 1e9 for "mld"; value is NOT multiplied
    uncertain: bool = False  # parsed, but the printed form was irregular

    @property
    def is_status(self) -> bool:
        """A status cell occupies a column but carries no figure."""
        return self.value is None

    @property
    def scaled_value(self) -> float | None:
        return None if self.value is None else self.value * self.scale


#: Canonical status spellings; keys are the lower-cased printed forms.
STATUSES: dict[str, str] = {
    "n.n.b.": "n.n.b.",
    "n.n.b": "n.n.b.",
    "nnb": "n.n.b.",
    "n.v.t.": "n.v.t.",
    "n.v.t": "n.v.t.",
    "nvt": "n.v.t.",
    "onbekend": "onbekend",
    "-": "-",
    "--": "-",
    "–": "-",
    "—": "-",
}

_FOOTNOTE = r"(?:\*+|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\d{1,2}\))"

# Number bodies, most specific first. Each alternative is a named group so
# the parser knows which convention the printed form followed.
_BODY = (
    r"(?:"
    r"(?P<nl_grouped>\d{1,3}(?:\.\d{3})+(?:,\d+)?)"  # 383.735  1.234,5
    r"|(?P<en_grouped>\d{1,3}(?:,\d{3})+\.\d+)"  # 1,234.5 (English; uncertain)
    r"|(?P<nl_decimal>\d+,\d+)"  # 7,3  402,0  1,234 (see below)
    r"|(?P<en_decimal>\d+\.\d+)"  # 2.63  1.5 (not a thousands group; uncertain)
    r"|(?P<plain>\d+)"  # 1007  2024
    r")"
)

_CELL_RE = re.compile(
    r"^"
    r"(?P<approx>(?:ca\.?|circa|±|~|\+/-)\s*)?"
    r"(?P<comparator>>=|<=|>|<)?\s*"
    r"(?P<euro1>€\s*)?"
    r"(?P<sign>[-+])?\s*"
    r"(?P<euro2>€\s*)?"
    r"(?P<open>\()?"
    rf"{_BODY}"
    r"(?P<close>\))?"
    r"(?:\s*(?P<scale>mln|miljoen|mld|miljard)\.?)?"
    r"(?:\s*(?P<percent>%))?"
    rf"(?:(?P<footsep>\s*)(?P<footnote>{_FOOTNOTE}))?"
    r"$",
    re.IGNORECASE,
)

_STATUS_RE = re.compile(
    r"^(?P<status>n\.?\s?n\.?\s?b\.?|n\.?\s?v\.?\s?t\.?|onbekend|-{1,2}|–|—)"
    rf"\s*(?P<footnote>{_FOOTNOTE})?$",
    re.IGNORECASE,
)

_SCALES = {"mln": 1e6, "miljoen": 1e6, "mld": 1e9, "miljard": 1e9}


def _normalise(text: str) -> str:
    """Fold the typographic variants that PDF and Word exports produce.

    An en/em dash directly before a digit is a minus sign (``–3.521``); on
    its own it is the empty-cell dash and stays a status.
    """
    text = re.sub(r"[–—](?=\s?\d)", "-", text)
    return (
        text.replace("\u00a0", " ")
        .replace("\u202f", " ")
        .replace("−", "-")  # unicode minus
        .replace("‒", "-")
        .replace("≥", ">=")
        .replace("≤", "<=")
        .replace("=>", ">=")
        .replace("=<", "<=")
        .strip()
    )


def _status_cell(text: str, norm: str) -> ParsedNumber | None:
    """Status cells (n.n.b., n.v.t., -, onbekend, lone *) occupy a column
    but must never be presented as a figure, so they get ``value=None``."""
    if re.fullmatch(r"\*", norm):
        return ParsedNumber(None, text, None, None, None, False, "*")
    m = _STATUS_RE.match(norm)
    if not m:
        return None
    raw = re.sub(r"\s", "", m.group("status").lower())
    if raw.startswith("n") and raw.replace(".", "") in ("nnb", "nvt"):
        status = "n.n.b." if raw.replace(".", "") == "nnb" else "n.v.t."
    else:
        status = STATUSES.get(raw)
        if status is None:
            return None
    return ParsedNumber(None, text, None, None, m.group("footnote"), False, status)


def _body_value(m: re.Match[str]) -> tuple[float, bool] | None:
    """Value of the number body and whether its printed form was irregular."""
    if body := m.group("nl_grouped"):
        return float(body.replace(".", "").replace(",", ".")), False
    if body := m.group("en_grouped"):
        return float(body.replace(",", "")), True
    if body := m.group("nl_decimal"):
        # "1,234" could be an English thousands group; Dutch reads 1.234.
        integer, frac = body.split(",")
        irregular = len(frac) == 3 and len(integer) <= 3 and integer != "0"
        return float(f"{integer}.{frac}"), irregular
    if body := m.group("en_decimal"):
        return float(body), True
    if body := m.group("plain"):
        return float(body), False
    return None


def parse_number(text: str) -> ParsedNumber | None:
    """Parse one table cell; ``None`` when the text is not a figure cell.

    Years (``2024``) parse as plain numbers: whether a token is a column
    header or a value is the caller's decision, not this function's.
    ``1.2.3.4`` (groups of one digit), dates, ranges (``12-34``) and text
    return ``None``: a section number or a date must never become a value.
    """
    if text is None:
        return None
    stripped = text.strip()
    norm = _normalise(stripped)
    if not norm:
        return None
    status = _status_cell(stripped, norm)
    if status is not None:
        return status
    m = _CELL_RE.match(norm)
    if not m:
        return None
    if bool(m.group("open")) != bool(m.group("close")):
        return None
    if m.group("euro1") and m.group("euro2"):
        return None
    parsed = _body_value(m)
    if parsed is None:
        return None
    value, uncertain = parsed
    negative = m.group("sign") == "-" or bool(m.group("open"))
    if m.group("sign") and m.group("open"):
        return None  # "-(5)" is not a form anyone prints
    footnote = m.group("footnote")
    if footnote and footnote.endswith(")") and not m.group("footsep"):
        return None  # "1231)" is a digit run, not 123 + footnote "1)"
    unit = "%" if m.group("percent") else ("€" if m.group("euro1") or m.group("euro2") else None)
    if m.group("percent") and (m.group("euro1") or m.group("euro2")):
        return None
    scale_word = (m.group("scale") or "").lower()
    return ParsedNumber(
        value=-value if negative else value,
        text=stripped,
        comparator=m.group("comparator"),
        unit=unit,
        footnote=footnote,
        approx=bool(m.group("approx")),
        status=None,
        scale=_SCALES.get(scale_word, 1.0),
        uncertain=uncertain,
    )


# Tokens that may join the following token into one cell ("> 80%", "ca. 310",
# "€ 375") and tokens that may join the preceding one ("43,3 %", "1,2 mln").
_PREFIX_TOKENS = re.compile(r"^(?:>=|<=|>|<|≥|≤|ca\.?|circa|±|~|€)$", re.IGNORECASE)
_SUFFIX_TOKENS = re.compile(r"^(?:%|mln\.?|miljoen|mld\.?|miljard)$", re.IGNORECASE)


def find_numbers(line: str) -> list[tuple[int, int, ParsedNumber]]:
    """Figure tokens in a line, as ``(start, end, parsed)`` spans.

    Meant for row-per-line layouts, where a row is a label followed by its
    cells. Every figure-like token is reported, including ones inside the
    label (``minimaal 1 jeugdhulpindicatie``); callers take the trailing run.

    A token joins its neighbour only for prefixes (comparator, ``ca.``,
    ``€``) and suffixes (``%``, ``mln``). A *detached* ``*`` is never read
    as a footnote of the figure before it, because in a row like
    ``290 257 * *`` each ``*`` is a placeholder cell of its own column.
    """
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", line)]
    found: list[tuple[int, int, ParsedNumber]] = []
    i = 0
    while i < len(tokens):
        start, end = tokens[i]
        j = i
        # absorb prefix tokens ("ca.", ">", "€", "€" after ">", ...)
        while j + 1 < len(tokens) and _PREFIX_TOKENS.match(line[tokens[j][0] : tokens[j][1]]):
            j += 1
        # absorb suffix tokens ("%", "mln")
        while j + 1 < len(tokens) and _SUFFIX_TOKENS.match(line[tokens[j + 1][0] : tokens[j + 1][1]]):
            j += 1
        # try the widest join first, then shrink back to the single token
        matched = False
        for k in range(j, i - 1, -1):
            span_end = tokens[k][1]
            parsed = parse_number(line[start:span_end])
            if parsed is not None:
                found.append((start, span_end, parsed))
                i = k + 1
                matched = True
                break
        if not matched:
            i += 1
    return found

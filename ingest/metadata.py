"""Document metadata from the file name and the first page, overridable by the caller.

Municipal file names usually say it all ("groningen_jaarverslag-2024_…",
"wassenaar__begroting_2025.pdf"); the content is the fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOC_TYPES = {
    "programmabegroting": "begroting",
    "begroting": "begroting",
    "jaarverslag": "jaarverslag",
    "jaarstukken": "jaarstukken",
    "jaarrekening": "jaarrekening",
    "rekening": "jaarrekening",
    "kadernota": "kadernota",
    "voorjaarsnota": "voorjaarsnota",
    "najaarsnota": "najaarsnota",
    "bestuursrapportage": "bestuursrapportage",
    "burap": "bestuursrapportage",
    "raadsvoorstel": "raadsvoorstel",
    "raadsinformatiebrief": "raadsinformatiebrief",
    "monitor": "monitor",
    "woo": "woo",
    "wob": "woo",
    "nota": "nota",
}
_NOT_MUNICIPALITIES = {"vws", "minvws", "rijksoverheid", "ministerie", "bzk", "sample", "voorbeeld"}
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
_GEMEENTE = re.compile(r"\b[Gg]emeente\s+([A-Z][a-z]+(?:[- ][A-Z][a-z]+)?)")


@dataclass(frozen=True)
class Overrides:
    title: str | None = None
    municipality: str | None = None
    doc_type: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class Guess:
    title: str
    municipality: str | None
    doc_type: str | None
    year: int | None


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[_\s.]+", Path(name).stem.lower()) if t]


def _pretty_place(words: list[str]) -> str:
    return "-".join(w.capitalize() for w in "-".join(words).split("-") if w)


def guess(file_name: str, first_text: str, parsed_title: str | None, overrides: Overrides | None = None) -> Guess:
    o = overrides or Overrides()
    tokens = _tokens(file_name)
    doc_type = None
    place: list[str] = []
    year = None
    for i, token in enumerate(tokens):
        parts = token.split("-")
        hit = next((DOC_TYPES[p] for p in parts if p in DOC_TYPES), None)
        if hit and doc_type is None:
            doc_type = hit
            place = tokens[:i]
            before = parts[: next(j for j, p in enumerate(parts) if p in DOC_TYPES)]
            place += before
            found = _YEAR.search(" ".join(tokens[i:]))
            year = int(found.group(1)) if found else None
            break
    municipality = None
    if place and not set(place) & _NOT_MUNICIPALITIES and not any(ch.isdigit() for ch in "".join(place)):
        municipality = _pretty_place(place)
    head = first_text[:4000]
    if municipality is None:
        m = _GEMEENTE.search(head)
        municipality = m.group(1) if m else None
    if doc_type is None:
        lowered = head.lower()
        doc_type = next((v for k, v in DOC_TYPES.items() if re.search(rf"\b{k}\b", lowered)), None)
    if year is None and doc_type:
        m = re.search(rf"{doc_type}\s+(20\d\d)", head, re.I)
        year = int(m.group(1)) if m else None
    municipality, doc_type, year = o.municipality or municipality, o.doc_type or doc_type, o.year or year
    title = o.title or _title(parsed_title, head, doc_type, year, municipality, file_name)
    return Guess(title=title, municipality=municipality, doc_type=doc_type, year=year)


def _title(parsed: str | None, head: str, doc_type: str | None, year: int | None, place: str | None, file_name: str) -> str:
    if doc_type and year:
        label = f"{doc_type.capitalize()} {year}"
        label = f"{label} {place}" if place else label
        first = (parsed or "").strip()
        redundant = doc_type in first.lower() and str(year) in first
        if first and not redundant and len(first) <= 90:
            return f"{label} — {first}"
        return label
    if parsed and 3 <= len(parsed) <= 160:
        return parsed.strip()
    first = next((ln.strip() for ln in head.splitlines() if len(ln.strip()) > 3), None)
    return first[:160] if first else Path(file_name).stem

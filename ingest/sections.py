"""Section paths for Dutch planning-and-control documents.

Budgets and annual reports share a skeleton: programmes, numbered headings,
the three W-questions ("Wat willen we bereiken?" …), indicator blocks, and in
web exports breadcrumb lines that spell out the whole path. Recognising that
skeleton lets every chunk and fact carry a citation a clerk can use.
"""

from __future__ import annotations

import re

from ingest.models import Line, Section

BREADCRUMB = re.compile(r"^\s*Terug naar navigatie\s*[-–]\s*(.+?)\s*$", re.I)
_NUMBERED = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.{1,110}?)\s*$")
_PROGRAMMA = re.compile(
    r"^\s*((?:Deel)?[Pp]rogramma|P)\s*(\d{1,2}(?:\.\d{1,2})?)\s*[:.\-–]?\s+([A-Z\u00C0-\u00DD].{1,100}?)\s*$"
)
_PROGRAMMA_PLAIN = re.compile(r"^\s*(?:Deel)?[Pp]rogramma\s+([A-Z\u00C0-\u00DD][\w\-]+(?:\s+[\w\-]+){0,4})\s*$")
_QUESTIONS = re.compile(
    r"^\s*(Wat (?:willen|wilden|gaan|hebben|mag|gaat|heeft|mocht) (?:we|het)\b[^?]{0,60}\?)\s*(\(.{0,40}\))?\s*$",
    re.I,
)
_KNOWN_SUBHEADINGS = {
    "beleidsindicatoren",
    "verplichte beleidsindicatoren",
    "indicatoren",
    "prestatie-indicatoren",
    "prestatie-indicator(en)",
    "effectindicatoren",
    "kengetallen",
    "relevante ontwikkelingen",
    "doelstellingen",
    "financieel overzicht",
    "financiële toelichting",
    "toelichting",
    "algemeen",
    "visie",
    "verbonden partijen",
    "beleidsvelden",
    "investeringen",
}
_LEAF = 10  # level for W-questions and known sub-headings: below any numbered heading


def _numbered_level(line: str) -> tuple[int, str] | None:
    m = _NUMBERED.match(line)
    if not m:
        return None
    number, title = m.group(1), m.group(2)
    parts = number.split(".")
    if any(int(p) > 30 for p in parts) or len(parts) == 1 and int(parts[0]) == 0:
        return None
    if not title[0].isupper() and not title[0].isdigit():
        return None
    if title.endswith((".", ";", ",", ":")) or len(title.split()) > 14:
        return None
    if len(parts) == 1:
        # "1. Participatie ..." is far more often a list item than a chapter heading
        return None
    return len(parts), f"{number} {title}".strip()


def classify(line: str) -> tuple[int, str] | None:
    """Heading level and title for a line that opens a section, else None."""
    s = line.strip()
    if not s or len(s) > 120:
        return None
    m = _PROGRAMMA.match(s)
    if m:
        word = m.group(1).lower()
        level = 2 if word.startswith("deel") or "." in m.group(2) else 1
        label = "Programma" if word == "p" else m.group(1)
        return level, f"{label} {m.group(2)} {m.group(3)}".strip()
    m = _PROGRAMMA_PLAIN.match(s)
    if m and not s.endswith("."):
        return (2 if s.lower().startswith("deel") else 1), s
    q = _QUESTIONS.match(s)
    if q:
        return _LEAF, re.sub(r"\s+\?", "?", q.group(1))
    if s.lower().rstrip(":") in _KNOWN_SUBHEADINGS:
        return _LEAF, s.rstrip(":")
    return _numbered_level(s)


class _Path:
    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []

    def push(self, level: int, title: str) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title))

    def breadcrumb(self, parts: list[str]) -> None:
        """A breadcrumb is authoritative: it replaces the path below its first numbered part."""
        first = classify(parts[0])
        if first and first[0] < _LEAF:
            self.push(first[0], first[1])
            base = first[0]
            rest = parts[1:]
        else:
            base = max((lvl for lvl, _ in self.stack if lvl < _LEAF), default=0)
            rest = parts
            while self.stack and self.stack[-1][0] > base:
                self.stack.pop()
        for offset, part in enumerate(rest, start=1):
            self.push(max(base, _LEAF - 1) + offset, part)

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(title for _, title in self.stack)


def split_sections(lines: list[Line], headings: dict[int, int] | None = None, root: str | None = None) -> list[Section]:
    """Group lines into sections; heading and breadcrumb lines open sections and are not body text.

    `headings` are explicit levels (HTML h1–h4, Markdown #); there the Dutch
    rules still apply to the remaining lines, below the explicit level.
    """
    headings = headings or {}
    path = _Path()
    if root:
        path.push(0, root)
    sections: list[Section] = [Section(path=path.path)]
    explicit_base = 0

    def open_section() -> None:
        if sections[-1].path == path.path:
            return
        if not any(ln.text.strip() for ln in sections[-1].lines):
            sections.pop()
        sections.append(Section(path=path.path))

    for index, line in enumerate(lines):
        text = line.text.strip()
        if index in headings:
            explicit_base = headings[index]
            path.push(headings[index], text)
            open_section()
            continue
        crumb = BREADCRUMB.match(text)
        if crumb:
            parts = [p.strip() for p in re.split(r"\s+[-–]\s+", crumb.group(1)) if p.strip()]
            if parts:
                path.breadcrumb(parts)
                open_section()
            continue
        heading = classify(text)
        if heading:
            level, title = heading
            if headings and level < _LEAF:
                level = explicit_base + level
            path.push(level, title)
            open_section()
            continue
        sections[-1].lines.append(line)
    if sections and not any(ln.text.strip() for ln in sections[-1].lines):
        sections.pop()
    return [s for s in sections if any(ln.text.strip() for ln in s.lines)]

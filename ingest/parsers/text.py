"""Plain text and Markdown → lines; Markdown '#' headings are explicit headings."""

from __future__ import annotations

import re

from ingest.errors import IngestError
from ingest.models import Line
from ingest.parsers.base import ParsedFile

_MD_HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 first (with or without BOM), then cp1252, which Dutch exports still use."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(f"{name}: the text is neither UTF-8 nor Windows-1252", code="bad_encoding")


def parse_text(data: bytes, name: str, *, markdown: bool = False) -> ParsedFile:
    text = decode_text(data, name)
    if "\x00" in text:
        raise IngestError(f"{name}: binary content in a text file", code="binary_content")
    lines: list[Line] = []
    headings: dict[int, int] = {}
    for raw in text.splitlines():
        m = _MD_HEADING.match(raw) if markdown else None
        if m:
            headings[len(lines)] = len(m.group(1))
            lines.append(Line(text=m.group(2)))
        else:
            lines.append(Line(text=raw.rstrip()))
    first = next((ln.text.strip() for ln in lines if ln.text.strip()), None)
    return ParsedFile(lines=lines, headings=headings, title=first, media_type="text/markdown" if markdown else "text/plain")

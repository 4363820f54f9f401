"""Footnote lines printed below a table (``* Betreft …``), so a fact's mark
resolves to its own table's definition.
"""

from __future__ import annotations

from ingest.tables.builder import _Builder
from ingest.tables.stream import _Ln
from ingest.tables.vocab import _FOOTNOTE_DEF_RE


def _footnote_def(text: str) -> tuple[str, str] | None:
    m = _FOOTNOTE_DEF_RE.match(text.strip())
    if not m:
        return None
    return m.group(1), text.strip()


def _collect_footnotes(stream: list[_Ln], j: int, builder: _Builder) -> int:
    """Footnote lines below a table: ``* Betreft …``, ``** “De Monitor …``."""
    last: str | None = None
    while j < len(stream):
        text = stream[j].text.strip()
        if not text:
            j += 1
            # a blank line ends the footnotes unless another definition follows
            if j < len(stream) and _footnote_def(stream[j].text.strip()):
                continue
            break
        definition = _footnote_def(text)
        if definition:
            last = definition[0]
            builder.footnotes.setdefault(last, definition[1])
        elif last and text[:1].islower() and not builder.footnotes[last].endswith((".", "”", '"')):
            builder.footnotes[last] += " " + text  # a wrapped footnote line
        else:
            break
        j += 1
    return j

"""Dutch text normalisation so both indexes see the words a reader sees.

PDFs bring ligatures (ﬁ), soft hyphens, no-break spaces and words broken at
the line end ("verant-" / "woordelijk"); left alone they split one word into
tokens no query will ever match.
"""

from __future__ import annotations

import re
import unicodedata

from ingest.models import Line

_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"[\u00a0\u2007\u202f\u2009\u200a\t]+")
# a suspended hyphen ("dak- en thuislozen") is not a line-end word break
_SUSPENDED = {"en", "of", "tot", "t/m", "noch"}
_BROKEN = re.compile(r"([A-Za-zÀ-ÿ]{2,})-$")
_NEXT_WORD = re.compile(r"^([a-zà-ÿ][\wÀ-ÿ]*)(.*)$")


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    for lig, plain in _LIGATURES.items():
        text = text.replace(lig, plain)
    text = text.translate(_INVISIBLE)
    return _SPACES.sub(" ", text)


def normalize_lines(lines: list[Line]) -> list[Line]:
    """Normalise characters and rejoin words hyphenated across a line end (same page only)."""
    out: list[Line] = [Line(normalize_text(ln.text), ln.page, ln.page_label) for ln in lines]
    for i in range(len(out) - 1):
        cur, nxt = out[i], out[i + 1]
        m = _BROKEN.search(cur.text.rstrip())
        if not m or cur.page != nxt.page:
            continue
        n = _NEXT_WORD.match(nxt.text.lstrip())
        if not n or n.group(1).lower() in _SUSPENDED:
            continue
        out[i] = Line(cur.text.rstrip()[:-1] + n.group(1), cur.page, cur.page_label)
        out[i + 1] = Line(n.group(2).lstrip(), nxt.page, nxt.page_label)
    return out

"""Text-layer checks: a page whose text is missing or glyph garbage must never be indexed.

A PDF with a broken font map extracts as "/1/2/3..." or as letter soup;
indexing that would put noise into both indexes and, worse, digits that look
like figures. We judge each page on what pypdf gives back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_GLYPH_CODES = re.compile(r"(?:/(?:[A-Za-z]{1,3})?\d{1,4})+|\(cid:\d+\)|/uni[0-9A-Fa-f]{4}")
_WORD = re.compile(r"[^\W\d_]{4,}")
_VOWELS = set("aeiouyáàâäéèêëíìîïóòôöúùûüý")


@dataclass(frozen=True)
class PageQuality:
    usable: bool
    reason: str | None  # "no_text_layer" | "garbage_text" | "blank" | None
    detail: str = ""


def _bad_char(ch: str) -> bool:
    if ch == "\ufffd":
        return True
    cat = unicodedata.category(ch)
    return cat in ("Co", "Cs") or (cat == "Cc" and ch not in "\n\t\r")


def garbage_ratio(text: str) -> float:
    """Share of non-space characters that are glyph codes or unprintable."""
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return 0.0
    coded = sum(len(m.group(0)) for m in _GLYPH_CODES.finditer(text))
    bad = sum(1 for c in visible if _bad_char(c))
    return min(1.0, (coded + bad) / len(visible))


def vowelless_ratio(text: str) -> float:
    """Dutch words nearly always carry a vowel; letter soup from a bad font map does not."""
    words = _WORD.findall(text)
    if len(words) < 8:
        return 0.0
    without = sum(1 for w in words if not (set(w.lower()) & _VOWELS))
    return without / len(words)


def judge_page(text: str, has_images: bool) -> PageQuality:
    stripped = text.strip()
    if len(stripped) < 3:
        if has_images:
            return PageQuality(False, "no_text_layer", "image-only page")
        return PageQuality(False, "blank")
    g = garbage_ratio(stripped)
    if g > 0.3:
        return PageQuality(False, "garbage_text", f"{g:.0%} glyph codes")
    v = vowelless_ratio(stripped)
    if v > 0.5:
        return PageQuality(False, "garbage_text", f"{v:.0%} words without vowels")
    return PageQuality(True, None)

"""Matching text for indicator names, shared with the PDF reader so a
question meets a row however either spells it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=8192)
def normalise_key(text: str) -> str:
    """Matching text: lowercase, accents folded, punctuation dropped.

    ``Cliënten`` and ``clienten`` must meet, and ``- Aantal verwijzingen*``
    must match a question about "aantal verwijzingen".
    """
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    folded = re.sub(r"[^\w\s]|_", " ", folded)
    return " ".join(folded.split())

"""BM25 over chunks with Dutch stemming; numbers and years stay whole tokens.

bm25s has no incremental add, so the index is rebuilt from the chunk store
after each write (milliseconds at this corpus size, seconds at 100k chunks)
and saved beside Chroma. Scores for all documents come back as one array,
which makes metadata filtering a mask instead of a second query.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_DUTCH

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

# the classic Snowball Dutch stemmer conflates "daklozen"/"dakloze" and
# "meldingen"/"melding"; PyStemmer's newer "dutch" does not
_stemmer = Stemmer.Stemmer("dutch_porter")
_STOP = frozenset(STOPWORDS_DUTCH) | {"hoeveel", "welk", "welke", "wat", "waar", "wanneer", "hoe", "waren", "wordt", "werd"}
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")


def fold(text: str) -> str:
    """Lowercase and drop diacritics: 'geïnformeerd' and 'geinformeerd' are one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for tok in _TOKEN.findall(fold(text)):
        if tok[0].isdigit():
            tokens.append(tok)
            plain = tok.replace(".", "")
            if plain != tok and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", tok):
                tokens.append(plain)  # "1.336" also matches a query typed as "1336"
        elif tok not in _STOP and len(tok) > 1:
            tokens.append(_stem(tok))
    return tokens


class LexicalIndex:
    def __init__(self, ids: list[str], model: bm25s.BM25 | None):
        self.ids = ids
        self.model = model
        self._position = {doc_id: i for i, doc_id in enumerate(ids)}

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> LexicalIndex:
        if not ids:
            return cls([], None)
        model = bm25s.BM25()
        corpus = [tokenize(t) or ["\u2205"] for t in texts]
        model.index(corpus, show_progress=False)
        return cls(list(ids), model)

    def save(self, directory: Path) -> None:
        tmp = directory.with_name(directory.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        if self.model is not None:
            self.model.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps(self.ids))
        if directory.exists():
            old = directory.with_name(directory.name + ".old")
            if old.exists():
                _rmtree(old)
            directory.rename(old)
            tmp.rename(directory)
            _rmtree(old)
        else:
            tmp.rename(directory)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        ids = json.loads((directory / "ids.json").read_text())
        model = bm25s.BM25.load(str(directory), show_progress=False) if ids else None
        return cls(ids, model)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        if self.model is None:
            return []
        tokens = tokenize(query)
        if not tokens:
            return []
        words = [t for t in tokens if not t[0].isdigit()]
        numbers = [t for t in tokens if t[0].isdigit()]
        if words and numbers:
            # "in 2024" appears in half of any budget; let it break ties, not outrank the subject
            scores = np.asarray(self.model.get_scores(words), dtype=np.float32)
            scores += 0.25 * np.asarray(self.model.get_scores(numbers), dtype=np.float32)
        else:
            scores = np.asarray(self.model.get_scores(tokens), dtype=np.float32)
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            for doc_id in allowed:
                pos = self._position.get(doc_id)
                if pos is not None:
                    mask[pos] = True
            scores = np.where(mask, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size == 0:
            return []
        top = candidates[np.argsort(-scores[candidates], kind="stable")[:k]]
        return [(self.ids[i], float(scores[i])) for i in top]


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)

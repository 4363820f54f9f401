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
from array import array
from collections.abc import Iterable
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
    def build(cls, ids: list[str], texts: Iterable[str]) -> LexicalIndex:
        """BM25 over `texts`, one document per id, in a memory-frugal way.

        Handing bm25s lists of token strings costs ≈4× the finished index at 100k chunks:
        it keeps those lists, a second copy as lists of ids and an int64 sort of every
        posting at once (a ≈370 MB peak). Here each text becomes its token ids as soon as
        it is tokenized (a 4-byte array, no strings kept), and the postings are put in
        column order by a stable sort of the column alone. bm25s still computes every
        score, so the index is the same; only its (arbitrary) token numbering differs.
        """
        if not ids:
            return cls([], None)
        vocab: dict[str, int] = {}
        corpus: list[array] = []
        for text in texts:
            tokens = tokenize(text) or ["\u2205"]
            corpus.append(array("i", [vocab.setdefault(t, len(vocab)) for t in tokens]))
        model = bm25s.BM25()
        model._np_csc = _csc_by_column  # bm25s's own hook (activate_numba_csc swaps it the same way)
        model.index((corpus, vocab), show_progress=False)
        del model._np_csc
        return cls(list(ids), model)

    def save(self, directory: Path) -> None:
        import tempfile

        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=directory.name + ".tmp-", dir=directory.parent))
        if self.model is not None:
            self.model.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps(self.ids))
        if directory.exists():
            old = Path(tempfile.mkdtemp(prefix=directory.name + ".old-", dir=directory.parent))
            old.rmdir()
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

    def search(self, query: str, k: int, allowed: set[str] | frozenset[str] | None = None) -> list[tuple[str, float]]:
        """Top-k (id, score), best first, ties in index order; `allowed` restricts to those ids.

        Scoring 100k chunks takes ≈1 ms, but building the filter mask from a 50k-id set
        in Python took ≈50 ms and a full sort of every scoring chunk ≈10 ms. The mask is
        therefore cached per `allowed` object (the store hands out the same frozenset
        for a filter until its generation changes), and only the top k are sorted.
        """
        if self.model is None or k <= 0:
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
            scores = np.where(self._mask(allowed), scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size == 0:
            return []
        values = scores[candidates]
        if candidates.size > k:
            # the same k a stable full sort keeps: everything above the k-th score, then ties in index order
            kth = np.partition(values, candidates.size - k)[candidates.size - k]
            above = values > kth
            tied = np.flatnonzero(values == kth)[: k - int(above.sum())]
            keep = np.sort(np.concatenate([np.flatnonzero(above), tied]))
            candidates, values = candidates[keep], values[keep]
        top = candidates[np.argsort(-values, kind="stable")[:k]]
        return [(self.ids[i], float(scores[i])) for i in top]

    def _mask(self, allowed: set[str] | frozenset[str]) -> np.ndarray:
        """Boolean mask over positions; the last few are kept, keyed by the set's identity (held, so ids stay unique)."""
        masks: dict[int, tuple[set[str] | frozenset[str], np.ndarray]] = self.__dict__.setdefault("_masks", {})
        found = masks.get(id(allowed))
        if found is not None and found[0] is allowed:
            return found[1]
        positions = [p for p in map(self._position.get, allowed) if p is not None]
        mask = np.zeros(len(self.ids), dtype=bool)
        mask[np.asarray(positions, dtype=np.intp)] = True
        if isinstance(allowed, frozenset):  # a mutable set may change under the same identity: never cache it
            if len(masks) >= 8:
                masks.pop(next(iter(masks)), None)
            masks[id(allowed)] = (allowed, mask)
        return mask


def _csc_by_column(data: np.ndarray, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int],
                   block: int = 1 << 18) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """bm25s's CSC arrays (postings by column, then row) without sorting every posting at once.

    bm25s's own builder holds four int64 arrays as long as all postings (≈150 MB at 100k
    chunks). bm25s emits postings document by document, so rows never decrease and a
    stable sort on the column gives its (column, row) order; that sort is done for a few
    columns at a time (about `block` postings), straight into the output arrays.
    """
    if rows.size > 1 and bool(np.any(rows[1:] < rows[:-1])):  # not bm25s's order: use its own builder
        from bm25s.scoring import _np_csc_python

        return _np_csc_python(data, rows, cols, shape)
    indptr = np.zeros(shape[1] + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=shape[1]), out=indptr[1:])
    out_data, out_rows = np.empty_like(data), np.empty_like(rows)
    first = 0
    while first < shape[1]:
        # columns [first, last) hold about `block` postings (at least one column)
        last = max(first + 1, int(np.searchsorted(indptr, indptr[first] + block, side="right")) - 1)
        last = min(last, shape[1])
        lo, hi = int(indptr[first]), int(indptr[last])
        if hi > lo:
            picked = np.flatnonzero((cols >= first) & (cols < last))
            picked = picked[np.argsort(cols[picked], kind="stable")]
            out_data[lo:hi] = data[picked]
            out_rows[lo:hi] = rows[picked]
        first = last
    return out_data, out_rows, indptr


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)

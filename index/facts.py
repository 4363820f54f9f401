"""Fact search: which indicator a Dutch question is about, ranked over every stored fact.

Labels are matched two ways. Lexically, with the same Dutch stemming as BM25
plus compound matching ("bijstand" inside "bijstandsuitkering"), weighted by
how rare a word is among labels. Semantically, with the embedding of the
label, so "daklozen" also finds "dakloze personen" and paraphrases score.
The label vectors are computed once per label at ingest and kept in SQLite.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass

import numpy as np

from index.lexical import tokenize

_COMPOUND_MIN = 4  # shortest stem that may match inside a compound


def label_text(fact: dict) -> str:
    """What a fact's indicator is called in full: row, its group and its table."""
    parts = [fact.get("indicator") or ""]
    for extra in (fact.get("row_group"), fact.get("table_title")):
        if extra and extra.strip() and extra.strip().lower() not in " ".join(parts).lower():
            parts.append(extra.strip())
    return " — ".join(p for p in parts if p)


_DOUBLE_VOWEL = re.compile(r"([aeou])\1")


def canon(token: str) -> str:
    """Undo Dutch spelling alternations the stemmer leaves: totaal/totale, dakloos/daklozen."""
    token = _DOUBLE_VOWEL.sub(r"\1", token)
    if token.endswith("z"):
        token = token[:-1] + "s"
    elif token.endswith("v"):
        token = token[:-1] + "f"
    return token


# "P2 Mens en maatschappij" in a budget table is what a question calls "programma 2"
_PROGRAMME = re.compile(r"\b(?:p|progr\.?|programma|programma's)\s?(\d{1,2})\b", re.I)


def programme_tokens(text: str) -> list[str]:
    """One token per programme number named in `text` ("P2", "programma 2" → "programma2")."""
    return [f"programma{int(n)}" for n in _PROGRAMME.findall(text)]


def canon_tokens(text: str) -> set[str]:
    return {canon(t) for t in tokenize(text)} | set(programme_tokens(text))


def _token_match(q: str, label_tokens: set[str]) -> float:
    if q in label_tokens:
        return 1.0
    if len(q) >= _COMPOUND_MIN and not q[0].isdigit():
        for t in label_tokens:
            if len(t) >= _COMPOUND_MIN and (q in t or t in q):
                return 0.8
    return 0.0


def _context(fact: dict) -> str:
    section = (fact.get("section") or "").split(" › ")
    return " ".join([fact.get("unit") or "", *section[-2:]])


@dataclass
class LabelScore:
    label: str
    lexical: float  # weighted share of the question's content words found in the label
    semantic: float  # cosine of question and label embeddings
    score: float


class FactIndex:
    """In-memory view over the ready facts; rebuilt after every write."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.facts: list[dict] = []
        self.labels: list[str] = []
        self.label_tokens: list[set[str]] = []
        self.context_tokens: list[set[str]] = []  # unit and section words: weaker evidence than the label
        self.by_label: dict[str, list[int]] = {}
        self.matrix: np.ndarray = np.zeros((0, 0), dtype=np.float32)
        self.df: Counter[str] = Counter()

    def load(self, facts: list[dict], vectors: dict[str, np.ndarray]) -> None:
        by_label: dict[str, list[int]] = {}
        for i, fact in enumerate(facts):
            by_label.setdefault(label_text(fact), []).append(i)
        labels = list(by_label)
        tokens = [canon_tokens(label) for label in labels]
        context = [
            set().union(*(canon_tokens(_context(facts[i])) for i in by_label[label])) - tokens[n]
            for n, label in enumerate(labels)
        ]
        df: Counter[str] = Counter()
        for toks in tokens:
            df.update(toks)
        dim = next((v.shape[0] for v in vectors.values()), 0)
        matrix = np.zeros((len(labels), dim), dtype=np.float32)
        for i, label in enumerate(labels):
            if label in vectors:
                matrix[i] = vectors[label]
        with self._lock:
            self.facts, self.labels, self.label_tokens, self.context_tokens = facts, labels, tokens, context
            self.by_label, self.matrix, self.df = by_label, matrix, df

    def _weight(self, token: str) -> float:
        n = max(1, len(self.labels))
        return math.log(1.0 + n / (1.0 + self.df.get(token, 0)))

    def rank_labels(self, content_tokens: list[str], query_vector: np.ndarray | None, allowed: set[int] | None = None) -> list[LabelScore]:
        with self._lock:
            labels, tokens, context, matrix = self.labels, self.label_tokens, self.context_tokens, self.matrix
            by_label = self.by_label
        content_tokens = [canon(t) for t in content_tokens]
        if not labels:
            return []
        weights = [self._weight(t) for t in content_tokens]
        total = sum(weights) or 1.0
        if query_vector is not None and matrix.size:
            cosines = matrix @ query_vector
        else:
            cosines = np.zeros(len(labels), dtype=np.float32)
        ranked: list[LabelScore] = []
        for i, label in enumerate(labels):
            if allowed is not None and not any(f in allowed for f in by_label[label]):
                continue
            lexical = sum(
                w * max(_token_match(t, tokens[i]), 0.5 * _token_match(t, context[i]))
                for t, w in zip(content_tokens, weights)
            ) / total
            ranked.append(LabelScore(label, lexical, float(cosines[i]), 0.0))
        if not ranked:
            return []
        sims = np.array([r.semantic for r in ranked], dtype=np.float32)
        top, floor = float(sims.max()), float(np.median(sims))
        spread = max(top - floor, 1e-6)
        for r in ranked:
            # cosines from e5 are high for everything; only their position relative to the others means something
            relative = max(0.0, (r.semantic - floor) / spread)
            r.score = r.lexical + 0.35 * relative
        ranked.sort(key=lambda r: -r.score)
        return ranked

    def facts_for(self, label: str) -> list[dict]:
        with self._lock:
            return [self.facts[i] for i in self.by_label.get(label, [])]

    def indices(self, predicate) -> set[int]:
        with self._lock:
            return {i for i, fact in enumerate(self.facts) if predicate(fact)}

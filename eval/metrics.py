"""Pure scoring functions: relevance, ranks, and the metrics over them.

Definitions (used everywhere in the harness):

- A *rank* is the 1-based position of the first relevant passage in the list
  a system returned, or None when none of them is relevant. The position is
  the order the system returned — equal scores are not merged, because that
  order is what a reader sees. Only the first relevant passage counts: a
  second relevant passage further down adds nothing (a splitter with overlap
  would otherwise score twice for the same sentence).
- A passage is *relevant* when its file name contains one of
  `expect.documents` and its text contains one of `expect.contains`, both
  compared whitespace-normalised and case-insensitively (NFKC first, so the
  same letters typed differently still match).
- Every metric returns a MetricResult: the mean over questions and the score
  of each question in input order. The mean of no questions is None
  (undefined), not 0.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import NamedTuple


class MetricResult(NamedTuple):
    mean: float | None
    scores: list[float]


def _mean(scores: list[float]) -> MetricResult:
    return MetricResult(sum(scores) / len(scores) if scores else None, scores)


def _check_k(k: int) -> None:
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")


def _check_rank(rank: int | None) -> None:
    if rank is not None and (not isinstance(rank, int) or rank < 1):
        raise ValueError(f"a rank is a 1-based position or None, got {rank!r}")


# -- relevance -----------------------------------------------------------------
def normalize_text(text: str) -> str:
    """NFKC, case-folded, every run of whitespace one space."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def from_document(file: str, documents: Iterable[str]) -> bool:
    """The file name contains one of the expected document names (case-insensitive)."""
    name = (file or "").casefold()
    return any(d.casefold() in name for d in documents)


def is_relevant(file: str, text: str, documents: Iterable[str], contains: Iterable[str]) -> bool:
    if not from_document(file, documents):
        return False
    body = normalize_text(text or "")
    return any(normalize_text(c) in body for c in contains)


def first_relevant_rank(flags: Sequence[bool]) -> int | None:
    """1-based position of the first True, or None."""
    for position, relevant in enumerate(flags, start=1):
        if relevant:
            return position
    return None


# -- passage metrics -------------------------------------------------------------
def recall_at_k(ranks: Sequence[int | None], k: int) -> MetricResult:
    """Per question 1.0 when the first relevant passage is within the top k, else 0.0."""
    _check_k(k)
    scores = []
    for rank in ranks:
        _check_rank(rank)
        scores.append(1.0 if rank is not None and rank <= k else 0.0)
    return _mean(scores)


def mrr(ranks: Sequence[int | None], k: int = 10) -> MetricResult:
    """Reciprocal rank of the first relevant passage, 0 beyond k or when there is none."""
    _check_k(k)
    scores = []
    for rank in ranks:
        _check_rank(rank)
        scores.append(1.0 / rank if rank is not None and rank <= k else 0.0)
    return _mean(scores)


def ndcg(ranks: Sequence[int | None], k: int = 10) -> MetricResult:
    """nDCG@k with binary relevance and one relevant passage per question.

    DCG = 1 / log2(rank + 1) for the first relevant passage; the ideal list has
    it at rank 1 (IDCG = 1), so nDCG = 1 / log2(rank + 1), and 0 beyond k.
    Further relevant passages are not counted (see the module docstring).
    """
    _check_k(k)
    scores = []
    for rank in ranks:
        _check_rank(rank)
        scores.append(1.0 / math.log2(rank + 1) if rank is not None and rank <= k else 0.0)
    return _mean(scores)


def accuracy(hits: Sequence[bool]) -> MetricResult:
    """Share of True; per question 1.0 or 0.0."""
    return _mean([1.0 if hit else 0.0 for hit in hits])


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0–100) with linear interpolation between order statistics
    (numpy's default); None for no values."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p!r}")
    if not values:
        return None
    xs = sorted(float(v) for v in values)
    position = (len(xs) - 1) * p / 100.0
    lo = math.floor(position)
    hi = math.ceil(position)
    return xs[lo] + (xs[hi] - xs[lo]) * (position - lo)


# -- figures ---------------------------------------------------------------------
def values_equal(a: float | int | None, b: float | int | None) -> bool:
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return False
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return abs(fa - fb) <= 1e-9 * max(1.0, abs(fa), abs(fb))


def dutch_number(value: float | int) -> str:
    """A number as Dutch documents print it: 1336 → "1.336", 8.4 → "8,4", -39524 → "-39.524"."""
    text = format(Decimal(repr(float(value))) if not float(value).is_integer() else Decimal(int(value)), "f")
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    fraction = fraction.rstrip("0")
    return sign + ".".join(groups) + ("," + fraction if fraction else "")


def figure_variants(value: float | int) -> list[str]:
    """The ways a figure may stand in a passage, sign dropped (tables print lasten unsigned).

    Dutch grouping ("1.336") and ungrouped ("1336"); for a whole multiple of
    1.000 also the figure in thousands, as an "x € 1.000" table prints it
    (370992000 → "370.992"), but only while that still has three digits or
    more, so 26000 does not turn into every "26" in a text.
    """
    magnitude = abs(float(value))
    out = [dutch_number(magnitude)]
    if magnitude.is_integer():
        out.append(str(int(magnitude)))
        if magnitude >= 100_000 and int(magnitude) % 1000 == 0:
            thousands = int(magnitude) // 1000
            out.extend([dutch_number(thousands), str(thousands)])
    return list(dict.fromkeys(out))


def figure_pattern(values: Iterable[float | int]) -> re.Pattern[str] | None:
    """A regex finding any variant of any value as a whole number (not inside 2026, 1.026 or 26,5)."""
    variants = sorted({v for value in values for v in figure_variants(value)}, key=len, reverse=True)
    if not variants:
        return None
    alternatives = "|".join(re.escape(v) for v in variants)
    return re.compile(rf"(?<!\d)(?<!\d[.,])(?:{alternatives})(?!\d)(?![.,]\d)")


def contains_figure(text: str, values: Iterable[float | int]) -> bool:
    pattern = figure_pattern(values)
    return bool(pattern and pattern.search(normalize_text(text or "")))


def shows_figure(file: str, text: str, documents: Iterable[str], values: Iterable[float | int]) -> bool:
    """A passage from an expected document that prints one of the expected values."""
    return from_document(file, documents) and contains_figure(text, values)


def answer_correct(answer: dict | None, documents: Sequence[str], values: Sequence[float], year: int | None,
                   conflict: bool = False) -> bool:
    """The README's rule: value in values, year equal, one citation from an expected document;
    where the sources disagree (conflict) the answer must say so with alternatives."""
    if not answer:
        return False
    if not any(values_equal(answer.get("value"), v) for v in values):
        return False
    if answer.get("year") != year:
        return False
    if not any(from_document((c or {}).get("file") or "", documents) for c in answer.get("citations") or []):
        return False
    if conflict and not (answer.get("conflict") is True and answer.get("alternatives")):
        return False
    return True


def conflict_detected(answer: dict | None, values: Sequence[float]) -> bool:
    """For a question whose sources disagree: the answer says so (conflict, alternatives)
    and names an expected value, as its own value or one of the alternatives."""
    if not answer or answer.get("conflict") is not True or not answer.get("alternatives"):
        return False
    shown = [answer.get("value")] + [(a or {}).get("value") for a in answer["alternatives"]]
    return any(values_equal(s, v) for s in shown for v in values)


def indicator_rank(indicators: Sequence[dict], values: Sequence[float], year: int | None) -> int | None:
    """1-based position of the first indicator fact with an expected value and the expected year."""
    return first_relevant_rank(
        [f.get("year") == year and any(values_equal(f.get("value"), v) for v in values) for f in indicators]
    )


__all__ = [
    "MetricResult",
    "accuracy",
    "answer_correct",
    "conflict_detected",
    "contains_figure",
    "dutch_number",
    "figure_pattern",
    "figure_variants",
    "first_relevant_rank",
    "from_document",
    "indicator_rank",
    "is_relevant",
    "mrr",
    "ndcg",
    "normalize_text",
    "percentile",
    "recall_at_k",
    "shows_figure",
    "values_equal",
]

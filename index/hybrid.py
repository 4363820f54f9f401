"""Reciprocal-rank fusion: pure, so it can be tested by hand.

RRF needs no score calibration between BM25 and cosine (e5's cosines are high
for everything), only ranks; k=60 is the value from Cormack et al. (2009).
"""

from __future__ import annotations

from collections.abc import Sequence


def rrf(rankings: Sequence[Sequence[str]], k: int = 60, weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    """Fuse ranked id lists; ties keep the order of first appearance, so results are deterministic."""
    if weights is not None and len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[str, float] = {}
    for r, ranking in enumerate(rankings):
        w = 1.0 if weights is None else weights[r]
        seen: set[str] = set()
        for doc_id in ranking:
            if doc_id in seen:
                continue  # a repeated id keeps its best rank and does not push the others down
            seen.add(doc_id)
            scores[doc_id] = scores.get(doc_id, 0.0) + w / (k + len(seen))
    order = {doc_id: i for i, doc_id in enumerate(scores)}
    return sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))

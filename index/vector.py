"""Chroma: client factory (embedded or server) and the chunk collection.

Vectors are always computed by us and passed in; Chroma's default embedding
function would try to download a model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from index.settings import Settings

log = logging.getLogger(__name__)


def make_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    path = Path(settings.data_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


@dataclass(frozen=True)
class VectorHit:
    id: str
    distance: float


class VectorIndex:
    def __init__(self, client, name: str, batch_size: int | None = None):
        self.client = client
        self.collection = client.get_or_create_collection(
            name=name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        try:
            self.max_batch = int(client.get_max_batch_size())
        except Exception:
            self.max_batch = 1000
        if batch_size:
            self.max_batch = min(self.max_batch, batch_size)

    def probe(self) -> None:
        """Touch the HNSW segment once so a damaged index fails at start-up, not on a user's query."""
        if self.collection.count():
            got = self.collection.get(limit=1, include=["embeddings"])
            if got["embeddings"] is None or len(got["embeddings"]) == 0:
                raise RuntimeError("Chroma returned no vector for a stored id")
            self.collection.query(query_embeddings=[list(got["embeddings"][0])], n_results=1, include=[])

    def close(self) -> None:
        """Release Chroma's per-path system so the folder can be reopened (or replaced) in this process."""
        close = getattr(self.client, "close", None)
        if close is not None:
            close()

    def count(self) -> int:
        return self.collection.count()

    def upsert(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict], progress=None) -> None:
        """Batches are not atomic together; the caller's pending row is what makes the whole all-or-nothing."""
        total = (len(ids) + self.max_batch - 1) // self.max_batch
        vectors = np.asarray(vectors, dtype=np.float32)
        for number, start in enumerate(range(0, len(ids), self.max_batch), start=1):
            end = start + self.max_batch
            self.collection.upsert(
                ids=ids[start:end],
                # float32 rows as they are: Chroma turns lists back into float32 arrays, so
                # `.tolist()` only added a Python float per value (≈10 MB per 1000 vectors)
                embeddings=vectors[start:end],
                metadatas=metadatas[start:end],
            )
            if progress is not None:
                progress(number, total)

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), self.max_batch):
            got = self.collection.get(ids=ids[start : start + self.max_batch], include=["embeddings"])
            for chunk_id, vec in zip(got["ids"], got["embeddings"]):
                found[chunk_id] = np.asarray(vec, dtype=np.float32)
        return found

    def delete_ids(self, ids: list[str]) -> None:
        for start in range(0, len(ids), self.max_batch):
            self.collection.delete(ids=ids[start : start + self.max_batch])

    def all_ids(self) -> set[str]:
        found: set[str] = set()
        offset = 0
        while True:
            got = self.collection.get(include=[], limit=self.max_batch, offset=offset)["ids"]
            found.update(got)
            if len(got) < self.max_batch:
                return found
            offset += len(got)

    def query(
        self,
        vector: np.ndarray,
        k: int,
        where: dict | None = None,
        *,
        allowed: set[str] | frozenset[str] | None = None,
        population: int | None = None,
    ) -> list[VectorHit]:
        """The k nearest vectors, nearest first; with a filter only ids the filter admits.

        Chroma's own filtered query scans its metadata first and grows with what the
        filter admits (≈0.5 s at 100k chunks for a 50 % filter, against ≈5 ms for an
        unfiltered query of 200). So when the caller passes `allowed` (the admitted ids)
        and `population` (how many vectors there are), a broad filter is answered by one
        unfiltered query for k / share × 2 candidates, post-filtered; that is used only
        while it fetches fewer candidates than the filter admits. When too few survive
        (the query's neighbourhood lies outside the filter) or the filter is selective,
        Chroma's `where` answers, so results stay those of a filtered search.
        """
        if k <= 0:
            return []
        if allowed is not None and population and where is not None:
            if not allowed:
                return []
            wanted = int(k * population / len(allowed) * _OVERSAMPLE) + 1
            if wanted <= min(len(allowed), _MAX_CANDIDATES):
                hits = self._query(vector, wanted, None)
                kept = [h for h in hits if h.id in allowed]
                if len(kept) >= k or len(hits) < wanted:  # enough, or Chroma had no more to give
                    return kept[:k]
        return self._query(vector, k, where)

    def _query(self, vector: np.ndarray, k: int, where: dict | None) -> list[VectorHit]:
        try:
            result = self.collection.query(
                query_embeddings=[vector.tolist()],
                n_results=k,
                where=where or None,
                include=["distances"],
            )
        except Exception:
            # an empty collection answers with no hits here; a server might refuse instead. count()
            # costs ≈15 ms at 100k, so it is asked only on this path, not before every query
            if self.count() == 0:
                return []
            raise
        ids = result["ids"][0]
        distances = result["distances"][0] if result.get("distances") else [0.0] * len(ids)
        return [VectorHit(i, float(d)) for i, d in zip(ids, distances)]


_OVERSAMPLE = 2.0  # candidates per wanted hit, over the filter's share: a binomial margin for uneven filters
_MAX_CANDIDATES = 10_000  # beyond this an unfiltered query costs more than Chroma's filtered one

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
    def __init__(self, client, name: str):
        self.client = client
        self.collection = client.get_or_create_collection(
            name=name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        try:
            self.max_batch = int(client.get_max_batch_size())
        except Exception:
            self.max_batch = 1000

    def count(self) -> int:
        return self.collection.count()

    def upsert(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict]) -> None:
        for start in range(0, len(ids), self.max_batch):
            end = start + self.max_batch
            self.collection.upsert(
                ids=ids[start:end],
                embeddings=vectors[start:end].tolist(),
                metadatas=metadatas[start:end],
            )

    def existing(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), self.max_batch):
            got = self.collection.get(ids=ids[start : start + self.max_batch], include=[])
            found.update(got["ids"])
        return found

    def delete_document(self, document_id: str) -> None:
        self.collection.delete(where={"document_id": document_id})

    def delete_ids(self, ids: list[str]) -> None:
        for start in range(0, len(ids), self.max_batch):
            self.collection.delete(ids=ids[start : start + self.max_batch])

    def all_ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def query(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[VectorHit]:
        if self.count() == 0:
            return []
        result = self.collection.query(
            query_embeddings=[vector.tolist()],
            n_results=k,
            where=where or None,
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = result["distances"][0] if result.get("distances") else [0.0] * len(ids)
        return [VectorHit(i, float(d)) for i, d in zip(ids, distances)]

"""The naive recipe a user would assemble instead, as the baseline.

PyPDFLoader-style documents (one per PDF page, one per text/HTML file) over the
same parsed and normalised text our pipeline sees, split with LangChain's
RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200), embedded
with the same model (`Embedder.passages` / `.query`), stored in a plain Chroma
collection (default settings) and searched by top-k similarity. No sections,
no title context, no BM25, no facts.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.embedder import Embedder
from ingest.errors import IngestError
from ingest.normalize import normalize_lines

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200


@dataclass(frozen=True)
class BaselineDocument:
    file: str
    page: int | None
    text: str


@dataclass(frozen=True)
class BaselineHit:
    rank: int
    score: float  # cosine similarity (the vectors are normalised)
    file: str
    page: int | None
    text: str


@dataclass
class BaselineIngest:
    files: int = 0
    chunks: int = 0
    seconds: float = 0.0
    refused: list[str] = field(default_factory=list)  # "file: reason"

    @property
    def chunks_per_second(self) -> float | None:
        return self.chunks / self.seconds if self.seconds > 0 and self.chunks else None


def load_documents(data: bytes, name: str) -> list[BaselineDocument]:
    """The parsed, normalised lines of a file: one document per PDF page, else one per file."""
    if Path(name).suffix.lower() == ".pdf":
        from ingest.parsers.pdf import parse_pdf

        parsed = parse_pdf(data, name, with_layout=False)  # the layout text only feeds our table parser
    else:
        from ingest.parsers import parse_bytes

        parsed = parse_bytes(data, name)
    lines = normalize_lines(parsed.lines)
    pages: dict[int | None, list[str]] = {}
    for line in lines:
        pages.setdefault(line.page, []).append(line.text)
    return [BaselineDocument(name, page, "\n".join(texts)) for page, texts in pages.items() if "".join(texts).strip()]


def split_documents(documents: list[BaselineDocument]) -> list[BaselineDocument]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    return [BaselineDocument(d.file, d.page, piece) for d in documents for piece in splitter.split_text(d.text)]


class Baseline:
    """A throwaway Chroma collection under `directory` (deleted by whoever made the directory)."""

    def __init__(self, embedder: Embedder, directory: Path, collection: str = "baseline"):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.embedder = embedder
        directory.mkdir(parents=True, exist_ok=True)
        self.client = chromadb.PersistentClient(
            path=str(directory), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        )
        self.collection = self.client.get_or_create_collection(name=collection, embedding_function=None)
        try:
            self.max_batch = int(self.client.get_max_batch_size())
        except Exception:
            self.max_batch = 1000
        self._next_id = 0

    def ingest(self, files: Iterable[tuple[str, bytes]]) -> BaselineIngest:
        """Parse, split, embed and add every file; timed end to end (files already in memory)."""
        result = BaselineIngest()
        started = time.perf_counter()
        for name, data in files:
            try:
                chunks = split_documents(load_documents(data, name))
            except IngestError as exc:
                result.refused.append(f"{name}: [{exc.code}] {exc.message}")
                continue
            result.files += 1
            if not chunks:
                continue
            vectors = self.embedder.passages([c.text for c in chunks])
            ids = [str(self._next_id + i) for i in range(len(chunks))]
            self._next_id += len(chunks)
            metadatas = [{"file": c.file, **({"page": c.page} if c.page is not None else {})} for c in chunks]
            for start in range(0, len(chunks), self.max_batch):
                end = start + self.max_batch
                self.collection.add(
                    ids=ids[start:end],
                    embeddings=vectors[start:end].tolist(),
                    documents=[c.text for c in chunks[start:end]],
                    metadatas=metadatas[start:end],
                )
            result.chunks += len(chunks)
        result.seconds = time.perf_counter() - started
        return result

    def count(self) -> int:
        return self.collection.count()

    def search(self, question: str, k: int = 10) -> list[BaselineHit]:
        if self.collection.count() == 0:
            return []
        vector = self.embedder.query(question)
        got = self.collection.query(
            query_embeddings=[vector.tolist()], n_results=k, include=["documents", "metadatas", "distances"]
        )
        hits = []
        for n, (text, meta, distance) in enumerate(
            zip(got["documents"][0], got["metadatas"][0], got["distances"][0]), start=1
        ):
            meta = meta or {}
            # Chroma's default space is squared L2; for unit vectors cos = 1 - d / 2
            hits.append(BaselineHit(n, 1.0 - float(distance) / 2.0, str(meta.get("file", "")), meta.get("page"), text or ""))
        return hits


__all__ = ["Baseline", "BaselineDocument", "BaselineHit", "BaselineIngest", "CHUNK_OVERLAP", "CHUNK_SIZE",
           "load_documents", "split_documents"]

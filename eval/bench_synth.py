"""Synthetic corpora for query benchmarks at sizes the model cannot embed here.

Embedding 100k passages at ≈9 passages/s would take hours, so the benchmark
builds chunks from a *seed* of real ones instead: each synthetic chunk's text
is made of sentences from two or three real chunks, and its vector is the
normalised mixture of those chunks' real passage vectors plus a little noise.
Texts and vectors therefore keep the real vocabulary and the real geometry
(e5's cosines are high for everything), which is what BM25 and HNSW costs
depend on. Documents get varied municipality / doc_type / year metadata with
exact selectivities, so filtered queries can be measured at ~50 % and ~5 %.

The loader writes through the real Store and VectorIndex (the same calls and
the same Chroma metadata as `Index.add`); BM25 is rebuilt by reopening the
real `Index`, which is also what a server does at start-up.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.models import Chunk, DocumentMeta, content_hash

if TYPE_CHECKING:
    from index.embedder import Embedder
    from index.engine import Index

BROAD_MUNICIPALITY = "Groningen"  # every other document: 50 % of the chunks
SELECTIVE_DOC_TYPE = "raadsvoorstel"  # one document in twenty: 5 % of the chunks
OTHER_MUNICIPALITIES = ("Wassenaar", "Midden-Groningen", "Zwolle", "Utrecht", "Leeuwarden", "Tilburg", "Delft")
OTHER_DOC_TYPES = ("begroting", "jaarverslag", "jaarstukken", "monitor")
FILTERS: dict[str, dict[str, str]] = {
    "none": {},
    "broad": {"municipality": BROAD_MUNICIPALITY},
    "selective": {"doc_type": SELECTIVE_DOC_TYPE},
}
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+")


@dataclass
class Seed:
    """Real chunks with their real passage vectors (as `Index.add` computed them)."""

    texts: list[str]
    sections: list[str]
    vectors: np.ndarray  # (n, dim) float32, unit length

    def __len__(self) -> int:
        return len(self.texts)

    def save(self, path: Path) -> None:
        """Two files (JSON + .npy) so a subprocess can read the seed without the model."""
        path.with_suffix(".json").write_text(json.dumps({"texts": self.texts, "sections": self.sections}, ensure_ascii=False))
        np.save(path.with_suffix(".npy"), self.vectors.astype(np.float32))

    @classmethod
    def load(cls, path: Path) -> Seed:
        data = json.loads(path.with_suffix(".json").read_text())
        return cls(data["texts"], data["sections"], np.load(path.with_suffix(".npy")))


@dataclass
class SynthDocument:
    meta: DocumentMeta
    chunks: list[Chunk]
    vectors: np.ndarray


def seed_from_index(index: Index) -> Seed:
    """The chunks an ingest just produced, with the vectors stored in Chroma (nothing re-embedded)."""
    rows = index.store.ready_chunks()
    ids = [r[0] for r in rows]
    by_id: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), 1000):
        got = index.vector.collection.get(ids=ids[start : start + 1000], include=["embeddings"])
        by_id.update(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32)))
    keep = [r for r in rows if r[0] in by_id]
    if not keep:
        raise ValueError("the index holds no chunks to seed a synthetic corpus from")
    return Seed([r[1] for r in keep], [r[2] for r in keep], np.stack([by_id[r[0]] for r in keep]))


def seed_from_files(files: Sequence[Path], embedder: Embedder, limit: int = 400) -> Seed:
    """Parse files and embed at most `limit` of their chunks (evenly spread), for runs without an ingest."""
    from index.engine import embedding_text
    from ingest.errors import IngestError
    from ingest.pipeline import parse_document

    picked: list[tuple[str, str, str]] = []  # (title, section, text)
    for path in files:
        try:
            parsed = parse_document(path.read_bytes(), path.name)
        except IngestError:
            continue
        picked.extend((parsed.meta.title, c.section, c.text) for c in parsed.chunks)
    if not picked:
        raise ValueError("no chunks in the seed files")
    if len(picked) > limit:
        step = len(picked) / limit
        picked = [picked[int(i * step)] for i in range(limit)]
    vectors = embedder.passages([embedding_text(t, s, x) for t, s, x in picked])
    return Seed([x for _, _, x in picked], [s for _, s, _ in picked], vectors)


def document_count(size: int) -> int:
    """Documents for `size` chunks: a multiple of 20 so the 50 % and 5 % filters are exact."""
    return max(20, min(200, size // 50 // 20 * 20))


def document_metadata(i: int) -> tuple[str, str, int]:
    """(municipality, doc_type, year) of synthetic document i: even i is the broad filter, i % 20 == 1 the selective one."""
    municipality = BROAD_MUNICIPALITY if i % 2 == 0 else OTHER_MUNICIPALITIES[(i // 2) % len(OTHER_MUNICIPALITIES)]
    doc_type = SELECTIVE_DOC_TYPE if i % 20 == 1 else OTHER_DOC_TYPES[i % len(OTHER_DOC_TYPES)]
    return municipality, doc_type, 2019 + i % 8


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if len(s.strip()) > 3] or [text.strip()]


def synthesize(seed: Seed, size: int, rng_seed: int = 7, noise: float = 0.05) -> Iterator[SynthDocument]:
    """`size` synthetic chunks in `document_count(size)` documents, deterministically from `seed`."""
    if size < 1:
        raise ValueError("size must be at least 1")
    rng = np.random.default_rng(rng_seed)
    sentences = [_sentences(t) for t in seed.texts]
    n_docs = min(document_count(size), size)
    base, extra = divmod(size, n_docs)
    dim = seed.vectors.shape[1]
    for i in range(n_docs):
        n = base + (1 if i < extra else 0)
        municipality, doc_type, year = document_metadata(i)
        doc_id = content_hash("vindplaats-bench", str(size), str(i))
        meta = DocumentMeta(
            id=doc_id, file=f"synth-{i:04d}-{municipality.lower()}-{doc_type}-{year}.pdf",
            title=f"{doc_type.capitalize()} {year} gemeente {municipality}", municipality=municipality,
            doc_type=doc_type, year=year, pages=max(1, n // 3), media_type="application/pdf",
        )
        picks = rng.integers(0, len(seed), size=(n, 3))
        parts = rng.integers(2, 4, size=n)  # two or three source chunks per synthetic chunk
        weights = rng.uniform(0.3, 1.0, size=(n, 3))
        weights[np.arange(3)[None, :] >= parts[:, None]] = 0.0
        mixed = np.einsum("nk,nkd->nd", weights, seed.vectors[picks]) + rng.normal(0.0, noise / np.sqrt(dim), (n, dim))
        vectors = (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32)
        chunks: list[Chunk] = []
        for j in range(n):
            pieces: list[str] = []
            for source in picks[j, : parts[j]]:
                pool = sentences[source]
                start = int(rng.integers(0, len(pool)))
                pieces.extend(pool[start : start + 3])
            text = " ".join(pieces)[:900]
            section = seed.sections[picks[j, 0]]
            chunks.append(Chunk(id=content_hash(doc_id, str(j)), document_id=doc_id, text=text, section=section,
                                page=1 + j // 3, page_label=str(1 + j // 3), ordinal=j))
        yield SynthDocument(meta, chunks, vectors)


def load(index: Index, documents: Iterator[SynthDocument]) -> tuple[int, int, float]:
    """Write documents the way `Index.add` does (pending rows, vectors, one commit), without re-embedding.

    Returns (documents, chunks, seconds). BM25 is not rebuilt here: reopen the Index for that.
    """
    n_docs = n_chunks = 0
    started = time.perf_counter()
    for doc in documents:
        meta = doc.meta
        index.store.insert_pending(meta, doc.chunks, [], [], None, [])
        chroma_meta = {k: v for k, v in {"document_id": meta.id, "file": meta.file, "municipality": meta.municipality,
                                         "doc_type": meta.doc_type, "year": meta.year}.items() if v is not None}
        index.vector.upsert([c.id for c in doc.chunks], doc.vectors, [chroma_meta] * len(doc.chunks))
        index.store.commit_document(meta.id, [])
        n_docs += 1
        n_chunks += len(doc.chunks)
    return n_docs, n_chunks, time.perf_counter() - started


def selectivity(index: Index) -> dict[str, float]:
    """Share of the visible chunks each benchmark filter allows (≈0.5 and ≈0.05 by construction)."""
    total = index.store.count_chunks() or 1
    return {name: len(index.store.chunk_ids_matching(f)) / total for name, f in FILTERS.items() if f}


__all__ = ["FILTERS", "Seed", "SynthDocument", "document_count", "document_metadata", "load",
           "seed_from_files", "seed_from_index", "selectivity", "synthesize"]

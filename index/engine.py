"""The index as one object: store, Chroma, BM25 and the embedder, with one writer.

Write order keeps every document all-or-nothing: rows go into SQLite as
pending, vectors into Chroma, then one SQLite transaction makes the new
version visible and drops the old one; BM25 is rebuilt from visible chunks.
A crash anywhere leaves a pending row that start-up reconciliation removes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from index import manifest as manifest_mod
from index.embedder import Embedder
from index.facts import FactIndex, label_text
from index.hybrid import rrf
from index.lexical import LexicalIndex
from index.settings import Settings
from index.store import Store
from index.vector import VectorIndex, make_client
from ingest.chunking import CHUNKER_VERSION
from ingest.errors import BadRequest, IngestError, Locked, NotFound
from ingest.metadata import Overrides
from ingest.models import ParsedDocument
from ingest.pipeline import parse_document

log = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")


@dataclass
class IngestResult:
    file: str
    status: str  # added | replaced | unchanged | refused
    document_id: str | None = None
    code: str | None = None
    message: str | None = None
    chunks: int = 0
    facts: int = 0
    tables: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


@dataclass
class Hit:
    chunk_id: str
    score: float
    rank: int
    source: dict  # the chunk row joined with its document


def embedding_text(title: str, section: str, text: str) -> str:
    """What the embedder and BM25 see: the chunk with its document and section as context."""
    head = " | ".join(p for p in (title, section) if p)
    return f"{head}\n{text}" if head else text


class Index:
    def __init__(self, settings: Settings, embedder: Embedder, *, writer: bool = True, rebuild: bool = False):
        """`rebuild` opens an index built with another model or chunker so `reindex()` can replace it."""
        self.settings = settings
        self.embedder = embedder
        self.data_dir = Path(settings.data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock: FileLock | None = None
        if writer:
            self._lock = FileLock(str(self.data_dir / ".writer.lock"))
            try:
                self._lock.acquire(timeout=0)
            except Timeout as exc:
                raise Locked(
                    f"another process is writing to {self.data_dir} (a running `vindplaats serve`?). "
                    "Send documents to that server (POST /documents) or run Chroma as a server "
                    "(VINDPLAATS_CHROMA_URL) for several processes."
                ) from exc
        wanted = manifest_mod.Manifest(model=embedder.name, dimension=embedder.dim, chunker=CHUNKER_VERSION)
        self._rebuilding = rebuild
        if not rebuild:
            self.manifest = manifest_mod.check_or_write(self.data_dir, wanted)
        self.store = Store(self.data_dir / "vindplaats.sqlite")
        client = make_client(settings)
        if rebuild:
            # vectors of another model cannot be mixed with ours: start the collection and label vectors afresh
            try:
                client.delete_collection(settings.collection)
            except Exception:  # absent already
                pass
            self.store.clear_label_vectors()
            self.manifest = wanted
        self.vector = VectorIndex(client, settings.collection)
        self.originals = self.data_dir / "originals"
        self.originals.mkdir(exist_ok=True)
        self._bm25_dir = self.data_dir / "bm25"
        self.reconcile()
        self.lexical = self._load_lexical()
        self.facts = FactIndex()
        self._reload_facts()

    def close(self) -> None:
        self.store.close()
        if self._lock is not None:
            self._lock.release()

    # -- consistency -----------------------------------------------------
    def reconcile(self) -> None:
        """Drop what an interrupted ingest left behind: pending rows and orphan vectors."""
        for document_id in self.store.pending_documents():
            log.warning("removing incomplete document %s left by an interrupted ingest", document_id)
            self.vector.delete_ids(self.store.chunk_ids(document_id))
            self.store.delete_document(document_id)

    def _load_lexical(self) -> LexicalIndex:
        if not (self._bm25_dir / "ids.json").exists():
            return self._rebuild_lexical()
        try:
            lexical = LexicalIndex.load(self._bm25_dir)
            if len(lexical) == self.store.count_chunks():
                return lexical
        except (FileNotFoundError, ValueError, OSError) as exc:
            log.warning("BM25 index unreadable (%s); rebuilding from the store", exc)
        return self._rebuild_lexical()

    def _rebuild_lexical(self) -> LexicalIndex:
        rows = self.store.ready_chunks()
        lexical = LexicalIndex.build([r[0] for r in rows], [embedding_text(r[3], r[2], r[1]) for r in rows])
        lexical.save(self._bm25_dir)
        self.lexical = lexical
        return lexical

    def _reload_facts(self) -> None:
        self.facts.load(self.store.facts(), self.store.label_vectors())

    def _embed_labels(self, parsed: ParsedDocument) -> None:
        """Label vectors are per label text, shared by every document that prints it."""
        labels = {label_text(asdict(f)) for f in parsed.facts}
        missing = self.store.missing_labels(labels)
        if missing:
            self.store.put_label_vectors(missing, self.embedder.queries(missing))

    # -- writes ----------------------------------------------------------
    def ingest_bytes(self, data: bytes, name: str, overrides: Overrides | None = None) -> IngestResult:
        started = time.perf_counter()
        try:
            parsed = parse_document(data, name, overrides)
        except IngestError as exc:
            self.store.record_refused(name, exc.code, exc.message)
            return IngestResult(file=name, status="refused", code=exc.code, message=exc.message)
        result = self.add(parsed, data)
        result.seconds = time.perf_counter() - started
        return result

    def ingest_path(self, path: Path, overrides: Overrides | None = None) -> IngestResult:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.store.record_refused(path.name, "unreadable_file", f"{path.name}: {exc.strerror or exc}")
            return IngestResult(file=path.name, status="refused", code="unreadable_file", message=str(exc))
        return self.ingest_bytes(data, path.name, overrides)

    def add(self, parsed: ParsedDocument, original: bytes | None = None) -> IngestResult:
        meta = parsed.meta
        previous = self.store.documents_by_file(meta.file)
        if any(d["id"] == meta.id and d["status"] == "ready" for d in previous):
            return IngestResult(file=meta.file, status="unchanged", document_id=meta.id, chunks=len(parsed.chunks))
        original_name = None
        if original is not None:
            suffix = Path(meta.file).suffix.lower()
            original_name = f"{meta.id}{suffix}"
            target = self.originals / original_name
            if not target.exists():
                tmp = target.with_suffix(target.suffix + ".tmp")
                tmp.write_bytes(original)
                tmp.replace(target)
        texts = [embedding_text(meta.title, c.section, c.text) for c in parsed.chunks]
        vectors = self.embedder.passages(texts)
        self._embed_labels(parsed)
        self.store.insert_pending(meta, parsed.chunks, parsed.tables, parsed.facts, original_name, parsed.warnings)
        metadatas = [
            _chroma_meta(
                document_id=meta.id, file=meta.file, municipality=meta.municipality, doc_type=meta.doc_type, year=meta.year
            )
            for _ in parsed.chunks
        ]
        self.vector.upsert([c.id for c in parsed.chunks], vectors, metadatas)
        replaced = [d["id"] for d in previous if d["id"] != meta.id]
        stale_ids = [cid for old in replaced for cid in self.store.chunk_ids(old)]
        stale_originals = [d["original"] for d in previous if d["id"] != meta.id and d.get("original")]
        self.store.commit_document(meta.id, replaced)
        if stale_ids:
            self.vector.delete_ids(stale_ids)
        for name in stale_originals:
            (self.originals / name).unlink(missing_ok=True)
        self._rebuild_lexical()
        self._reload_facts()
        return IngestResult(
            file=meta.file,
            status="replaced" if replaced else "added",
            document_id=meta.id,
            chunks=len(parsed.chunks),
            facts=len(parsed.facts),
            tables=len(parsed.tables),
            warnings=parsed.warnings,
        )

    def delete(self, document_id: str) -> None:
        doc = self.store.document(document_id)
        if doc is None:
            raise NotFound(f"no document with id {document_id}")
        ids = self.store.chunk_ids(document_id)
        self.store.delete_document(document_id)
        self.vector.delete_ids(ids)
        if doc.get("original"):
            (self.originals / doc["original"]).unlink(missing_ok=True)
        self._rebuild_lexical()
        self._reload_facts()

    def reindex(self) -> list[IngestResult]:
        """Rebuild Chroma, BM25 and facts from the stored originals (after a model change or damage)."""
        docs = self.store.documents(status=None)
        results: list[IngestResult] = []
        for doc in docs:
            path = self.originals / (doc.get("original") or "")
            if not doc.get("original") or not path.exists():
                results.append(IngestResult(file=doc["file"], status="refused", code="original_missing",
                                            message=f"{doc['file']}: the stored original is missing"))
                continue
            data = path.read_bytes()
            overrides = Overrides(title=None, municipality=doc["municipality"], doc_type=doc["doc_type"], year=doc["year"])
            self.vector.delete_ids(self.store.chunk_ids(doc["id"]))
            self.store.delete_document(doc["id"])
            try:
                parsed = parse_document(data, doc["file"], overrides)
            except IngestError as exc:
                self.store.record_refused(doc["file"], exc.code, exc.message)
                results.append(IngestResult(file=doc["file"], status="refused", code=exc.code, message=exc.message))
                continue
            results.append(self.add(parsed, data))
        if self._rebuilding:
            manifest_mod.write(self.data_dir, manifest_mod.Manifest(**{**asdict(self.manifest), "created": time.time()}))
            self._rebuilding = False
        self._rebuild_lexical()
        self._reload_facts()
        return results

    # -- reads -----------------------------------------------------------
    def search(
        self, question: str, k: int = 5, mode: str = "hybrid", filters: dict | None = None, vector=None
    ) -> list[Hit]:
        if mode not in MODES:
            raise BadRequest(f"mode must be one of {', '.join(MODES)}")
        filters = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
        depth = max(50, 4 * k)
        allowed = self.store.chunk_ids_matching(filters) if filters else None
        if allowed is not None and not allowed:
            return []
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        if mode in ("dense", "hybrid"):
            vector = self.embedder.query(question) if vector is None else vector
            where = {"document_id": {"$in": sorted(self.store.document_ids_matching(filters))}} if filters else None
            dense = [(h.id, 1.0 - h.distance) for h in self.vector.query(vector, depth, where)]
            if allowed is not None:
                dense = [(i, s) for i, s in dense if i in allowed]
        if mode in ("lexical", "hybrid"):
            lexical = self.lexical.search(question, depth, allowed)
        if mode == "dense":
            ranked = dense
        elif mode == "lexical":
            ranked = lexical
        else:
            ranked = rrf([[i for i, _ in dense], [i for i, _ in lexical]])
        sources = self.store.chunks_with_sources([i for i, _ in ranked[: depth * 2]])
        hits: list[Hit] = []
        for chunk_id, score in ranked:
            source = sources.get(chunk_id)
            if source is None:
                continue  # not visible (pending or deleted meanwhile)
            hits.append(Hit(chunk_id=chunk_id, score=score, rank=len(hits) + 1, source=source))
            if len(hits) == k:
                break
        return hits

    def answer(self, question: str, vector=None, municipality: str | None = None) -> tuple[dict | None, list[dict]]:
        """The figure answer and the ranked matching facts for a question (see index/answer.py)."""
        from index.answer import Answerer, read_question

        reading = read_question(question, self.store.municipalities())
        if municipality and not reading.municipality:
            reading.municipality = municipality
        vector = self.embedder.query(question) if vector is None else vector
        return Answerer(self.facts).answer(question, reading, vector)

    def health(self) -> dict:
        counts = self.store.counts()
        return {**counts, "vectors": self.vector.count(), "bm25": len(self.lexical)}


def _chroma_meta(**values) -> dict:
    return {k: v for k, v in values.items() if v is not None}


__all__ = ["Hit", "Index", "IngestResult", "MODES", "embedding_text"]

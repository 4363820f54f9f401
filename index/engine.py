"""The index as one object: store, Chroma, BM25 and the embedder, with one writer at a time.

Write order keeps every document all-or-nothing: rows go into SQLite as
pending, vectors into Chroma (in as many batches as needed), then one SQLite
transaction makes the new version visible, drops the old one and bumps the
store's generation; BM25 is rebuilt from visible chunks. A crash anywhere
leaves a pending row (and a `.dirty` marker) that the next writer removes
together with orphan vectors, so a document is complete or absent.

Embedded Chroma holds the data dir's writer lock for the life of the process.
With Chroma as a server (VINDPLAATS_CHROMA_URL) several processes share the
data dir: each write takes the lock for its own duration, and readers reload
BM25 and facts when they see a new generation.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from index import manifest as manifest_mod
from index.embedder import Embedder
from index.facts import FactIndex, label_text
from index.hybrid import rrf
from index.lexical import LexicalIndex
from index.preflight import check_embedded
from index.settings import Settings
from index.store import Store
from index.vector import VectorIndex, make_client
from ingest.chunking import CHUNKER_VERSION
from ingest.errors import BadRequest, IndexDamaged, IngestError, Locked, NotFound
from ingest.metadata import Overrides
from ingest.models import ParsedDocument
from ingest.sandbox import ParseWorker

log = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")
DIRTY = ".dirty"


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
    embedded: int = 0  # chunks embedded now; the rest reused the vectors of an earlier version
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


def _damaged(what: str, exc: BaseException | str, data_dir: Path) -> IndexDamaged:
    detail = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    return IndexDamaged(
        f"{what} in {data_dir} cannot be read ({detail}). "
        f"Rebuild from the stored originals with `vindplaats reindex --data-dir {data_dir}`."
    )


class Index:
    def __init__(self, settings: Settings, embedder: Embedder, *, writer: bool = True, rebuild: bool = False):
        """`rebuild` starts empty indexes for another model or chunker, used by `reindex`."""
        self.settings = settings
        self.embedder = embedder
        self.data_dir = Path(settings.data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.shared = bool(settings.chroma_url)  # several processes may use this data dir
        self._file_lock = FileLock(str(self.data_dir / ".writer.lock"))
        self._writer = writer
        self._held = False
        self._worker: ParseWorker | None = None
        if writer and not self.shared:
            self._acquire(timeout=0)
        try:
            self._open(rebuild)
        except BaseException:
            self._release()
            raise

    def _open(self, rebuild: bool) -> None:
        wanted = manifest_mod.Manifest(model=self.embedder.name, dimension=self.embedder.dim, chunker=CHUNKER_VERSION)
        self.manifest = wanted if rebuild else manifest_mod.check_or_write(self.data_dir, wanted)
        try:
            self.store = Store(self.data_dir / "vindplaats.sqlite")
            check = self.store.quick_check()
        except Exception as exc:  # sqlite3.DatabaseError: not a database, malformed image
            raise _damaged("the SQLite store", exc, self.data_dir) from exc
        if check != "ok":
            raise _damaged("the SQLite store", check, self.data_dir)
        if not self.settings.chroma_url and not rebuild:
            problem = check_embedded(self.data_dir / "chroma", self.settings.collection_name)
            if problem:
                raise _damaged("the Chroma index", problem, self.data_dir)
        try:
            client = make_client(self.settings)
            if rebuild:
                try:
                    client.delete_collection(self.settings.collection_name)
                except Exception:  # absent already
                    pass
            self.vector = VectorIndex(client, self.settings.collection_name, self.settings.vector_batch_size)
            self.vector.probe()
        except Exception as exc:
            raise _damaged("the Chroma index", exc, self.data_dir) from exc
        if rebuild:
            self.store.clear_label_vectors()
            manifest_mod.write(self.data_dir, manifest_mod.Manifest(**{**asdict(wanted), "created": time.time()}))
        self.originals = self.data_dir / "originals"
        self.originals.mkdir(exist_ok=True)
        self._bm25_dir = self.data_dir / "bm25"
        self.lexical = LexicalIndex([], None)
        self.facts = FactIndex()
        self._generation = -1
        self._reload = threading.Lock()
        if self._writer and (self._held or self._try_acquire()):
            try:
                self.reconcile()
                self._verify_vectors()
                self.refresh(wait=True)
            finally:
                if self.shared:
                    self._release()
        self.refresh(wait=True)

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
        self.store.close()
        self.vector.close()
        self._release()

    # -- the writer lock ---------------------------------------------------
    def _acquire(self, timeout: float) -> None:
        try:
            self._file_lock.acquire(timeout=timeout)
        except Timeout as exc:
            if self.shared:
                raise Locked(f"another process is writing to {self.data_dir}; waited {timeout:g} s — try again") from exc
            raise Locked(
                f"another process is writing to {self.data_dir} (a running `vindplaats serve`?). "
                "Send documents to that server (POST /documents) or run Chroma as a server "
                "(VINDPLAATS_CHROMA_URL) for several processes."
            ) from exc
        self._held = True

    def _try_acquire(self) -> bool:
        try:
            self._acquire(timeout=0)
        except Locked:
            return False
        return True

    def _release(self) -> None:
        if self._held:
            self._file_lock.release()
            self._held = False

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write at a time across processes; a crash inside leaves `.dirty` for the next writer."""
        if not self._writer:
            raise Locked("this index was opened read-only")
        if self.shared:
            self._acquire(timeout=self.settings.write_wait_s)
        try:
            if self.shared:
                self.reconcile()
            marker = self.data_dir / DIRTY
            marker.touch()
            yield
            marker.unlink(missing_ok=True)
        finally:
            if self.shared:
                self._release()

    # -- consistency -----------------------------------------------------
    def reconcile(self) -> None:
        """Drop what an interrupted ingest left behind: pending rows, their vectors, orphan vectors."""
        for document_id in self.store.pending_documents():
            log.warning("removing incomplete document %s left by an interrupted ingest", document_id)
            self.vector.delete_ids(self.store.chunk_ids(document_id))
            self.store.delete_document(document_id)
        marker = self.data_dir / DIRTY
        if marker.exists():
            orphans = self.vector.all_ids() - self.store.all_chunk_ids()
            if orphans:
                log.warning("removing %d vectors that no document owns (an interrupted write)", len(orphans))
                self.vector.delete_ids(sorted(orphans))
            marker.unlink(missing_ok=True)

    def _verify_vectors(self) -> None:
        """Every visible chunk must have its vector; a lost HNSW segment shows up here."""
        chunks = self.store.count_chunks(ready_only=False)
        try:
            vectors = self.vector.count()
        except Exception as exc:
            raise _damaged("the Chroma index", exc, self.data_dir) from exc
        if vectors != chunks:
            raise _damaged("the Chroma index", f"{vectors} vectors for {chunks} chunks", self.data_dir)

    def refresh(self, wait: bool = False) -> None:
        """Reload BM25 and facts when another process committed a change.

        One thread reloads; the others go on with the current BM25 and facts
        instead of each rebuilding (and racing to save) their own copy. This
        process's own writes hold the same lock from commit to rebuild.
        """
        if self.store.generation() == self._generation:
            return
        if not self._reload.acquire(blocking=wait):
            return
        try:
            generation = self.store.generation()
            if generation != self._generation:
                lexical, facts = self._load_lexical(generation), self._load_facts()
                self.lexical, self.facts, self._generation = lexical, facts, generation
        finally:
            self._reload.release()

    def _load_lexical(self, generation: int) -> LexicalIndex:
        stamp = self._bm25_dir / "generation"
        try:
            if stamp.exists() and int(stamp.read_text()) == generation:
                lexical = LexicalIndex.load(self._bm25_dir)
                if len(lexical) == self.store.count_chunks():
                    return lexical
        except (FileNotFoundError, ValueError, OSError) as exc:
            log.warning("BM25 index unreadable (%s); rebuilding from the store", exc)
        return self._build_lexical(generation, save=self._held)  # only the lock holder writes the files

    def _build_lexical(self, generation: int, save: bool) -> LexicalIndex:
        rows = self.store.ready_chunks()
        # texts made one at a time as BM25 tokenizes them: a list of them all is ~100 MB at 100k chunks
        lexical = LexicalIndex.build([r[0] for r in rows], (embedding_text(r[3], r[2], r[1]) for r in rows))
        del rows
        if save:
            lexical.save(self._bm25_dir)
            (self._bm25_dir / "generation").write_text(str(generation))
        return lexical

    def _load_facts(self) -> FactIndex:
        facts = FactIndex()
        facts.load(self.store.facts(), self.store.label_vectors())
        return facts

    def _after_write(self) -> None:
        """Called with `_reload` held, right after the commit that bumped the generation."""
        generation = self.store.generation()
        lexical, facts = self._build_lexical(generation, save=True), self._load_facts()
        self.lexical, self.facts, self._generation = lexical, facts, generation

    def _embed_labels(self, parsed: ParsedDocument) -> None:
        """Label vectors are per label text, shared by every document that prints it."""
        labels = {label_text(asdict(f)) for f in parsed.facts}
        missing = self.store.missing_labels(labels)
        if missing:
            self.store.put_label_vectors(missing, self.embedder.queries(missing))

    # -- writes ----------------------------------------------------------
    @property
    def parser(self) -> ParseWorker:
        if self._worker is None:
            self._worker = ParseWorker(self.settings.parse_timeout_s, self.settings.parse_memory_mb, self.settings.parse_processes)
        return self._worker

    def parse(self, data: bytes, name: str, overrides: Overrides | None = None, ocr: bool | None = None) -> ParsedDocument:
        """`ocr` None follows the settings; reindex passes True for documents that were OCR'd before."""
        wanted = self.settings.ocr if ocr is None else ocr
        return self.parser.parse(data, name, overrides, **({"ocr": True} if wanted else {}))

    def ingest_bytes(
        self, data: bytes, name: str, overrides: Overrides | None = None, ocr: bool | None = None
    ) -> IngestResult:
        started = time.perf_counter()
        try:
            parsed = self.parse(data, name, overrides, ocr)
        except IngestError as exc:
            self.store.record_refused(name, exc.code, exc.message)
            return IngestResult(file=name, status="refused", code=exc.code, message=exc.message,
                                seconds=time.perf_counter() - started)
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

    def _store_original(self, parsed: ParsedDocument, original: bytes) -> str:
        """The original and its metadata, so `reindex` can rebuild everything from this folder alone."""
        meta = parsed.meta
        name = f"{meta.id}{Path(meta.file).suffix.lower()}"
        target = self.originals / name
        if not target.exists():
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_bytes(original)
            tmp.replace(target)
        sidecar = self.originals / f"{meta.id}.json"
        tmp = sidecar.with_name(sidecar.name + ".tmp")
        tmp.write_text(json.dumps({"file": meta.file, "original": name, "title": meta.title,
                                   "municipality": meta.municipality, "doc_type": meta.doc_type, "year": meta.year,
                                   "ocr": bool(parsed.ocr_pages)}))
        tmp.replace(sidecar)
        return name

    def _vectors_for(self, parsed: ParsedDocument, texts: list[str], previous: list[dict]) -> tuple[np.ndarray, int]:
        """Embed only chunks whose text is new; a changed document keeps the vectors of unchanged chunks."""
        old_by_text: dict[str, str] = {}
        for doc in previous:
            for chunk_id, section, text in self.store.chunk_texts(doc["id"]):
                old_by_text[embedding_text(doc["title"], section, text)] = chunk_id
        reuse = {i: old_by_text[t] for i, t in enumerate(texts) if t in old_by_text}
        found = self.vector.vectors(list(reuse.values())) if reuse else {}
        todo = [i for i in range(len(texts)) if reuse.get(i) not in found]
        vectors = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        if todo:
            vectors[todo] = self.embedder.passages([texts[i] for i in todo])
        for i, old_id in reuse.items():
            if old_id in found:
                vectors[i] = found[old_id]
        return vectors, len(todo)

    def add(self, parsed: ParsedDocument, original: bytes | None = None, vectors: np.ndarray | None = None) -> IngestResult:
        """`vectors` may come precomputed (same model, same texts), e.g. when copying an index."""
        meta = parsed.meta
        with self._writing():
            previous = self.store.documents_by_file(meta.file)
            if any(d["id"] == meta.id and d["status"] == "ready" for d in previous):
                return IngestResult(file=meta.file, status="unchanged", document_id=meta.id, chunks=len(parsed.chunks))
            twin = self.store.document(meta.id)
            if twin is not None and twin["status"] == "ready":
                # the same bytes under another name: one document, not two that share an id
                return IngestResult(file=meta.file, status="unchanged", document_id=meta.id, chunks=twin["n_chunks"],
                                    message=f"{meta.file} is identical to {twin['file']}, which is already indexed")
            original_name = self._store_original(parsed, original) if original is not None else None
            texts = [embedding_text(meta.title, c.section, c.text) for c in parsed.chunks]
            embedded = 0
            if vectors is None:
                vectors, embedded = self._vectors_for(parsed, texts, [d for d in previous if d["status"] == "ready"])
            self._embed_labels(parsed)
            self.store.insert_pending(meta, parsed.chunks, parsed.tables, parsed.facts, original_name, parsed.warnings)
            log.debug("%s: pending row written", meta.file)
            chroma_meta = _chroma_meta(document_id=meta.id, file=meta.file, municipality=meta.municipality,
                                       doc_type=meta.doc_type, year=meta.year)
            self.vector.upsert([c.id for c in parsed.chunks], vectors, [chroma_meta] * len(parsed.chunks),
                               progress=lambda done, total: log.debug("%s: vector batch %d/%d written", meta.file, done, total))
            log.debug("%s: vectors written", meta.file)
            replaced = [d["id"] for d in previous if d["id"] != meta.id]
            stale_ids = [cid for old in replaced for cid in self.store.chunk_ids(old)]
            stale = [d for d in previous if d["id"] != meta.id]
            with self._reload:
                self.store.commit_document(meta.id, replaced)
                log.debug("%s: committed", meta.file)
                if stale_ids:
                    self.vector.delete_ids(stale_ids)
                for doc in stale:
                    self._drop_original(doc)
                self._after_write()
            log.debug("%s: lexical and facts rebuilt", meta.file)
        return IngestResult(
            file=meta.file,
            status="replaced" if replaced else "added",
            document_id=meta.id,
            chunks=len(parsed.chunks),
            facts=len(parsed.facts),
            tables=len(parsed.tables),
            embedded=embedded,
            warnings=parsed.warnings,
        )

    def _drop_original(self, doc: dict) -> None:
        if doc.get("original"):
            (self.originals / doc["original"]).unlink(missing_ok=True)
        (self.originals / f"{doc['id']}.json").unlink(missing_ok=True)

    def delete(self, document_id: str) -> None:
        with self._writing():
            doc = self.store.document(document_id)
            if doc is None:
                raise NotFound(f"no document with id {document_id}")
            ids = self.store.chunk_ids(document_id)
            with self._reload:
                self.store.delete_document(document_id)
                self.vector.delete_ids(ids)
                self._drop_original(doc)
                self._after_write()

    # -- reads -----------------------------------------------------------
    def search(
        self, question: str, k: int = 5, mode: str = "hybrid", filters: dict | None = None, vector=None
    ) -> list[Hit]:
        if mode not in MODES:
            raise BadRequest(f"mode must be one of {', '.join(MODES)}")
        self.refresh()
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
            # with the admitted ids and the visible count, a broad filter skips Chroma's slow filtered query
            hits = self.vector.query(vector, depth, where, allowed=allowed, population=len(self.lexical))
            dense = [(h.id, 1.0 - h.distance) for h in hits]
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

        self.refresh()
        reading = read_question(question, self.store.municipalities())
        if municipality and not reading.municipality:
            reading.municipality = municipality
        vector = self.embedder.query(question) if vector is None else vector
        return Answerer(self.facts).answer(question, reading, vector)

    def health(self) -> dict:
        self.refresh()
        counts = self.store.counts()
        return {**counts, "vectors": self.vector.count(), "bm25": len(self.lexical), "generation": self._generation}


def stored_originals(data_dir: Path) -> list[dict]:
    """What `reindex` rebuilds from: each original with the metadata it was ingested with."""
    folder = Path(data_dir) / "originals"
    found = []
    for sidecar in sorted(folder.glob("*.json")):
        try:
            meta = json.loads(sidecar.read_text())
        except (OSError, ValueError):
            log.warning("skipping unreadable metadata %s", sidecar)
            continue
        path = folder / meta.get("original", "")
        if path.is_file():
            found.append({**meta, "path": path})
    return found


def reindex(settings: Settings, embedder: Embedder) -> list[IngestResult]:
    """Rebuild SQLite, Chroma, BM25 and facts from the stored originals alone.

    Works when the indexes are damaged or were built with another model: the
    old files are moved aside first and removed only after the rebuild.
    """
    data_dir = Path(settings.data_dir).resolve()
    lock = FileLock(str(data_dir / ".writer.lock"))
    try:
        lock.acquire(timeout=0 if not settings.chroma_url else settings.write_wait_s)
    except Timeout as exc:
        raise Locked(f"another process is writing to {data_dir}; stop it before `vindplaats reindex`") from exc
    try:
        originals = stored_originals(data_dir)
        aside = data_dir / f".before-reindex-{int(time.time())}"
        aside.mkdir()
        for name in ("vindplaats.sqlite", "vindplaats.sqlite-wal", "vindplaats.sqlite-shm", "chroma", "bm25",
                     manifest_mod.FILE, DIRTY):
            if (data_dir / name).exists():
                shutil.move(str(data_dir / name), str(aside / name))
    finally:
        lock.release()
    index = Index(settings, embedder, rebuild=True)
    results: list[IngestResult] = []
    try:
        for meta in originals:
            overrides = Overrides(title=meta.get("title"), municipality=meta.get("municipality"),
                                  doc_type=meta.get("doc_type"), year=meta.get("year"))
            ocr = True if meta.get("ocr") else None  # pages read by OCR before must be read by OCR again
            results.append(index.ingest_bytes(meta["path"].read_bytes(), meta["file"], overrides, ocr))
    finally:
        index.close()
    shutil.rmtree(aside, ignore_errors=True)
    return results


def _chroma_meta(**values) -> dict:
    return {k: v for k, v in values.items() if v is not None}


__all__ = ["Hit", "Index", "IngestResult", "MODES", "embedding_text", "reindex", "stored_originals"]

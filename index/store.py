"""SQLite beside Chroma: the document registry, chunk texts, tables, facts and refused files.

It is the source of truth a query result is checked against: a chunk only
counts when its document is marked ready, so a half-written ingest is never
visible, and BM25 and Chroma can always be rebuilt from here.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ingest.models import Chunk, DocumentMeta, Fact, Table

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    title TEXT NOT NULL,
    municipality TEXT,
    doc_type TEXT,
    year INTEGER,
    pages INTEGER,
    media_type TEXT,
    original TEXT,
    n_chunks INTEGER NOT NULL DEFAULT 0,
    n_facts INTEGER NOT NULL DEFAULT 0,
    n_tables INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending',
    warnings TEXT NOT NULL DEFAULT '[]',
    ingested_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_file ON documents(file);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    section TEXT NOT NULL,
    page INTEGER,
    page_label TEXT
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
CREATE TABLE IF NOT EXISTS tables (
    id TEXT NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    header TEXT NOT NULL,
    rows TEXT NOT NULL,
    section TEXT NOT NULL,
    page INTEGER,
    page_label TEXT,
    PRIMARY KEY (document_id, id)
);
CREATE TABLE IF NOT EXISTS facts (
    rowid INTEGER PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    indicator TEXT NOT NULL,
    key TEXT NOT NULL,
    year INTEGER,
    value REAL,
    value_text TEXT NOT NULL,
    kind TEXT NOT NULL,
    unit TEXT,
    comparator TEXT,
    scope TEXT,
    footnote TEXT,
    table_title TEXT,
    table_id TEXT,
    section TEXT NOT NULL,
    page INTEGER,
    page_label TEXT,
    column_header TEXT,
    row_group TEXT,
    ambiguous INTEGER NOT NULL DEFAULT 0,
    candidate_years TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS facts_document ON facts(document_id);
CREATE INDEX IF NOT EXISTS facts_year ON facts(year);
CREATE TABLE IF NOT EXISTS label_vectors (
    label TEXT PRIMARY KEY,
    vector BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', '0');
CREATE TABLE IF NOT EXISTS refused (
    file TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    at REAL NOT NULL
);
"""

_DOC_COLUMNS = ("id", "file", "title", "municipality", "doc_type", "year", "pages", "media_type")


class Store:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self.db.executescript(SCHEMA)

    @property
    def db(self) -> sqlite3.Connection:
        """One connection per thread: WAL lets readers run while the single writer commits."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=30.0)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._guard:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # -- documents -------------------------------------------------------
    def document(self, document_id: str) -> dict | None:
        row = self.db.execute("SELECT * FROM documents WHERE id = ?", (document_id,)).fetchone()
        return _doc(row) if row else None

    def documents(self, status: str | None = "ready") -> list[dict]:
        if status is None:
            rows = self.db.execute("SELECT * FROM documents ORDER BY file").fetchall()
        else:
            rows = self.db.execute("SELECT * FROM documents WHERE status = ? ORDER BY file", (status,)).fetchall()
        return [_doc(r) for r in rows]

    def documents_by_file(self, file: str) -> list[dict]:
        rows = self.db.execute("SELECT * FROM documents WHERE file = ?", (file,)).fetchall()
        return [_doc(r) for r in rows]

    def insert_pending(
        self,
        meta: DocumentMeta,
        chunks: list[Chunk],
        tables: list[Table],
        facts: list[Fact],
        original: str | None,
        warnings: list[str],
    ) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM documents WHERE id = ?", (meta.id,))
            db.execute(
                "INSERT INTO documents (id, file, title, municipality, doc_type, year, pages, media_type, original,"
                " n_chunks, n_facts, n_tables, status, warnings, ingested_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?, 'pending', ?, ?)",
                (
                    meta.id, meta.file, meta.title, meta.municipality, meta.doc_type, meta.year, meta.pages,
                    meta.media_type, original, len(chunks), len(facts), len(tables), json.dumps(warnings), time.time(),
                ),
            )
            db.executemany(
                "INSERT OR IGNORE INTO chunks (id, document_id, ordinal, text, section, page, page_label) VALUES (?,?,?,?,?,?,?)",
                [(c.id, c.document_id, c.ordinal, c.text, c.section, c.page, c.page_label) for c in chunks],
            )
            db.executemany(
                "INSERT OR REPLACE INTO tables (id, document_id, title, header, rows, section, page, page_label)"
                " VALUES (?,?,?,?,?,?,?,?)",
                [
                    (t.id, t.document_id, t.title, json.dumps(t.header), json.dumps(t.rows), t.section, t.page, t.page_label)
                    for t in tables
                ],
            )
            db.executemany(
                "INSERT INTO facts (document_id, indicator, key, year, value, value_text, kind, unit, comparator, scope,"
                " footnote, table_title, table_id, section, page, page_label, column_header, row_group, ambiguous,"
                " candidate_years) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        f.document_id, f.indicator, f.key, f.year, f.value, f.value_text, f.kind, f.unit, f.comparator,
                        f.scope, f.footnote, f.table_title, f.table_id, f.section, f.page, f.page_label, f.column,
                        f.row_group, int(f.ambiguous), json.dumps(list(f.candidate_years)),
                    )
                    for f in facts
                ],
            )
            db.execute("DELETE FROM refused WHERE file = ?", (meta.file,))

    def commit_document(self, document_id: str, replaces: Iterable[str]) -> None:
        """Make the new version visible and drop the ones it replaces, in one transaction."""
        with self.transaction() as db:
            for old in replaces:
                if old != document_id:
                    db.execute("DELETE FROM documents WHERE id = ?", (old,))
            db.execute("UPDATE documents SET status = 'ready' WHERE id = ?", (document_id,))
            _bump(db)

    def delete_document(self, document_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM documents WHERE id = ?", (document_id,))
            _bump(db)

    def generation(self) -> int:
        """Bumped by every commit that changes what is visible; other processes reload on a change."""
        return int(self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    def quick_check(self) -> str:
        """'ok' or SQLite's description of the damage."""
        rows = self.db.execute("PRAGMA quick_check").fetchall()
        return "; ".join(str(r[0]) for r in rows[:5])

    def all_chunk_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM chunks")}

    def chunk_texts(self, document_id: str) -> list[tuple[str, str, str]]:
        """(id, section, text) of a document's chunks, so a new version can reuse unchanged vectors."""
        return [tuple(r) for r in self.db.execute(
            "SELECT id, section, text FROM chunks WHERE document_id = ?", (document_id,))]

    def pending_documents(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM documents WHERE status != 'ready'")]

    # -- chunks ----------------------------------------------------------
    def chunk_ids(self, document_id: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE document_id = ?", (document_id,))]

    def ready_chunks(self) -> list[tuple[str, str, str, str]]:
        """(id, text, section, document title) of every visible chunk, in a stable order.

        SQLite hands out a new string for every row's title and section, though a document
        has one title and few sections; at 100k chunks those copies were ≈20 MB of the BM25
        rebuild's peak, so equal values share one string object.
        """
        shared: dict[str, str] = {}
        share = lambda s: shared.setdefault(s, s)  # noqa: E731
        cursor = self.db.execute(
            "SELECT c.id, c.text, c.section, d.title FROM chunks c JOIN documents d ON d.id = c.document_id"
            " WHERE d.status = 'ready' ORDER BY d.file, c.ordinal"
        )
        cursor.row_factory = None  # plain tuples: no sqlite3.Row per chunk
        return [(i, text, share(section), share(title)) for i, text, section, title in cursor]

    def count_chunks(self, ready_only: bool = True) -> int:
        sql = "SELECT COUNT(*) FROM chunks c JOIN documents d ON d.id = c.document_id"
        if ready_only:
            sql += " WHERE d.status = 'ready'"
        return int(self.db.execute(sql).fetchone()[0])

    def chunks_with_sources(self, ids: list[str]) -> dict[str, dict]:
        if not ids:
            return {}
        out: dict[str, dict] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                "SELECT c.id, c.text, c.section, c.page, c.page_label, c.ordinal, d.id AS document_id, d.file, d.title,"
                " d.municipality, d.doc_type, d.year FROM chunks c JOIN documents d ON d.id = c.document_id"
                f" WHERE d.status = 'ready' AND c.id IN ({marks})",
                part,
            ).fetchall()
            out.update({r["id"]: dict(r) for r in rows})
        return out

    def chunk_ids_matching(self, filters: dict) -> frozenset[str]:
        """Visible chunk ids a filter admits, cached per filter until the store's generation changes.

        At 100k chunks a 50 % filter costs ≈70 ms in SQLite; every query with that
        filter would pay it again. The same frozenset object comes back while the
        generation holds, so callers (BM25's mask) can cache on its identity.
        """
        return self._ids_matching(
            filters, "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.status = 'ready'")

    def document_ids_matching(self, filters: dict) -> frozenset[str]:
        """Visible document ids a filter admits (cached like `chunk_ids_matching`)."""
        return self._ids_matching(filters, "SELECT d.id FROM documents d WHERE d.status = 'ready'")

    def _ids_matching(self, filters: dict, select: str) -> frozenset[str]:
        """A few recent filter results, each valid for one generation (every commit and delete bumps it)."""
        cache: dict[tuple, tuple[int, frozenset[str]]] = self.__dict__.setdefault("_filter_cache", {})
        key = (select, tuple(sorted((k, repr(v)) for k, v in filters.items())))
        generation = self.generation()  # read before the rows: a commit in between only forces a recompute
        found = cache.get(key)
        if found is not None and found[0] == generation:
            return found[1]
        where, params = _filter_sql(filters)
        value = frozenset(r[0] for r in self.db.execute(select + where, params))
        if len(cache) >= 8:  # a broad filter's ids at 100k chunks are ≈6 MB; keep a few
            cache.pop(next(iter(cache)), None)  # oldest first: dicts keep insertion order
        cache[key] = (generation, value)
        return value

    # -- refused files ---------------------------------------------------
    def record_refused(self, file: str, code: str, message: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO refused (file, code, message, at) VALUES (?,?,?,?)",
                (file, code, message, time.time()),
            )

    def refused(self) -> list[dict]:
        return [dict(r) for r in self.db.execute("SELECT file, code, message, at FROM refused ORDER BY file")]

    # -- facts and tables ------------------------------------------------
    def facts(self, where: str = "", params: tuple = ()) -> list[dict]:
        rows = self.db.execute(
            "SELECT f.*, d.file, d.title, d.municipality, d.doc_type, d.year AS doc_year FROM facts f"
            f" JOIN documents d ON d.id = f.document_id WHERE d.status = 'ready' {where}",
            params,
        ).fetchall()
        return [_fact(r) for r in rows]

    def table(self, document_id: str, table_id: str) -> dict | None:
        row = self.db.execute(
            "SELECT t.*, d.file, d.title AS document_title FROM tables t JOIN documents d ON d.id = t.document_id"
            " WHERE t.document_id = ? AND t.id = ?",
            (document_id, table_id),
        ).fetchone()
        if not row:
            return None
        out = dict(row)
        out["header"] = json.loads(out["header"])
        out["rows"] = json.loads(out["rows"])
        return out

    def label_vectors(self) -> dict[str, np.ndarray]:
        return {
            r[0]: np.frombuffer(r[1], dtype=np.float32)
            for r in self.db.execute("SELECT label, vector FROM label_vectors")
        }

    def missing_labels(self, labels: Iterable[str]) -> list[str]:
        wanted = sorted(set(labels))
        have: set[str] = set()
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            marks = ",".join("?" * len(part))
            have.update(r[0] for r in self.db.execute(f"SELECT label FROM label_vectors WHERE label IN ({marks})", part))
        return [label for label in wanted if label not in have]

    def put_label_vectors(self, labels: list[str], vectors: np.ndarray) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO label_vectors (label, vector) VALUES (?, ?)",
                [(label, np.asarray(vec, dtype=np.float32).tobytes()) for label, vec in zip(labels, vectors)],
            )

    def clear_label_vectors(self) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM label_vectors")

    def municipalities(self) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT municipality FROM documents WHERE status = 'ready' AND municipality IS NOT NULL"
            )
        ]

    def counts(self) -> dict[str, int]:
        one = lambda sql: int(self.db.execute(sql).fetchone()[0])  # noqa: E731
        return {
            "documents": one("SELECT COUNT(*) FROM documents WHERE status = 'ready'"),
            "chunks": self.count_chunks(),
            "facts": one("SELECT COUNT(*) FROM facts f JOIN documents d ON d.id = f.document_id WHERE d.status='ready'"),
            "tables": one("SELECT COUNT(*) FROM tables t JOIN documents d ON d.id = t.document_id WHERE d.status='ready'"),
            "refused": one("SELECT COUNT(*) FROM refused"),
        }


def _bump(db: sqlite3.Connection) -> None:
    db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")


def _doc(row: sqlite3.Row) -> dict:
    out = dict(row)
    out["warnings"] = json.loads(out.get("warnings") or "[]")
    return out


def _fact(row: sqlite3.Row) -> dict:
    out = dict(row)
    out["ambiguous"] = bool(out["ambiguous"])
    out["candidate_years"] = json.loads(out["candidate_years"] or "[]")
    out["column"] = out.pop("column_header")
    return out


def _filter_sql(filters: dict) -> tuple[str, list]:
    clauses: list[str] = []
    params: list = []
    for key, column in (("municipality", "d.municipality"), ("doc_type", "d.doc_type"), ("year", "d.year")):
        value = filters.get(key)
        if value is not None:
            clauses.append(f"{column} = ? COLLATE NOCASE" if isinstance(value, str) else f"{column} = ?")
            params.append(value)
    document = filters.get("document")
    if document:
        clauses.append("(d.id = ? OR d.file = ?)")
        params.extend([document, document])
    return ("".join(f" AND {c}" for c in clauses), params)

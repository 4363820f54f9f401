"""Issue 6: hostile files, interrupted writes, damaged index files, restarts.

Everything here is real: pypdf in the parse sandbox, embedded Chroma, SQLite,
bm25s, the converted model, and for kill -9 a real `vindplaats ingest` process.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.conftest import CORPUS, REPO, SERVER_MODE
from tests.hostile_pdfs import decompression_bomb, scattered_text

pytestmark = pytest.mark.slow

GOOD = """2.1 Maatschappelijke opvang

De nachtopvang aan de Havenstraat blijft het hele jaar open voor dak- en thuislozen.
"""


def _sentences(limit: int) -> list[str]:
    """Real Dutch sentences from the corpus, so synthetic documents read like the real ones."""
    found: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if len(line) > 80 and not line.lower().startswith("terug naar"):
                found.append(line)
    random.Random(7).shuffle(found)
    return (found * (limit // max(len(found), 1) + 1))[:limit]


def sectioned_text(sections: int, title: str = "Notitie", seed: int = 0) -> str:
    sentences = _sentences(sections * 3 + seed * 7)[seed * 7 :]
    parts = [title, ""]
    for n in range(sections):
        parts += [f"{n // 9 + 1}.{n % 9 + 1} Onderwerp {n + 1}", "", " ".join(sentences[3 * n : 3 * n + 3]) + f" (paragraaf {n + 1}, deel {seed})", ""]
    return "\n".join(parts)


def _consistent(index) -> dict:
    """Every visible document complete, nothing half-written anywhere; returns the counts."""
    store = index.store
    assert store.pending_documents() == []
    health = index.health()
    assert health["chunks"] == health["vectors"] == health["bm25"], health
    vector_ids = index.vector.all_ids()
    for doc in store.documents():
        ids = store.chunk_ids(doc["id"])
        assert len(ids) == doc["n_chunks"], doc["file"]
        assert set(ids) <= vector_ids, doc["file"]
        facts = store.facts("AND f.document_id = ?", (doc["id"],))
        assert len(facts) == doc["n_facts"], doc["file"]
    assert vector_ids == store.all_chunk_ids()
    return {k: v for k, v in health.items() if k != "generation"}


# -- bad files in the parse sandbox ---------------------------------------------------------------
def test_decompression_bomb_is_refused_within_a_small_memory_limit(make_index):
    index = make_index(parse_memory_mb=700)
    bomb = decompression_bomb(200)
    assert len(bomb) < 1_000_000  # a small file ...
    result = index.ingest_bytes(bomb, "bom.pdf")
    # ... refused by pypdf's own limit before the sandbox's memory limit is even reached
    assert result.status == "refused" and result.code == "decompression_bomb", result
    assert "bom.pdf" in result.message
    assert index.store.refused()[0]["code"] == "decompression_bomb"
    assert index.ingest_bytes(GOOD.encode(), "goed.txt").status == "added"


def test_a_parser_that_runs_too_long_is_killed_while_queries_are_answered(make_index):
    index = make_index(parse_timeout_s=3)
    assert index.ingest_bytes(GOOD.encode(), "goed.txt").status == "added"
    outcome: dict = {}
    worker = threading.Thread(target=lambda: outcome.update(result=index.ingest_bytes(scattered_text(150_000), "traag.pdf")))
    worker.start()
    answered_meanwhile = 0
    while worker.is_alive():
        hits = index.search("Waar is de nachtopvang?", k=1)
        if worker.is_alive():
            answered_meanwhile += 1
        assert "Havenstraat" in hits[0].source["text"]
    worker.join()
    result = outcome["result"]
    assert result.status == "refused" and result.code == "parse_timeout", result
    assert "traag.pdf" in result.message and "3 s" in result.message
    assert answered_meanwhile >= 1  # the order of events, not a rate
    # the killed worker is replaced; the next file goes through
    assert index.ingest_bytes(GOOD.replace("Havenstraat", "Kade").encode(), "ander.txt").status == "added"


def test_a_parser_that_eats_memory_is_stopped_at_the_limit(make_index):
    index = make_index(parse_memory_mb=400)
    result = index.ingest_bytes(scattered_text(20_000), "geheugen.pdf")
    assert result.status == "refused" and result.code == "parse_memory", result
    assert "geheugen.pdf" in result.message and "400 MB" in result.message
    assert index.ingest_bytes(GOOD.encode(), "goed.txt").status == "added"


# -- all-or-nothing across several Chroma batches --------------------------------------------------
class _DuringBatches(logging.Handler):
    """Runs a probe each time the engine reports a written vector batch (observation, not a fake)."""

    def __init__(self, probe):
        super().__init__(logging.DEBUG)
        self.probe = probe
        self.seen = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "vector batch" in record.getMessage():
            self.seen += 1
            self.probe()


def test_a_document_needing_several_chroma_batches_is_invisible_until_committed(make_index, tmp_path):
    index = make_index(vector_batch_size=3)
    index.ingest_bytes(GOOD.encode(), "goed.txt")
    before = _consistent(index)
    text = sectioned_text(12, "Notitie winterbeleid")
    probes: list[tuple] = []

    def probe() -> None:
        hits = index.search("paragraaf 5 deel 0", k=20, mode="lexical")
        probes.append((index.store.counts()["documents"], [h.source["file"] for h in hits]))

    handler = _DuringBatches(probe)
    engine_log = logging.getLogger("index.engine")
    engine_log.addHandler(handler)
    old_level = engine_log.level
    engine_log.setLevel(logging.DEBUG)
    try:
        result = index.ingest_bytes(text.encode(), "winter.txt")
    finally:
        engine_log.removeHandler(handler)
        engine_log.setLevel(old_level)
    assert result.status == "added" and result.chunks >= 10
    assert handler.seen == (result.chunks + 2) // 3 >= 4
    for documents, files in probes:  # between batches: the old state, exactly
        assert documents == before["documents"] and "winter.txt" not in files
    after = _consistent(index)
    assert after["chunks"] == before["chunks"] + result.chunks
    assert index.search("paragraaf 5 deel 0", k=1, mode="lexical")[0].source["file"] == "winter.txt"


# -- kill -9 of a real ingest process ---------------------------------------------------------------
KILL_POINTS = ["vector batch 2/", "vectors written", "committed", "lexical and facts rebuilt", "pending row written"]


def _ingest_until(data_dir: Path, files: list[Path], marker: str | None, env: dict) -> int:
    """Run `vindplaats ingest`, SIGKILL it right after the second file logs `marker`; returns the exit code."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "ingest", "--data-dir", str(data_dir), *map(str, files)],
        cwd=REPO, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    assert proc.stderr is not None
    killed = False
    for line in proc.stderr:
        if marker and files[1].name in line and marker in line:
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
            break
    proc.stderr.close()
    code = proc.wait(timeout=300)
    assert killed or marker is None, f"never saw {marker!r}"
    return code


@pytest.fixture(scope="module")
def kill_docs(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("kill-docs")
    docs = []
    for n, name in enumerate(["a_notitie.txt", "b_notitie.txt", "c_notitie.txt"]):
        path = folder / name
        path.write_text(sectioned_text(9, f"Notitie {name}", seed=n), encoding="utf-8")
        docs.append(path)
    return docs


@pytest.mark.parametrize("marker", KILL_POINTS)
def test_kill_9_during_ingest_leaves_every_document_complete_or_absent(marker, kill_docs, tmp_path, make_index):
    env = {**os.environ, "VINDPLAATS_LOG_LEVEL": "DEBUG", "VINDPLAATS_VECTOR_BATCH_SIZE": "4",
           "PYTHONPATH": str(REPO)}
    env.pop("VINDPLAATS_DATA_DIR", None)
    data = tmp_path / "killed"
    code = _ingest_until(data, kill_docs, marker, env)
    assert code == -signal.SIGKILL

    index = make_index(data)  # reconciliation runs here
    counts = _consistent(index)
    files = {d["file"] for d in index.store.documents()}
    assert "a_notitie.txt" in files and "c_notitie.txt" not in files
    # b is complete or absent, never partial (_consistent above); after its commit it must be there.
    # Before the commit either is possible: SIGKILL lands a few ms after the log line is read.
    if marker in ("committed", "lexical and facts rebuilt"):
        assert "b_notitie.txt" in files, files
    # re-running the ingest converges to what an uninterrupted ingest gives
    for path in kill_docs:
        index.ingest_path(path)
    final = _consistent(index)
    reference = make_index(tmp_path / "clean")
    for path in kill_docs:
        reference.ingest_path(path)
    assert final == _consistent(reference)
    assert final["documents"] == 3 and counts["documents"] <= 2


# -- damaged index files ---------------------------------------------------------------------------
def _truncate(path: Path, keep: float = 0.5) -> None:
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.truncate(int(size * keep))


def test_truncated_sqlite_store_means_not_ready_with_reason_and_reindex_repairs(make_index, embedder, tmp_path):
    from index.engine import Index, reindex
    from index.settings import Settings
    from ingest.errors import IndexDamaged
    from service.app import create_app

    data = tmp_path / "d"
    index = make_index(data)
    index.ingest_bytes(sectioned_text(12, "Notitie beschadigd").encode(), "notitie.txt")
    index.ingest_bytes(GOOD.encode(), "goed.txt")
    before = _consistent(index)
    index.close()
    (data / "vindplaats.sqlite-wal").unlink(missing_ok=True)
    _truncate(data / "vindplaats.sqlite", 0.3)

    with pytest.raises(IndexDamaged) as caught:
        Index(Settings(data_dir=data), embedder)
    assert "vindplaats reindex" in caught.value.message
    with TestClient(create_app(Settings(data_dir=data))) as client:  # the lifespan builds the index itself
        health = client.get("/health")
        assert health.status_code == 503
        assert health.json()["error"] == "index_damaged" and "SQLite" in health.json()["message"]
        query = client.post("/query", json={"question": "nachtopvang"})
        assert query.status_code == 503 and query.json()["error"] == "index_damaged"

    results = reindex(Settings(data_dir=data), embedder)
    assert sorted(r.status for r in results) == ["added", "added"]
    repaired = make_index(data)
    assert _consistent(repaired) == before
    assert "Havenstraat" in repaired.search("Waar is de nachtopvang?", k=1)[0].source["text"]


def test_missing_bm25_files_are_rebuilt_from_the_store(make_index, tmp_path):
    data = tmp_path / "d"
    index = make_index(data)
    index.ingest_bytes(GOOD.encode(), "goed.txt")
    before = _consistent(index)
    index.close()
    for path in (data / "bm25").iterdir():
        if path.name != "ids.json":
            path.unlink()
    reopened = make_index(data)
    assert _consistent(reopened) == before
    assert reopened.search("Havenstraat", k=1, mode="lexical")[0].source["file"] == "goed.txt"


# -- restart past Chroma's sync threshold ----------------------------------------------------------
QUESTIONS = ["nachtopvang voor daklozen", "schuldhulpverlening", "jeugdhulp wachtlijsten", "mantelzorg",
             "woningbouw", "armoede en minima", "paragraaf 700", "beschermd wonen", "inburgering", "sport"]


def _big_index(make_index, data: Path, n_chunks: int = 1200):
    """> 1000 chunks: real parsed text, vectors drawn at random (embedding 1200 chunks costs minutes here)."""
    from ingest.pipeline import parse_document

    index = make_index(data)
    parsed = parse_document(sectioned_text(n_chunks, "Notitie groot").encode(), "groot.txt")
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(len(parsed.chunks), index.embedder.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index.add(parsed, sectioned_text(n_chunks, "Notitie groot").encode(), vectors=vectors)
    index.ingest_bytes(GOOD.encode(), "goed.txt")
    return index


def _tops(index) -> dict:
    return {(q, mode): [h.chunk_id for h in index.search(q, k=5, mode=mode)] for q in QUESTIONS
            for mode in ("hybrid", "dense", "lexical")}


def test_restart_after_chroma_persists_its_hnsw_segment_gives_identical_counts_and_results(make_index, tmp_path):
    data = tmp_path / "big"
    index = _big_index(make_index, data)
    counts, tops = _consistent(index), _tops(index)
    assert counts["chunks"] > 1000
    index.close()
    if not SERVER_MODE:
        segments = [p for p in (data / "chroma").rglob("data_level0.bin") if p.stat().st_size > 0]
        assert segments, "Chroma did not write an HNSW segment"
    reopened = make_index(data)
    assert _consistent(reopened) == counts
    assert _tops(reopened) == tops


@pytest.mark.embedded_only
def test_missing_hnsw_segment_file_means_not_ready_with_reason(make_index, embedder, tmp_path):
    """A lost HNSW file is reported, not served. (A *truncated* one is a known gap: what Chroma reads
    past the lost end is undefined — sometimes a crash in the preflight child, sometimes nothing, and
    sometimes a crash of the service process itself; see the README.)"""
    from index.settings import Settings
    from service.app import create_app

    data = tmp_path / "big"
    _big_index(make_index, data).close()
    segments = [p for p in (data / "chroma").rglob("data_level0.bin") if p.stat().st_size > 0]
    assert segments, "Chroma did not write an HNSW segment"  # else nothing would be damaged below
    for segment in segments:
        segment.unlink()
    with TestClient(create_app(Settings(data_dir=data))) as client:
        health = client.get("/health")
        assert health.status_code == 503, health.text
        body = health.json()
        assert body["error"] == "index_damaged" and "Chroma" in body["message"] and "reindex" in body["message"]


# -- several processes on one data dir with a Chroma server -------------------------------------------
@pytest.mark.skipif(not SERVER_MODE, reason="several processes per data dir need a Chroma server (VINDPLAATS_TEST_CHROMA=server)")
def test_with_a_chroma_server_a_second_process_writes_and_the_first_one_sees_it(make_index, tmp_path, kill_docs):
    data = tmp_path / "shared"
    index = make_index(data)  # stays open, as an API worker would
    index.ingest_bytes(GOOD.encode(), "goed.txt")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "service.cli", "ingest", "--data-dir", str(data), str(kill_docs[0])],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    hits = index.search("paragraaf 1 deel 0", k=1, mode="lexical")  # BM25 and facts reload on the new generation
    assert hits and hits[0].source["file"] == kill_docs[0].name
    assert _consistent(index)["documents"] == 2

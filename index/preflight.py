"""Open embedded Chroma once in a child process before the service trusts it.

A truncated HNSW segment does not raise in Chroma 1.5: its Rust core reads
past the end of the file and the whole process dies with SIGSEGV. Probing in
a throwaway child turns that crash into a reason the service can report
(not ready, run `vindplaats reindex`) instead of taking the service down.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.connection import Connection
from pathlib import Path


def _probe(path: str, collection: str, conn: Connection) -> None:
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.PersistentClient(path=path, settings=ChromaSettings(anonymized_telemetry=False))
        names = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
        if collection in names:
            from index.vector import VectorIndex

            VectorIndex(client, collection).probe()  # the same probe the service runs after this check
        conn.send(None)
    except Exception as exc:  # reported, not raised: the parent decides
        conn.send(f"{type(exc).__name__}: {exc}")


def check_embedded(path: Path, collection: str, timeout_s: float = 300.0) -> str | None:
    """None when Chroma at `path` opens and answers; otherwise why not."""
    if not path.exists():
        return None
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_probe, args=(str(path), collection, child), name="vindplaats-chroma-check", daemon=True)
    proc.start()
    child.close()
    reason: str | None = "no answer"
    if parent.poll(timeout_s):
        try:
            reason = parent.recv()
        except EOFError:
            reason = "no answer"
    proc.join(10)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return f"opening Chroma took longer than {timeout_s:g} s"
    if proc.exitcode and proc.exitcode < 0:
        return f"Chroma crashed reading its files (signal {-proc.exitcode})"
    return reason

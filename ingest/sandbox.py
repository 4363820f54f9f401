"""Parse untrusted files in a child process with a wall-clock and a memory limit.

A hostile or merely odd PDF can make pypdf loop or allocate without bound.
Inside the service process that would stall every query and could take the
process down; in a child it costs one killed process and a refusal naming the
file. The child is spawned once and reused (start-up costs ~1 s of imports),
and replaced after it is killed or dies.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
from multiprocessing.connection import Connection
from typing import Any

from ingest.errors import IngestError, ParseCrashed, ParseMemory, ParseTimeout
from ingest.metadata import Overrides
from ingest.models import ParsedDocument

log = logging.getLogger(__name__)


def _limit_memory(memory_mb: int) -> None:
    import resource

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _serve(conn: Connection, memory_mb: int) -> None:
    """Child main loop: one request in, one ("ok", parsed) or ("error", code, message) out."""
    from ingest.pipeline import parse_document  # imported before the limit: imports map a lot of memory

    if memory_mb:
        _limit_memory(memory_mb)
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        data, name, overrides, options = request
        try:
            reply: tuple = ("ok", parse_document(data, name, overrides, **options))
        except IngestError as exc:
            reply = ("error", type(exc).__name__, exc.code, exc.status, exc.message)
        except MemoryError:
            reply = ("error", "ParseMemory", ParseMemory.code, ParseMemory.status,
                     f"{name}: parsing needed more than {memory_mb} MB")
        except Exception as exc:  # a parser bug must not kill the worker or leak a traceback to users
            reply = ("error", "IngestError", "unreadable_file", 422, f"{name}: cannot be read ({type(exc).__name__}: {exc})")
        del data
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("error", "ParseMemory", ParseMemory.code, ParseMemory.status,
                       f"{name}: the parsed document is larger than {memory_mb} MB"))


class ParseWorker:
    """Thread-safe front of the child; calls are serialised (there is one child)."""

    def __init__(self, timeout_s: float, memory_mb: int):
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._ctx = mp.get_context("spawn")  # never fork a process that holds torch threads and sqlite handles
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: Connection | None = None

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_serve, args=(child, self.memory_mb), name="vindplaats-parse", daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def parse(self, data: bytes, name: str, overrides: Overrides | None = None, **options: Any) -> ParsedDocument:
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._kill()
                self._start()
            assert self._conn is not None
            try:
                self._conn.send((data, name, overrides, options))
                ready = self._conn.poll(self.timeout_s)
            except (BrokenPipeError, EOFError, OSError):
                ready = True  # the child died while reading; recv below reports it
            if not ready:
                log.warning("parsing %s took longer than %.0f s; worker killed", name, self.timeout_s)
                self._kill()
                raise ParseTimeout(f"{name}: parsing took longer than {self.timeout_s:g} s and was stopped")
            try:
                reply = self._conn.recv()
            except (EOFError, OSError):
                code = self._proc.exitcode if self._proc is not None else None
                self._kill()
                raise ParseCrashed(f"{name}: the parser process died (exit code {code}); the file was not ingested")
        if reply[0] == "ok":
            return reply[1]
        _, _kind, code, status, message = reply
        raise IngestError(message, code=code, status=status)

    def close(self) -> None:
        with self._lock:
            self._kill()


__all__ = ["ParseWorker"]

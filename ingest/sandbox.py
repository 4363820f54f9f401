"""Parse untrusted files in child processes with a wall-clock and a memory limit.

A hostile or merely odd PDF can make pypdf loop or allocate without bound.
Inside the service process that would stall every query and could take the
process down; in a child it costs one killed process and a refusal naming the
file. Children are spawned once and reused (start-up costs ~1 s of imports),
and replaced after they are killed or die.

pypdf is pure Python and its text extraction is nearly all of a PDF's parse
time (≈0.15 s a page on these machines, more than embedding the page's
chunks), so with `workers` > 1 a long PDF's pages are read by several
children at once, strided so each gets a share of the heavy table pages;
the first child then assembles sections, tables and facts from their texts.
Every child has the memory limit; the time limit covers the whole parse.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
import time
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


def _run(request: tuple) -> Any:
    from ingest.parsers.pdf import extract_pages, page_count
    from ingest.pipeline import parse_document

    op, data, name, *rest = request
    if op == "parse":
        overrides, options, raw_pages = rest
        return parse_document(data, name, overrides, raw_pages=raw_pages, **options)
    if op == "count":
        return page_count(data, name)
    (indices,) = rest
    return extract_pages(data, name, indices)


def _serve(conn: Connection, memory_mb: int) -> None:
    """Child main loop: one request in, one ("ok", value) or ("error", code, message) out."""
    from ingest.pipeline import parse_document  # noqa: F401  imported before the limit: imports map a lot of memory
    from ingest.parsers.pdf import extract_pages  # noqa: F401

    if memory_mb:
        _limit_memory(memory_mb)
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        name = request[2]
        try:
            reply: tuple = ("ok", _run(request))
        except IngestError as exc:
            reply = ("error", type(exc).__name__, exc.code, exc.status, exc.message)
        except MemoryError:
            reply = ("error", "ParseMemory", ParseMemory.code, ParseMemory.status,
                     f"{name}: parsing needed more than {memory_mb} MB")
        except Exception as exc:  # a parser bug must not kill the worker or leak a traceback to users
            reply = ("error", "IngestError", "unreadable_file", 422, f"{name}: cannot be read ({type(exc).__name__}: {exc})")
        del request
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("error", "ParseMemory", ParseMemory.code, ParseMemory.status,
                       f"{name}: the parsed document is larger than {memory_mb} MB"))


class _Child:
    def __init__(self, ctx: Any, memory_mb: int, index: int):
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, memory_mb), name=f"vindplaats-parse-{index}", daemon=True)
        self.proc.start()
        child.close()
        self.conn: Connection = parent

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class _Crashed(Exception):
    def __init__(self, exitcode: int | None):
        self.exitcode = exitcode


class ParseWorker:
    """Thread-safe front of the children; calls are serialised (one file at a time)."""

    def __init__(self, timeout_s: float, memory_mb: int, workers: int = 1, split_min_pages: int = 16):
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.workers = max(1, workers)
        self.split_min_pages = split_min_pages
        self._ctx = mp.get_context("spawn")  # never fork a process that holds torch threads and sqlite handles
        self._lock = threading.Lock()
        self._children: list[_Child | None] = [None] * self.workers

    def _child(self, i: int) -> _Child:
        child = self._children[i]
        if child is None or not child.proc.is_alive():
            if child is not None:
                child.kill()
            child = self._children[i] = _Child(self._ctx, self.memory_mb, i)
        return child

    def _kill_all(self) -> None:
        for i, child in enumerate(self._children):
            if child is not None:
                child.kill()
                self._children[i] = None

    def _send(self, i: int, request: tuple) -> None:
        try:
            self._child(i).conn.send(request)
        except (BrokenPipeError, EOFError, OSError):
            pass  # the child died while reading; _receive reports it

    def _receive(self, i: int, deadline: float) -> tuple:
        child = self._children[i]
        assert child is not None
        try:
            ready = child.conn.poll(max(0.0, deadline - time.monotonic()))
        except (BrokenPipeError, EOFError, OSError):
            ready = True
        if not ready:
            raise TimeoutError
        try:
            return child.conn.recv()
        except (EOFError, OSError):
            raise _Crashed(child.proc.exitcode) from None

    def _call(self, i: int, request: tuple, deadline: float) -> Any:
        self._send(i, request)
        return _unwrap(self._receive(i, deadline))

    def _extract_in_parallel(self, data: bytes, name: str, deadline: float) -> list | None:
        """Page texts read by all children, or None when the file is short or a child refused it
        (the single-child parse then gives the refusal exactly as a serial read would word it)."""
        try:
            n_pages = self._call(0, ("count", data, name), deadline)
        except IngestError:
            return None
        if n_pages < self.split_min_pages:
            return None
        shares = [list(range(i, n_pages, self.workers)) for i in range(self.workers)]
        for i, indices in enumerate(shares):
            self._send(i, ("extract", data, name, indices))
        replies = [self._receive(i, deadline) for i in range(self.workers)]
        if any(reply[0] != "ok" for reply in replies):
            return None
        raw: list = [None] * n_pages
        for indices, (_, pages) in zip(shares, replies):
            for index, page in zip(indices, pages):
                raw[index] = page
        log.debug("%s: %d pages read by %d parse workers", name, n_pages, self.workers)
        return raw

    def parse(self, data: bytes, name: str, overrides: Overrides | None = None, **options: Any) -> ParsedDocument:
        with self._lock:
            deadline = time.monotonic() + self.timeout_s
            try:
                raw = None
                if self.workers > 1 and b"%PDF-" in data[:1024] and name.lower().endswith(".pdf"):
                    raw = self._extract_in_parallel(data, name, deadline)
                return self._call(0, ("parse", data, name, overrides, options, raw), deadline)
            except TimeoutError:
                log.warning("parsing %s took longer than %.0f s; workers killed", name, self.timeout_s)
                self._kill_all()
                raise ParseTimeout(f"{name}: parsing took longer than {self.timeout_s:g} s and was stopped") from None
            except _Crashed as exc:
                self._kill_all()
                raise ParseCrashed(
                    f"{name}: the parser process died (exit code {exc.exitcode}); the file was not ingested"
                ) from None

    def close(self) -> None:
        with self._lock:
            self._kill_all()


def _unwrap(reply: tuple) -> Any:
    if reply[0] == "ok":
        return reply[1]
    _, _kind, code, status, message = reply
    raise IngestError(message, code=code, status=status)


__all__ = ["ParseWorker"]

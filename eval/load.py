"""Load test: query clients and one ingest client at the same time against a real `vindplaats serve`.

Why this exists: the service promises that reads go on while a document is being
written (one writer, many readers; see index/engine.py) and that /health counts
only ever grow while documents are added. Unit tests call the index from one
thread; only a real uvicorn with real concurrent HTTP clients shows whether
queries error, block or return half-written documents during an ingest.

    .venv/bin/python -m eval.load                      # own server on 127.0.0.1, 8 clients, 60 s
    .venv/bin/python -m eval.load --url http://127.0.0.1:8000 --seconds 30 --out reports/load.json

Without --url the script starts `vindplaats serve` itself (a free loopback port, a temp
data dir seeded with the text files of --docs) and always stops it again, also on
errors and Ctrl-C. Only loopback URLs are accepted: this generates load and writes
documents, so it must never be pointed at somebody else's server.

Threads: N query clients (one httpx.Client each) loop over Dutch questions in the
three modes, some with filters; one ingest client uploads unique variants of the
corpus text files one after another (plus one identical re-upload, which must be
"unchanged"); one monitor polls /health every ~0.5 s. Exit code 0 only when every
check holds (see `Checks` in the JSON); 1 when a check fails; 2 when the run could
not be set up (refused URL, server did not start); 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import ctypes
import ipaddress
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError

from service.schemas import QueryResponse

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DOCS = Path(os.environ.get("VINDPLAATS_CORPUS", REPO.parent / "shared" / "corpus"))
DEFAULT_QUESTIONS = Path(os.environ.get("VINDPLAATS_QUESTIONS", REPO.parent / "shared" / "eval" / "questions.jsonl"))
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
COUNT_KEYS = ("documents", "chunks", "vectors", "bm25", "facts")
MODES = ("hybrid", "dense", "lexical")
MAX_ERROR_MESSAGES = 10

# Asked besides the question file so a run also covers open passage questions.
FIXED_QUESTIONS = (
    "Waar is de permanente winteropvang voor dak- en thuislozen?",
    "Wat doet de gemeente aan schuldhulpverlening?",
    "Welke maatregelen zijn er voor beschermd wonen en maatschappelijke opvang?",
    "Wat willen we bereiken met welzijn, gezondheid en zorg?",
    "Hoeveel huishoudens hebben een bijstandsuitkering?",
    "Hoe staat het met de wachtlijsten in de jeugdzorg?",
    "Welke rol spelen de wijkteams bij ondersteuning van inwoners?",
)

# Filters the clients use now and then; values match the file names of the shared corpus.
FILTERS: tuple[dict[str, Any], ...] = (
    {"municipality": "Groningen"},
    {"doc_type": "jaarverslag"},
    {"year": 2024},
    {"municipality": "Midden-Groningen", "year": 2024},
    {"doc_type": "begroting", "municipality": "Groningen"},
)


# -- small helpers ---------------------------------------------------------------


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs whose host is localhost or a loopback address (127.0.0.0/8, ::1)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # any other name may resolve anywhere


def free_port() -> int:
    """A port the kernel just handed out on 127.0.0.1 (tiny race with other processes; the start then fails loudly)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no values (an empty mode must not look like 0 ms)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def load_questions(path: Path) -> list[str]:
    """Questions of the eval file plus the fixed ones; a missing or odd file only shrinks the set."""
    questions: list[str] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                text = json.loads(line).get("question")
            except (json.JSONDecodeError, AttributeError):
                continue
            if isinstance(text, str) and text.strip():
                questions.append(text.strip())
    questions.extend(FIXED_QUESTIONS)
    return list(dict.fromkeys(questions))


def text_documents(folder: Path) -> list[Path]:
    """Text exports directly in `folder`, smallest first so the first ingests finish early in a short run."""
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES and not p.name.startswith(".")]
    return sorted(files, key=lambda p: (p.stat().st_size, p.name))


def variant(path: Path, run_id: str, n: int) -> tuple[str, bytes, str]:
    """A copy of `path` with a unique marker paragraph and file name.

    The document id is the content hash, so identical bytes would be the same
    document: the marker makes every upload a new document that really adds
    chunks, and the name keeps the municipality/type/year the file name implies.
    """
    marker = f"laadtest{run_id}n{n:04d}"
    paragraph = (
        f"Laadtest {marker}: deze alinea is door de laadtest toegevoegd, zodat elke upload een eigen "
        f"document is met eigen passages en een eigen bronvermelding."
    )
    data = path.read_bytes()
    if path.suffix.lower() in (".html", ".htm") and b"</body>" in data.lower():
        at = data.lower().rindex(b"</body>")
        data = data[:at] + f"<p>{paragraph}</p>\n".encode() + data[at:]
    else:
        data = data.rstrip() + f"\n\n{paragraph}\n".encode()
    return f"{path.stem}_laadtest-{run_id}-{n:03d}{path.suffix}", data, marker


# -- recording -------------------------------------------------------------------


@dataclass
class Recorder:
    """Everything the threads observe, behind one lock (threads append, the main thread reads at the end)."""

    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: int = 0
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    error_messages: list[dict[str, Any]] = field(default_factory=list)
    per_client: dict[int, int] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in MODES})
    queries: list[tuple[float, float, str]] = field(default_factory=list)  # (start, end, mode), seconds since start
    empty_unfiltered: dict[str, int] = field(default_factory=lambda: {m: 0 for m in MODES})
    ingests: list[dict[str, Any]] = field(default_factory=list)
    health: list[dict[str, Any]] = field(default_factory=list)
    unchanged: dict[str, Any] | None = None
    stopped_at: float | None = None  # when the query clients were told to stop (the last upload may run on)

    def now(self) -> float:
        return time.monotonic() - self.started

    def error(self, where: str, kind: str, message: str) -> None:
        with self.lock:
            self.errors += 1
            self.errors_by_kind[f"{where}:{kind}"] = self.errors_by_kind.get(f"{where}:{kind}", 0) + 1
            if len(self.error_messages) < MAX_ERROR_MESSAGES:
                self.error_messages.append({"t": round(self.now(), 2), "where": where, "kind": kind, "message": message[:500]})

    def query_done(self, client: int, mode: str, start: float, end: float) -> None:
        with self.lock:
            self.per_client[client] = self.per_client.get(client, 0) + 1
            self.latencies[mode].append((end - start) * 1000.0)
            self.queries.append((start, end, mode))


def call(rec: Recorder, where: str, fn, *args, **kwargs) -> httpx.Response | None:
    """One HTTP call; any exception, timeout or non-2xx is recorded as an error and gives None."""
    try:
        response = fn(*args, **kwargs)
    except httpx.TimeoutException as exc:
        rec.error(where, "timeout", f"{type(exc).__name__}: {exc}")
        return None
    except Exception as exc:  # noqa: BLE001 - every failure of a call counts, whatever its type
        rec.error(where, "exception", f"{type(exc).__name__}: {exc}")
        return None
    if not 200 <= response.status_code < 300:
        rec.error(where, "status", f"{response.status_code} {response.request.method} {response.request.url.path}: {response.text[:300]}")
        return None
    return response


def response_problem(body: Any, top_k: int, filters: dict[str, Any] | None) -> str | None:
    """Why a /query body is not what service/schemas.py promises (None when it is).

    Beyond the schema: ranks run 1..n, at most top_k passages, every passage cites
    a document and a section (page may be None for text files but the key is
    there), and filtered queries only return documents that match the filter.
    """
    try:
        QueryResponse.model_validate(body)
    except ValidationError as exc:
        return f"schema: {exc.errors()[0]}"
    passages = body["passages"]
    if len(passages) > top_k:
        return f"{len(passages)} passages for top_k={top_k}"
    if [p["rank"] for p in passages] != list(range(1, len(passages) + 1)):
        return f"ranks {[p['rank'] for p in passages]}"
    for p in passages:
        source = p["source"]
        missing = [k for k in ("document_id", "file", "title", "section", "page", "page_label") if k not in source]
        if missing or not source["document_id"] or not source["file"] or not p["text"]:
            return f"passage {p['rank']} lacks its citation ({missing or 'empty document/file/text'})"
        for key, wanted in (filters or {}).items():
            got = source.get(key)
            same = str(got).lower() == str(wanted).lower() if isinstance(wanted, str) else got == wanted
            if not same:
                return f"passage {p['rank']} has {key}={got!r} under filter {key}={wanted!r}"
    return None


# -- the threads -----------------------------------------------------------------


def query_client(
    n: int, url: str, questions: list[str], timeout: float, stop: threading.Event, rec: Recorder, seeded: bool
) -> None:
    """One client: question after question, rotating modes, every third one filtered; no think time."""
    rng = random.Random(1000 + n)
    order = questions[:]
    rng.shuffle(order)
    i = 0
    with httpx.Client(base_url=url, timeout=httpx.Timeout(timeout, connect=10.0), trust_env=False) as client:
        while not stop.is_set():
            question = order[i % len(order)]
            mode = MODES[(n + i) % len(MODES)]
            filters = FILTERS[(n + i) % len(FILTERS)] if i % 3 == 2 else None
            top_k = 10 if i % 5 == 4 else 5
            i += 1
            body: dict[str, Any] = {"question": question, "top_k": top_k, "mode": mode}
            if filters:
                body["filters"] = filters
            start = rec.now()
            response = call(rec, "query", client.post, "/query", json=body)
            end = rec.now()
            if response is None:
                continue
            try:
                payload = response.json()
            except ValueError:
                rec.error("query", "malformed", f"not JSON: {response.text[:200]}")
                continue
            problem = response_problem(payload, top_k, filters)
            if problem:
                rec.error("query", "malformed", f"{mode} {question!r}: {problem}")
                continue
            rec.query_done(n, mode, start, end)
            if seeded and not filters and mode != "lexical" and not payload["passages"]:
                # dense ranks every chunk, so an index with chunks can never give nothing
                with rec.lock:
                    rec.empty_unfiltered[mode] += 1


def health_counts(client: httpx.Client, rec: Recorder) -> dict[str, Any] | None:
    response = call(rec, "health", client.get, "/health")
    if response is None:
        return None
    try:
        body = response.json()
        return {k: int(body[k]) for k in COUNT_KEYS}
    except (ValueError, KeyError, TypeError) as exc:
        rec.error("health", "malformed", f"{type(exc).__name__}: {exc}: {response.text[:200]}")
        return None


def monitor(url: str, timeout: float, interval: float, done: threading.Event, rec: Recorder) -> None:
    """Polls /health until the workers are done; the series is what the monotonic check reads."""
    with httpx.Client(base_url=url, timeout=httpx.Timeout(timeout, connect=10.0), trust_env=False) as client:
        while not done.is_set():
            counts = health_counts(client, rec)
            if counts is not None:
                with rec.lock:
                    rec.health.append({"t": round(rec.now(), 2), **counts})
            done.wait(interval)


def ingester(
    url: str, docs: list[Path], run_id: str, timeout: float, query_timeout: float, stop: threading.Event, rec: Recorder
) -> None:
    """Uploads unique variants one after another until `stop`; an upload in flight is finished, never cut.

    After the first upload the identical bytes go up once more: the answer must be
    "unchanged" and /health must not move (only this thread writes). After every
    added document a lexical query filtered to it must find its marker: the
    upload is visible to readers as soon as POST /documents has returned.
    """
    n = 0
    with httpx.Client(base_url=url, timeout=httpx.Timeout(timeout, connect=10.0), trust_env=False) as client:
        while not stop.is_set():
            path = docs[n % len(docs)]
            n += 1
            name, data, marker = variant(path, run_id, n)
            start = rec.now()
            response = call(rec, "ingest", client.post, "/documents", files={"file": (name, data, "text/plain")})
            end = rec.now()
            if response is None:
                continue
            result = response.json()
            item = {
                "file": name, "source": path.name, "status": result.get("status"), "document_id": result.get("document_id"),
                "chunks": int(result.get("chunks") or 0), "facts": int(result.get("facts") or 0),
                "start": round(start, 2), "end": round(end, 2), "server_seconds": round(float(result.get("seconds") or 0), 2),
                "marker_found": None,
            }
            if item["status"] != "added":
                rec.error("ingest", "status", f"{name}: expected status 'added', got {item['status']!r}")
            else:
                found = call(
                    rec, "ingest-check", client.post, "/query", timeout=query_timeout,
                    json={"question": marker, "mode": "lexical", "top_k": 3, "filters": {"document": item["document_id"]}},
                )
                if found is not None:
                    item["marker_found"] = any(marker in p["text"] for p in found.json().get("passages", []))
            with rec.lock:
                rec.ingests.append(item)
            if n == 1 and item["status"] == "added":
                reupload(client, name, data, rec)


def reupload(client: httpx.Client, name: str, data: bytes, rec: Recorder) -> None:
    """The same file again: must answer "unchanged" and leave every count where it was."""
    before = health_counts(client, rec)
    response = call(rec, "reupload", client.post, "/documents", files={"file": (name, data, "text/plain")})
    after = health_counts(client, rec)
    status = response.json().get("status") if response is not None else None
    rec.unchanged = {"file": name, "status": status, "before": before, "after": after}


def guarded(rec: Recorder, target: Any) -> Any:
    """A thread body that records a crash as an error instead of dying silently (which would look like idleness)."""

    def run(*args: Any) -> None:
        try:
            target(*args)
        except Exception as exc:  # noqa: BLE001
            rec.error(threading.current_thread().name, "crash", f"{type(exc).__name__}: {exc}")

    return run


# -- the server ------------------------------------------------------------------


def _die_with_parent() -> None:
    """Runs in the child before exec: on Linux the server gets SIGTERM if this script dies (even by SIGKILL)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Server:
    """A `vindplaats serve` subprocess on 127.0.0.1; `stop()` is safe to call any number of times."""

    def __init__(self, data_dir: Path, seed: list[Path], log_path: Path, startup_timeout: float):
        self.data_dir = data_dir
        self.seed = seed
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None

    def command(self) -> list[str]:
        script = Path(sys.executable).with_name("vindplaats")
        base = [str(script)] if script.exists() else [sys.executable, "-m", "service.cli"]
        cmd = base + ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", str(self.data_dir)]
        for path in self.seed:
            cmd += ["--ingest", str(path)]
        return cmd

    def start(self) -> str:
        """Starts the server and waits for /health; raises RuntimeError (with the log tail) when it does not come up."""
        started = time.monotonic()
        log = self.log_path.open("wb")
        try:
            self.proc = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=str(REPO),
                start_new_session=True,  # Ctrl-C reaches this script, which then stops the server in order
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        finally:
            log.close()
        deadline = started + self.startup_timeout
        with httpx.Client(base_url=self.url, timeout=httpx.Timeout(5.0), trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the server exited with code {self.proc.returncode}:\n{self.log_tail()}")
                try:
                    if client.get("/health").status_code == 200:
                        self.startup_seconds = time.monotonic() - started
                        return self.url
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
        raise RuntimeError(f"the server did not answer /health within {self.startup_timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> int | None:
        """SIGINT (uvicorn's graceful stop, the index closes), then SIGTERM, then SIGKILL; bounded to ~45 s."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return proc.returncode if proc else None
        for sig, wait in ((signal.SIGINT, 30.0), (signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                proc.send_signal(sig)
            except ProcessLookupError:
                break
            try:
                return proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        return proc.poll()

    def log_errors(self, limit: int = 10) -> str:
        """The server's tracebacks, condensed: the project's own frames and the exception, each distinct one once.

        The access log and the framework frames around a traceback are noise; what
        the reader needs is which line of index/ or service/ raised what, how often.
        """
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        seen: dict[str, int] = {}
        block: list[str] | None = None
        for line in lines:
            if line.startswith("Traceback"):
                block = []
            elif block is not None:
                frame = line.strip()
                if frame.startswith("File ") and "site-packages" not in frame and "/lib/python" not in frame:
                    block.append(frame)
                elif line and not line[0].isspace():  # the exception line ends the traceback
                    key = "\n  ".join([*block, line.strip()])
                    seen[key] = seen.get(key, 0) + 1
                    block = None
        return "\n".join(f"{n}x {key}" for key, n in list(seen.items())[:limit])

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


# -- analysis --------------------------------------------------------------------


def monotonic_violations(series: list[dict[str, Any]]) -> list[str]:
    out = []
    for prev, cur in zip(series, series[1:]):
        for key in COUNT_KEYS:
            if cur[key] < prev[key]:
                out.append(f"{key} fell from {prev[key]} (t={prev['t']}) to {cur[key]} (t={cur['t']})")
    return out


def during_ingest(rec: Recorder) -> dict[str, Any]:
    """Queries that started and finished while an upload was in flight, and the longest silence in each upload.

    If a lock made readers wait for the writer, no query would fit inside an upload
    and the longest gap without a completed query would be about the upload's length.
    """
    inside = 0
    lat_inside: list[float] = []
    lat_outside: list[float] = []
    windows = [(i["start"], i["end"]) for i in rec.ingests if i["status"] == "added"]
    ends = sorted(e for _, e, _ in rec.queries)
    for start, end, _ in rec.queries:
        if any(s <= start and end <= e for s, e in windows):
            inside += 1
            lat_inside.append((end - start) * 1000)
        elif not any(start < e and end > s for s, e in windows):
            lat_outside.append((end - start) * 1000)
    gaps = []
    until = rec.stopped_at if rec.stopped_at is not None else float("inf")
    for s, e in windows:
        e = min(e, until)  # after the stop no client asks any more; that silence says nothing
        if e <= s:
            continue
        points = [s] + [t for t in ends if s <= t <= e] + [e]
        gaps.append(round(max(b - a for a, b in zip(points, points[1:])), 2))
    return {
        "ingest_windows": len(windows),
        "ingest_seconds_total": round(sum(e - s for s, e in windows), 1),
        "queries_inside_ingest": inside,
        "p50_ms_inside_ingest": _r(percentile(lat_inside, 50)),
        "p50_ms_without_ingest": _r(percentile(lat_outside, 50)),
        "longest_gap_without_answer_s": gaps,
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def summarise(
    rec: Recorder, initial: dict[str, Any] | None, final: dict[str, Any] | None, load_seconds: float, clients: int
) -> dict[str, Any]:
    """The JSON result: numbers, and one entry per check with ok and a one-line reason."""
    added = [i for i in rec.ingests if i["status"] == "added"]
    total = sum(rec.per_client.values())
    expected = None
    if initial is not None:
        chunks = sum(i["chunks"] for i in added)
        expected = {
            "documents": initial["documents"] + len(added),
            "chunks": initial["chunks"] + chunks,
            "vectors": initial["vectors"] + chunks,
            "bm25": initial["bm25"] + chunks,
            "facts": initial["facts"] + sum(i["facts"] for i in added),
        }
    series = ([dict(initial, t=0.0)] if initial else []) + rec.health + ([dict(final, t=round(rec.now(), 2))] if final else [])
    violations = monotonic_violations(series)
    mismatch = [k for k in COUNT_KEYS if expected and final and final[k] != expected[k]]
    unchanged = rec.unchanged
    unchanged_ok = bool(
        unchanged and unchanged["status"] == "unchanged" and unchanged["before"] is not None
        and unchanged["before"] == unchanged["after"]
    )
    inside = during_ingest(rec)
    markers = [i for i in added if i["marker_found"] is not True]
    empty = sum(rec.empty_unfiltered.values())
    query_seconds = rec.stopped_at if rec.stopped_at is not None else load_seconds
    checks = {
        "no_errors": {"ok": rec.errors == 0, "detail": f"{rec.errors} errors {rec.errors_by_kind}"},
        "counts_monotonic": {
            "ok": not violations and len(series) >= 2, "detail": "; ".join(violations[:5]) or f"{len(series)} polls, never fell",
        },
        "final_counts_match_ingests": {
            "ok": bool(expected and final and not mismatch),
            "detail": f"final {final}, expected {expected}" + (f"; differs in {mismatch}" if mismatch else ""),
        },
        "ingests_added": {"ok": len(added) >= 1, "detail": f"{len(added)} uploads added"},
        "unchanged_reupload": {"ok": unchanged_ok, "detail": json.dumps(unchanged)},
        "upload_visible_to_queries": {
            "ok": bool(added) and not markers, "detail": f"{len(added) - len(markers)}/{len(added)} markers found by a filtered lexical query",
        },
        "queries_answered_during_ingest": {
            "ok": inside["ingest_windows"] == 0 or inside["queries_inside_ingest"] > 0,
            "detail": f"{inside['queries_inside_ingest']} queries started and finished inside {inside['ingest_windows']} uploads",
        },
        "no_empty_unfiltered_dense": {"ok": empty == 0, "detail": f"empty unfiltered dense/hybrid answers: {rec.empty_unfiltered}"},
    }
    return {
        "ok": all(c["ok"] for c in checks.values()),
        "checks": checks,
        "load_seconds": round(load_seconds, 1),
        "queries": {
            "total": total,
            "qps": round(total / query_seconds, 2) if query_seconds > 0 else None,
            "query_seconds": round(query_seconds, 1),
            "per_client": [rec.per_client.get(n, 0) for n in range(clients)],
            "per_mode": {
                m: {
                    "n": len(v), "p50_ms": _r(percentile(v, 50)), "p95_ms": _r(percentile(v, 95)),
                    "p99_ms": _r(percentile(v, 99)), "max_ms": _r(max(v) if v else None),
                }
                for m, v in rec.latencies.items()
            },
            "empty_unfiltered": rec.empty_unfiltered,
            "during_ingest": inside,
        },
        "errors": {"count": rec.errors, "by_kind": rec.errors_by_kind, "first": rec.error_messages},
        "ingests": {
            "done": len(rec.ingests), "added": len(added), "chunks": sum(i["chunks"] for i in added),
            "facts": sum(i["facts"] for i in added), "items": rec.ingests, "unchanged_reupload": unchanged,
        },
        "health": {"initial": initial, "final": final, "expected_final": expected, "polls": len(rec.health), "series": rec.health},
    }


def print_summary(result: dict[str, Any]) -> None:
    q = result["queries"]
    print(f"\nLoad test against {result['url']}: {result['config']['clients']} clients for {q['query_seconds']} s "
          f"(run {result['load_seconds']} s with the last upload)")
    print(f"  queries {q['total']} ({q['qps']} /s), per client {q['per_client']}")
    for mode, s in q["per_mode"].items():
        print(f"  {mode:8s} n={s['n']:5d}  p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms  p99 {s['p99_ms']} ms  max {s['max_ms']} ms")
    d = q["during_ingest"]
    print(f"  during {d['ingest_windows']} uploads ({d['ingest_seconds_total']} s): {d['queries_inside_ingest']} queries inside, "
          f"p50 {d['p50_ms_inside_ingest']} ms (without ingest {d['p50_ms_without_ingest']} ms), "
          f"longest gap without an answer {d['longest_gap_without_answer_s']} s")
    i = result["ingests"]
    print(f"  ingests {i['done']} ({i['added']} added: {i['chunks']} chunks, {i['facts']} facts)")
    print(f"  health  initial {result['health']['initial']}\n          final   {result['health']['final']} ({result['health']['polls']} polls)")
    print(f"  errors  {result['errors']['count']}")
    for e in result["errors"]["first"]:
        print(f"    t={e['t']} {e['where']}/{e['kind']}: {e['message']}")
    if result.get("server_errors"):
        print("  server log errors:\n    " + result["server_errors"].replace("\n", "\n    ")[:4000])
    for name, check in result["checks"].items():
        print(f"  [{'ok' if check['ok'] else 'FAIL'}] {name}: {check['detail']}")
    print("PASS" if result["ok"] else "FAIL")


# -- main ------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--url", help="a running server on loopback (default: start `vindplaats serve` on a free port)")
    p.add_argument("--data-dir", type=Path, help="data dir for the server this script starts (default: a temp dir, removed)")
    p.add_argument("--clients", type=int, default=8, help="query client threads")
    p.add_argument("--seconds", type=float, default=60.0, help="how long the clients run")
    p.add_argument("--docs", type=Path, default=DEFAULT_DOCS, help="folder with text files to upload (and to seed with)")
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSONL with a 'question' per line")
    p.add_argument("--seed", action=argparse.BooleanOptionalAction, default=True,
                   help="started server only: ingest the --docs text files before the load (`serve --ingest`)")
    p.add_argument("--out", type=Path, help="write the JSON result here")
    p.add_argument("--query-timeout", type=float, default=60.0, help="seconds per /query or /health call")
    p.add_argument("--upload-timeout", type=float, default=300.0, help="seconds per POST /documents")
    p.add_argument("--startup-timeout", type=float, default=600.0, help="seconds for the started server to answer /health")
    p.add_argument("--poll", type=float, default=0.5, help="seconds between /health polls")
    args = p.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0:
        p.error("--clients must be >= 1 and --seconds > 0")
    return args


class Interrupted(Exception):
    """SIGTERM turned into an exception so the `finally` that stops the server runs."""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.url and not is_loopback_url(args.url):
        print(f"refused: {args.url} is not a loopback URL (localhost, 127.0.0.0/8, ::1); the load test only runs locally",
              file=sys.stderr)
        return 2
    docs = text_documents(args.docs) if args.docs.is_dir() else []
    if not docs:
        print(f"no text files ({', '.join(TEXT_SUFFIXES)}) in {args.docs}", file=sys.stderr)
        return 2
    questions = load_questions(args.questions)

    def on_term(signum: int, frame: Any) -> None:
        raise Interrupted(f"signal {signum}")

    previous_term = signal.signal(signal.SIGTERM, on_term) if threading.current_thread() is threading.main_thread() else None
    temp_dir = Path(tempfile.mkdtemp(prefix="vindplaats-load-"))
    data_dir = args.data_dir or temp_dir / "data"
    server = None if args.url else Server(data_dir, docs if args.seed else [], temp_dir / "server.log", args.startup_timeout)
    rec = Recorder()
    stop, done = threading.Event(), threading.Event()
    threads: list[threading.Thread] = []
    code = 1
    result: dict[str, Any] = {}
    try:
        try:
            url = server.start() if server else args.url.rstrip("/")
        except RuntimeError as exc:
            print(f"could not start the server: {exc}", file=sys.stderr)
            return 2
        if server:
            print(f"server up on {url} after {server.startup_seconds:.1f} s (data: {data_dir}, log: {server.log_path})")
        with httpx.Client(base_url=url, timeout=httpx.Timeout(args.query_timeout, connect=10.0), trust_env=False) as client:
            initial = health_counts(client, rec)
        seeded = bool(initial and initial["chunks"] > 0)
        run_id = uuid.uuid4().hex[:8]
        rec.started = time.monotonic()
        threads = [
            threading.Thread(target=guarded(rec, query_client), args=(n, url, questions, args.query_timeout, stop, rec, seeded),
                             name=f"query-{n}", daemon=True)
            for n in range(args.clients)
        ]
        ingest = threading.Thread(target=guarded(rec, ingester), name="ingest", daemon=True,
                                  args=(url, docs, run_id, args.upload_timeout, args.query_timeout, stop, rec))
        mon = threading.Thread(target=guarded(rec, monitor), args=(url, args.query_timeout, args.poll, done, rec), name="monitor", daemon=True)
        for t in [mon, ingest, *threads]:
            t.start()
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        stop.set()
        rec.stopped_at = rec.now()
        # every call has its own timeout, so the workers end within the longest of them
        hard = time.monotonic() + max(args.upload_timeout + args.query_timeout * 2, args.query_timeout) + 30
        for t in [*threads, ingest]:
            t.join(timeout=max(0.0, hard - time.monotonic()))
        load_seconds = time.monotonic() - rec.started
        stuck = [t.name for t in [*threads, ingest] if t.is_alive()]
        if stuck:
            rec.error("run", "timeout", f"threads still running at the hard limit: {stuck}")
        done.set()
        mon.join(timeout=args.query_timeout + 5)
        with httpx.Client(base_url=url, timeout=httpx.Timeout(args.query_timeout, connect=10.0), trust_env=False) as client:
            final = health_counts(client, rec)
        result = summarise(rec, initial, final, load_seconds, args.clients)
        result["url"] = url
        result["config"] = {
            "clients": args.clients, "seconds": args.seconds, "docs": [p.name for p in docs], "questions": len(questions),
            "seeded": seeded, "own_server": server is not None,
            "server_startup_s": round(server.startup_seconds, 1) if server and server.startup_seconds else None,
            "cpus": os.cpu_count(),
        }
        code = 0 if result["ok"] else 1
    except (KeyboardInterrupt, Interrupted) as exc:
        print(f"\ninterrupted ({str(exc) or 'Ctrl-C'}); stopping the server", file=sys.stderr)
        code = 130
    finally:
        stop.set()
        done.set()
        if server:
            rc = server.stop()
            if result:
                result["config"]["server_exit"] = rc
                result["server_errors"] = server.log_errors()
                # a traceback the clients never saw (a background failure) is still a failure of the service
                result["checks"]["server_log_clean"] = {
                    "ok": not result["server_errors"], "detail": "no tracebacks" if not result["server_errors"]
                    else f"{result['server_errors'].count(chr(10)) + 1} lines of tracebacks (server_errors)",
                }
                result["ok"] = all(c["ok"] for c in result["checks"].values())
                code = 0 if result["ok"] else 1
                if not result["ok"]:
                    result["server_log_tail"] = server.log_tail()
                    if args.out:  # the temp dir goes; keep the whole log beside the result
                        args.out.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(server.log_path, args.out.with_suffix(".server.log"))
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)
        shutil.rmtree(temp_dir, ignore_errors=True)  # the server log (tail in the JSON on failure) and a temp data dir
    if result:
        print_summary(result)
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
            print(f"result: {args.out}")
    return code


if __name__ == "__main__":
    sys.exit(main())

"""Query latency, memory and disk at one corpus size, in a process of its own.

Each size runs as two fresh subprocesses, so peak RSS belongs to one size and
one role: `build` loads the synthetic corpus through the real Store, Chroma and
BM25 (its peak is what indexing that many chunks costs), `query` opens the data
dir the way a server does and asks every question in every mode, with and
without filters (its peak is what serving costs). Latency is `Index.search`
with the question text, so the query embedding is included. Configurations are
interleaved question by question, so load from elsewhere on the machine falls
on all of them alike.

Run as `python -m eval.bench_query build|query CONFIG.json OUT.json`.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eval.bench_synth import FILTERS

MODES = ("lexical", "dense", "hybrid")
GIVEN = "hybrid, vector given"  # Index.search(vector=...): retrieval without the query embedding
REPO = Path(__file__).resolve().parents[1]


@dataclass
class SizeConfig:
    size: int
    data_dir: str
    seed: str  # path stem of the saved Seed
    questions: list[str]
    repeats: int = 2
    k: int = 10
    threads: int | None = None
    agreement_questions: int = 10  # how many questions compare the fast filtered path with Chroma's own
    settings: dict[str, Any] = field(default_factory=dict)  # extra Settings fields (e.g. embedding_model)


def _proc_status_bytes(field: str) -> int | None:
    """A `VmXXX:` line of /proc/self/status in bytes; None where there is no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def peak_rss_bytes() -> int:
    """This process image's peak resident set: VmHWM from /proc.

    Not getrusage's ru_maxrss: Linux carries that across fork + exec, so a worker
    started by a parent holding 2 GB would report 2 GB whatever it used itself.
    """
    peak = _proc_status_bytes("VmHWM")
    if peak is not None:
        return peak
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # KiB on Linux


def current_rss_bytes() -> int | None:
    """Resident set now (peak minus what was transient), from /proc; None where there is no /proc."""
    return _proc_status_bytes("VmRSS")


def disk_bytes(path: Path) -> int:
    """Allocated bytes under `path`, as `du` counts them."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    return total


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    from eval.metrics import percentile

    return {"n": len(values), **{f"p{p}": _ms(percentile(values, p)) for p in (50, 95, 99)},
            "max": _ms(max(values) if values else None)}


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _open(config: SizeConfig):
    from eval.runner import make_embedder
    from index.engine import Index
    from index.settings import Settings

    settings = Settings(**{**config.settings, "data_dir": Path(config.data_dir), "chroma_url": None,
                           **({"threads": config.threads} if config.threads else {})})
    embedder = make_embedder(settings)
    return settings, embedder, Index, Index(settings, embedder)


def build(config: SizeConfig) -> dict[str, Any]:
    """Load `size` synthetic chunks, then reopen the Index so BM25 is rebuilt the real way."""
    from eval import bench_synth

    settings, embedder, index_cls, index = _open(config)
    rss: dict[str, int | None] = {"model_and_empty_index": current_rss_bytes()}
    try:
        seed = bench_synth.Seed.load(Path(config.seed))
        documents, chunks, load_seconds = bench_synth.load(index, bench_synth.synthesize(seed, config.size))
        rss["after_load"] = current_rss_bytes()
        rss["peak_after_load"] = peak_rss_bytes()
    finally:
        index.close()
    started = time.perf_counter()
    index = index_cls(settings, embedder)
    bm25_seconds = time.perf_counter() - started
    rss["after_reopen"] = current_rss_bytes()
    try:
        health = index.health()
        share = bench_synth.selectivity(index)
    finally:
        index.close()
    return {"size": config.size, "documents": documents, "chunks": chunks, "load_seconds": round(load_seconds, 3),
            "reopen_bm25_seconds": round(bm25_seconds, 3), "health": health, "selectivity": share,
            "disk_bytes": disk_bytes(Path(config.data_dir)), "build_peak_rss_bytes": peak_rss_bytes(),
            "build_rss_bytes": rss}


def measure(config: SizeConfig) -> dict[str, Any]:
    """Open the data dir as a server would, then time every (mode, filter) on every question."""
    started = time.perf_counter()
    _settings, embedder, _cls, index = _open(config)
    open_seconds = time.perf_counter() - started
    try:
        rss_open = peak_rss_bytes()
        configs = [(mode, name) for mode in MODES for name in FILTERS]
        samples: dict[tuple[str, str], list[float]] = {c: [] for c in configs + [(GIVEN, n) for n in FILTERS]}
        cold: dict[tuple[str, str], float] = {}
        for mode, name in configs:  # the first query per filter fills the store's and BM25's caches
            t0 = time.perf_counter()
            index.search(config.questions[0], k=config.k, mode=mode, filters=FILTERS[name] or None)
            cold[(mode, name)] = (time.perf_counter() - t0) * 1000
        embed: list[float] = []
        for _ in range(config.repeats):
            for question in config.questions:
                t0 = time.perf_counter()
                vector = embedder.query(question)
                embed.append((time.perf_counter() - t0) * 1000)
                for mode, name in configs:
                    t0 = time.perf_counter()
                    index.search(question, k=config.k, mode=mode, filters=FILTERS[name] or None)
                    samples[(mode, name)].append((time.perf_counter() - t0) * 1000)
                for name in FILTERS:  # what retrieval alone costs, apart from the model
                    t0 = time.perf_counter()
                    index.search(question, k=config.k, mode="hybrid", filters=FILTERS[name] or None, vector=vector)
                    samples[(GIVEN, name)].append((time.perf_counter() - t0) * 1000)
        latency: dict[str, dict[str, Any]] = {}
        for (mode, name), values in samples.items():
            latency.setdefault(mode, {})[name] = {**percentiles(values), "cold_ms": _ms(cold.get((mode, name)))}
        serving = {"serve_peak_rss_bytes": peak_rss_bytes(), "serve_rss_end_bytes": current_rss_bytes()}
        agreement = filtered_agreement(index, config)  # after the RSS readings: it loads vectors to check
        return {"size": config.size, "open_seconds": round(open_seconds, 3), "latency_ms": latency,
                "query_embedding_ms": percentiles(embed), "filtered_agreement": agreement,
                "chunks": index.store.count_chunks(), "serve_rss_after_open_bytes": rss_open, **serving,
                "questions": len(config.questions),
                "repeats": config.repeats, "k": config.k}
    finally:
        index.close()


def filtered_agreement(index: Any, config: SizeConfig) -> dict[str, Any]:
    """How exact the filtered dense results are, per filter, over the first questions.

    `identical_top_k`: share of questions whose top k from the fast path (unfiltered
    query, post-filtered) equal Chroma's own filtered query (`where`). Both are HNSW
    searches, so both are also scored against the exact answer (brute force over the
    admitted vectors): `fast_recall` and `where_recall` are the mean share of the
    exact top k each returns.
    """
    import numpy as np

    out: dict[str, Any] = {}
    depth = max(50, 4 * config.k)
    k = config.k
    population = index.store.count_chunks()
    questions = config.questions[: config.agreement_questions]
    vectors = [index.embedder.query(q) for q in questions]
    for name, filters in FILTERS.items():
        if not filters:
            continue
        allowed = index.store.chunk_ids_matching(filters)
        ids = sorted(allowed)
        matrix = np.zeros((len(ids), index.embedder.dim), dtype=np.float32)
        for start in range(0, len(ids), 2000):
            got = index.vector.collection.get(ids=ids[start : start + 2000], include=["embeddings"])
            row = {chunk_id: i for i, chunk_id in enumerate(ids[start : start + 2000], start=start)}
            for chunk_id, vec in zip(got["ids"], got["embeddings"]):
                matrix[row[chunk_id]] = np.asarray(vec, dtype=np.float32)
        where = {"document_id": {"$in": sorted(index.store.document_ids_matching(filters))}}
        same = fast_recall = where_recall = 0.0
        for vector in vectors:
            exact = {ids[i] for i in np.argsort(-(matrix @ vector), kind="stable")[:k]}
            fast = [h.id for h in index.vector.query(vector, depth, where, allowed=allowed, population=population)][:k]
            plain = [h.id for h in index.vector.query(vector, depth, where)][:k]
            same += fast == plain
            fast_recall += len(set(fast) & exact) / max(1, len(exact))
            where_recall += len(set(plain) & exact) / max(1, len(exact))
        n = max(1, len(questions))
        out[name] = {"questions": len(questions), "admitted": len(ids), "identical_top_k": round(same / n, 4),
                     "fast_recall": round(fast_recall / n, 4), "where_recall": round(where_recall / n, 4)}
        del matrix
    return out


def run_in_subprocess(role: str, config: SizeConfig, workdir: Path, progress: Callable[[str], None] | None = None,
                      timeout_s: float = 4 * 3600) -> dict[str, Any]:
    """Run `build` or `query` for one size in a fresh interpreter and return its JSON result."""
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / f"{role}-{config.size}.config.json"
    out_path = workdir / f"{role}-{config.size}.result.json"
    config_path.write_text(json.dumps(asdict(config), ensure_ascii=False))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)}
    if progress:
        progress(f"{role} {config.size:,} chunks (subprocess)")
    done = subprocess.run([sys.executable, "-m", "eval.bench_query", role, str(config_path), str(out_path)],
                          cwd=str(REPO), env=env, capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0 or not out_path.exists():
        tail = "\n".join((done.stderr or "").splitlines()[-20:])
        raise RuntimeError(f"bench {role} at {config.size} chunks failed (exit {done.returncode}):\n{tail}")
    return json.loads(out_path.read_text())


def main(argv: list[str]) -> int:
    """Subprocess entry point: ROLE CONFIG.json OUT.json."""
    import logging

    logging.basicConfig(level=logging.WARNING)
    role, config_path, out_path = argv
    config = SizeConfig(**json.loads(Path(config_path).read_text()))
    result = build(config) if role == "build" else measure(config)
    Path(out_path).write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


__all__ = ["GIVEN", "MODES", "SizeConfig", "build", "current_rss_bytes", "disk_bytes", "measure", "peak_rss_bytes", "percentiles",
           "run_in_subprocess"]

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))

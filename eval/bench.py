"""`vindplaats bench`: ingest throughput and query latency in one reproducible run.

1. Ingest (in this process): the corpus files, each parsed, embedded at the
   model's limit, ingested end to end into a fresh data dir and ingested by
   the naive recipe (eval/baseline.py) — see eval/bench_ingest.py.
2. Query (two subprocesses per size): a synthetic corpus of N chunks seeded
   from the real chunks and vectors of step 1 (eval/bench_synth.py) is built,
   then queried in every mode with and without filters (eval/bench_query.py).

The result is one JSON-able dict; eval/bench_report.py renders it. Targets
(issue 7) are checked at the largest size measured and reported, never
enforced: a loaded machine is a fact to report, not a failure.
"""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from eval.bench_query import SizeConfig, run_in_subprocess
from eval.bench_queries import load_questions

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "pdf"
DEFAULT_SIZES = (1_000, 10_000, 100_000)
TARGETS = {
    "ingest_ratio_to_limit_min": 0.80,
    "hybrid_p95_ms_unfiltered_max": 50.0,
    "hybrid_p95_ms_filtered_max": 150.0,
    "rss_bytes_max": 1.5 * 1024**3,
}

Progress = Callable[[str], None]


@dataclass
class BenchOptions:
    corpus: list[Path] = field(default_factory=lambda: [DEFAULT_CORPUS])
    sizes: list[int] = field(default_factory=lambda: list(DEFAULT_SIZES))
    skip_ingest: bool = False
    skip_query: bool = False
    repeats: int = 2
    k: int = 10
    questions: Path | None = None
    max_questions: int | None = None
    threads: int | None = None
    seed_chunks: int = 400  # chunks embedded for the synthetic corpora when the ingest step is skipped
    workdir: Path | None = None  # kept when given; a temp dir (removed) otherwise


def machine() -> dict[str, Any]:
    """What the numbers were measured on, including how busy it was."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        pass
    return {"platform": platform.platform(), "python": platform.python_version(), "cpu": cpu,
            "cpu_count": os.cpu_count(), "memory_bytes": memory}


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def corpus_files(paths: Sequence[Path]) -> list[Path]:
    from eval.runner import corpus_files as files

    return files(paths)


def check_targets(result: dict[str, Any]) -> dict[str, Any]:
    """Each target with the measured value and whether it is met (None: not measured in this run)."""
    out: dict[str, Any] = {}
    ratio = ((result.get("ingest") or {}).get("totals") or {}).get("ratio_ours_to_limit")
    out["ingest_ratio_to_limit"] = _target(ratio, TARGETS["ingest_ratio_to_limit_min"], at_least=True)
    sizes = result.get("query") or []
    if sizes:
        top = max(sizes, key=lambda s: s["size"])
        hybrid = top["latency_ms"]["hybrid"]
        out["at_size"] = top["size"]
        out["hybrid_p95_ms_unfiltered"] = _target(hybrid["none"]["p95"], TARGETS["hybrid_p95_ms_unfiltered_max"])
        worst = max(hybrid[name]["p95"] for name in hybrid if name != "none")
        out["hybrid_p95_ms_filtered"] = _target(worst, TARGETS["hybrid_p95_ms_filtered_max"])
        rss = max(s["serve_peak_rss_bytes"] for s in sizes)
        out["serve_peak_rss_bytes"] = _target(rss, TARGETS["rss_bytes_max"])
        build_rss = max(s["build_peak_rss_bytes"] for s in sizes)
        out["build_peak_rss_bytes"] = _target(build_rss, TARGETS["rss_bytes_max"])
    return out


def _target(value: float | None, limit: float, at_least: bool = False) -> dict[str, Any]:
    met = None if value is None else (value >= limit if at_least else value <= limit)
    return {"value": value, "target": limit, "met": met}


def run_bench(options: BenchOptions, progress: Progress | None = None) -> dict[str, Any]:
    """The whole benchmark; returns the report dict (see module docstring)."""
    from eval.bench_synth import Seed, seed_from_files, seed_from_index
    from eval.runner import make_embedder
    from index.settings import Settings

    say: Progress = progress or (lambda _msg: None)
    query = bool(options.sizes) and not options.skip_query
    if not query and options.skip_ingest:
        raise ValueError("nothing to measure: the ingest is skipped and no query sizes are left")
    if any(s < 1 for s in options.sizes):
        raise ValueError("sizes must be positive")
    files = corpus_files(options.corpus)
    if not files:
        raise FileNotFoundError(f"no files in {', '.join(map(str, options.corpus))}")
    owned = options.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="vindplaats-bench-")) if owned else Path(options.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    if options.threads:
        settings = settings.model_copy(update={"threads": options.threads})
    result: dict[str, Any] = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(), "load_average_start": load_average(),
        "settings": {"embedding_model": settings.embedding_model, "embed_batch_size": settings.embed_batch_size,
                     "threads": settings.threads or os.cpu_count()},
        "corpus": [str(p) for p in files], "ingest": None, "query": [],
    }
    started = time.perf_counter()
    try:
        embedder = make_embedder(settings)
        result["settings"]["embedding_backend"] = getattr(embedder, "backend", "torch")
        seed_path = workdir / "seed"
        if not options.skip_ingest:
            from eval.bench_ingest import run_ingest

            figures, index = run_ingest(files, settings, embedder, workdir, say)
            try:
                result["ingest"] = figures.to_dict()
                result["load_average_after_ingest"] = load_average()
                if query:
                    seed_from_index(index).save(seed_path)
            finally:
                index.close()
        elif query:
            say(f"seed: parsing and embedding up to {options.seed_chunks} chunks of the corpus")
            seed_from_files(files, embedder, options.seed_chunks).save(seed_path)
        del embedder  # the subprocesses load their own model
        questions = load_questions(options.questions, options.max_questions)
        extra = {"embedding_model": settings.embedding_model, "model_cache": str(settings.cache_dir),
                 "embed_batch_size": settings.embed_batch_size}
        for size in sorted(options.sizes) if query else []:
            config = SizeConfig(size=size, data_dir=str(workdir / f"data-{size}"), seed=str(seed_path),
                                questions=questions, repeats=options.repeats, k=options.k,
                                threads=options.threads, settings=extra)
            built = run_in_subprocess("build", config, workdir, say)
            measured = run_in_subprocess("query", config, workdir, say)
            result["query"].append({**built, **measured, "load_average_after": load_average()})
            shutil.rmtree(config.data_dir, ignore_errors=True)  # 100k chunks are ≈0.4 GB
        result["seed_chunks"] = len(Seed.load(seed_path)) if query else None
    finally:
        if owned:
            shutil.rmtree(workdir, ignore_errors=True)
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["load_average_end"] = load_average()
    result["targets"] = check_targets(result)
    return result


__all__ = ["BenchOptions", "DEFAULT_CORPUS", "DEFAULT_SIZES", "TARGETS", "check_targets", "machine", "run_bench"]

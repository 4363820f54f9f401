"""`vindplaats bench`: the benchmark on the command line.

Registered in service/cli.py like `eval`. Prints the Markdown report and
writes bench.json + bench.md to --out. Exit codes: 0 measured (targets are
reported, not enforced: a busy shared machine is not a failure), 2 a usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer


def _usage(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "").strip()) for part in text.split(",") if part.strip()]
    except ValueError:
        _usage(f"--sizes: expected comma-separated chunk counts such as 1000,10000,100000, got {text!r}")
    if any(s < 1 for s in sizes):
        _usage("--sizes: chunk counts must be positive")
    return sizes


def bench_command(
    corpus: Annotated[Optional[list[Path]], typer.Option(
        "--corpus", help="files or folders to ingest (repeatable; default ../shared/corpus/pdf)")] = None,
    sizes: Annotated[str, typer.Option("--sizes", help="synthetic corpus sizes for the query benchmark")] = "1000,10000,100000",
    skip_ingest: Annotated[bool, typer.Option("--skip-ingest", help="only the query benchmark")] = False,
    skip_query: Annotated[bool, typer.Option("--skip-query", help="only the ingest benchmark")] = False,
    out: Annotated[Path, typer.Option("--out", help="folder for bench.json and bench.md")] = Path("reports"),
    repeats: Annotated[int, typer.Option("--repeats", min=1, help="times each question is asked per configuration")] = 2,
    k: Annotated[int, typer.Option("--k", "-k", min=1, help="passages per query")] = 10,
    questions: Annotated[Optional[Path], typer.Option(
        "--questions", help="question file (JSONL; default ../shared/eval/questions.jsonl), plus built-in variants")] = None,
    max_questions: Annotated[Optional[int], typer.Option("--max-questions", min=1, help="ask only the first N")] = None,
    threads: Annotated[Optional[int], typer.Option(
        "--threads", min=1, help="torch threads (default: VINDPLAATS_THREADS or all cores)")] = None,
    workdir: Annotated[Optional[Path], typer.Option(
        "--workdir", help="keep the data dirs and seed here instead of a removed temp dir")] = None,
) -> None:
    """Measure ingest speed (against the model's limit and the naive recipe) and query latency at several sizes."""
    from eval.bench import DEFAULT_CORPUS, BenchOptions, run_bench
    from eval.bench_report import markdown, write

    paths = corpus or [DEFAULT_CORPUS]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _usage(f"--corpus not found: {', '.join(missing)}")
    if questions is not None and not questions.is_file():
        _usage(f"--questions {questions} is not a file")
    options = BenchOptions(corpus=paths, sizes=_sizes(sizes), skip_ingest=skip_ingest, skip_query=skip_query,
                           repeats=repeats, k=k, questions=questions, max_questions=max_questions, threads=threads,
                           workdir=workdir)
    try:
        result = run_bench(options, progress=lambda msg: typer.echo(f"… {msg}", err=True))
    except (ValueError, FileNotFoundError) as exc:
        _usage(str(exc))
    typer.echo(markdown(result))
    for kind, path in write(result, out).items():
        typer.echo(f"{kind}: {path}")


__all__ = ["bench_command"]

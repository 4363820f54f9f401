"""`vindplaats eval`: the harness on the command line.

Registered in service/cli.py as `app.command("eval")(eval_command)`. Exit codes:
0 every gate passed, 1 a --fail-under gate failed, 2 a usage error (bad question
file, unknown metric or mode, missing corpus, a gate on a metric not measured).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer


def _usage(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def eval_command(
    questions: Annotated[Path, typer.Argument(help="question file (JSONL, see ../shared/eval/README.md)")],
    corpus: Annotated[Optional[list[Path]], typer.Option(
        "--corpus", help="file or folder to ingest into a throwaway data dir (repeatable)")] = None,
    data_dir: Annotated[Optional[Path], typer.Option(
        "--data-dir", help="evaluate an existing data dir instead of ingesting a corpus")] = None,
    baseline: Annotated[bool, typer.Option(
        "--baseline/--no-baseline", help="also build and score the naive recipe (splitter + plain Chroma)")] = False,
    out: Annotated[Path, typer.Option("--out", help="folder for report.md, report.json, chart.png")] = Path("reports"),
    modes: Annotated[str, typer.Option("--modes", help="comma-separated: lexical,dense,hybrid")] = "lexical,dense,hybrid",
    fail_under: Annotated[Optional[list[str]], typer.Option(
        "--fail-under", help="metric=value gate, e.g. hybrid.recall@5=0.8 (repeatable); exit 1 when one falls short")] = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, help="passages retrieved per question")] = 10,
) -> None:
    """Score retrieval (per mode) and figure answers on a question set; optionally against the baseline."""
    from eval.gate import GateError, check, parse_gates
    from eval.questions import QuestionFileError, load_questions
    from eval.report import write_report
    from eval.runner import MODES, run

    try:
        gates = parse_gates(fail_under or [])
    except GateError as exc:
        _usage(str(exc))
    chosen = [m.strip() for m in modes.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in MODES]
    if unknown or not chosen:
        _usage(f"--modes: unknown mode(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(MODES)}")
    if bool(corpus) == (data_dir is not None):
        _usage("give either --corpus (to ingest into a throwaway data dir) or --data-dir (an existing one)")
    missing = [str(p) for p in corpus or [] if not p.exists()]
    if missing:
        _usage(f"--corpus not found: {', '.join(missing)}")
    if data_dir is not None and not data_dir.is_dir():
        _usage(f"--data-dir {data_dir} is not a directory")
    try:
        loaded = load_questions(questions)
    except QuestionFileError as exc:
        _usage(str(exc))

    from ingest.errors import VindplaatsError

    try:
        report = run(loaded, corpus=corpus or None, data_dir=data_dir, modes=chosen, baseline=baseline, k=k,
                     progress=lambda msg: typer.echo(f"… {msg}", err=True))
    except VindplaatsError as exc:
        _usage(f"[{exc.code}] {exc.message}")
    except (FileNotFoundError, ValueError) as exc:
        _usage(str(exc))

    typer.echo(report.to_terminal())
    paths = write_report(report, out)
    typer.echo("")
    for kind, path in paths.items():
        typer.echo(f"{kind}: {path}" if path else f"{kind}: skipped (matplotlib is not installed)")
    try:
        results = check(report.metrics, gates)
    except GateError as exc:
        _usage(str(exc))
    if results:
        typer.echo("")
        for result in results:
            typer.echo(result.describe())
    if any(not r.passed for r in results):
        raise typer.Exit(1)


__all__ = ["eval_command"]

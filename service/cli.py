"""Command line: ingest, serve, ask, sample, reindex, setup.

The data dir comes from --data-dir or VINDPLAATS_DATA_DIR. Only one process
writes to a data dir; `ask` while a server runs goes to that server over HTTP.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from ingest.errors import IndexMismatch, Locked, NotReady, VindplaatsError
from ingest.metadata import Overrides
from ingest.parsers import SUPPORTED

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Vindplaats: zoeken in beleidsdocumenten.")

DataDir = Annotated[Optional[Path], typer.Option("--data-dir", help="data directory (default $VINDPLAATS_DATA_DIR or ./data)")]


def _settings(data_dir: Path | None):
    from index.settings import Settings

    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        else:
            found.append(path)
    return found


def _fail(exc: VindplaatsError) -> None:
    typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
    raise typer.Exit(2)


def run_ingest(index, files: list[Path], overrides: Overrides, progress: bool = True) -> list:
    results = []
    with typer.progressbar(files, label="Ingesting", file=sys.stderr, hidden=not progress) as bar:
        for path in bar:
            results.append(index.ingest_path(path, overrides))
    return results


def print_summary(results: list, seconds: float) -> None:
    by_status: dict[str, int] = {}
    for r in results:
        by_status[r.status] = by_status.get(r.status, 0) + 1
    chunks = sum(r.chunks for r in results if r.status in ("added", "replaced"))
    facts = sum(r.facts for r in results if r.status in ("added", "replaced"))
    typer.echo(
        f"{len(results)} files in {seconds:.1f} s: "
        + ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
        + f"; {chunks} chunks, {facts} facts"
        + (f" ({chunks / seconds:.1f} chunks/s)" if seconds > 0 and chunks else "")
    )
    refused = [r for r in results if r.status == "refused"]
    if refused:
        typer.echo("Skipped:")
        for r in refused:
            typer.echo(f"  {r.file}: [{r.code}] {r.message}")
    for r in results:
        for warning in r.warnings:
            typer.echo(f"  note: {warning}")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files or folders")],
    data_dir: DataDir = None,
    title: Annotated[Optional[str], typer.Option(help="override the detected title")] = None,
    municipality: Annotated[Optional[str], typer.Option(help="override the detected municipality")] = None,
    doc_type: Annotated[Optional[str], typer.Option(help="override the document type (begroting, jaarverslag, …)")] = None,
    year: Annotated[Optional[int], typer.Option(help="override the publication year")] = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
    ocr: Annotated[
        bool, typer.Option("--ocr", help="read image-only PDF pages with tesseract (needs tesseract-ocr + tesseract-ocr-nld)")
    ] = False,
) -> None:
    """Ingest files and folders (PDF, HTML, text, Markdown) into the data dir."""
    from ingest.ocr import require_ocr
    from service.app import build_index

    files = _files(paths)
    missing = [p for p in paths if not p.exists()]
    if missing:
        typer.echo(f"error: not found: {', '.join(map(str, missing))}", err=True)
        raise typer.Exit(2)
    settings = _settings(data_dir)
    if ocr:
        settings = settings.model_copy(update={"ocr": True})
    try:
        if settings.ocr:  # fail before loading anything, not once per scanned file
            require_ocr()
        index = build_index(settings)
    except VindplaatsError as exc:
        _fail(exc)
    started = time.perf_counter()
    try:
        results = run_ingest(index, files, Overrides(title, municipality, doc_type, year), progress)
    finally:
        index.close()
    print_summary(results, time.perf_counter() - started)


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[Optional[str], typer.Option(help="bind address")] = None,
    port: Annotated[Optional[int], typer.Option(help="port")] = None,
    ingest_path: Annotated[Optional[list[Path]], typer.Option("--ingest", help="ingest these files/folders first")] = None,
    sample: Annotated[bool, typer.Option(help="write and ingest the built-in sample documents first")] = False,
) -> None:
    """Start the HTTP service (API at /docs)."""
    import uvicorn

    from service.app import build_index, create_app

    settings = _settings(data_dir)
    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    not_ready: VindplaatsError | None = None
    index = None
    try:
        index = build_index(settings)
    except (NotReady, IndexMismatch) as exc:
        # stay up and say why on /health instead of disappearing; `vindplaats reindex` repairs
        typer.echo(f"not ready [{exc.code}]: {exc.message}", err=True)
        not_ready = exc
    except VindplaatsError as exc:
        _fail(exc)
    paths = list(ingest_path or []) if index is not None else []
    if sample:
        from service.sample import write_sample

        folder = Path(settings.data_dir) / "sample"
        write_sample(folder)
        paths.append(folder)
    if paths:
        started = time.perf_counter()
        print_summary(run_ingest(index, _files(paths), Overrides()), time.perf_counter() - started)
    (Path(settings.data_dir) / "server.json").write_text(json.dumps({"url": f"http://{settings.host}:{settings.port}"}))
    typer.echo(f"Vindplaats on http://{settings.host}:{settings.port}  (API docs: /docs, data: {settings.data_dir})")
    try:
        uvicorn.run(create_app(settings, index, not_ready), host=settings.host, port=settings.port, log_level="info")
    finally:
        if index is not None:
            index.close()


def _ask_server(url: str, body: dict) -> dict:
    import httpx

    response = httpx.post(f"{url}/query", json=body, timeout=60)
    if response.status_code >= 400:
        err = response.json()
        raise VindplaatsError(err.get("message", response.text), code=err.get("error", "http_error"))
    return response.json()


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="een vraag in het Nederlands")],
    data_dir: DataDir = None,
    top_k: Annotated[int, typer.Option("--top-k", "-k")] = 5,
    mode: Annotated[str, typer.Option(help="hybrid | dense | lexical")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="print the /query body")] = False,
    municipality: Annotated[Optional[str], typer.Option()] = None,
    doc_type: Annotated[Optional[str], typer.Option()] = None,
    year: Annotated[Optional[int], typer.Option()] = None,
) -> None:
    """Ask a question; prints the answer and cited passages."""
    from pydantic import ValidationError

    from service.schemas import QueryRequest

    try:
        request = QueryRequest(
            question=question, top_k=top_k, mode=mode,
            filters={"municipality": municipality, "doc_type": doc_type, "year": year},
        )
    except ValidationError as exc:
        typer.echo(f"error [invalid_request]: {exc.errors()[0]['msg']}", err=True)
        raise typer.Exit(2)
    settings = _settings(data_dir)
    try:
        body = _ask_local(settings, request)
    except Locked:
        server = Path(settings.data_dir) / "server.json"
        if not server.exists():
            raise
        body = _ask_server(json.loads(server.read_text())["url"], request.model_dump())
    except VindplaatsError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    from service.render import render_text

    typer.echo(render_text(body))


def _ask_local(settings, request) -> dict:
    from service.app import build_index
    from service.query import run_query

    index = build_index(settings)
    try:
        return run_query(index, request)
    finally:
        index.close()


@app.command()
def sample(folder: Annotated[Path, typer.Argument()] = Path("sample")) -> None:
    """Write the built-in sample documents (a fictional municipality) to FOLDER."""
    from service.sample import write_sample

    for path in write_sample(folder):
        typer.echo(str(path))


@app.command()
def setup() -> None:
    """Convert the embedding model and export it for the configured backend, once (also done on first use)."""
    from index.embedder import resolve_model_path
    from index.model_export import ensure_exported
    from index.settings import Settings

    settings = Settings()
    started = time.perf_counter()
    path = resolve_model_path(settings.embedding_model, settings.cache_dir)
    if settings.embedding_backend != "torch":
        path = ensure_exported(path, settings.embedding_backend, settings.cache_dir)
    typer.echo(f"model ready in {path} ({time.perf_counter() - started:.1f} s)")


@app.command()
def reindex(data_dir: DataDir = None) -> None:
    """Rebuild every index from the stored originals (after damage or a change of embedding model)."""
    from index.embedder import from_settings
    from index.engine import reindex as rebuild

    settings = _settings(data_dir)
    started = time.perf_counter()
    try:
        embedder = from_settings(settings)
        results = rebuild(settings, embedder)
    except VindplaatsError as exc:
        _fail(exc)
    print_summary(results, time.perf_counter() - started)


def _register_eval() -> None:
    """`vindplaats eval` lives in the eval package; the CLI only mounts it."""
    from eval.cli import eval_command

    app.command("eval", help="Score retrieval and figure answers on a question file (see eval/).")(eval_command)


_register_eval()


def _register_bench() -> None:
    """`vindplaats bench` lives in the eval package too; the CLI only mounts it."""
    from eval.bench_cli import bench_command

    app.command("bench", help="Measure ingest speed and query latency at 1k/10k/100k chunks (see eval/bench.py).")(
        bench_command)


_register_bench()


def main() -> None:  # pragma: no cover
    logging.basicConfig(level=os.environ.get("VINDPLAATS_LOG_LEVEL", "WARNING"))
    app()


__all__ = ["app", "SUPPORTED"]


if __name__ == "__main__":  # pragma: no cover
    main()

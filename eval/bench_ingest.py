"""Ingest throughput: ours end to end against the embedding-bound limit and the naive recipe.

Embedding dominates ingest, so the honest yardstick is the model itself: raw
`SentenceTransformer.encode` on the very chunk texts we embed (title and
section context, the "passage: " prompt, the same batch size). Everything
else the pipeline does — parsing, facts, label vectors, SQLite, Chroma, BM25 —
shows up as the gap between end to end and that limit.

The machine is shared, so each file is measured in turn by all four methods
(parse, limit, end to end, naive) rather than one method for the whole corpus
after another: a burst of load from elsewhere then hits all of them alike.
Inside end to end, the time spent in the Index's parts is attributed with
timers wrapped around the real methods (whichever of them the Index has).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.embedder import Embedder
    from index.engine import Index
    from index.settings import Settings

Progress = Callable[[str], None]

# (stage, path to the object from the Index, method): non-overlapping parts of one ingest
STAGES: tuple[tuple[str, str, str], ...] = (
    ("parse (worker)", "", "parse"),
    ("embed passages", "embedder", "passages"),
    ("embed fact labels", "embedder", "queries"),
    ("sqlite", "store", "insert_pending"),
    ("sqlite", "store", "commit_document"),
    ("chroma upsert", "vector", "upsert"),
    ("bm25 rebuild", "", "_build_lexical"),
    ("bm25 rebuild", "", "_rebuild_lexical"),
    ("facts reload", "", "_load_facts"),
    ("facts reload", "", "_reload_facts"),
)


@dataclass
class FileFigures:
    file: str
    pages: int | None
    sections: int
    chunks: int
    facts: int
    parse_seconds: float
    limit_seconds: float
    e2e_seconds: float
    e2e_status: str
    naive_chunks: int
    naive_seconds: float


@dataclass
class IngestFigures:
    files: list[FileFigures]
    batch_size: int
    limit_runtime: str = ""
    parse_processes: int = 1  # sandbox processes reading a long PDF's pages during end to end
    stages: dict[str, float] = field(default_factory=dict)  # seconds inside end to end, by part
    parse_stages: dict[str, float] = field(default_factory=dict)  # seconds inside the in-process parse, by part
    passages_embedded: int = 0  # chunks Embedder.passages was given during end to end
    labels_embedded: int = 0  # fact labels Embedder.queries was given during end to end

    def totals(self) -> dict[str, Any]:
        """Sums and rates over all files; the ratios the targets are stated in."""
        f = self.files
        pages = sum(x.pages or 0 for x in f)
        pdf_parse = sum(x.parse_seconds for x in f if x.pages)
        chunks = sum(x.chunks for x in f)
        e2e = sum(x.e2e_seconds for x in f)
        limit = sum(x.limit_seconds for x in f)
        naive = sum(x.naive_seconds for x in f)
        embed = self.stages.get("embed passages", 0.0)
        rate = lambda n, s: round(n / s, 3) if s > 0 and n else None  # noqa: E731
        e2e_rate, limit_rate = rate(chunks, e2e), rate(chunks, limit)
        return {
            "files": len(f), "pages": pages, "sections": sum(x.sections for x in f), "chunks": chunks,
            "facts": sum(x.facts for x in f), "parse_seconds": round(sum(x.parse_seconds for x in f), 3),
            "pages_per_second": rate(pages, pdf_parse),
            "embed_seconds": round(embed, 3), "embed_chunks_per_second": rate(self.passages_embedded, embed),
            "limit_seconds": round(limit, 3), "limit_chunks_per_second": limit_rate,
            "e2e_seconds": round(e2e, 3), "e2e_chunks_per_second": e2e_rate, "e2e_pages_per_second": rate(pages, e2e),
            "naive_seconds": round(naive, 3), "naive_chunks": sum(x.naive_chunks for x in f),
            "naive_chunks_per_second": rate(sum(x.naive_chunks for x in f), naive),
            "ratio_ours_to_limit": round(e2e_rate / limit_rate, 4) if e2e_rate and limit_rate else None,
            "ratio_ours_to_naive_seconds": round(e2e / naive, 4) if e2e > 0 and naive > 0 else None,
        }

    def to_dict(self) -> dict[str, Any]:
        stages = {k: round(v, 3) for k, v in sorted(self.stages.items(), key=lambda kv: -kv[1])}
        e2e = sum(x.e2e_seconds for x in self.files)
        stages["other"] = round(max(0.0, e2e - sum(self.stages.values())), 3)
        parse = {k: round(v, 3) for k, v in sorted(self.parse_stages.items(), key=lambda kv: -kv[1])}
        return {"totals": self.totals(), "stages_seconds": stages, "parse_stages_seconds": parse,
                "batch_size": self.batch_size, "limit_runtime": self.limit_runtime,
                "parse_processes": self.parse_processes,
                "passages_embedded": self.passages_embedded, "labels_embedded": self.labels_embedded,
                "files": [asdict(x) for x in self.files]}


@contextmanager
def stage_timers(index: Index, counts: dict[str, int]) -> Iterator[dict[str, float]]:
    """Time the Index's parts while they run for real: each method is wrapped, called through, restored."""
    totals: dict[str, float] = {}
    wrapped: list[tuple[object, str, bool, Any]] = []
    for label, path, name in STAGES:
        owner: object = getattr(index, path) if path else index
        method = getattr(owner, name, None)
        if method is None or not callable(method):
            continue

        def timed(*args: Any, _method: Any = method, _label: str = label, **kwargs: Any) -> Any:
            if _label in ("embed passages", "embed fact labels") and args:
                counts[_label] = counts.get(_label, 0) + len(args[0])
            started = time.perf_counter()
            try:
                return _method(*args, **kwargs)
            finally:
                totals[_label] = totals.get(_label, 0.0) + time.perf_counter() - started

        had_own = name in vars(owner)
        wrapped.append((owner, name, had_own, vars(owner).get(name)))
        setattr(owner, name, timed)
    try:
        yield totals
    finally:
        for owner, name, had_own, previous in reversed(wrapped):
            if had_own:
                setattr(owner, name, previous)
            else:
                delattr(owner, name)


@contextmanager
def parse_timers() -> Iterator[dict[str, float]]:
    """Split `parse_document` time: pypdf plain text, pypdf layout text (only the table parser reads it),
    tables + facts, and the rest (normalising, sections, chunks) as the remainder."""
    import ingest.pipeline as pipeline
    from pypdf import PageObject

    totals: dict[str, float] = {}
    extract_text = PageObject.extract_text
    extract_figures = pipeline.extract_figures

    def timed_text(self: Any, *args: Any, **kwargs: Any) -> Any:
        label = "pypdf layout text" if kwargs.get("extraction_mode") == "layout" else "pypdf plain text"
        started = time.perf_counter()
        try:
            return extract_text(self, *args, **kwargs)
        finally:
            totals[label] = totals.get(label, 0.0) + time.perf_counter() - started

    def timed_figures(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return extract_figures(*args, **kwargs)
        finally:
            totals["tables + facts"] = totals.get("tables + facts", 0.0) + time.perf_counter() - started

    PageObject.extract_text = timed_text  # type: ignore[method-assign]
    pipeline.extract_figures = timed_figures  # type: ignore[assignment]
    try:
        yield totals
    finally:
        PageObject.extract_text = extract_text  # type: ignore[method-assign]
        pipeline.extract_figures = extract_figures


def limit_runtime(embedder: Embedder) -> str:
    """Which raw encoder `limit_encode` calls: the model runtime the Embedder itself runs."""
    exported = getattr(embedder, "_exported", None)
    if exported is not None:
        return f"ExportedEncoder.encode ({getattr(exported, 'backend', '?')})"
    return "SentenceTransformer.encode (torch)"


def limit_encode(embedder: Embedder, texts: list[str]) -> float:
    """Seconds for the raw model runtime on `texts` as the Embedder would send them.

    With the torch backend that is `SentenceTransformer.encode`; with an exported
    backend (openvino, onnx) it is that runtime's own encoder, because comparing our
    ingest on one runtime with the speed of another would measure the runtime, not us.
    The "passage: " prompt is prepended here, the same batch size is used.
    """
    if not texts:
        return 0.0
    exported = getattr(embedder, "_exported", None)
    if exported is not None:
        prompt = (getattr(exported, "prompts", None) or {}).get("passage", "passage: ")
        prompted = [prompt + t for t in texts]
        started = time.perf_counter()
        exported.encode(prompted, None, embedder.batch_size)
        return time.perf_counter() - started
    model = embedder.model
    prompt = (getattr(model, "prompts", None) or {}).get("passage", "passage: ")
    prompted = [prompt + t for t in texts]
    started = time.perf_counter()
    model.encode(prompted, batch_size=embedder.batch_size, normalize_embeddings=True,
                 convert_to_numpy=True, show_progress_bar=False)
    return time.perf_counter() - started


def run_ingest(files: list[Path], settings: Settings, embedder: Embedder, workdir: Path,
               progress: Progress | None = None) -> tuple[IngestFigures, Index]:
    """Measure every file four ways; returns the figures and the open end-to-end Index (caller closes it)."""
    from eval.baseline import Baseline
    from index.engine import Index, embedding_text
    from ingest.errors import IngestError
    from ingest.pipeline import parse_document

    say = progress or (lambda _msg: None)
    index = Index(settings.model_copy(update={"data_dir": workdir / "ingest-data", "chroma_url": None}), embedder)
    naive = Baseline(embedder, workdir / "naive-chroma")
    embedder.passages(["warm-up"]), embedder.query("warm-up")  # lazily built parts load before timing
    warm = getattr(index, "parse", None)
    if callable(warm):  # start the parse worker (a child process) before timing
        try:
            warm(b"Opwarmen van de parser.\n", "opwarmen.txt")
        except IngestError:
            pass
    figures = IngestFigures(files=[], batch_size=embedder.batch_size, limit_runtime=limit_runtime(embedder),
                            parse_processes=index.settings.parse_processes)
    counts: dict[str, int] = {}
    for n, path in enumerate(files, start=1):
        data = path.read_bytes()
        say(f"ingest {n}/{len(files)}: {path.name} — parse")
        with parse_timers() as parts:
            started = time.perf_counter()
            try:
                parsed = parse_document(data, path.name)
            except IngestError as exc:
                say(f"  skipped: [{exc.code}] {exc.message}")
                continue
            parse_seconds = time.perf_counter() - started
        for label, seconds in parts.items():
            figures.parse_stages[label] = figures.parse_stages.get(label, 0.0) + seconds
        figures.parse_stages["sections, chunks, rest"] = (figures.parse_stages.get("sections, chunks, rest", 0.0)
                                                          + max(0.0, parse_seconds - sum(parts.values())))
        texts = [embedding_text(parsed.meta.title, c.section, c.text) for c in parsed.chunks]
        say(f"ingest {n}/{len(files)}: {path.name} — embedding limit ({len(texts)} chunks)")
        limit_seconds = limit_encode(embedder, texts)
        say(f"ingest {n}/{len(files)}: {path.name} — end to end")
        with stage_timers(index, counts) as stages:
            started = time.perf_counter()
            result = index.ingest_bytes(data, path.name)
            e2e_seconds = time.perf_counter() - started
        for label, seconds in stages.items():
            figures.stages[label] = figures.stages.get(label, 0.0) + seconds
        say(f"ingest {n}/{len(files)}: {path.name} — naive recipe")
        done = naive.ingest([(path.name, data)])
        figures.files.append(FileFigures(
            file=path.name, pages=parsed.meta.pages, sections=len(parsed.sections), chunks=len(parsed.chunks),
            facts=len(parsed.facts), parse_seconds=round(parse_seconds, 3), limit_seconds=round(limit_seconds, 3),
            e2e_seconds=round(e2e_seconds, 3), e2e_status=result.status, naive_chunks=done.chunks,
            naive_seconds=round(done.seconds, 3)))
    figures.passages_embedded = counts.get("embed passages", 0)
    figures.labels_embedded = counts.get("embed fact labels", 0)
    return figures, index


__all__ = ["FileFigures", "IngestFigures", "STAGES", "limit_encode", "limit_runtime", "parse_timers", "run_ingest", "stage_timers"]

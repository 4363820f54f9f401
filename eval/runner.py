"""Run the questions against the index in-process, per mode, and the baseline beside it.

`run()` ingests a corpus into a throwaway data dir (timed), or opens an existing
data dir, or uses an open Index; asks every question in every mode (timed per
query), asks the answer path for indicator questions, optionally builds and
asks the naive baseline, and returns a Report with every metric.
"""

from __future__ import annotations

import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from eval import metrics as M
from eval.baseline import CHUNK_OVERLAP, CHUNK_SIZE, Baseline
from eval.questions import Question, load_questions

MODES = ("lexical", "dense", "hybrid")
BASELINE = "baseline"
QUALITY = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "figure_in_top5")
PER_MODE = QUALITY + ("latency_p50_ms", "latency_p95_ms")
GLOBAL = (
    "answer_accuracy",
    "conflict_detection",
    "indicator_recall@5",
    "answer.latency_p50_ms",
    "answer.latency_p95_ms",
    "ingest_seconds",
    "chunks_per_second",
    "baseline.ingest_seconds",
    "baseline.chunks_per_second",
)
RATIOS = QUALITY + ("ingest_seconds",)
SNIPPET = 300

if TYPE_CHECKING:
    from index.embedder import Embedder
    from index.engine import Index
    from index.settings import Settings

Progress = Callable[[str], None]


def known_metrics() -> list[str]:
    """Every metric name a report can carry (and --fail-under accepts)."""
    names = [f"{mode}.{m}" for mode in MODES + (BASELINE,) for m in PER_MODE]
    names += list(GLOBAL)
    names += [f"ratio.{m}" for m in RATIOS]
    return names


def lower_is_better(name: str) -> bool:
    return name.endswith(("_ms", "ingest_seconds"))


@dataclass
class Passage:
    rank: int
    score: float
    file: str
    page: int | None
    page_label: str | None
    section: str
    relevant: bool  # passage questions: the README's relevance
    shows_figure: bool  # indicator questions: from an expected document, prints an expected value
    text: str


@dataclass
class ModeOutcome:
    rank: int | None  # passage: first relevant passage; indicator: first passage showing an expected figure
    hit: bool  # rank within the top 5
    latency_ms: float
    returned: list[Passage]


@dataclass
class QuestionOutcome:
    id: str
    question: str
    type: str
    expect: dict
    modes: dict[str, ModeOutcome] = field(default_factory=dict)
    answer: dict | None = None
    answer_hit: bool | None = None
    conflict_hit: bool | None = None  # only where expect.conflict
    indicator_rank: int | None = None
    indicators: list[dict] = field(default_factory=list)
    answer_latency_ms: float | None = None


@dataclass
class Report:
    metrics: dict[str, float | None]
    questions: list[QuestionOutcome]
    modes: list[str]  # the modes run, "baseline" last when it ran
    info: dict

    def metric(self, name: str) -> float | None:
        return self.metrics.get(name)

    def to_dict(self) -> dict:
        return {"info": self.info, "modes": self.modes, "metrics": self.metrics,
                "questions": [asdict(q) for q in self.questions]}

    def to_json(self, indent: int | None = 2) -> str:
        import json

        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_markdown(self) -> str:
        from eval.report import markdown

        return markdown(self)

    def to_terminal(self) -> str:
        from eval.report import terminal

        return terminal(self)


# -- building blocks ---------------------------------------------------------
def make_embedder(settings: Settings | None = None) -> Embedder:
    """The project's embedder as configured (VINDPLAATS_*); tests replace this with their own."""
    from index.embedder import from_settings
    from index.settings import Settings

    settings = settings or Settings()
    return from_settings(settings)


def corpus_files(paths: Sequence[Path | str]) -> list[Path]:
    """Files and folders → files (folders recursively, hidden files skipped), in a stable order."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and not any(
                part.startswith(".") for part in p.relative_to(path).parts)))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"corpus path not found: {path}")
    return found


def _judge(question: Question, file: str, text: str) -> tuple[bool, bool]:
    e = question.expect
    if question.type == "passage":
        return M.is_relevant(file, text, e.documents, e.contains), False
    return False, M.shows_figure(file, text, e.documents, e.values)


def _outcome(question: Question, passages: list[Passage], latency_ms: float) -> ModeOutcome:
    flags = [p.relevant if question.type == "passage" else p.shows_figure for p in passages]
    rank = M.first_relevant_rank(flags)
    return ModeOutcome(rank=rank, hit=rank is not None and rank <= 5, latency_ms=round(latency_ms, 3), returned=passages)


def _ask_index(index: Index, question: Question, mode: str, k: int) -> ModeOutcome:
    started = time.perf_counter()
    hits = index.search(question.question, k=k, mode=mode)
    latency = (time.perf_counter() - started) * 1000
    passages = []
    for h in hits:
        s = h.source
        relevant, figure = _judge(question, s.get("file") or "", s.get("text") or "")
        passages.append(Passage(h.rank, round(float(h.score), 6), s.get("file") or "", s.get("page"), s.get("page_label"),
                                s.get("section") or "", relevant, figure, (s.get("text") or "")[:SNIPPET]))
    return _outcome(question, passages, latency)


def _ask_baseline(baseline: Baseline, question: Question, k: int) -> ModeOutcome:
    started = time.perf_counter()
    hits = baseline.search(question.question, k)
    latency = (time.perf_counter() - started) * 1000
    passages = []
    for h in hits:
        relevant, figure = _judge(question, h.file, h.text)
        passages.append(Passage(h.rank, round(h.score, 6), h.file, h.page, None, "", relevant, figure, h.text[:SNIPPET]))
    return _outcome(question, passages, latency)


def _answer_summary(answer: dict | None) -> dict | None:
    if answer is None:
        return None
    cite = lambda c: {"file": c.get("file"), "page": c.get("page"), "page_label": c.get("page_label"),  # noqa: E731
                      "table": c.get("table")}
    return {
        "value": answer.get("value"),
        "value_text": answer.get("value_text"),
        "year": answer.get("year"),
        "kind": answer.get("kind"),
        "indicator": answer.get("indicator"),
        "conflict": answer.get("conflict"),
        "ambiguous": answer.get("ambiguous"),
        "alternatives": [{"value": a.get("value"), "value_text": a.get("value_text"),
                          "citations": [cite(c) for c in a.get("citations") or []]} for a in answer.get("alternatives") or []],
        "citations": [cite(c) for c in answer.get("citations") or []],
        "text": answer.get("text"),
    }


def _indicator_summary(fact: dict) -> dict:
    source = fact.get("source") or {}
    return {"indicator": fact.get("indicator"), "year": fact.get("year"), "value": fact.get("value"),
            "value_text": fact.get("value_text"), "kind": fact.get("kind"), "file": source.get("file"),
            "page": source.get("page")}


def _ask_answer(index: Index, question: Question, outcome: QuestionOutcome) -> None:
    e = question.expect
    started = time.perf_counter()
    answer, indicators = index.answer(question.question)
    outcome.answer_latency_ms = round((time.perf_counter() - started) * 1000, 3)
    outcome.answer = _answer_summary(answer)
    outcome.answer_hit = M.answer_correct(answer, e.documents, e.values, e.year, e.conflict)
    if e.conflict:
        outcome.conflict_hit = M.conflict_detected(answer, e.values)
    outcome.indicator_rank = M.indicator_rank(indicators, e.values, e.year)
    outcome.indicators = [_indicator_summary(f) for f in indicators[:5]]


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def compute_metrics(outcomes: list[QuestionOutcome], modes: Sequence[str], k: int, ingest: dict,
                    baseline_ingest: dict | None) -> dict[str, float | None]:
    """Every metric of a run from the per-question outcomes (pure)."""
    passage = [q for q in outcomes if q.type == "passage"]
    indicator = [q for q in outcomes if q.type == "indicator"]
    out: dict[str, float | None] = {}
    for mode in modes:
        ranks = [q.modes[mode].rank for q in passage]
        figure_ranks = [q.modes[mode].rank for q in indicator]
        for cut in (1, 5, 10):
            out[f"{mode}.recall@{cut}"] = M.recall_at_k(ranks, cut).mean if cut <= k else None
        out[f"{mode}.mrr@10"] = M.mrr(ranks, 10).mean if k >= 10 else None
        out[f"{mode}.ndcg@10"] = M.ndcg(ranks, 10).mean if k >= 10 else None
        out[f"{mode}.figure_in_top5"] = M.recall_at_k(figure_ranks, 5).mean if k >= 5 else None
        latencies = [q.modes[mode].latency_ms for q in outcomes]
        out[f"{mode}.latency_p50_ms"] = M.percentile(latencies, 50)
        out[f"{mode}.latency_p95_ms"] = M.percentile(latencies, 95)
    out["answer_accuracy"] = M.accuracy([bool(q.answer_hit) for q in indicator]).mean
    out["conflict_detection"] = M.accuracy([bool(q.conflict_hit) for q in indicator if q.expect.get("conflict")]).mean
    out["indicator_recall@5"] = M.recall_at_k([q.indicator_rank for q in indicator], 5).mean
    answer_latencies = [q.answer_latency_ms for q in indicator if q.answer_latency_ms is not None]
    out["answer.latency_p50_ms"] = M.percentile(answer_latencies, 50)
    out["answer.latency_p95_ms"] = M.percentile(answer_latencies, 95)
    out["ingest_seconds"] = ingest.get("seconds")
    out["chunks_per_second"] = ingest.get("chunks_per_second")
    out["baseline.ingest_seconds"] = baseline_ingest.get("seconds") if baseline_ingest else None
    out["baseline.chunks_per_second"] = baseline_ingest.get("chunks_per_second") if baseline_ingest else None
    ours = "hybrid" if "hybrid" in modes else next((m for m in modes if m != BASELINE), None)
    if BASELINE in modes and ours:
        for m in QUALITY:
            a, b = out.get(f"{ours}.{m}"), out.get(f"{BASELINE}.{m}")
            out[f"ratio.{m}"] = a / b if a is not None and b else None
        a, b = out["ingest_seconds"], out["baseline.ingest_seconds"]
        out["ratio.ingest_seconds"] = a / b if a is not None and b else None
    return {name: _round(value) for name, value in out.items()}


# -- the run -----------------------------------------------------------------
def _ingest(index: Index, files: list[Path], progress: Progress) -> dict:
    results = []
    started = time.perf_counter()
    for n, path in enumerate(files, start=1):
        progress(f"ingest {n}/{len(files)}: {path.name}")
        results.append(index.ingest_path(path))
    seconds = time.perf_counter() - started
    added = [r for r in results if r.status in ("added", "replaced")]
    chunks = sum(r.chunks for r in added)
    return {
        "files": len(files),
        "documents": len(added),
        "chunks": chunks,
        "facts": sum(r.facts for r in added),
        "seconds": round(seconds, 3),
        "chunks_per_second": round(chunks / seconds, 3) if seconds > 0 and chunks else None,
        "refused": [f"{r.file}: [{r.code}] {r.message}" for r in results if r.status == "refused"],
    }


def _stored_originals(index: Index) -> list[tuple[str, bytes]]:
    """(file name, bytes) of every ready document, from the data dir's stored originals."""
    out = []
    for doc in index.store.documents():
        path = index.originals / (doc.get("original") or "")
        if doc.get("original") and path.is_file():
            out.append((doc["file"], path.read_bytes()))
    return out


def run(
    questions: Sequence[Question] | Path | str,
    corpus: Sequence[Path | str] | Path | str | None = None,
    data_dir: Path | str | None = None,
    modes: Sequence[str] = MODES,
    baseline: bool = False,
    k: int = 10,
    embedder: Embedder | None = None,
    index: Index | None = None,
    progress: Progress | None = None,
) -> Report:
    """Evaluate `questions` on a corpus (ingested into a throwaway data dir), an existing
    data dir, or an open `index` (exactly one), in each of `modes`, with the baseline if asked."""
    say: Progress = progress or (lambda _msg: None)
    if isinstance(questions, (str, Path)):
        questions = load_questions(questions)
    questions = list(questions)
    if not questions:
        raise ValueError("no questions to evaluate")
    modes = list(dict.fromkeys(modes))
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise ValueError(f"unknown mode(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(MODES)}")
    if k < 1:
        raise ValueError("k must be at least 1")
    if isinstance(corpus, (str, Path)):
        corpus = [corpus]
    if sum((bool(corpus), data_dir is not None, index is not None)) != 1:
        raise ValueError("give exactly one of corpus, data_dir or index")

    from index.settings import Settings

    workdir = Path(tempfile.mkdtemp(prefix="vindplaats-eval-"))
    owned = None
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    try:
        files = corpus_files(corpus) if corpus else []
        if corpus and not files:
            raise FileNotFoundError(f"no files in the corpus {', '.join(map(str, corpus))}")
        ingest: dict = {}
        if index is None:
            from index.engine import Index

            if corpus:
                settings = Settings(data_dir=workdir / "data", chroma_url=None)
            else:
                settings = Settings(data_dir=Path(data_dir))
            embedder = embedder or make_embedder(settings)
            say("opening the index")
            index = owned = Index(settings, embedder)
            if files:
                embedder.passages(["warm-up"]), embedder.query("warm-up")  # load lazily built parts before timing
                ingest = _ingest(index, files, say)
        embedder = index.embedder
        counts = index.store.counts()

        baseline_store = None
        baseline_ingest = None
        if baseline:
            say("baseline: parse, split, embed into a plain Chroma collection")
            sources = [(p.name, p.read_bytes()) for p in files] if files else _stored_originals(index)
            baseline_store = Baseline(embedder, workdir / "baseline-chroma")
            b = baseline_store.ingest(sources)
            baseline_ingest = {"files": b.files, "chunks": b.chunks, "seconds": round(b.seconds, 3),
                               "chunks_per_second": _round(b.chunks_per_second, 3), "refused": b.refused}

        outcomes = [QuestionOutcome(q.id, q.question, q.type, asdict(q.expect)) for q in questions]
        for mode in modes:
            say(f"asking {len(questions)} questions: {mode}")
            index.search(questions[0].question, k=k, mode=mode)  # warm-up, not timed
            for q, outcome in zip(questions, outcomes):
                outcome.modes[mode] = _ask_index(index, q, mode, k)
        if baseline_store is not None:
            say(f"asking {len(questions)} questions: baseline")
            baseline_store.search(questions[0].question, k)
            for q, outcome in zip(questions, outcomes):
                outcome.modes[BASELINE] = _ask_baseline(baseline_store, q, k)
        indicator = [(q, o) for q, o in zip(questions, outcomes) if q.type == "indicator"]
        if indicator:
            say(f"answer path: {len(indicator)} indicator questions")
            index.answer(indicator[0][0].question)
            for q, outcome in indicator:
                _ask_answer(index, q, outcome)

        all_modes = modes + ([BASELINE] if baseline_store is not None else [])
        info = {
            "started_at": started_at,
            "k": k,
            "questions": len(questions),
            "passage_questions": sum(q.type == "passage" for q in questions),
            "indicator_questions": sum(q.type == "indicator" for q in questions),
            "conflict_questions": sum(q.type == "indicator" and q.expect.conflict for q in questions),
            "corpus": [str(p) for p in corpus] if corpus else None,
            "data_dir": str(data_dir) if data_dir else None,
            "model": getattr(embedder, "name", None),
            "index": counts,
            "ingest": ingest or None,
            "baseline": (
                {**baseline_ingest, "recipe": f"RecursiveCharacterTextSplitter(chunk_size={CHUNK_SIZE}, "
                 f"chunk_overlap={CHUNK_OVERLAP}), plain Chroma collection, top-k similarity"}
                if baseline_ingest else None
            ),
            "ratio_of": ("hybrid" if "hybrid" in modes else modes[0]) if baseline_store is not None else None,
            "machine": {"python": platform.python_version(), "cpus": _cpus()},
        }
        return Report(compute_metrics(outcomes, all_modes, k, ingest, baseline_ingest), outcomes, all_modes, info)
    finally:
        if owned is not None:
            owned.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _cpus() -> int | None:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


__all__ = ["BASELINE", "MODES", "ModeOutcome", "Passage", "QuestionOutcome", "Report", "compute_metrics",
           "corpus_files", "known_metrics", "lower_is_better", "make_embedder", "run"]

"""A Report as a terminal table, Markdown, JSON and a PNG chart."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eval.runner import Report

PASSAGE_ROWS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "figure_in_top5", "latency_p50_ms", "latency_p95_ms")
FIGURE_ROWS = ("answer_accuracy", "conflict_detection", "indicator_recall@5")


def fmt(name: str, value: float | None) -> str:
    if value is None:
        return "–"
    if name.startswith("ratio."):
        return f"{value:.2f}×"
    if name.endswith("_ms") or name.endswith("seconds"):
        return f"{value:.1f}"
    if name.endswith("per_second"):
        return f"{value:.1f}"
    return f"{value:.3f}"


def _count(report: Report, attr: str, only_conflict: bool = False) -> str:
    qs = [q for q in report.questions if q.type == "indicator" and (not only_conflict or q.expect.get("conflict"))]
    return f"{sum(bool(getattr(q, attr)) for q in qs)}/{len(qs)}"


def _indicator_hits(report: Report) -> str:
    qs = [q for q in report.questions if q.type == "indicator"]
    return f"{sum(q.indicator_rank is not None and q.indicator_rank <= 5 for q in qs)}/{len(qs)}"


def _ours(report: Report) -> str | None:
    return report.info.get("ratio_of")


def _passage_table(report: Report) -> tuple[list[str], list[list[str]]]:
    ours = _ours(report)
    header = ["metric", *report.modes] + ([f"{ours}/baseline"] if ours else [])
    rows = []
    for row in PASSAGE_ROWS:
        cells = [row] + [fmt(f"{m}.{row}", report.metrics.get(f"{m}.{row}")) for m in report.modes]
        if ours:
            cells.append(fmt(f"ratio.{row}", report.metrics.get(f"ratio.{row}")))
        rows.append(cells)
    return header, rows


def _figure_table(report: Report) -> tuple[list[str], list[list[str]]]:
    m = report.metrics
    rows = [
        ["answer_accuracy", fmt("x", m.get("answer_accuracy")), _count(report, "answer_hit")],
        ["conflict_detection", fmt("x", m.get("conflict_detection")), _count(report, "conflict_hit", True)],
        ["indicator_recall@5", fmt("x", m.get("indicator_recall@5")), _indicator_hits(report)],
        ["answer latency p50 / p95 ms",
         f"{fmt('_ms', m.get('answer.latency_p50_ms'))} / {fmt('_ms', m.get('answer.latency_p95_ms'))}", ""],
    ]
    return ["metric", "value", "questions"], rows


def _ingest_table(report: Report) -> tuple[list[str], list[list[str]]]:
    m = report.metrics
    ingest = report.info.get("ingest") or {}
    base = report.info.get("baseline") or {}
    rows = [
        ["seconds", fmt("seconds", m.get("ingest_seconds")), fmt("seconds", m.get("baseline.ingest_seconds")),
         fmt("ratio.x", m.get("ratio.ingest_seconds"))],
        ["chunks", str(ingest.get("chunks", report.info.get("index", {}).get("chunks", "–"))), str(base.get("chunks", "–")), ""],
        ["chunks/s", fmt("per_second", m.get("chunks_per_second")), fmt("per_second", m.get("baseline.chunks_per_second")), ""],
    ]
    return ["ingest", "ours", "baseline", "ours/baseline"], rows


def _misses(report: Report) -> list[str]:
    """One line per question the main mode or the answer path got wrong, with what came back instead."""
    main = _ours(report) or ("hybrid" if "hybrid" in report.modes else report.modes[0])
    lines = []
    for q in report.questions:
        outcome = q.modes.get(main)
        if q.type == "passage" and outcome and not outcome.hit:
            top = outcome.returned[0] if outcome.returned else None
            got = f"top: {top.file}{f' p.{top.page}' if top.page else ''} “{' '.join(top.text.split())[:80]}…”" if top else "nothing returned"
            where = f"rank {outcome.rank}" if outcome.rank else "not in top k"
            lines.append(f"{q.id} [{main}] {q.question} — {where}; {got}")
        if q.type == "indicator" and not q.answer_hit:
            a = q.answer
            got = (f"answered {a['value']} ({a['year']}), conflict={a['conflict']}, from "
                   f"{', '.join(sorted({c['file'] for c in a['citations']})) or 'no citation'}") if a else "no answer"
            lines.append(f"{q.id} [answer] {q.question} — expected {q.expect['values']} ({q.expect['year']}); {got}")
    return lines


def _header_lines(report: Report) -> list[str]:
    i = report.info
    counts = i.get("index") or {}
    lines = [
        f"{i['questions']} questions ({i['passage_questions']} passage, {i['indicator_questions']} indicator, "
        f"{i['conflict_questions']} with a conflict), k={i['k']}, model {i.get('model')}",
        f"index: {counts.get('documents', '–')} documents, {counts.get('chunks', '–')} chunks, {counts.get('facts', '–')} facts"
        + (f" — corpus {', '.join(i['corpus'])}" if i.get("corpus") else f" — data dir {i.get('data_dir') or '(given index)'}"),
    ]
    if i.get("baseline"):
        lines.append(f"baseline: {i['baseline']['recipe']}")
    refused = (i.get("ingest") or {}).get("refused") or []
    for r in refused:
        lines.append(f"refused: {r}")
    return lines


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[c])) for r in [header, *rows]) for c in range(len(header))]
    out = []
    for n, r in enumerate([header, *rows]):
        out.append("  ".join(str(cell).ljust(w) if c == 0 else str(cell).rjust(w) for c, (cell, w) in enumerate(zip(r, widths))))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _md_table(header: list[str], rows: list[list[str]], left: tuple[str, ...] = ("metric", "ingest", "id", "type",
              "answer", "question")) -> str:
    align = ["---" if c == 0 or name in left else "---:" for c, name in enumerate(header)]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def terminal(report: Report) -> str:
    parts = ["Vindplaats eval", *_header_lines(report), "", "Passages", _text_table(*_passage_table(report)),
             "", "Figures (answer path)", _text_table(*_figure_table(report)),
             "", _text_table(*_ingest_table(report))]
    misses = _misses(report)
    if misses:
        parts += ["", "Misses"] + [f"  {m}" for m in misses]
    return "\n".join(parts)


def _question_table(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["id", "type", *report.modes, "answer", "indicators@5", "question"]
    rows = []
    for q in report.questions:
        ranks = [str(q.modes[m].rank) if m in q.modes and q.modes[m].rank else "–" for m in report.modes]
        answer = "" if q.type == "passage" else ("✓" if q.answer_hit else "✗")
        if q.conflict_hit is not None:
            answer += " conflict " + ("✓" if q.conflict_hit else "✗")
        indicators = "" if q.type == "passage" else (str(q.indicator_rank) if q.indicator_rank else "–")
        rows.append([q.id, q.type, *ranks, answer, indicators, q.question])
    return header, rows


def markdown(report: Report) -> str:
    parts = ["# Vindplaats evaluation", "", *[f"- {line}" for line in _header_lines(report)],
             f"- run at {report.info.get('started_at')}", "",
             "## Passages", "",
             "Recall/MRR/nDCG over the passage questions; `figure_in_top5` over the indicator questions "
             "(an expected value, Dutch-formatted, in a top-5 passage from an expected document); "
             "latency per query over all questions.", "",
             _md_table(*_passage_table(report)), "",
             "## Figures (answer path)", "", _md_table(*_figure_table(report)), "",
             "## Ingest", "", _md_table(*_ingest_table(report)), "",
             "## Per question", "",
             "Passage questions: rank of the first relevant passage; indicator questions: rank of the first "
             "passage showing an expected figure. `–`: not within the top k.", "",
             _md_table(*_question_table(report)), ""]
    misses = _misses(report)
    if misses:
        parts += ["## Misses", "", *[f"- {m}" for m in misses], ""]
    return "\n".join(parts)


def write_chart(report: Report, path: Path) -> Path:
    """Grouped bars: passage quality per mode and baseline; latency beside it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    quality = ["recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "figure_in_top5"]
    latency = ["latency_p50_ms", "latency_p95_ms"]
    modes = report.modes
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [3, 1]})
    width = 0.8 / max(1, len(modes))
    for n, mode in enumerate(modes):
        offset = (n - (len(modes) - 1) / 2) * width
        values = [report.metrics.get(f"{mode}.{m}") or 0.0 for m in quality]
        bars = left.bar([x + offset for x in range(len(quality))], values, width, label=mode,
                        hatch="//" if mode == "baseline" else None)
        left.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=1)
        lat = [report.metrics.get(f"{mode}.{m}") or 0.0 for m in latency]
        right.bar([x + offset for x in range(len(latency))], lat, width, label=mode,
                  hatch="//" if mode == "baseline" else None)
    left.set_xticks(range(len(quality)), quality)
    left.set_ylim(0, 1.25)
    left.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    left.set_ylabel("score")
    i = report.info
    left.set_title(f"Passages ({i['passage_questions']} passage / {i['indicator_questions']} indicator questions)")
    left.legend(loc="upper center", fontsize=8, ncols=len(modes), frameon=False)
    right.set_xticks(range(len(latency)), ["p50", "p95"])
    right.set_ylabel("ms per query")
    right.set_title("Latency")
    m = report.metrics
    fig.suptitle(
        f"Vindplaats eval — answer accuracy {fmt('x', m.get('answer_accuracy'))}, "
        f"conflict detection {fmt('x', m.get('conflict_detection'))}, "
        f"indicator recall@5 {fmt('x', m.get('indicator_recall@5'))}"
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(report: Report, out: Path) -> dict[str, Path | None]:
    """report.md, report.json and chart.png in `out`; the chart is skipped (None) without matplotlib."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    md = out / "report.md"
    md.write_text(report.to_markdown(), encoding="utf-8")
    js = out / "report.json"
    js.write_text(report.to_json(), encoding="utf-8")
    try:
        chart = write_chart(report, out / "chart.png")
    except ImportError:
        chart = None
    return {"markdown": md, "json": js, "chart": chart}


__all__ = ["fmt", "markdown", "terminal", "write_chart", "write_report"]

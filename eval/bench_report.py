"""A bench result as JSON and as a short Markdown report (also what the terminal shows).

The Markdown is meant to be pasted into the README as is: the machine and how
busy it was come first, because latencies on a shared 2-core box mean little
without them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FILTER_LABELS = {"none": "no filter", "broad": "50 % filter", "selective": "5 % filter"}
MB = 1024 * 1024


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value / MB:,.0f}"


def _pcts(cell: dict[str, Any]) -> str:
    return " / ".join(_num(cell.get(p)) for p in ("p50", "p95", "p99"))


def _met(flag: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "not measured"}[flag]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|",
            *["| " + " | ".join(r) + " |" for r in rows]]


def machine_line(result: dict[str, Any]) -> str:
    m = result.get("machine") or {}
    loads = [result.get(k) for k in ("load_average_start", "load_average_end")]
    load_text = " → ".join("/".join(f"{x:.1f}" for x in v) for v in loads if v) or "unknown"
    memory = m.get("memory_bytes")
    return (f"{m.get('cpu') or 'unknown CPU'}, {m.get('cpu_count')} cores, "
            f"{_num(memory / 1024**3 if memory else None)} GB RAM, Python {m.get('python')}; "
            f"embedding backend {result.get('settings', {}).get('embedding_backend', 'torch')}, "
            f"threads {result.get('settings', {}).get('threads')}; load average (1/5/15 min) {load_text}; "
            f"started {result.get('started_at')}, {_num(result.get('seconds'), 0)} s")


def ingest_section(ingest: dict[str, Any]) -> list[str]:
    t = ingest["totals"]
    lines = [f"**Ingest** — {t['files']} files, {t['pages']} pages, {t['chunks']} chunks, {t['facts']} facts "
             f"(batch size {ingest['batch_size']}; end to end reads long PDFs in "
             f"{ingest.get('parse_processes', 1)} parse processes)", ""]
    rows = [
        ["parse + sections + facts (`parse_document`, one process)", _num(t["parse_seconds"]), f"{_num(t['pages_per_second'])} pages/s"],
        [f"embedding limit (raw {ingest.get('limit_runtime') or '`encode`'}, same texts)", _num(t["limit_seconds"]),
         f"{_num(t['limit_chunks_per_second'])} chunks/s"],
        ["our embedding (`Embedder.passages` in the ingest)", _num(t["embed_seconds"]), f"{_num(t['embed_chunks_per_second'])} chunks/s"],
        ["ours end to end (`Index.ingest_bytes`)", _num(t["e2e_seconds"]), f"{_num(t['e2e_chunks_per_second'])} chunks/s"],
        ["naive recipe (1000/200 chars, plain Chroma)", _num(t["naive_seconds"]),
         f"{_num(t['naive_chunks_per_second'])} chunks/s ({t['naive_chunks']} chunks)"],
    ]
    lines += _table(["step", "seconds", "rate"], rows)
    stages = ", ".join(f"{k} {_num(v)} s" for k, v in ingest["stages_seconds"].items())
    lines += ["", f"Ours / limit (chunks/s): **{_num(t['ratio_ours_to_limit'], 2)}** (target ≥ 0.80); "
                  f"ours / naive (ingest seconds): **{_num(t['ratio_ours_to_naive_seconds'], 2)}**.",
              f"Where end to end goes: {stages}."]
    parse = ", ".join(f"{k} {_num(v)} s" for k, v in (ingest.get("parse_stages_seconds") or {}).items())
    if parse:
        lines.append(f"Inside parsing: {parse}.")
    return lines


def query_section(sizes: list[dict[str, Any]]) -> list[str]:
    k = sizes[0].get("k")
    questions = sizes[0].get("questions")
    lines = [f"**Query latency**, ms p50 / p95 / p99 (`Index.search` with the question text, query embedding "
             f"included; {questions} questions × {sizes[0].get('repeats')}, k={k})", ""]
    rows = []
    for s in sizes:
        for mode, cells in s["latency_ms"].items():
            rows.append([f"{s['size']:,}", mode, *[_pcts(cells[name]) for name in FILTER_LABELS]])
        rows.append([f"{s['size']:,}", "query embedding alone", _pcts(s["query_embedding_ms"]), "", ""])
    lines += _table(["chunks", "mode", *FILTER_LABELS.values()], rows)
    lines += ["", "**Per size** (synthetic chunks from the real corpus' sentences and vectors; each size and role in a fresh process)", ""]
    rows = []
    for s in sizes:
        agree = s.get("filtered_agreement") or {}
        same = " / ".join(f"{_num(agree[n].get('fast_recall'), 2)} ({_num(agree[n].get('where_recall'), 2)})"
                          for n in ("broad", "selective") if n in agree)
        rows.append([f"{s['size']:,}", str(s["documents"]), _num(s["load_seconds"]), _num(s["reopen_bm25_seconds"]),
                     _mb(s["disk_bytes"]), _mb(s["build_peak_rss_bytes"]), _mb(s["serve_peak_rss_bytes"]), same or "–"])
    lines += _table(["chunks", "documents", "load s", "reopen + BM25 s", "disk MB", "peak RSS build MB",
                     "peak RSS serve MB", "dense recall@k vs exact, 50 % / 5 % filter: ours (Chroma `where`)"], rows)
    return lines


def targets_section(targets: dict[str, Any]) -> list[str]:
    names = {
        "ingest_ratio_to_limit": ("ingest end to end / embedding limit", "≥ {:.2f}", 2, 1),
        "hybrid_p95_ms_unfiltered": ("hybrid p95 ms, no filter", "≤ {:.0f}", 1, 1),
        "hybrid_p95_ms_filtered": ("hybrid p95 ms, worst filter", "≤ {:.0f}", 1, 1),
        "serve_peak_rss_bytes": ("peak RSS serving, MB", "≤ {:.0f}", 0, MB),
        "build_peak_rss_bytes": ("peak RSS building, MB", "≤ {:.0f}", 0, MB),
    }
    rows = []
    for key, (label, fmt, digits, scale) in names.items():
        t = targets.get(key)
        if t is None:
            continue
        value = None if t["value"] is None else t["value"] / scale
        rows.append([label, _num(value, digits), fmt.format(t["target"] / scale), _met(t["met"])])
    at = targets.get("at_size")
    head = f"**Targets** (latency at {at:,} chunks)" if at else "**Targets**"
    return [head, "", *_table(["target", "measured", "wanted", "met"], rows)]


def markdown(result: dict[str, Any]) -> str:
    lines = [f"Measured on {machine_line(result)}.", ""]
    if result.get("ingest"):
        lines += ingest_section(result["ingest"]) + [""]
    if result.get("query"):
        lines += query_section(result["query"]) + [""]
    lines += targets_section(result.get("targets") or {})
    return "\n".join(lines) + "\n"


def write(result: dict[str, Any], out: Path) -> dict[str, Path]:
    """bench.json and bench.md in `out` (created)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "bench.json", "markdown": out / "bench.md"}
    paths["json"].write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths["markdown"].write_text(markdown(result), encoding="utf-8")
    return paths


__all__ = ["markdown", "write"]

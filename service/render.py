"""Plain-text rendering of a /query body for the terminal (Dutch, like the page)."""

from __future__ import annotations

import textwrap


def cite(source: dict) -> str:
    parts = [source.get("title") or source.get("file", "")]
    if source.get("section"):
        parts.append(source["section"])
    if source.get("page"):
        label = source.get("page_label")
        parts.append(f"p. {label} (pdf-pagina {source['page']})" if label and label != str(source["page"]) else f"p. {source['page']}")
    parts.append(source.get("file", ""))
    return " · ".join(p for p in parts if p)


def render_table(table: dict) -> str:
    rows = [table.get("header") or []] + (table.get("rows") or [])
    widths = [max(len(str(r[i])) if i < len(r) else 0 for r in rows) for i in range(max(len(r) for r in rows))]
    lines = []
    for n, row in enumerate(rows):
        cells = [str(row[i]) if i < len(row) else "" for i in range(len(widths))]
        lines.append("  " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)))
        if n == 0:
            lines.append("  " + "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def render_text(body: dict) -> str:
    out: list[str] = []
    answer = body.get("answer")
    if answer:
        out.append(f"Antwoord: {answer.get('text', '')}")
        for c in answer.get("citations", []):
            out.append(f"  bron: {cite(c)}" + (f" · tabel: {c['table']}" if c.get("table") else ""))
        for alt in answer.get("alternatives", []):
            where = "; ".join(cite(c) for c in alt.get("citations", []))
            out.append(f"  ook: {alt.get('value_text')} ({alt.get('kind')}) — {where}")
        out.append("")
    for table in body.get("tables", [])[:1]:
        out.append(f"Tabel: {table.get('title', '')}")
        out.append(render_table(table))
        if table.get("source"):
            out.append(f"  bron: {cite(table['source'])}")
        out.append("")
    passages = body.get("passages", [])
    if not passages:
        out.append("Geen passages gevonden.")
    for p in passages:
        out.append(f"[{p['rank']}] {cite(p['source'])}")
        out.append(textwrap.indent(textwrap.fill(p["text"], 100), "    "))
        out.append("")
    return "\n".join(out).rstrip()

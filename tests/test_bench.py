"""`vindplaats bench` at a tiny size, and the fast filtered read path against the plain one.

The benchmark's numbers are never judged here (the machine is shared); only
their structure and sanity: counts loaded equal counts asked for, percentiles
ordered, ratios present and positive, both reports written. The read-path
test pins that the fast filtered search returns exactly what the plain
filtered search (Chroma's `where`, an uncached BM25 mask, a full sort) returns.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from eval.bench_synth import FILTERS, Seed, document_count, synthesize
from index.lexical import LexicalIndex

SENTENCES = [
    "De gemeente opent een permanente winteropvang voor dak- en thuislozen.",
    "In 2024 telde Groningen 1.336 daklozen; in 2023 waren dat er 1.339.",
    "Het aantal huisverboden steeg naar 26.",
    "Mantelzorgers krijgen hulp van de mantelzorgmakelaar.",
    "De lasten van welzijn, gezondheid en zorg bedroegen 370.992.",
    "Vrijwilligerswerk: 31 procent van de inwoners deed mee.",
]


def _seed(n: int = 12, dim: int = 16) -> Seed:
    """Real sentences with unit vectors; enough to exercise the generator without the model."""
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [" ".join(SENTENCES[(i + j) % len(SENTENCES)] for j in range(3)) for i in range(n)]
    return Seed(texts, [f"Programma {i % 3 + 1} › Wat willen we bereiken?" for i in range(n)], vectors)


def test_synthetic_corpus_is_deterministic_with_exact_filter_shares():
    seed = _seed()
    docs = list(synthesize(seed, 1_000))
    again = list(synthesize(seed, 1_000))
    assert len(docs) == document_count(1_000) and len(docs) % 20 == 0
    chunks = [c for d in docs for c in d.chunks]
    assert len(chunks) == 1_000 and len({c.id for c in chunks}) == 1_000
    assert [c.id for c in chunks] == [c.id for d in again for c in d.chunks]
    assert all(np.allclose(np.linalg.norm(d.vectors, axis=1), 1.0, atol=1e-5) for d in docs)
    assert all(d.vectors.shape == (len(d.chunks), 16) for d in docs)
    broad = sum(len(d.chunks) for d in docs if d.meta.municipality == FILTERS["broad"]["municipality"])
    selective = sum(len(d.chunks) for d in docs if d.meta.doc_type == FILTERS["selective"]["doc_type"])
    assert (broad, selective) == (500, 50)
    vocabulary = set(" ".join(SENTENCES).split())
    assert all(c.text and set(c.text.split()) <= vocabulary for c in chunks)  # made of the seed's sentences


def test_lexical_top_k_equals_a_full_stable_sort_with_and_without_a_cached_mask():
    ids = [f"c{i:03d}" for i in range(300)]
    texts = [SENTENCES[i % len(SENTENCES)] + (" daklozen" if i % 7 == 0 else "") for i in range(300)]
    index = LexicalIndex.build(ids, texts)  # many equal scores: ties must keep index order
    allowed = frozenset(ids[::3])
    for question in ("daklozen in 2024", "winteropvang dak- en thuislozen", "hulp voor mantelzorgers", "2024"):
        full = index.search(question, len(ids))
        assert len(full) > 10
        for k in (1, 5, 10, 50):
            assert index.search(question, k) == full[:k]
            plain = index.search(question, len(ids), set(allowed))  # a mutable set: mask built afresh
            assert index.search(question, k, allowed) == plain[:k]  # frozenset: mask cached
            assert index.search(question, k, allowed) == plain[:k]  # and served from the cache
            assert all(i in allowed for i, _ in plain)


@pytest.mark.slow
def test_fast_filtered_search_returns_the_plain_filtered_results(make_index, embedder, corpus):
    """800 chunks, 50 % filter: 201 unfiltered candidates < 400 admitted, so the post-filter path
    answers; the 5 % filter (40 admitted) goes to Chroma's `where`. Both must equal the plain path."""
    from eval.bench_queries import load_questions
    from eval.bench_synth import load, seed_from_files
    from index.hybrid import rrf

    index = make_index()
    texts = sorted(corpus.glob("*.txt"), key=lambda p: p.stat().st_size)[:2]
    documents, chunks, _ = load(index, synthesize(seed_from_files(texts, embedder, limit=24), 800))
    assert (documents, chunks) == (20, 800)
    assert index.health()["bm25"] == index.health()["vectors"] == 800  # search reloads BM25 after the writes

    def plain(question: str, k: int, mode: str, filters: dict) -> list[str]:
        allowed = set(index.store.chunk_ids_matching(filters))
        depth = max(50, 4 * k)
        where = {"document_id": {"$in": sorted(index.store.document_ids_matching(filters))}}
        dense = [h.id for h in index.vector.query(embedder.query(question), depth, where) if h.id in allowed]
        lexical = [i for i, _ in index.lexical.search(question, len(index.lexical), allowed)][:depth]
        ranked = dense if mode == "dense" else lexical if mode == "lexical" else [i for i, _ in rrf([dense, lexical])]
        return ranked[:k]

    questions = load_questions(limit=8)
    filters = [FILTERS["broad"], FILTERS["selective"], {"year": 2020}]
    for round_ in ("cold", "cached"):
        for question in questions:
            for f in filters:
                for mode in ("dense", "lexical", "hybrid"):
                    got = [h.chunk_id for h in index.search(question, k=10, mode=mode, filters=f)]
                    assert got == plain(question, 10, mode, f), (round_, question, f, mode)

    # a delete bumps the generation: cached filter ids and BM25 masks must not outlive it
    gone = sorted(index.store.document_ids_matching(FILTERS["broad"]))[0]
    before = index.store.chunk_ids_matching(FILTERS["broad"])
    index.delete(gone)
    after = index.store.chunk_ids_matching(FILTERS["broad"])
    assert len(after) == len(before) - 40 and not set(index.store.chunk_ids(gone)) & after
    for question in questions[:3]:
        for mode in ("dense", "lexical", "hybrid"):
            hits = index.search(question, k=10, mode=mode, filters=FILTERS["broad"])
            assert all(h.source["document_id"] != gone for h in hits)
            assert [h.chunk_id for h in hits] == plain(question, 10, mode, FILTERS["broad"])


@pytest.mark.slow
def test_bench_command_at_a_tiny_size(tmp_path, corpus):
    from typer.testing import CliRunner

    from service.cli import app

    pdf = min((corpus / "pdf").glob("*.pdf"), key=lambda p: p.stat().st_size)
    out = tmp_path / "reports"
    result = CliRunner().invoke(app, [
        "bench", "--corpus", str(pdf), "--sizes", "300", "--repeats", "1", "--max-questions", "6",
        "--threads", "1", "--out", str(out), "--workdir", str(tmp_path / "work"),
    ])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "bench.json").read_text())
    markdown = (out / "bench.md").read_text()
    assert "| 300 | hybrid |" in markdown and "Ours / limit" in markdown and "cores" in markdown

    totals = report["ingest"]["totals"]
    assert totals["files"] == 1 and totals["pages"] > 0 and totals["chunks"] > 0
    assert report["ingest"]["passages_embedded"] == totals["chunks"]  # a fresh index embeds every chunk
    for key in ("pages_per_second", "limit_chunks_per_second", "embed_chunks_per_second", "e2e_chunks_per_second",
                "naive_chunks_per_second", "ratio_ours_to_limit", "ratio_ours_to_naive_seconds"):
        assert totals[key] is not None and totals[key] > 0, key
    stages = report["ingest"]["stages_seconds"]
    assert {"embed passages", "chroma upsert", "sqlite", "other"} <= set(stages)
    assert sum(stages.values()) == pytest.approx(totals["e2e_seconds"], abs=0.05)
    parse = report["ingest"]["parse_stages_seconds"]
    assert {"pypdf plain text", "pypdf layout text"} <= set(parse)
    assert sum(parse.values()) == pytest.approx(totals["parse_seconds"], abs=0.05)

    (size,) = report["query"]
    assert size["size"] == size["chunks"] == 300 and size["documents"] == 20
    assert size["health"]["vectors"] == size["health"]["bm25"] == 300
    assert size["selectivity"] == {"broad": 0.5, "selective": 0.05}
    assert size["disk_bytes"] > 0 and size["serve_peak_rss_bytes"] > 0 and size["build_peak_rss_bytes"] > 0
    for mode in ("lexical", "dense", "hybrid"):
        for name in ("none", "broad", "selective"):
            cell = size["latency_ms"][mode][name]
            assert cell["n"] == 6
            assert 0 < cell["p50"] <= cell["p95"] <= cell["p99"] <= cell["max"], (mode, name)
    assert size["query_embedding_ms"]["n"] == 6
    for agreement in size["filtered_agreement"].values():  # 300 chunks: both paths are exhaustive in effect
        assert agreement["identical_top_k"] == agreement["fast_recall"] == agreement["where_recall"] == 1.0
    assert report["targets"]["at_size"] == 300
    assert {t["met"] for k, t in report["targets"].items() if k != "at_size"} <= {True, False}

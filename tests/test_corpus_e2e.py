"""The whole shared corpus over HTTP: what a new user gets from the real documents."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import QUESTIONS, corpus_files

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(corpus_index):
    from service.app import create_app

    with TestClient(create_app(corpus_index.settings, corpus_index)) as c:
        yield c


def _questions(kind: str) -> list[dict]:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [q for q in rows if q["type"] == kind]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def passage_hit(passage: dict, expect: dict) -> bool:
    in_doc = any(d in passage["source"]["file"] for d in expect["documents"])
    return in_doc and any(_norm(c) in _norm(passage["text"]) for c in expect["contains"])


def test_every_corpus_file_is_ingested(corpus_index):
    results = {r.file: r for r in corpus_index.ingest_results}
    assert set(results) == {p.name for p in corpus_files()}
    assert all(r.status == "added" for r in results.values()), {f: (r.status, r.message) for f, r in results.items()}
    counts = corpus_index.health()
    assert counts["chunks"] == counts["vectors"] == counts["bm25"] > 300


def test_passage_questions_recall_at_5_over_http(client):
    questions = _questions("passage")
    assert len(questions) >= 8
    hits = []
    for q in questions:
        r = client.post("/query", json={"question": q["question"], "top_k": 5})
        assert r.status_code == 200
        hits.append(any(passage_hit(p, q["expect"]) for p in r.json()["passages"]))
    recall = sum(hits) / len(hits)
    missed = [q["id"] for q, hit in zip(questions, hits) if not hit]
    print(f"passage Recall@5 = {recall:.3f} over {len(hits)} questions; missed: {missed}")
    assert recall >= 0.9, missed


def test_pdf_passages_are_cited_with_pdf_and_printed_page(client):
    r = client.post("/query", json={"question": "sorteeranalyse restafval GFT mei 2023", "top_k": 5,
                                    "filters": {"document": "wassenaar__begroting_2024.pdf"}})
    passages = r.json()["passages"]
    assert passages, "filter by file name returns the document"
    source = passages[0]["source"]
    assert source["file"] == "wassenaar__begroting_2024.pdf"
    assert isinstance(source["page"], int) and source["page_label"] is not None
    assert source["section"]

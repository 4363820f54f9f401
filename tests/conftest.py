"""Shared fixtures: the real corpus, the real model (converted once), real indexes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("VINDPLAATS_CORPUS", REPO.parent / "shared" / "corpus"))
QUESTIONS = Path(os.environ.get("VINDPLAATS_QUESTIONS", REPO.parent / "shared" / "eval" / "questions.jsonl"))
PDFS = CORPUS / "pdf"


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file())


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing at {CORPUS} (set VINDPLAATS_CORPUS)")
    return CORPUS


@pytest.fixture(scope="session")
def embedder():
    from index.embedder import Embedder
    from index.settings import Settings

    settings = Settings()
    return Embedder(settings.embedding_model, settings.cache_dir, batch_size=32)


@pytest.fixture
def make_index(tmp_path, embedder):
    """A fresh, real index (embedded Chroma + SQLite + BM25) in a temp data dir."""
    from index.engine import Index
    from index.settings import Settings

    opened = []

    def make(data_dir: Path | None = None, **overrides):
        settings = Settings(data_dir=data_dir or tmp_path / "data", **overrides)
        index = Index(settings, embedder)
        opened.append(index)
        return index

    yield make
    for index in opened:
        index.close()


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, embedder, corpus):
    """The whole shared corpus (text exports and PDFs), ingested once per test session."""
    from index.engine import Index
    from index.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("corpus-data"))
    index = Index(settings, embedder)
    results = [index.ingest_path(path) for path in corpus_files()]
    index.ingest_results = results  # type: ignore[attr-defined]
    yield index
    index.close()

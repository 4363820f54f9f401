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


SERVER_MODE = os.environ.get("VINDPLAATS_TEST_CHROMA") == "server"


def pytest_collection_modifyitems(config, items):
    """In server mode, tests about files of the embedded Chroma (or its process lock) do not apply."""
    if not SERVER_MODE:
        return
    skip = pytest.mark.skip(reason="embedded Chroma only (VINDPLAATS_TEST_CHROMA=server)")
    for item in items:
        if "embedded_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def chroma_server(tmp_path_factory):
    """VINDPLAATS_TEST_CHROMA=server: a real `chroma run` on loopback, and every index uses it."""
    if not SERVER_MODE:
        yield None
        return
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chroma = Path(sys.executable).parent / "chroma"
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path.parent / "chroma-server.log").open("w")
    proc = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"chroma run did not start (see {log.name})")
        time.sleep(0.3)
    os.environ["VINDPLAATS_CHROMA_URL"] = url
    yield url
    os.environ.pop("VINDPLAATS_CHROMA_URL", None)
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.fixture(scope="session")
def embedder():
    from index.embedder import from_settings
    from index.settings import Settings

    settings = Settings()
    return from_settings(settings, batch_size=32)


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

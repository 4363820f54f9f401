"""Load: 8 query clients and one ingest client for 60 s against a real uvicorn (`eval/load.py`).

Why: the one-writer/many-readers design only shows its races with real threads
over real HTTP — a reader that errors, blocks or sees counts go backwards while
a document is being written. The script starts `vindplaats serve` from this venv
(real model, real Chroma, seeded with the corpus text files), so this test takes
about 3-4 minutes on the 2-core machines; the bounds below are about load having
happened, never about speed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from eval.load import is_loopback_url, main, monotonic_violations, variant
from tests.conftest import CORPUS, QUESTIONS, REPO

SECONDS = 60
CLIENTS = 8


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.1.2.3:9", True),
        ("http://localhost:8000/", True),
        ("http://[::1]:8000", True),
        ("http://10.0.0.5:8000", False),
        ("http://example.org", False),
        ("http://127.0.0.1.nip.io:8000", False),
        ("ftp://127.0.0.1", False),
    ],
)
def test_only_loopback_urls_count_as_local(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_a_non_loopback_url_is_refused_before_any_request(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", "http://192.0.2.1:8000", "--seconds", "1", "--docs", str(CORPUS)]) == 2
    assert "not a loopback URL" in capsys.readouterr().err


def test_variants_are_new_documents_with_the_same_metadata_in_the_name(corpus: Path) -> None:
    path = sorted(corpus.glob("*.txt"))[0]
    name1, data1, marker1 = variant(path, "abc", 1)
    name2, data2, marker2 = variant(path, "abc", 2)
    assert name1 != name2 and data1 != data2 and marker1 != marker2
    assert name1.startswith(path.stem + "_") and name1.endswith(path.suffix)
    assert data1.startswith(path.read_bytes().rstrip()) and marker1.encode() in data1


def test_a_count_that_falls_between_polls_is_named() -> None:
    series = [
        {"t": 0.0, "documents": 1, "chunks": 10, "vectors": 10, "bm25": 10, "facts": 0},
        {"t": 0.5, "documents": 2, "chunks": 12, "vectors": 12, "bm25": 9, "facts": 0},
    ]
    assert monotonic_violations(series) == ["bm25 fell from 10 (t=0.0) to 9 (t=0.5)"]
    assert monotonic_violations(series[:1]) == []


@pytest.mark.slow
def test_eight_clients_and_one_ingest_for_a_minute(tmp_path: Path, corpus: Path) -> None:
    out = tmp_path / "load.json"
    cmd = [
        sys.executable, "-m", "eval.load", "--seconds", str(SECONDS), "--clients", str(CLIENTS),
        "--docs", str(corpus), "--questions", str(QUESTIONS), "--out", str(out),
    ]
    # start-up (model + seeding ~200 chunks) takes 1-2 min on 2 busy cores; the script bounds itself as well
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=1500)
    report = proc.stdout[-6000:] + proc.stderr[-3000:]
    assert out.exists(), report
    result = json.loads(out.read_text())
    checks = result["checks"]

    assert result["config"]["own_server"] and result["config"]["clients"] == CLIENTS
    assert result["errors"]["count"] == 0, json.dumps(result["errors"], indent=1) + "\n" + result.get("server_errors", "")
    assert checks["server_log_clean"]["ok"], result["server_errors"]
    assert checks["counts_monotonic"]["ok"], checks["counts_monotonic"]["detail"]
    assert result["health"]["polls"] >= 2  # the monotonic check compared a series, not one reading
    assert checks["final_counts_match_ingests"]["ok"], checks["final_counts_match_ingests"]["detail"]
    assert result["health"]["final"]["chunks"] > result["health"]["initial"]["chunks"] > 0

    assert result["ingests"]["added"] >= 1, result["ingests"]["items"]
    assert result["ingests"]["unchanged_reupload"]["status"] == "unchanged"
    assert checks["unchanged_reupload"]["ok"], checks["unchanged_reupload"]["detail"]
    assert checks["upload_visible_to_queries"]["ok"], checks["upload_visible_to_queries"]["detail"]

    queries = result["queries"]
    assert all(n > 0 for n in queries["per_client"]) and len(queries["per_client"]) == CLIENTS
    assert all(stats["n"] > 0 for stats in queries["per_mode"].values()), queries["per_mode"]
    assert checks["queries_answered_during_ingest"]["ok"], checks["queries_answered_during_ingest"]["detail"]
    assert checks["no_empty_unfiltered_dense"]["ok"], checks["no_empty_unfiltered_dense"]["detail"]

    assert result["ok"] and proc.returncode == 0, report

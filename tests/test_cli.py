"""The CLI through typer's runner, on a real data dir."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from service.cli import app
from tests.pdf_fixtures import text_pdf

pytestmark = pytest.mark.slow

runner = CliRunner()


def test_ingest_ask_and_skipped_files(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "groningen_jaarverslag-2024_test.txt").write_text(
        "Deelprogramma 3.3 Zorg\n\nWat hebben we bereikt?\nDe winteropvang aan de Sontweg is permanent geworden.\n",
        encoding="utf-8",
    )
    (docs / "kapot.pdf").write_bytes(b"%PDF-1.4 niets")
    (docs / "plaatje.png").write_bytes(b"\x89PNG")
    data = tmp_path / "data"
    result = runner.invoke(app, ["ingest", str(docs), "--data-dir", str(data), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "3 files" in result.output and "1 added" in result.output and "2 refused" in result.output
    assert "kapot.pdf: [corrupt_pdf]" in result.output and "plaatje.png: [unsupported_type]" in result.output

    result = runner.invoke(app, ["ask", "Waar is de winteropvang?", "--data-dir", str(data), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["passages"][0]["source"]["file"] == "groningen_jaarverslag-2024_test.txt"
    assert body["passages"][0]["source"]["section"] == "Deelprogramma 3.3 Zorg › Wat hebben we bereikt?"

    result = runner.invoke(app, ["ask", "Waar is de winteropvang?", "--data-dir", str(data)])
    assert result.exit_code == 0 and "[1] Jaarverslag 2024 Groningen" in result.output and "Sontweg" in result.output


def test_ingest_overrides_and_missing_path(tmp_path):
    pdf = tmp_path / "stuk.pdf"
    pdf.write_bytes(text_pdf([["Programma 2 Sociaal", "De buurtkamer is open."]]))
    data = tmp_path / "data"
    result = runner.invoke(app, ["ingest", str(pdf), "--data-dir", str(data), "--municipality", "Leiden",
                                 "--doc-type", "jaarverslag", "--year", "2023", "--no-progress"])
    assert result.exit_code == 0, result.output
    body = json.loads(runner.invoke(app, ["ask", "buurtkamer", "--data-dir", str(data), "--json"]).stdout)
    source = body["passages"][0]["source"]
    assert (source["municipality"], source["doc_type"], source["year"]) == ("Leiden", "jaarverslag", 2023)
    result = runner.invoke(app, ["ingest", str(tmp_path / "bestaat-niet.pdf"), "--data-dir", str(data)])
    assert result.exit_code == 2 and "not found" in result.output


def test_ask_validates_input(tmp_path):
    result = runner.invoke(app, ["ask", "  ", "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 2 and "invalid_request" in result.output


def test_sample_writes_documents(tmp_path):
    result = runner.invoke(app, ["sample", str(tmp_path / "s")])
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["voorbeeld_begroting_2025.pdf", "voorbeeld_jaarverslag_2024.html"]

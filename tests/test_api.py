"""HTTP API against a real index; pins the /query body and the one error shape."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import SERVER_MODE
from tests.pdf_fixtures import text_pdf

pytestmark = pytest.mark.slow


@pytest.fixture
def client(make_index, tmp_path):
    from index.settings import Settings
    from service.app import create_app

    settings = Settings(data_dir=tmp_path / "api")
    index = make_index(tmp_path / "api")
    with TestClient(create_app(settings, index)) as c:
        yield c


def _upload(client, name: str, data: bytes, **fields):
    return client.post("/documents", files={"file": (name, data)}, data=fields)


def test_upload_query_delete(client):
    pdf = text_pdf([["2.1 Dakloosheid", "De nachtopvang aan de Havenstraat blijft het hele jaar open."]])
    r = _upload(client, "voorbeeld_begroting_2025.pdf", pdf, municipality="Voorbeeld")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "added" and body["chunks"] >= 1
    doc_id = body["document_id"]

    r = client.post("/query", json={"question": "Waar is de nachtopvang?", "top_k": 3})
    assert r.status_code == 200
    q = r.json()
    assert set(q) >= {"question", "answer", "passages", "indicators", "timing_ms"}
    p = q["passages"][0]
    assert set(p) == {"rank", "score", "text", "source"}
    assert p["rank"] == 1 and "Havenstraat" in p["text"]
    assert p["source"] == {
        "document_id": doc_id, "file": "voorbeeld_begroting_2025.pdf", "title": "Begroting 2025 Voorbeeld",
        "municipality": "Voorbeeld", "doc_type": "begroting", "year": 2025, "section": "2.1 Dakloosheid",
        "page": 1, "page_label": "1",
    }

    docs = client.get("/documents").json()
    assert [d["id"] for d in docs["documents"]] == [doc_id]
    original = client.get(f"/documents/{doc_id}/original")
    assert original.status_code == 200 and original.content == pdf
    assert original.headers["content-type"] == "application/pdf"

    assert client.delete(f"/documents/{doc_id}").json() == {"deleted": doc_id}
    assert client.post("/query", json={"question": "nachtopvang"}).json()["passages"] == []


def test_health(client):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["dimension"] == 384 and body["chroma"] == ("server" if SERVER_MODE else "embedded")


@pytest.mark.parametrize(
    "payload",
    [
        {"question": ""},
        {"question": "   "},
        {"question": "x" * 1001},
        {"question": "zorg", "top_k": 0},
        {"question": "zorg", "top_k": 51},
        {"question": "zorg", "mode": "magic"},
        {"question": "zorg", "filters": {"year": "twintig"}},
        {"question": "zorg", "filters": {"planet": "Mars"}},
        {},
    ],
)
def test_bad_queries_get_422_in_the_one_error_shape(client, payload):
    r = client.post("/query", json=payload)
    assert r.status_code == 422
    body = r.json()
    assert set(body) == {"error", "message"} and body["error"] == "invalid_request" and body["message"]


def test_invalid_utf8_and_non_json_bodies(client):
    r = client.post("/query", content=b'{"question": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert r.status_code == 422 and set(r.json()) == {"error", "message"}
    r = client.post("/query", content=b"niet json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"


def test_error_shape_for_domain_errors(client):
    r = client.delete("/documents/bestaat-niet")
    assert r.status_code == 404 and r.json() == {"error": "not_found", "message": "no document with id bestaat-niet"}
    r = _upload(client, "leeg.pdf", b"")
    assert r.status_code == 422 and r.json()["error"] == "empty_file" and "leeg.pdf" in r.json()["message"]
    r = _upload(client, "tabel.xlsx", b"PK\x03\x04")
    assert r.status_code == 422 and r.json()["error"] == "unsupported_type"
    assert client.get("/bestaat-niet").json()["error"] == "not_found"
    refused = client.get("/documents").json()["refused"]
    assert {r["file"] for r in refused} == {"leeg.pdf", "tabel.xlsx"}


@pytest.fixture
def strict_client(make_index, tmp_path):
    from index.settings import Settings
    from service.app import create_app

    settings = Settings(data_dir=tmp_path / "strict", max_upload_mb=1, api_keys="sleutel-een,sleutel-twee")
    index = make_index(tmp_path / "strict")
    with TestClient(create_app(settings, index)) as c:
        yield c


def test_upload_over_the_limit_is_refused_with_or_without_content_length(strict_client):
    big = b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024)
    headers = {"x-api-key": "sleutel-een"}
    r = strict_client.post("/documents", files={"file": ("groot.pdf", big)}, headers=headers)
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"

    def chunks():
        boundary = b"--grens\r\n"
        yield boundary + b'Content-Disposition: form-data; name="file"; filename="groot.pdf"\r\n\r\n'
        for _ in range(40):
            yield b"0" * 65536
        yield b"\r\n--grens--\r\n"

    r = strict_client.post("/documents", content=chunks(),
                           headers={**headers, "content-type": "multipart/form-data; boundary=grens"})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    assert strict_client.get("/documents").json()["documents"] == []


def test_writes_need_an_api_key_reads_do_not(strict_client):
    pdf = text_pdf([["De buurtkamer is open."]])
    r = strict_client.post("/documents", files={"file": ("a.pdf", pdf)})
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    r = strict_client.post("/documents", files={"file": ("a.pdf", pdf)}, headers={"x-api-key": "fout"})
    assert r.status_code == 401
    r = strict_client.post("/documents", files={"file": ("a.pdf", pdf)}, headers={"authorization": "Bearer sleutel-twee"})
    assert r.status_code == 201
    doc_id = r.json()["document_id"]
    assert strict_client.post("/query", json={"question": "buurtkamer"}).status_code == 200
    assert strict_client.get("/documents").status_code == 200
    assert strict_client.delete(f"/documents/{doc_id}").status_code == 401
    assert strict_client.delete(f"/documents/{doc_id}", headers={"x-api-key": "sleutel-een"}).status_code == 200


def test_cors_is_off_by_default(client):
    r = client.options("/query", headers={"origin": "https://elders.example", "access-control-request-method": "POST"})
    assert "access-control-allow-origin" not in r.headers

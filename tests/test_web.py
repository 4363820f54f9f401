"""The HTML pages, fast: a stand-in index and a canned /query body, no model.

The real thing, in a real browser over the real corpus, is tests/test_browser.py.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from service import web

EVIL = "<script>alert('x')</script>"

DOCS = {
    "jv": {"id": "jv", "file": "groningen_jaarverslag-2024.txt", "title": "Jaarverslag 2024 Groningen", "municipality": "Groningen",
           "doc_type": "jaarverslag", "year": 2024, "pages": None, "n_chunks": 4, "n_facts": 20, "n_tables": 2,
           "warnings": [], "original": "jv.txt", "media_type": "text/plain", "ingested_at": 1_700_000_000.0},
    "bg": {"id": "bg", "file": "groningen_begroting-2026.txt", "title": "Begroting 2026 Groningen", "municipality": "Groningen",
           "doc_type": "begroting", "year": 2026, "pages": None, "n_chunks": 42, "n_facts": 79, "n_tables": 4,
           "warnings": ["table not parsed: p. 3 <b>Tabel</b>"], "original": "bg.txt", "media_type": "text/plain",
           "ingested_at": 1_700_000_000.0},
    "ws": {"id": "ws", "file": "wassenaar__begroting_2025.pdf", "title": f"Begroting 2025 {EVIL} Wassenaar",
           "municipality": "Wassenaar", "doc_type": "begroting", "year": 2025, "pages": 137, "n_chunks": 458, "n_facts": 1234,
           "n_tables": 30, "warnings": [], "original": "ws.pdf", "media_type": "application/pdf", "ingested_at": 1_700_000_000.0},
    "ht": {"id": "ht", "file": "notitie.html", "title": "Notitie", "municipality": None, "doc_type": None, "year": None,
           "pages": None, "n_chunks": 1, "n_facts": 0, "n_tables": 0, "warnings": [], "original": "ht.html",
           "media_type": "text/html", "ingested_at": 1_700_000_000.0},
}
REFUSED = [{"file": "scan.pdf", "code": "no_text_layer", "message": f"scan.pdf: no text layer {EVIL}", "at": 1_700_000_000.0}]


class FakeStore:
    def documents(self, status="ready"):
        return list(DOCS.values())

    def document(self, document_id):
        return DOCS.get(document_id)

    def refused(self):
        return REFUSED

    def municipalities(self):
        return sorted({d["municipality"] for d in DOCS.values() if d["municipality"]})


def _cite(doc: str, table: str, column: str) -> dict:
    d = DOCS[doc]
    return {"document_id": doc, "file": d["file"], "title": d["title"], "section": "Deelprogramma 3.3 › Kengetallen",
            "page": None, "page_label": None, "table": table, "table_id": f"t-{doc}", "column": column}


def _source(doc: str, section: str, page=None, label=None) -> dict:
    d = DOCS[doc]
    return {"document_id": doc, "file": d["file"], "title": d["title"], "municipality": d["municipality"],
            "doc_type": d["doc_type"], "year": d["year"], "section": section, "page": page, "page_label": label}


LONG = ("Met ingang van de winterperiode 2024-2025 is een permanente winteropvang voor dak- en thuislozen gerealiseerd "
        "aan de Sontweg in Groningen. Daarmee is een belangrijke doelstelling uit het coalitieakkoord behaald, en de "
        "opvang blijft het hele jaar open voor wie dat nodig heeft.")

BODY = {
    "question": "hoeveel daklozen in 2024",
    "answer": {
        "text": "Aantal geregistreerde daklozen in 2024: 1.336 (realisatie) …",
        "value": 1336, "value_text": "1.336", "year": 2024, "unit": "aantal", "kind": "realised", "comparator": None,
        "indicator": "Aantal geregistreerde daklozen", "conflict": True, "ambiguous": False,
        "citations": [_cite("jv", "% inwoners 18+", "Behaald 2024")],
        "alternatives": [{"value": 1339, "value_text": "1.339**", "kind": "realised",
                          "indicator": "Aantal geregistreerde dakloze personen in de Provincie Groningen",
                          "citations": [_cite("bg", "Kengetallen", "Behaald 2024")]}],
    },
    "passages": [
        {"rank": 1, "score": 0.03, "text": LONG, "source": _source("jv", "Deelprogramma 3.3 › Relevante ontwikkelingen")},
        {"rank": 2, "score": 0.02, "text": f"Daklozen en {EVIL} <b>vet</b> in de tekst.",
         "source": _source("ws", "Programma 2 › Opvang", page=31, label="29")},
    ],
    "indicators": [],
    "tables": [
        {"id": "t-jv", "title": "% inwoners 18+", "header": ["% inwoners 18+", "Behaald 2022", "Beoogd 2024", "Behaald 2024"],
         "rows": [["Vrijwilligerswerk", "29%", ">30%", "31%"], ["Aantal geregistreerde daklozen", "Andere registratie", "<700", "1.336"],
                  [f"Rij met {EVIL}", "1"]],
         "aligned": [True, True, False], "highlight": {"row": 1, "column": 3},
         "source": {"document_id": "jv", "file": DOCS["jv"]["file"], "title": DOCS["jv"]["title"], "section": "Deelprogramma 3.3",
                    "page": None, "page_label": None}},
    ],
    "timing_ms": {"embed": 1.0, "search": 1.0, "answer": 1.0, "total": 3.0},
}


@pytest.fixture
def client(tmp_path, monkeypatch):
    from index.settings import Settings
    from service.app import create_app

    (tmp_path / "ht.html").write_text("<p>hallo</p><script>alert(1)</script>", encoding="utf-8")
    (tmp_path / "ws.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    index = SimpleNamespace(store=FakeStore(), originals=tmp_path, close=lambda: None)
    calls = []

    def fake_run_query(index_, request):
        calls.append(request)
        return {**BODY, "question": request.question}

    monkeypatch.setattr(web, "run_query", fake_run_query)
    with TestClient(create_app(Settings(data_dir=tmp_path / "data"), index)) as c:
        c.calls = calls
        yield c


def soup(response) -> BeautifulSoup:
    assert response.headers["content-type"].startswith("text/html"), response.headers["content-type"]
    return BeautifulSoup(response.text, "html.parser")


def assert_labelled(page: BeautifulSoup) -> None:
    """Every form field has a <label for=…> (or sits inside one)."""
    fields = page.select("input:not([type=hidden]), select, textarea")
    assert fields
    for field in fields:
        labelled = field.get("id") and page.select_one(f'label[for="{field["id"]}"]')
        assert labelled or field.find_parent("label"), f"unlabelled field {field}"
        if labelled:
            assert labelled.get_text(strip=True)


def test_search_page_has_labelled_box_and_filters_from_the_documents(client):
    r = client.get("/")
    assert r.status_code == 200
    page = soup(r)
    assert page.html["lang"] == "nl"
    assert page.select_one('meta[name="viewport"]')["content"].startswith("width=device-width")
    box = page.select_one("input#q")
    assert box["name"] == "q" and box["placeholder"].startswith("Stel een vraag over de begroting, het jaarverslag")
    assert_labelled(page)
    options = {name: [o.get_text(strip=True) for o in page.select(f"select[name={name}] option")]
               for name in ("gemeente", "soort", "jaar")}
    assert options == {
        "gemeente": ["Alle gemeenten", "Groningen", "Wassenaar"],
        "soort": ["Alle soorten", "Begroting", "Jaarverslag"],
        "jaar": ["Alle jaren", "2026", "2025", "2024"],
    }
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert not page.select("script:not([src])"), "no inline scripts: the CSP forbids them"


def test_answer_card_table_and_passages_are_rendered_and_escaped(client):
    r = client.get("/", params={"q": "hoeveel daklozen in 2024", "gemeente": "Groningen", "jaar": "2024"})
    assert r.status_code == 200
    request = client.calls[-1]
    assert request.question == "hoeveel daklozen in 2024"
    assert request.filters.municipality == "Groningen" and request.filters.year == 2024 and request.filters.doc_type is None
    page = soup(r)
    card = page.select_one("#antwoord")
    assert card.select_one("#cijfer").get_text() == "1.336"
    facts = card.select_one("dl.facts").get_text(" ", strip=True)
    assert "2024" in facts and "aantal" in facts and "realisatie" in facts
    assert card.select_one("#bronnen-verschillen").get_text(" ", strip=True).endswith(
        "Bronnen verschillen: 1.336 (Jaarverslag 2024) · 1.339 (Begroting 2026)")
    assert "Aantal geregistreerde dakloze personen in de Provincie Groningen" in card.get_text()

    table = page.select_one(".table-card table")
    hit_row = table.select_one("tr.hit")
    assert hit_row.th.get_text() == "Aantal geregistreerde daklozen"
    assert hit_row.select_one("td.hit mark").get_text() == "1.336"
    assert len(table.select("tbody tr")[2].select("td.empty")) == 2, "a short row is padded, not stretched"
    assert "Tabel ‘% inwoners 18+’" in page.select_one(".table-card figcaption").get_text()

    first, second = page.select("li.passage")
    assert [m.get_text() for m in first.select("mark")] == ["2024"]
    assert first.select_one("a.open")["href"] == "/documents/jv/original"
    cite = first.select_one("textarea.cite-text").get_text()
    assert cite == ("Gemeente Groningen, Jaarverslag 2024, Deelprogramma 3.3 › Relevante ontwikkelingen: '"
                    + web.quote(LONG) + "'")
    # the PDF passage: printed page in the citation, PDF page in the link
    assert second.select_one("a.open")["href"] == "/documents/ws/original#page=31"
    assert second.select_one("a.open").get_text(" ", strip=True).startswith("Open PDF op pagina 31")
    assert "p. 29 (pdf-pagina 31)" in second.select_one(".p-meta").get_text()
    assert second.select_one("textarea").get_text().startswith("Gemeente Wassenaar, Begroting 2025, Programma 2 › Opvang, p. 29: 'Daklozen en <script>")
    assert [m.get_text() for m in second.select("mark")] == ["Daklozen"]

    # untrusted text stays text: no element came out of the documents
    assert not page.select("main script") and not page.select("main b")
    assert EVIL not in r.text and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in r.text
    assert f"Daklozen en {EVIL} <b>vet</b> in de tekst." in second.select_one("blockquote").get_text()


def test_documents_page_escapes_titles_and_lists_refused_files(client):
    r = client.get("/documenten")
    assert r.status_code == 200
    page = soup(r)
    assert EVIL not in r.text and not page.select("main script")
    titles = [th.select_one(".doc").get_text() for th in page.select("table.doc-table tbody th")]
    assert f"Begroting 2025 {EVIL} Wassenaar" in titles
    row = page.select_one("#doc-ws").get_text(" ", strip=True)
    assert "137" in row and "458" in row and "1.234" in row
    assert "4 documenten ingelezen" in page.select_one(".summary").get_text(" ", strip=True)
    refused = page.select_one("ul.refused").get_text(" ", strip=True)
    assert "scan.pdf" in refused and "alleen afbeeldingen" in refused and "no_text_layer" in refused
    assert page.select_one("#doc-bg details li").get_text() == "table not parsed: p. 3 <b>Tabel</b>"

    form = page.select_one("form#upload")
    assert form["action"] == "/documents" and form["method"] == "post" and form["enctype"] == "multipart/form-data"
    assert {f["name"] for f in form.select("input")} == {"file", "title", "municipality", "doc_type", "year"}
    assert_labelled(page)


def test_added_notice_names_the_document(client):
    page = soup(client.get("/documenten", params={"toegevoegd": "ws"}))
    assert page.select_one(".success").get_text(" ", strip=True).startswith(f"Toegevoegd: Begroting 2025 {EVIL} Wassenaar")


def test_invalid_question_is_a_page_not_json(client):
    r = client.get("/", params={"q": "x" * 2000})
    assert r.status_code == 422 and "te lang" in soup(r).select_one(".error").get_text()
    r = client.get("/", params={"q": "daklozen", "jaar": "1800"})
    assert r.status_code == 422 and "geldig jaar" in soup(r).select_one(".error").get_text()
    r = client.get("/", params={"q": "daklozen", "jaar": "twee"})
    assert r.status_code == 422 and not client.calls


def test_api_keeps_json_errors_and_docs(client):
    r = client.get("/bestaat-niet")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = client.post("/query", json={"question": ""})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/query" in paths and "/" not in paths and "/documenten" not in paths
    assert client.get("/static/bestaat-niet.js").json()["error"] == "not_found"


def test_static_script_never_writes_html():
    script = (web.HERE / "static" / "app.js").read_text(encoding="utf-8")
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", script)


def test_html_originals_are_sandboxed_pdfs_are_not(client):
    r = client.get("/documents/ht/original")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"].startswith("sandbox")
    r = client.get("/documents/ws/original")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "content-security-policy" not in r.headers


def test_citation_wording():
    src = _source("jv", "Deelprogramma 3.3")
    assert web.citation_text(src, "Kort.") == "Gemeente Groningen, Jaarverslag 2024, Deelprogramma 3.3: 'Kort.'"
    src = {**_source("ws", "Programma 2", page=31, label="29"), "title": "Begroting 2025 Wassenaar"}
    assert web.citation_text(src, "a\n b") == "Gemeente Wassenaar, Begroting 2025, Programma 2, p. 29: 'a b'"
    nameless = {"file": "x.pdf", "title": "Bevindingen", "municipality": None, "doc_type": "woo", "year": None,
                "section": "", "page": 2, "page_label": None}
    assert web.citation_text(nameless, "Tekst") == "Bevindingen, p. 2: 'Tekst'"
    quoted = web.quote(LONG)
    assert quoted.endswith("…") and len(quoted) <= web.QUOTE_CHARS + 1 and LONG.startswith(quoted[:-1])


def test_highlight_matches_stems_and_keeps_all_text():
    text = "Het aantal dakloze personen; daklozen <b>2024</b>."
    parts = web.highlight(text, "hoeveel daklozen in 2024")
    assert "".join(p for p, _ in parts) == text
    assert [p for p, hit in parts if hit] == ["dakloze", "daklozen", "2024"]
    assert web.highlight("tekst", "") == [("tekst", False)]


def test_answer_notes_for_doubt_and_missing_years():
    docs = web.Docs(FakeStore())
    fact = {"value_text": "70%", "candidate_years": [2022, 2023, 2024], "source": _cite("bg", "Prestatie-indicator(en)", "")}
    ambiguous = {"text": "…", "value": None, "value_text": None, "year": 2024, "unit": "%", "kind": "realised",
                 "indicator": "% snel geholpen", "citations": [fact["source"]], "conflict": False, "alternatives": [],
                 "ambiguous": True, "candidates": [fact]}
    view = web.answer_view(ambiguous, "percentage snel geholpen in 2024", ["Groningen"], docs)
    assert view["state"] == "ambiguous" and "niet bij welk jaar" in view["notes"][0]
    assert view["candidates"][0]["years"] == "2022, 2023, 2024"

    near = {"year": 2024, "value_text": "1.336", "unit": "aantal", "kind": "realised", "source": _cite("jv", "t", "Behaald 2024")}
    missing = {"text": "…", "value": None, "value_text": None, "year": 2030, "unit": None, "kind": None,
               "indicator": "Aantal geregistreerde daklozen", "citations": [], "conflict": False, "alternatives": [],
               "ambiguous": False, "nearest": [near]}
    view = web.answer_view(missing, "hoeveel daklozen in 2030", ["Groningen"], docs)
    assert view["state"] == "missing" and view["notes"] == ["Geen cijfer voor 2030 gevonden."]
    assert view["nearest"][0]["figure"] == "1.336"

    view = web.answer_view(BODY["answer"], "hoeveel daklozen", ["Groningen"], docs)
    assert view["state"] == "definite"
    assert view["notes"] == ["De vraag noemt geen jaar: dit is het meest recente cijfer (2024)."]

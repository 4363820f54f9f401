"""The web page in a real browser (Debian's Chromium, headless, driven by Playwright) over the shared corpus.

A real uvicorn serves `create_app` over the session's `corpus_index` on a free port. Screenshots of the
answer page go to reports/screenshots/ (desktop and a 390 px phone) and their paths are printed.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("VINDPLAATS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
    "--disable-component-update", "--disable-sync", "--disable-quic",
]
SHOTS = Path(__file__).resolve().parents[1] / "reports" / "screenshots"
TIMEOUT_MS = 120_000  # the first question on a busy 2-core machine can be slow

MARKUP_TEXT = """Opmaaktest kikkerpoel

1. Proefparagraaf over de kikkerpoel

De zinsnede <script>alert(1)</script> en <b>vet</b> staan letterlijk in deze tekst over de kikkerpoel bij het
Zwanenwater. Ook <img src=x onerror=alert(2)> hoort als tekst te verschijnen.
"""
MARKUP_TITLE = "<script>alert('titel')</script> Opmaaktest kikkerpoel"


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason + "; in CI the browser tests must run")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def chromium() -> str:
    """Checked before the corpus is ingested, so a machine without a browser skips at once."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(chromium, corpus_index):
    import uvicorn

    from service.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(corpus_index.settings, corpus_index), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="vindplaats-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser(chromium, base_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser, base_url):
    ctx = browser.new_context(base_url=base_url, locale="nl-NL", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    ctx.dialogs = []  # an alert() from document text, in any tab, would land here

    def on_dialog(dialog):
        ctx.dialogs.append(dialog.message)
        dialog.dismiss()

    ctx.on("dialog", on_dialog)
    yield ctx
    ctx.close()


def watch(page) -> list[str]:
    """Script errors on the page."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def ask(page, question: str, **filters: str) -> None:
    """Type the question into the box and press Enter, as a person would."""
    page.goto("/")
    for name, value in filters.items():
        page.get_by_label(name).select_option(value)
    box = page.get_by_label("Uw vraag")
    box.fill(question)
    with page.expect_navigation():
        box.press("Enter")
    page.locator("#passages").wait_for()


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def test_daklozen_answer_shows_both_figures_the_conflict_and_the_table(context, browser, base_url):
    page = context.new_page()
    errors = watch(page)
    ask(page, "hoeveel daklozen in 2024")

    card = page.locator("#antwoord")
    assert card.locator("#cijfer").inner_text() == "1.336"
    facts = card.locator("dl.facts").inner_text()
    assert "2024" in facts and "aantal" in facts and "realisatie" in facts
    badge = card.locator("#bronnen-verschillen")
    assert badge.is_visible()
    assert re.search(r"Bronnen verschillen: 1\.336 \(Jaarverslag 2024\) · 1\.339 \(Begroting 2026\)", badge.inner_text())

    tables = page.locator(".table-card")
    assert tables.count() == 2
    cited = tables.nth(0)
    assert cited.locator(".tag").text_content() == "Geciteerd"
    assert "Jaarverslag 2024 Groningen" in cited.locator("figcaption").inner_text()
    assert cited.locator("tr.hit th").inner_text() == "Aantal geregistreerde daklozen"
    assert cited.locator("td.hit mark").inner_text() == "1.336"
    other = tables.nth(1)
    assert "Begroting 2026 Groningen" in other.locator("figcaption").inner_text()
    assert other.locator("td.hit mark").inner_text() == "1.339**"
    assert "dakloze personen" in other.locator("tr.hit th").inner_text()
    assert page.locator("li.passage").count() >= 1
    shot(page, "answer-desktop.png")

    phone = browser.new_context(base_url=base_url, locale="nl-NL", viewport={"width": 390, "height": 844},
                                device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        mobile = phone.new_page()
        mobile.set_default_timeout(TIMEOUT_MS)
        mobile.goto("/?q=hoeveel+daklozen+in+2024")
        assert mobile.locator("#cijfer").inner_text() == "1.336"
        assert mobile.locator("#bronnen-verschillen").is_visible()
        assert mobile.evaluate("document.documentElement.scrollWidth") <= 390, "nothing sticks out sideways on a phone"
        hit = mobile.locator(".table-card").nth(0).locator("td.hit")
        box, region = hit.bounding_box(), mobile.locator(".table-card .scroll").nth(0).bounding_box()
        assert box["x"] + box["width"] <= region["x"] + region["width"] + 1, "the found cell is scrolled into view"
        shot(mobile, "answer-phone.png")
    finally:
        phone.close()
    assert errors == [] and context.dialogs == []


def test_search_is_usable_with_the_keyboard_alone(context):
    page = context.new_page()
    page.goto("/")
    assert page.evaluate("document.activeElement.id") == "q", "the question box has focus on arrival"
    page.keyboard.type("Waar is de permanente winteropvang voor dak- en thuislozen?")
    page.keyboard.press("Tab")  # → Zoeken
    assert page.evaluate("document.activeElement.textContent.trim()") == "Zoeken"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.locator("#passages").wait_for()
    first = page.locator("li.passage").first
    assert "Sontweg" in first.locator("blockquote").inner_text()
    # Tab reaches the copy button and the source link of the first passage
    labels = []
    for _ in range(60):
        page.keyboard.press("Tab")
        labels.append(page.evaluate("document.activeElement.textContent.trim()"))
        if labels[-1].startswith("Open brondocument"):
            break
    assert "Kopieer bronvermelding" in labels and labels[-1].startswith("Open brondocument"), labels


def test_copy_citation(context):
    page = context.new_page()
    errors = watch(page)
    ask(page, "Waar is de permanente winteropvang voor dak- en thuislozen?")
    first = page.locator("li.passage").first
    text = re.sub(r"\s+", " ", first.locator("blockquote").inner_text()).strip()
    assert first.locator("mark").count() >= 2, "query terms are highlighted"
    assert first.locator("mark", has_text="winteropvang").count() == 1

    first.get_by_role("button", name="Kopieer bronvermelding").click()
    status = first.locator(".copy-status")
    status.wait_for(state="visible")
    assert "gekopieerd" in status.inner_text()
    field = first.locator("textarea.cite-text")
    assert field.is_visible(), "the citation is also shown, ready to select"
    citation = field.input_value()
    assert page.evaluate("navigator.clipboard.readText()") == citation
    m = re.fullmatch(r"Gemeente Groningen, Jaarverslag 2024, (Deelprogramma 3\.3[^:]*): '(.+)'", citation)
    assert m, citation
    section = first.locator(".p-meta .section").inner_text()
    assert m.group(1) == section
    quote = m.group(2)
    assert quote.endswith("…") and text.startswith(quote[:-1]) and 100 <= len(quote) <= 202
    assert errors == [] and context.dialogs == []


def test_passage_link_opens_the_pdf_at_its_page(context):
    page = context.new_page()
    ask(page, "Hoeveel GFT zat er nog in het restafval volgens de sorteeranalyse van mei 2023?")
    passage = page.locator("li.passage", has=page.locator("a.open", has_text="Open PDF op pagina")).first
    link = passage.locator("a.open")
    href = link.get_attribute("href")
    m = re.fullmatch(r"/documents/([0-9a-f]+)/original#page=(\d+)", href)
    assert m, href
    printed = passage.locator(".p-meta .page").inner_text()
    assert re.fullmatch(r"p\. \S+( \(pdf-pagina \d+\))?", printed)
    assert printed == f"p. {m.group(2)}" or printed.endswith(f"(pdf-pagina {m.group(2)})")
    assert "GFT" in passage.locator("blockquote").inner_text()

    with context.expect_page() as opened:
        link.click()
    pdf = opened.value
    pdf.wait_for_load_state()
    assert pdf.url.endswith(href)
    assert pdf.evaluate("document.contentType") == "application/pdf"
    original = context.request.get(href.split("#")[0])
    assert original.ok and original.headers["content-type"] == "application/pdf" and original.body()[:5] == b"%PDF-"
    pdf.wait_for_timeout(2000)  # let the viewer draw the page for the screenshot
    shot(pdf, "pdf-at-page.png")
    pdf.close()


def test_document_with_markup_shows_it_as_text(context, corpus_index):
    page = context.new_page()
    errors = watch(page)
    page.goto("/documenten")
    page.get_by_label("Bestand (PDF").set_input_files(
        {"name": "opmaaktest_kikkerpoel.txt", "mimeType": "text/plain", "buffer": MARKUP_TEXT.encode("utf-8")})
    page.get_by_label("Titel").fill(MARKUP_TITLE)
    page.get_by_label("Gemeente").fill("Testdorp")
    page.get_by_label("Documentsoort").fill("raadsvoorstel")
    page.get_by_label("Jaar").fill("2025")
    document_id = None
    try:
        with page.expect_navigation(url=re.compile(r"/documenten\?toegevoegd=")):
            page.get_by_role("button", name="Toevoegen").click()
        document_id = re.search(r"toegevoegd=([0-9a-f]+)", page.url).group(1)
        shot(page, "documents-after-upload.png")
        assert page.locator(".success").inner_text().startswith(f"Toegevoegd: {MARKUP_TITLE}")
        row = page.locator(f"#doc-{document_id}")
        assert row.locator(".doc").inner_text() == MARKUP_TITLE
        assert "Testdorp" in row.inner_text()

        ask(page, "kikkerpoel Zwanenwater opmaak", **{"Gemeente": "Testdorp"})
        passage = page.locator("li.passage").first
        assert passage.locator(".p-title").inner_text().endswith(MARKUP_TITLE)
        text = passage.locator("blockquote").inner_text()
        assert "<script>alert(1)</script>" in text and "<b>vet</b>" in text and "<img src=x onerror=alert(2)>" in text
        assert page.locator("main script, main b, main img").count() == 0
        assert "<script>alert(1)</script>" in passage.locator("textarea.cite-text").input_value()
        assert page.title().startswith("kikkerpoel")
        shot(page, "markup-as-text.png")

        with context.expect_page() as opened:
            passage.get_by_role("link", name=re.compile("Open brondocument")).click()
        source = opened.value
        source.wait_for_load_state()
        assert "<script>alert(1)</script>" in source.locator("body").inner_text()
        source.close()
    finally:
        if document_id:
            assert context.request.delete(f"/documents/{document_id}").ok
        elif corpus_index.store.documents_by_file("opmaaktest_kikkerpoel.txt"):
            corpus_index.delete(corpus_index.store.documents_by_file("opmaaktest_kikkerpoel.txt")[0]["id"])
    assert errors == [] and context.dialogs == []
    page.goto("/documenten")
    assert "Opmaaktest" not in page.locator("main").inner_text()

"""OCR of image-only PDF pages with the real tesseract (Debian's tesseract-ocr + tesseract-ocr-nld).

The scans are made here: Pillow draws Dutch sentences in DejaVu Sans on an A4
page at 300 dpi and reportlab embeds the picture as the whole page, so the PDF
has no text layer at all — exactly what a scanner delivers. Nothing is mocked:
"tesseract missing" is a real PATH without it, "no Dutch data" a real tessdata
folder without nld.traineddata.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from typer.testing import CliRunner

from ingest.errors import GarbageText, NoTextLayer, OcrUnavailable
from ingest.ocr import MIN_WORD_CONFIDENCE, OCR_NOTE, ocr_page, ocr_pages_in, ocr_status, page_image
from ingest.parsers import parse_bytes
from ingest.pipeline import parse_document
from service.cli import app
from tests.pdf_fixtures import merged_pdf, scanned_page_image, scanned_pdf, text_pdf

PAGE_1 = [
    "Programma 3 Zorg en welzijn",
    "De gemeente Voorbeeld heeft in 2024 1.336 daklozen geteld.",
    "Alle bewoners zijn daarover geïnformeerd door de wethouder.",
]
PAGE_2 = [
    "De winteropvang aan de Stationsweg blijft het hele jaar open.",
    "Daarvoor is in de begroting 250.000 euro gereserveerd.",
]

runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def tesseract_installed() -> None:
    """CI installs tesseract (.ci/run); a machine without it must fail here, loudly, not skip."""
    status = ocr_status()
    if not status.available:
        pytest.fail(f"OCR tests need tesseract with Dutch data: {status.missing}")


@pytest.fixture(scope="module")
def scan() -> bytes:
    return scanned_pdf([PAGE_1, PAGE_2])


def _text(lines) -> str:
    return "\n".join(line.text for line in lines)


def _without_tesseract(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A real environment in which the `tesseract` program cannot be found."""
    empty = tmp_path / "bin"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))


def test_tesseract_with_dutch_data_is_found():
    status = ocr_status()
    assert status.binary and Path(status.binary).name == "tesseract"
    assert "nld" in status.languages and status.missing is None


def test_scan_without_ocr_is_refused_naming_file_and_pages(scan):
    with pytest.raises(NoTextLayer) as info:
        parse_document(scan, "scan.pdf")
    assert info.value.code == "no_text_layer"
    assert "scan.pdf" in info.value.message and "image-only pages 1, 2" in info.value.message
    assert "--ocr" in info.value.message


def test_scan_with_ocr_is_read_and_marked(scan):
    doc = parse_document(scan, "scan.pdf", ocr=True)

    text = "\n".join(chunk.text for chunk in doc.chunks)
    # tesseract reads these fixtures cleanly; the checks still name words, not whole lines
    for word in ("daklozen", "1.336", "geïnformeerd", "Stationsweg", "250.000"):
        assert word in text, (word, text)
    assert doc.ocr_pages == [1, 2]
    assert doc.chunks and all(chunk.ocr for chunk in doc.chunks)
    assert f"scan.pdf: pages 1, 2: {OCR_NOTE}" in doc.warnings
    assert ocr_pages_in(doc.warnings) == {1, 2}  # what the store can rebuild from the persisted warnings
    assert doc.facts == []  # OCR'd digits never become typed facts

    parsed = parse_bytes(scan, "scan.pdf", ocr=True)
    assert [(p.number, p.ocr, p.layout) for p in parsed.pages] == [(1, True, ""), (2, True, "")]
    assert parsed.ocr_pages == [1, 2]
    by_word = {word: line.page for line in parsed.lines for word in ("daklozen", "Stationsweg") if word in line.text}
    assert by_word == {"daklozen": 1, "Stationsweg": 2}


def test_mixed_pdf_skips_the_scan_page_without_ocr_and_reads_it_with_ocr():
    text_page = text_pdf([["Tekstpagina over mantelzorg in de gemeente Voorbeeld."]], footer=None)
    mixed = merged_pdf(text_page, scanned_pdf([PAGE_1]))

    plain = parse_document(mixed, "gemengd.pdf")
    assert {chunk.page for chunk in plain.chunks} == {1}
    assert plain.warnings == ["gemengd.pdf: pages 2 skipped (no_text_layer)"]
    assert not plain.ocr_pages and not any(chunk.ocr for chunk in plain.chunks)

    read = parse_document(mixed, "gemengd.pdf", ocr=True)
    assert read.warnings == [f"gemengd.pdf: page 2: {OCR_NOTE}"]
    assert read.ocr_pages == [2]
    assert {(chunk.page, chunk.ocr) for chunk in read.chunks} == {(1, False), (2, True)}
    assert "1.336 daklozen" in " ".join(chunk.text for chunk in read.chunks if chunk.page == 2)
    # OCR touches only the page without text: the text page's chunks are the same, ids included
    assert [c for c in read.chunks if c.page == 1] == [c for c in plain.chunks if c.page == 1]


def _pdf(draw, pagesize=A4) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=pagesize)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def _strips(image: Image.Image, n: int = 12) -> bytes:
    """The page stored as horizontal strips (some scanner drivers do this); cuts run through lines."""
    width, height = A4

    def draw(c) -> None:
        step = image.height // n
        for i in range(n):
            bottom_px = image.height if i == n - 1 else (i + 1) * step
            strip = image.crop((0, i * step, image.width, bottom_px))
            top = height - i * step / image.height * height
            strip_height = strip.height / image.height * height
            c.drawImage(ImageReader(strip), 0, top - strip_height, width=width, height=strip_height)

    return _pdf(draw)


def _turned_placement(image: Image.Image) -> bytes:
    """Stored sideways and turned upright by the placement matrix (rotation in `cm`)."""
    width, height = A4

    def draw(c) -> None:
        c.translate(width, 0)
        c.rotate(90)
        c.drawImage(ImageReader(image.rotate(-90, expand=True)), 0, 0, width=height, height=width)

    return _pdf(draw)


def _page_rotate(image: Image.Image) -> bytes:
    """A landscape page holding a sideways scan, shown upright through the page's /Rotate 90."""
    width, height = A4
    sideways = _pdf(
        lambda c: c.drawImage(ImageReader(image.rotate(90, expand=True)), 0, 0, width=height, height=width),
        pagesize=(height, width),
    )
    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(sideways)).pages[0])
    writer.pages[0].rotate(90)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _in_form(image: Image.Image) -> bytes:
    """The scan wrapped in a form XObject, as some PDF producers do."""
    width, height = A4

    def draw(c) -> None:
        c.beginForm("scan")
        c.drawImage(ImageReader(image), 0, 0, width=width, height=height)
        c.endForm()
        c.doForm("scan")

    return _pdf(draw)


@pytest.mark.parametrize("build", [_strips, _turned_placement, _page_rotate, _in_form],
                         ids=["twelve-strips", "turned-by-matrix", "page-rotate-90", "form-xobject"])
def test_page_images_are_painted_where_the_page_shows_them(build):
    """Several images, turned or nested ones are put together as the reader sees the page, then read once."""
    original = scanned_page_image(PAGE_1 + PAGE_2)
    pdf = build(original)

    rendered = page_image(PdfReader(io.BytesIO(pdf)).pages[0])
    assert rendered is not None and rendered.image.size == original.size
    diff = ImageChops.difference(rendered.image, original).histogram()
    mean_error = sum(level * count for level, count in enumerate(diff)) / (original.width * original.height)
    assert mean_error < 2.0, mean_error  # resampling noise only; a misplaced or turned page is ~10+

    text = "\n".join(chunk.text for chunk in parse_document(pdf, "scan.pdf", ocr=True).chunks)
    assert text.index("1.336 daklozen") < text.index("geïnformeerd") < text.index("Stationsweg"), text


def test_real_image_only_page_from_a_budget_is_read(corpus):
    """Wassenaar's 2024 budget has one image-only page (p. 9, an infographic); OCR reads its headings."""
    source = PdfReader(corpus / "pdf" / "wassenaar__begroting_2024.pdf")
    writer = PdfWriter()
    writer.add_page(source.pages[8])
    out = io.BytesIO()
    writer.write(out)

    with pytest.raises(NoTextLayer):
        parse_document(out.getvalue(), "wassenaar_p9.pdf")
    doc = parse_document(out.getvalue(), "wassenaar_p9.pdf", ocr=True)
    text = "\n".join(chunk.text for chunk in doc.chunks)
    assert "VERMOGENSONTWIKKELING" in text and "Ontwikkeling rekening courant verhouding met het rijk" in text
    assert doc.facts == [] and doc.ocr_pages == [1]
    reading = ocr_page(PdfReader(io.BytesIO(out.getvalue())).pages[0])
    assert reading.dropped_words > 0  # chart debris read as low-confidence "words" stays out
    assert reading.confidence is not None and reading.confidence >= MIN_WORD_CONFIDENCE


def test_glyph_garbage_page_without_an_image_stays_refused_with_the_reason():
    garbage = text_pdf([["/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20"] * 20])
    with pytest.raises(GarbageText) as info:
        parse_document(garbage, "kapot.pdf", ocr=True)
    assert info.value.code == "garbage_text"
    assert "kapot.pdf" in info.value.message and "no image on the page" in info.value.message


GLYPH_GARBAGE = "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20"


def _garbage_over(image: Image.Image, width: float, height: float) -> bytes:
    """Glyph-code garbage as the text layer, drawn over an image of the given size at the top left."""

    def draw(c) -> None:
        c.drawImage(ImageReader(image), 0, A4[1] - height, width=width, height=height)
        c.setFont("Helvetica", 10)
        for i in range(20):
            c.drawString(72, 700 - 14 * i, GLYPH_GARBAGE)

    return _pdf(draw)


def test_scan_under_a_broken_text_layer_is_read_from_the_image():
    """Scanners that add their own text layer sometimes write it with a broken font map."""
    pdf = _garbage_over(scanned_page_image(PAGE_1), *A4)
    with pytest.raises(GarbageText):
        parse_document(pdf, "scan_met_laag.pdf")
    doc = parse_document(pdf, "scan_met_laag.pdf", ocr=True)
    text = " ".join(chunk.text for chunk in doc.chunks)
    assert "1.336 daklozen" in text and "/1/2/3" not in text
    assert doc.ocr_pages == [1]


def test_broken_vector_text_beside_a_small_image_is_not_replaced_by_the_image():
    logo = scanned_page_image(["Gemeente Voorbeeld"], dpi=300)
    pdf = _garbage_over(logo.crop((0, 0, logo.width, 500)), A4[0], 120)
    with pytest.raises(GarbageText) as info:
        parse_document(pdf, "logo.pdf", ocr=True)
    assert "cover only 14% of the page" in info.value.message


def test_a_page_ocr_cannot_read_stays_skipped_with_the_reason():
    blank_scan = _pdf(lambda c: c.drawImage(ImageReader(Image.new("L", (800, 1100), 255)), 0, 0, *A4))
    mixed = merged_pdf(text_pdf([["Tekstpagina over de Wmo en de wijkteams in Voorbeeld."]], footer=None), blank_scan)
    doc = parse_document(mixed, "leeg.pdf", ocr=True)
    assert {chunk.page for chunk in doc.chunks} == {1}
    assert doc.ocr_pages == []
    assert doc.warnings == ["leeg.pdf: pages 2 skipped (no_text_layer; OCR: tesseract read no text)"]


def test_each_tesseract_call_is_time_limited():
    page = PdfReader(io.BytesIO(scanned_pdf([PAGE_1]))).pages[0]
    reading = ocr_page(page, timeout=0.05)  # far less than tesseract needs to load its Dutch model
    assert reading.lines == [] and reading.n_images == 1
    assert reading.problem == "tesseract took longer than 0.05 s and was stopped"


def test_ocr_unavailable_names_what_to_install(scan, monkeypatch, tmp_path):
    _without_tesseract(monkeypatch, tmp_path)
    with pytest.raises(OcrUnavailable) as info:
        parse_document(scan, "scan.pdf", ocr=True)
    assert (info.value.code, info.value.status) == ("ocr_unavailable", 503)
    assert "scan.pdf" in info.value.message
    assert "apt-get install tesseract-ocr tesseract-ocr-nld" in info.value.message
    # a PDF whose pages all have text needs no OCR, so it is not refused for the missing program
    doc = parse_document(text_pdf([["De buurtkamer in Voorbeeld is elke dag open."]]), "tekst.pdf", ocr=True)
    assert doc.chunks and doc.ocr_pages == []


def test_ocr_unavailable_without_dutch_language_data(scan, monkeypatch, tmp_path):
    tessdata = tmp_path / "tessdata"
    tessdata.mkdir()
    (tessdata / "eng.traineddata").symlink_to(Path(ocr_status().tessdata) / "eng.traineddata")
    monkeypatch.setenv("TESSDATA_PREFIX", str(tessdata))
    assert ocr_status().languages == ("eng",)
    with pytest.raises(OcrUnavailable) as info:
        parse_document(scan, "scan.pdf", ocr=True)
    assert "'nld'" in info.value.message and "tesseract-ocr-nld" in info.value.message
    assert "found: eng" in info.value.message


def test_cli_ocr_without_tesseract_fails_before_touching_the_data_dir(tmp_path, monkeypatch):
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(scanned_pdf([PAGE_1]))
    _without_tesseract(monkeypatch, tmp_path)
    data = tmp_path / "data"
    result = runner.invoke(app, ["ingest", str(pdf), "--data-dir", str(data), "--ocr", "--no-progress"])
    assert result.exit_code == 2, result.output
    assert "error [ocr_unavailable]" in result.output and "tesseract-ocr-nld" in result.output
    assert not data.exists()  # refused before the index (and the model) was loaded


@pytest.mark.slow
def test_cli_ingest_with_ocr_makes_a_scan_findable(tmp_path):
    pdf = tmp_path / "voorbeeld_jaarverslag_2024_scan.pdf"
    pdf.write_bytes(scanned_pdf([PAGE_1, PAGE_2]))
    data = tmp_path / "data"

    result = runner.invoke(app, ["ingest", str(pdf), "--data-dir", str(data), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "1 refused" in result.output and f"{pdf.name}: [no_text_layer]" in result.output

    result = runner.invoke(app, ["ingest", str(pdf), "--data-dir", str(data), "--ocr", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output, result.output
    assert f"note: {pdf.name}: pages 1, 2: {OCR_NOTE}" in result.output

    result = runner.invoke(app, ["ask", "Hoeveel daklozen heeft de gemeente Voorbeeld in 2024 geteld?",
                                 "--data-dir", str(data), "--json"])
    assert result.exit_code == 0, result.output
    top = json.loads(result.stdout)["passages"][0]
    assert top["source"]["file"] == pdf.name and top["source"]["page"] == 1
    assert "1.336 daklozen" in top["text"]

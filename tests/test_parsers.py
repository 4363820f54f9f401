from __future__ import annotations

import pytest

from ingest.errors import CorruptPdf, EmptyFile, EncryptedPdf, GarbageText, NoTextLayer, NotAPdf, UnsupportedType
from ingest.parsers import parse_bytes
from tests.conftest import PDFS
from tests.pdf_fixtures import encrypted_pdf, image_only_pdf, text_pdf


@pytest.fixture(scope="module")
def wassenaar():
    path = PDFS / "wassenaar__begroting_2025.pdf"
    return parse_bytes(path.read_bytes(), path.name)


def test_real_pdf_keeps_pdf_page_and_printed_page(wassenaar):
    assert wassenaar.n_pages == 137
    labels = {p.number: p.label for p in wassenaar.pages}
    assert labels[6] == "6"  # "Pagina 6 van 136" printed on PDF page 6
    # somewhere the printed numbering falls one behind the PDF's own count
    assert any(p.label and int(p.label) == p.number - 1 for p in wassenaar.pages)
    assert all(line.page is not None for line in wassenaar.lines)


def test_running_footer_is_stripped(wassenaar):
    assert not any(line.text.strip().startswith("Pagina ") and " van 136" in line.text for line in wassenaar.lines)


def test_dot_leaders_are_dropped():
    data = text_pdf([
        ["Inhoudsopgave", "1.1 Inleiding ........................ 3", "2.1 Wmo . . . . . . . . . . . . 7", "Voorwoord"],
        ["Gewone tekst over zorg.", "Nog een regel.", "En nog een."],
        ["Derde pagina.", "Met tekst.", "Tot slot."],
    ])
    parsed = parse_bytes(data, "toc.pdf")
    texts = [line.text for line in parsed.lines]
    assert "Gewone tekst over zorg." in texts
    assert not any("....." in t for t in texts)


def test_printed_page_label_from_footer():
    data = text_pdf([["Eerste pagina met tekst."], ["Tweede pagina met tekst."]], footer="Pagina {n} van {total}")
    parsed = parse_bytes(data, "x.pdf")
    assert [(p.number, p.label) for p in parsed.pages] == [(1, "1"), (2, "2")]


@pytest.mark.parametrize(
    ("data", "error", "code"),
    [
        (b"", EmptyFile, "empty_file"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, NotAPdf, "not_a_pdf"),
        (text_pdf([["Een afgebroken bestand"]])[:400], CorruptPdf, "corrupt_pdf"),
        (encrypted_pdf("RC4-128"), EncryptedPdf, "encrypted_pdf"),
        (encrypted_pdf("AES-256"), EncryptedPdf, "encrypted_pdf"),
        (image_only_pdf(), NoTextLayer, "no_text_layer"),
        (text_pdf([["/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20"] * 20]), GarbageText, "garbage_text"),
    ],
    ids=["empty", "random-bytes", "truncated", "rc4", "aes", "image-only", "glyph-garbage"],
)
def test_bad_pdfs_are_refused_with_a_named_reason(data, error, code):
    with pytest.raises(error) as info:
        parse_bytes(data, "slecht.pdf")
    assert info.value.code == code
    assert "slecht.pdf" in info.value.message


def test_encrypted_with_empty_user_password_opens():
    parsed = parse_bytes(encrypted_pdf("AES-128", user_password=""), "open.pdf")
    assert "Vertrouwelijk verslag" in parsed.lines[0].text


def test_image_only_pages_are_skipped_and_named_when_others_have_text():
    from pypdf import PdfReader, PdfWriter
    import io

    writer = PdfWriter()
    for blob in (text_pdf([["Tekstpagina over mantelzorg."]], footer=None), image_only_pdf(1)):
        for page in PdfReader(io.BytesIO(blob)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    parsed = parse_bytes(out.getvalue(), "gemengd.pdf")
    assert {line.page for line in parsed.lines} == {1}
    assert any("pages 2" in w and "no_text_layer" in w for w in parsed.warnings)


def test_unsupported_type_and_empty_text():
    with pytest.raises(UnsupportedType):
        parse_bytes(b"PK\x03\x04", "tabel.xlsx")
    with pytest.raises(EmptyFile):
        parse_bytes(b"  \n ", "leeg.txt")


def test_html_headings_and_dropped_chrome():
    html = b"""<html><head><title>T</title><script>var x = 'geheim';</script><style>p{}</style></head>
    <body><nav>Menu Home</nav><h1>Jaarverslag</h1><h2>Programma 2 Zorg</h2><p>Tekst over <b>zorg</b>.</p>
    <table><tr><th>Indicator</th><th>2023</th><th>2024</th></tr><tr><td>Aantal</td><td>1.336</td><td>1.339</td></tr></table>
    </body></html>"""
    parsed = parse_bytes(html, "x.html")
    texts = [line.text for line in parsed.lines]
    assert "Tekst over zorg ." in texts or "Tekst over zorg." in texts
    assert "Aantal 1.336 1.339" in texts
    assert not any("geheim" in t or "Menu" in t for t in texts)
    assert parsed.headings == {0: 1, 1: 2}


def test_markdown_headings():
    parsed = parse_bytes("# Begroting\n\n## 2.1 Wmo\nTekst.\n".encode(), "x.md")
    assert parsed.headings == {0: 1, 2: 2}
    assert parsed.lines[2].text == "2.1 Wmo"


def test_cp1252_text_is_decoded():
    parsed = parse_bytes("Geïnformeerd over € 5".encode("cp1252"), "oud.txt")
    assert parsed.lines[0].text == "Geïnformeerd over € 5"

"""Small PDFs built by the tests themselves with reportlab and pypdf (real files, real parser)."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def text_pdf(pages: list[list[str]], footer: str | None = "Pagina {n} van {total}", header: str | None = None) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    for n, lines in enumerate(pages, start=1):
        if header:
            c.setFont("Helvetica", 8)
            c.drawString(72, height - 40, header)
        y = height - 80
        c.setFont("Helvetica", 10)
        for line in lines:
            c.drawString(72, y, line)
            y -= 14
        if footer:
            c.setFont("Helvetica", 8)
            c.drawString(width / 2 - 30, 30, footer.format(n=n, total=len(pages)))
        c.showPage()
    c.save()
    return buf.getvalue()


def image_only_pdf(n_pages: int = 2) -> bytes:
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for n in range(n_pages):
        img = Image.new("RGB", (400, 200), "white")
        ImageDraw.Draw(img).text((20, 80), f"Gescande pagina {n + 1}", fill="black")
        c.drawImage(ImageReader(img), 72, 400, width=400, height=200)
        c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_pdf(algorithm: str, user_password: str = "geheim") -> bytes:
    reader = PdfReader(io.BytesIO(text_pdf([["Vertrouwelijk verslag over de begroting."]])))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password="eigenaar", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


DEJAVU_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # Debian fonts-dejavu-core (.ci/run installs it)


def scanned_page_image(lines: list[str], dpi: int = 300, font_pt: float = 12.0, font_path: str = DEJAVU_SANS):
    """An A4 page as a scanner delivers it: greyscale pixels, text drawn with a real TrueType font."""
    from pathlib import Path

    from PIL import Image, ImageDraw, ImageFont

    if not Path(font_path).is_file():
        raise FileNotFoundError(f"{font_path} is missing; install it with: apt-get install fonts-dejavu-core")
    width_pt, height_pt = A4
    image = Image.new("L", (round(width_pt / 72 * dpi), round(height_pt / 72 * dpi)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(font_path, round(font_pt / 72 * dpi))
    x = y = round(dpi)  # one-inch margins
    for line in lines:
        draw.text((x, y), line, font=font, fill=0)
        y += round(font_pt * 1.6 / 72 * dpi)
    return image


def scanned_pdf(pages: list[list[str]], dpi: int = 300) -> bytes:
    """An image-only PDF: each page is one full-page scan image and has no text layer at all."""
    from reportlab.lib.utils import ImageReader

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    for lines in pages:
        c.drawImage(ImageReader(scanned_page_image(lines, dpi)), 0, 0, width=width, height=height)
        c.showPage()
    c.save()
    return buf.getvalue()


def merged_pdf(*blobs: bytes) -> bytes:
    """The pages of several PDFs in one file, in order (e.g. a text page followed by a scan)."""
    writer = PdfWriter()
    for blob in blobs:
        for page in PdfReader(io.BytesIO(blob)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

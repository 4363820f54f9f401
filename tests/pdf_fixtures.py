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

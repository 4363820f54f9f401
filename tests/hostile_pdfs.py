"""Hand-built PDFs that attack the parser: a decompression bomb and a stream that costs minutes.

Written byte by byte so the tests control exactly what pypdf meets; both are
valid PDFs that a careless pipeline would happily start to parse.
"""

from __future__ import annotations

import io
import zlib


def pdf_with_content(content: bytes, compress: bool = True) -> bytes:
    data = zlib.compress(content, 9) if compress else content
    filters = b"/Filter /FlateDecode " if compress else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< " + filters + b"/Length " + str(len(data)).encode() + b" >>\nstream\n" + data + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def decompression_bomb(inflated_mb: int = 200) -> bytes:
    """A few hundred KB that inflate to `inflated_mb` MB of content stream."""
    return pdf_with_content(b" " * (inflated_mb * 1024 * 1024))


def scattered_text(words: int) -> bytes:
    """Thousands of tiny positioned words: small on disk, seconds to minutes and GBs in layout mode."""
    ops = b"".join(b"%d %d Td (woord%d) Tj " % (i % 50, i % 70, i) for i in range(words))
    return pdf_with_content(b"BT /F1 10 Tf " + ops + b"ET")

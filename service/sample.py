"""A small sample corpus the project writes itself (fictional municipality, own text).

So that command 1 of the README shows a working service on any machine
without shipping anyone's documents.
"""

from __future__ import annotations

from pathlib import Path

MUNICIPALITY = "Voorbeeld"

_PROGRAMMA = [
    (
        "Programma 2 Sociaal Domein",
        [
            ("2.1 Wmo en zorg", [
                "Wat willen we bereiken?",
                "Inwoners met een beperking krijgen passende ondersteuning dichtbij huis. "
                "Wij zetten in op algemene voorzieningen zoals de buurtkamer en de dagbesteding in de wijk.",
                "Wat gaan we daarvoor doen?",
                "In 2025 openen wij een tweede buurtkamer in de wijk Zuiderpark. De mantelzorgwaardering "
                "wordt verhoogd naar 150 euro per mantelzorger.",
            ]),
            ("2.2 Dakloosheid", [
                "Wat willen we bereiken?",
                "Niemand slaapt buiten. De nachtopvang aan de Havenstraat blijft het hele jaar open "
                "en wordt uitgebreid met tien plekken.",
                "Beleidsindicatoren",
            ]),
        ],
    ),
]

_TABLE = [
    ["Indicator", "Realisatie 2023", "Begroting 2024", "Begroting 2025"],
    ["Aantal dakloze personen", "84", "<80", "<75"],
    ["Aantal cliënten Wmo", "1.312", "1.350", "1.400"],
    ["Bezettingsgraad nachtopvang", "91%", "90%", "85%"],
]


def write_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle(f"Begroting 2025 gemeente {MUNICIPALITY}")
    width, height = A4
    page = 1

    def footer() -> None:
        c.setFont("Helvetica", 8)
        c.drawString(width / 2 - 30, 30, f"Pagina {page} van 3")

    c.setFont("Helvetica-Bold", 20)
    c.drawString(72, height - 120, "BEGROTING 2025")
    c.setFont("Helvetica", 12)
    c.drawString(72, height - 150, f"Gemeente {MUNICIPALITY}")
    footer()
    c.showPage()
    page += 1
    y = height - 72
    for programme, sections in _PROGRAMMA:
        c.setFont("Helvetica-Bold", 14)
        c.drawString(72, y, programme)
        y -= 28
        for heading, paragraphs in sections:
            c.setFont("Helvetica-Bold", 12)
            c.drawString(72, y, heading)
            y -= 20
            for para in paragraphs:
                bold = para.endswith("?") or para == "Beleidsindicatoren"
                c.setFont("Helvetica-Bold" if bold else "Helvetica", 10)
                for line in _wrap(para, 95):
                    c.drawString(72, y, line)
                    y -= 14
                y -= 6
    footer()
    c.showPage()
    page += 1
    y = height - 72
    c.setFont("Helvetica-Bold", 11)
    c.drawString(72, y, "Tabel 2.2 Beleidsindicatoren dakloosheid en Wmo")
    y -= 22
    columns = [72, 270, 370, 470]
    for r, row in enumerate(_TABLE):
        c.setFont("Helvetica-Bold" if r == 0 else "Helvetica", 10)
        for x, cell in zip(columns, row):
            c.drawString(x, y, cell)
        y -= 16
    footer()
    c.showPage()
    c.save()


def _wrap(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if len(current) + len(word) + 1 > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines


HTML = f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Jaarverslag 2024 gemeente {MUNICIPALITY}</title>
<style>body {{ font-family: sans-serif }}</style><script>console.log("niet indexeren")</script></head>
<body><nav>Home · Programma's · Contact</nav>
<main>
<h1>Jaarverslag 2024</h1>
<h2>Programma 2 Sociaal Domein</h2>
<h3>Wat hebben we bereikt?</h3>
<p>In 2024 is de winteropvang aan de Havenstraat omgebouwd tot een permanente nachtopvang.
Het aantal buitenslapers daalde volgens de telling van oktober naar 12 personen.</p>
<h3>Beleidsindicatoren</h3>
<table>
<tr><th>Indicator</th><th>2022</th><th>2023</th><th>2024</th></tr>
<tr><td>Aantal dakloze personen</td><td>97</td><td>84</td><td>79</td></tr>
<tr><td>Aantal cliënten Wmo</td><td>1.288</td><td>1.312</td><td>1.341</td></tr>
</table>
<h2>Programma 3 Wonen</h2>
<p>Er zijn 212 sociale huurwoningen opgeleverd, waarvan 40 voor jongeren.</p>
</main><footer>© Gemeente {MUNICIPALITY}</footer></body></html>
"""


def write_sample(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    pdf = folder / "voorbeeld_begroting_2025.pdf"
    html = folder / "voorbeeld_jaarverslag_2024.html"
    write_pdf(pdf)
    html.write_text(HTML, encoding="utf-8")
    return [pdf, html]

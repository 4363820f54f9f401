"""The questions the query benchmark asks: the shared development set plus Dutch variants.

Latency depends on the question (how many BM25 postings its words hit, how long
the text is to embed), so the benchmark uses realistic questions — the 26 of
the shared set and hand-written variants in the same style (figures with a
year, "wat doet de gemeente …", named programmes) — never random strings.
"""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_QUESTIONS = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "questions.jsonl"

VARIANTS: tuple[str, ...] = (
    "hoeveel daklozen in 2023",
    "Aantal huisverboden in 2024",
    "Hoeveel mensen sliepen buiten in Groningen?",
    "Wat kost de maatschappelijke opvang in 2025?",
    "Welke maatregelen neemt de gemeente tegen armoede onder kinderen?",
    "Hoeveel inwoners ontvingen een bijstandsuitkering in 2023?",
    "Wat is het budget voor de Wmo in de begroting 2025?",
    "Hoe lang zijn de wachtlijsten voor jeugdhulp?",
    "Welke afspraken zijn gemaakt over beschermd wonen?",
    "Hoeveel meldingen kwamen er binnen bij het sociaal wijkteam?",
    "Wat zijn de doelen van het programma gezondheid?",
    "Hoeveel leerlingen verlieten in 2023 voortijdig school?",
    "Wat doet de gemeente aan schuldhulpverlening?",
    "Wanneer opent de nieuwe nachtopvang?",
    "Welke subsidies krijgen welzijnsorganisaties?",
    "Hoeveel vrijwilligers zijn actief in de mantelzorg?",
    "Wat is de streefwaarde voor het aantal jongeren met jeugdhulp in 2025?",
    "Totale baten programma sociaal domein 2024",
    "Wat is de reserve sociaal domein aan het einde van 2024?",
    "Hoe wordt eenzaamheid onder ouderen aangepakt?",
    "Welke resultaten boekte de aanpak huiselijk geweld?",
    "Hoeveel statushouders zijn gehuisvest in 2024?",
    "Wat zijn de lasten van de afvalinzameling in Wassenaar?",
    "Hoeveel GGD-regio's gebruiken een surveillance dashboard?",
)


def load_questions(path: Path | None = None, limit: int | None = None) -> list[str]:
    """The shared questions (when the file is there) followed by the variants, at most `limit`."""
    path = DEFAULT_QUESTIONS if path is None else path
    questions: list[str] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line:
                questions.append(str(json.loads(line)["question"]))
    questions.extend(VARIANTS)
    questions = list(dict.fromkeys(questions))
    return questions[:limit] if limit else questions


__all__ = ["DEFAULT_QUESTIONS", "VARIANTS", "load_questions"]

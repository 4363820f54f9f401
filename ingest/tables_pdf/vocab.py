"""Patterns and word lists of the PDF table reader, in one place so every
step reads captions, years, scales and header words the same way.
"""

from __future__ import annotations

import re

_CAPTION = re.compile(r"^\s*(Tabel\s+\d+(?:\.\d+)*(?:\.[A-Z])?)\b\s*[-–:]?\s*(.*)$")
_FOOTER = re.compile(r"^\s*(?:pagina\s+\d+(?:\s+van\s+\d+)?|\d{1,4})\s*$", re.I)
_YEAR_ANNOTATION = re.compile(r"\(\s*((?:19|20)\d{2})\s*\)")
_YEAR_TOKEN = re.compile(r"^\(?((?:19|20)\d{2})\)?[:;,.)]*$")
_UNIT_SUFFIX = re.compile(r"(?<=\d)(\s?)(kg|ton|km|ha|fte)\b", re.I)
_SCALE_PHRASE = re.compile(r"\(?\s*(?:bedragen\s+)?x\s*€\s*1\.000(?:,-)?\s*\)?", re.I)
_FINANCIAL = re.compile(r"(?:bedragen\s+)?x\s*€\s*1\.000", re.I)
_BIG_GAP = re.compile(r"\S\s{3,}\S")
_GAP_SPLIT = re.compile(r"\S+(?: \S+)*")
_FOOTNOTE_LINE = re.compile(r"^\s*(\*{1,4}|\d\))\s*\S")
_TRAILING_MARK = re.compile(r"\s*(\*{1,4})$")
_PER_UNIT = re.compile(r"\(?\bper\s+[\d.]+\s+[A-Za-zÀ-ÿ]+\.?\)?", re.I)
_BUDGET_TITLE = re.compile(r"\b(?:programma)?begroting\s+((?:19|20)\d{2})\b", re.I)
# Words that say what a value column holds. Kinds of the Fact model.
_KIND_WORDS: dict[str, str] = {
    "realisatie": "realised",
    "rekening": "realised",
    "jaarrekening": "realised",
    "werkelijk": "realised",
    "verslag": "realised",
    "peilwaarde": "realised",
    "cijfer": "realised",
    "streefwaarde": "target",
    "streefwaarden": "target",
    "doel": "target",
    "doelstelling": "target",
    "beoogd": "target",
    "norm": "target",
    "begroting": "budget",
    "begroot": "budget",
    "begr": "budget",
    "raming": "budget",
    "meerjarenraming": "budget",
    "primitief": "budget",
    "primitieve": "budget",
    "verschil": "difference",
    "mutatie": "difference",
    "afwijking": "difference",
    "vergelijkingscijfer": "reference",
}
# A column stacked from several kind words takes the most specific one:
# "Streefwaarde / Begroting 2025" is a target set in the budget.
_KIND_PRIORITY = ["difference", "target", "reference", "realised", "budget"]
# Kind words that cannot share one column; used to place header words.
_INCOMPATIBLE = {
    frozenset({"realised", "target"}),
    frozenset({"realised", "budget"}),
    frozenset({"difference", "target"}),
}
_MEASURES = {"baten": "Baten", "lasten": "Lasten", "saldo": "Saldo"}
_REFERENCE_SCOPES = {"nederland": "Nederland", "landelijk": "Nederland", "nl": "Nederland"}
# Header words naming a text column left of the figures.
_TEXT_ROLES = {
    "progr": "id",
    "progr.": "id",
    "nr": "id",
    "nr.": "id",
    "eenheid": "unit",
    "bron": "source",
}
_HEADER_WORDS = set(_KIND_WORDS) | set(_MEASURES) | set(_TEXT_ROLES) | {
    "(jaartal)", "jaartal", "indicator", "effectindicator", "omschrijving", "tarief",
    "bedragen", "peiljaar", "(peiljaar)", "kengetallen", "kengetallen:", "totaal",
}
_DATE_CONTEXT = {
    "t/m", "tm", "tot", "per", "peildatum", "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december", "t.o.v.", "tov", "sinds",
}
# Row labels that say nothing on their own ("Totaal lasten"): their key is
# prefixed with the table's subject so two tables' totals never collide.
_GENERIC_WORDS = {
    "totaal", "subtotaal", "sub", "lasten", "baten", "saldo", "van", "en", "mutaties", "mutatie",
    "reserves", "reserve", "onttrekking", "onttrekkingen", "toevoeging", "toevoegingen", "aan",
    "geraamde", "geraamd", "resultaat", "overig", "overige", "netto", "bruto", "per", "programma",
    "programmas", "begrotingssaldo", "af", "de", "het", "na",
}
_CONNECTORS = {
    "met", "van", "en", "de", "het", "een", "per", "voor", "tot", "op", "in", "aan", "uit", "of", "t/m",
    "dan", "bij", "maar", "naar", "over", "als", "om", "door",
}
_MIN_PROSE = 60  # a gapless line this long is running text, not a table row

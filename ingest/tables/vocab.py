"""Word lists and patterns of the text-export table reader, in one place so
every step reads kind words, years, marks and titles the same way.
"""

from __future__ import annotations

import re


_KIND_WORDS: dict[str, str] = {
    "behaald": "realised",
    "realisatie": "realised",
    "resultaat": "realised",
    "rekening": "realised",
    "jaarrekening": "realised",
    "werkelijk": "realised",
    "gerealiseerd": "realised",
    "beoogd": "target",
    "streefwaarde": "target",
    "streven": "target",
    "doel": "target",
    "doelstelling": "target",
    "norm": "target",
    "ambitie": "target",
    "begroting": "budget",
    "begroot": "budget",
    "raming": "budget",
    "primitief": "budget",
    "primitieve": "budget",
    "primaire": "budget",
    "actuele": "budget",
    "oorspronkelijke": "budget",
    "gewijzigde": "budget",
    "bijgestelde": "budget",
    "verschil": "difference",
    "afwijking": "difference",
}
# "Primitief begroot", "Actuele begroting": the second word continues the column.
_COMPOUND_PREFIX = {"primitief", "primitieve", "primaire", "actuele", "oorspronkelijke", "gewijzigde", "bijgestelde"}
# Words allowed inside a kind column besides kind words and years.
_COLUMN_FILLER = {"na", "wijziging", "wijzigingen", "incl.", "excl.", "t/m"}

_YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")
_PERIOD_RE = re.compile(r"^((?:19|20)\d{2})\s*[-–/]\s*((?:19|20)\d{2})$")
_DATE_RE = re.compile(r"^\d{1,2}-\d{1,2}-((?:19|20)\d{2})$")
_FOOTNOTE_DEF_RE = re.compile(r"^(\*+|\d{1,2}\)|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*([^\s*\d].*)$")
_LABEL_MARK_RE = re.compile(r"^(.*?\S)\s*(\*+|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)$")
_TABLE_UNIT_RE = re.compile(
    r"\(?\s*(?:bedragen\s+)?x\s*(?:€\s*)?1[.,]?000\s*(?:euro)?\s*\)?"
    r"|\(?\s*(?:bedragen\s+)?x\s*(?:€\s*)?1\s*(?:mln|miljoen)\s*(?:euro)?\s*\)?",
    re.IGNORECASE,
)
_NAV_RE = re.compile(r"^Terug naar navigatie\s*-\s*(.+)$")
_RUNNING_HEADER_RE = re.compile(r"^(?:Jaarstukken|Jaarverslag|Begroting|Programmabegroting|Jaarrekening)\s+\d{4}$")
_END_RE = re.compile(r"^(?:Toelichting\b|Deze pagina is gebouwd|Terug naar navigatie|Bron\s*:)", re.IGNORECASE)
_BBV_UNIT_RE = re.compile(r"\s(?=(?:Aantal\b|%))")

_GENERIC_LABELS = {
    "aantal", "totaal", "subtotaal", "regulier", "overig", "overige", "gestart", "lopend",
    "afgerond", "lasten", "baten", "saldo", "waarvan",
}
_GENERIC_TITLES = {
    "indicatoren", "indicator", "prestatie indicator en", "prestatie indicatoren", "kengetallen",
    "omschrijving", "product", "naam indicator", "naam", "algemeen", "doelstellingen", "toelichting",
    "acties", "",
}
_FINANCIAL_GROUPS = {"lasten", "baten", "stortingen", "onttrekkingen", "mutaties reserves", "reserves"}
_REFERENCE_WORDS = re.compile(r"\b(?:landelijk|nederland|nl)\b", re.IGNORECASE)

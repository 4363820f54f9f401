"""Figure questions answered from facts: exact, cited, and honest about doubt.

A question is read for its data year, the kind of figure (realised, target,
budget), a municipality and a document reference ("volgens de begroting
2025"); the indicator is found by FactIndex. The answer never presents a
figure from another year as the one asked, shows every source that
disagrees, and says so when the table does not decide a value's year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from index.facts import FactIndex, LabelScore, canon, canon_tokens, label_text, programme_tokens
from index.lexical import fold, tokenize

KIND_WORDS = {
    "target": ("streefwaarde", "streefwaarden", "streefcijfer", "doel", "doelstelling", "beoogd", "beoogde", "norm", "ambitie", "doelwaarde"),
    "budget": ("begroot", "begrote", "begroting", "geraamd", "geraamde", "raming", "budget", "primitief", "primitieve"),
    "realised": ("realisatie", "gerealiseerd", "gerealiseerde", "werkelijk", "werkelijke", "behaald", "behaalde", "rekening", "resultaat", "uitkomst"),
    "difference": ("verschil", "afwijking"),
    "reference": ("landelijk", "landelijke", "nederland", "nationaal"),
}
KIND_NL = {
    "realised": "realisatie",
    "target": "streefwaarde",
    "budget": "begroting",
    "difference": "verschil",
    "reference": "landelijk vergelijkingscijfer",
    "other": "cijfer",
}
_DOC_REF = re.compile(
    r"\b(?:volgens|in|uit|van)\s+(?:de|het)\s+(programmabegroting|begroting|jaarverslag|jaarstukken|jaarrekening|kadernota|voorjaarsnota|najaarsnota)\s+((?:19|20)\d\d)\b",
    re.I,
)
_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d\d)(?![\d.,])")
_FIGURE_CUES = re.compile(
    r"\b(hoeveel|aantal|percentage|welk(?:e)? (?:cijfer|rapportcijfer|percentage|bedrag)|hoe ?hoog|hoe ?groot|wat (?:waren|zijn|was|is) de (?:lasten|baten|kosten|uitgaven)|lasten|baten|streefwaarde|bedrag|kosten|score|rapportcijfer|per 1\.?000|per 10\.?000|%)\b",
    re.I,
)
_ACTUAL = ("realised", "other")
MIN_LEXICAL = 0.5  # at least half of the question's weighted content words must be in the label
CLOSE = 0.85  # labels scoring within this share of the best one count as the same indicator


@dataclass
class Reading:
    """What the question asks, as far as the words tell."""

    year: int | None
    kind: str | None
    municipality: str | None
    doc_type: str | None
    doc_year: int | None
    content: list[str] = field(default_factory=list)
    figure_question: bool = False


def read_question(question: str, municipalities: list[str]) -> Reading:
    text = question
    doc_type = doc_year = None
    m = _DOC_REF.search(text)
    if m and m.group(1).lower() != "rekening":
        doc_type = "begroting" if m.group(1).lower() == "programmabegroting" else m.group(1).lower()
        doc_year = int(m.group(2))
        text = text[: m.start()] + " " + text[m.end():]
    municipality = None
    folded = fold(text)
    for name in sorted(municipalities, key=len, reverse=True):
        pattern = rf"(?<![\w-]){re.escape(fold(name))}(?![\w-])"
        if re.search(pattern, folded):
            municipality = name
            folded = re.sub(pattern, " ", folded)
            text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", " ", text, flags=re.I)
            break
    years = [int(y) for y in _YEAR.findall(text)]
    year = years[-1] if years else None
    words = set(tokenize(" ".join(re.findall(r"[^\W\d_]+", fold(text)))))
    kind = None
    for candidate in ("target", "budget", "difference", "reference", "realised"):
        if any(tokenize(w)[0] in words for w in KIND_WORDS[candidate] if tokenize(w)):
            kind = candidate
            break
    kind_stems = {t for ws in KIND_WORDS.values() for w in ws for t in tokenize(w)}
    filler = {t for w in ("gemeente", "inwoners van", "had", "hadden", "kreeg", "kregen", "deed", "gaven", "jaar", "regio") for t in tokenize(w)}
    content = [t for t in tokenize(re.sub(_YEAR, " ", text)) if not t[0].isdigit() and t not in kind_stems and t not in filler]
    content += programme_tokens(re.sub(_YEAR, " ", text))
    if kind == "reference":
        content = [t for t in content if t not in tokenize("nederland landelijk")]
    return Reading(
        year=year,
        kind=kind,
        municipality=municipality,
        doc_type=doc_type,
        doc_year=doc_year,
        content=content,
        figure_question=bool(_FIGURE_CUES.search(question)) or year is not None,
    )


def _unit_cue(question: str) -> str | None:
    q = question.lower()
    m = re.search(r"per\s+(1\.?000|10\.?000|100\.?000|100)\b", q)
    if m:
        return f"per {m.group(1).replace('.', '')}"
    if re.search(r"percentage|procent|%", q):
        return "%"
    if re.search(r"\b(bedrag|euro|lasten|baten|kosten)\b|€", q):
        return "€"
    if re.search(r"\b(hoeveel|aantal)\b", q):
        return "count"
    return None


def _unit_class(unit: str | None) -> str:
    u = (unit or "").lower()
    if "%" in u or "procent" in u:
        return "%"
    if "€" in u or "euro" in u:
        return "€"
    m = re.search(r"per\s+(1\.?000|10\.?000|100\.?000|100)\b", u)
    if m:
        return f"per {m.group(1).replace('.', '')}"
    if "per" in u:
        return re.sub(r"\s+", " ", u[u.index("per"):]).strip()
    return "count"


def _indicator_tokens(fact: dict) -> set[str]:
    return canon_tokens(" ".join(p for p in (fact.get("row_group"), fact["indicator"]) if p))


def _same_indicator(a: dict, b: dict) -> bool:
    """Two cells report the same indicator when they stand in different tables and their labels say the same.

    Rows of one table are different indicators by construction; across
    documents the wording drifts ("daklozen" / "dakloze personen in de
    Provincie Groningen"), so the shorter label must be contained in the longer.
    """
    if a["document_id"] == b["document_id"] and a.get("table_id") == b.get("table_id"):
        return False
    ga, gb = (a.get("row_group") or "").strip().casefold(), (b.get("row_group") or "").strip().casefold()
    if ga and gb and ga != gb:
        return False  # "Saldo van baten en lasten": its baten, lasten and saldo columns share every word
    ta, tb = _indicator_tokens(a), _indicator_tokens(b)
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) >= 0.75


def _name(fact: dict) -> str:
    """The indicator as the answer names it: with its group (the baten/lasten/saldo column, or the
    heading row above it), because the row label alone can name three different figures."""
    group = (fact.get("row_group") or "").strip()
    if group and group.casefold() != fact["indicator"].strip().casefold():
        return f"{fact['indicator']} ({group})"
    return fact["indicator"]


def _group_fit(fact: dict, wanted: list[str]) -> tuple[int, int]:
    """(0, where) when the question names the fact's group ("lasten"), (2, 0) for another group,
    else (1, 0). Of several named groups the one named first wins: "saldo van baten en lasten"."""
    group = (fact.get("row_group") or "").strip()
    if not group:
        return (1, 0)
    tokens = canon_tokens(group)
    if tokens and tokens <= set(wanted):
        return (0, min(wanted.index(t) for t in tokens))
    return (2, 0)


def _kind_class(kind: str) -> str:
    return "actual" if kind in _ACTUAL else kind


def _plain(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def citation(fact: dict) -> dict:
    return {
        "document_id": fact["document_id"],
        "file": fact["file"],
        "title": fact["title"],
        "section": fact.get("section") or "",
        "page": fact.get("page"),
        "page_label": fact.get("page_label"),
        "table": fact.get("table_title"),
        "table_id": fact.get("table_id"),
        "column": fact.get("column"),
    }


def fact_out(fact: dict, score: float | None = None) -> dict:
    out = {
        "indicator": fact["indicator"],
        "label": label_text(fact),
        "year": fact["year"],
        "value": _plain(fact["value"]),
        "value_text": fact["value_text"],
        "kind": fact["kind"],
        "unit": fact.get("unit"),
        "comparator": fact.get("comparator"),
        "scope": fact.get("scope"),
        "footnote": fact.get("footnote"),
        "ambiguous": fact["ambiguous"],
        "candidate_years": fact["candidate_years"],
        "source": citation(fact),
    }
    if score is not None:
        out["score"] = round(score, 4)
    return out


def _source_phrase(fact: dict) -> str:
    where = fact["title"]
    if fact.get("table_title"):
        where += f", tabel ‘{fact['table_title']}’"
    if fact.get("page"):
        label = fact.get("page_label")
        where += f", p. {label}" if label else f", pdf-pagina {fact['page']}"
    return where


def _figure(fact: dict) -> str:
    unit = fact.get("unit") or ""
    text = fact["value_text"].strip()
    if unit and unit not in ("aantal", "%") and unit not in text:
        text = f"{text} ({unit})"
    return text


class Answerer:
    def __init__(self, facts: FactIndex):
        self.facts = facts

    def _allowed(self, reading: Reading) -> set[int] | None:
        restricted = self.facts.indices(lambda f: _is_allowed(f, reading))
        if reading.doc_type and not restricted:
            # no such document: read "begroting 2025" as a budget figure for 2025 instead
            reading.doc_type, reading.kind = None, reading.kind or "budget"
            reading.year = reading.year or reading.doc_year
            reading.doc_year = None
            return self._allowed(reading)
        return restricted

    def matches(self, reading: Reading, query_vector: np.ndarray | None) -> list[tuple[LabelScore, list[dict]]]:
        allowed = self._allowed(reading)
        ranked = self.facts.rank_labels(reading.content, query_vector, allowed)
        out = []
        for score in ranked[:50]:
            facts = [f for f in self.facts.facts_for(score.label) if _is_allowed(f, reading)]
            if facts:
                out.append((score, facts))
        return out

    def answer(self, question: str, reading: Reading, query_vector: np.ndarray | None) -> tuple[dict | None, list[dict]]:
        """(answer or None, ranked indicator facts)."""
        matches = self.matches(reading, query_vector)
        indicators = _indicator_list(matches, reading)
        if not matches or not reading.figure_question or matches[0][0].lexical < MIN_LEXICAL:
            return None, indicators
        best = matches[0][0]
        # the same indicator may be worded differently per document: close on words, close in meaning
        group = [
            (score, facts) for score, facts in matches
            if score.lexical >= max(MIN_LEXICAL, CLOSE * best.lexical) and score.semantic >= best.semantic - 0.08
        ]
        wanted_unit = _unit_cue(question)
        rank_of = {id(f): n for n, (_, facts) in enumerate(group) for f in facts}
        pool = sorted(
            (f for _, facts in group for f in facts),
            key=lambda f: (wanted_unit is not None and _unit_class(f.get("unit")) != wanted_unit, rank_of[id(f)]),
        )
        return self._compose(reading, pool), indicators

    def _compose(self, reading: Reading, pool: list[dict]) -> dict:
        kinds = [reading.kind] if reading.kind else ["realised", "other", "budget", "target"]
        year = reading.year
        if year is None:
            years = [f["year"] for f in pool if f["year"] is not None and not f["ambiguous"] and f["kind"] in kinds and f["value"] is not None]
            year = max(years) if years else None
        for kind in kinds:
            exact = [f for f in pool if f["year"] == year and not f["ambiguous"] and f["kind"] == kind and f["value"] is not None]
            if exact:
                wanted = [canon(t) for t in reading.content]
                exact.sort(key=lambda f: _group_fit(f, wanted))  # stable: the label ranking decides ties
                primary = exact[0]
                same = [
                    f for f in pool
                    if f["year"] == year and not f["ambiguous"] and f["value"] is not None
                    and _kind_class(f["kind"]) == _kind_class(primary["kind"])
                    and _unit_class(f.get("unit")) == _unit_class(primary.get("unit"))
                    and f.get("municipality") == primary.get("municipality") and f.get("scope") == primary.get("scope")
                    and (f is primary or _same_indicator(f, primary))
                ]
                return self._definite(year, primary, same)
        unsure = [f for f in pool if f["ambiguous"] and year in (f["candidate_years"] or []) and f["kind"] in kinds + ["other"]]
        if unsure:
            return self._ambiguous(year, unsure)
        return self._missing(reading, year, kinds, pool)

    def _definite(self, year: int, primary: dict, same_class: list[dict]) -> dict:
        values: dict[float, list[dict]] = {primary["value"]: [primary]}
        for f in same_class:
            if f is not primary:
                values.setdefault(f["value"], []).append(f)
        conflict = len(values) > 1
        alternatives = [
            {
                "value": _plain(v),
                "value_text": fs[0]["value_text"],
                "kind": fs[0]["kind"],
                "indicator": fs[0]["indicator"],
                "citations": [citation(f) for f in fs],
            }
            for v, fs in values.items()
            if v != primary["value"]
        ]
        agreeing = values[primary["value"]]
        text = (
            f"{_name(primary)} in {year}: {_figure(primary)}"
            f" ({KIND_NL.get(primary['kind'], primary['kind'])}{', ' + primary['comparator'] + ' is een streefgrens' if primary.get('comparator') else ''})"
            f", volgens {_source_phrase(primary)}."
        )
        if len(agreeing) > 1:
            text += " Ook " + "; ".join(_source_phrase(f) for f in agreeing[1:]) + " noemt dit cijfer."
        if conflict:
            listed = " · ".join(f"{fs[0]['value_text'].strip()} ({fs[0]['title']})" for fs in values.values())
            text += f" Let op: de bronnen verschillen: {listed}."
        if primary.get("footnote"):
            text += f" Voetnoot: {primary['footnote']}"
        return {
            "text": text,
            "value": _plain(primary["value"]),
            "value_text": primary["value_text"],
            "year": year,
            "unit": primary.get("unit"),
            "kind": primary["kind"],
            "comparator": primary.get("comparator"),
            "indicator": primary["indicator"],
            "citations": [citation(f) for f in agreeing],
            "conflict": conflict,
            "alternatives": alternatives,
            "ambiguous": False,
        }

    def _ambiguous(self, year: int | None, unsure: list[dict]) -> dict:
        f = unsure[0]
        years = ", ".join(str(y) for y in f["candidate_years"])
        text = (
            f"{_name(f)}: de tabel in {_source_phrase(f)} geeft {f['value_text'].strip()}, maar uit de opmaak blijkt niet "
            f"bij welk jaar dit cijfer hoort (mogelijk {years}). Er is dus geen zeker cijfer voor {year}."
        )
        return {
            "text": text, "value": None, "value_text": None, "year": year, "unit": f.get("unit"), "kind": f["kind"],
            "comparator": None, "indicator": f["indicator"], "citations": [citation(x) for x in unsure],
            "conflict": False, "alternatives": [], "ambiguous": True,
            "candidates": [fact_out(x) for x in unsure],
        }

    def _missing(self, reading: Reading, year: int | None, kinds: list[str], candidates: list[dict]) -> dict:
        usable = [f for f in candidates if f["year"] is not None and not f["ambiguous"] and f["value"] is not None and f["kind"] in kinds]
        usable.sort(key=lambda f: (abs(f["year"] - (year or f["year"])), -f["year"]))
        nearest = usable[:3]
        name = _name(candidates[0]) if candidates else "deze indicator"
        if nearest:
            listed = "; ".join(f"{f['year']}: {_figure(f)} ({KIND_NL.get(f['kind'], f['kind'])}, {_source_phrase(f)})" for f in nearest)
            text = f"Geen cijfer voor {name} in {year} gevonden. Wel in andere jaren — {listed}."
        else:
            text = f"Geen cijfer voor {name} in {year} gevonden."
        return {
            "text": text, "value": None, "value_text": None, "year": year, "unit": None, "kind": reading.kind,
            "comparator": None, "indicator": name, "citations": [], "conflict": False, "alternatives": [],
            "ambiguous": False, "nearest": [fact_out(f) for f in nearest],
        }


def _is_allowed(f: dict, reading: Reading) -> bool:
    if reading.municipality and (f.get("municipality") or "").lower() != reading.municipality.lower():
        return False
    if reading.doc_type and (f.get("doc_type") != reading.doc_type or f.get("doc_year") != reading.doc_year):
        return False
    return reading.kind == "reference" or f["kind"] != "reference"


def _indicator_list(matches: list[tuple[LabelScore, list[dict]]], reading: Reading, limit: int = 10) -> list[dict]:
    out: list[dict] = []
    for score, facts in matches:
        ordered = sorted(
            facts,
            key=lambda f: (
                f["year"] != reading.year,
                f["ambiguous"],
                reading.kind is not None and f["kind"] != reading.kind,
                -(f["year"] or 0),
            ),
        )
        for f in ordered:
            out.append(fact_out(f, score.score))
            if len(out) == limit:
                return out
    return out

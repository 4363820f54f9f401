"""Tables and facts from PDF layout text (ingest.tables_pdf).

The corpus tests read the real Wassenaar budgets (2024 and 2025) and a Woo
PDF from shared/corpus; parsing 137 pages twice takes pypdf 10-20 s per
file, so each PDF is parsed once per module. The synthetic tests pin the
rules (ambiguous short rows, page breaks, reference columns) on small
hand-made layouts that need no PDF.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ingest.models import Fact, PdfPage, Table, TableExtraction
from ingest.tables_pdf import extract_pdf_tables

_LABEL = re.compile(r"Pagina\s+(\d+)\s+van\s+\d+")


def _corpus_dir() -> Path:
    env = os.environ.get("VINDPLAATS_CORPUS")  # the corpus root, as in conftest.py
    if env:
        return Path(env) / "pdf"
    repo = Path(__file__).resolve().parents[1]
    for base in (repo.parent / "shared", Path("/work/shared")):
        if (base / "corpus" / "pdf").is_dir():
            return base / "corpus" / "pdf"
    return repo.parent / "shared" / "corpus" / "pdf"


def _read_pages(name: str) -> list[PdfPage]:
    from pypdf import PdfReader

    path = _corpus_dir() / name
    if not path.exists():
        pytest.skip(f"corpus file {path} not available")
    reader = PdfReader(path)
    pages: list[PdfPage] = []
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        m = _LABEL.search(text)
        layout = page.extract_text(extraction_mode="layout") or ""
        pages.append(PdfPage(number=number, label=m.group(1) if m else None, text=text, layout=layout))
    return pages


def _section(page: int) -> str:
    return f"Sectie p{page}"


@pytest.fixture(scope="module")
def b2025() -> TableExtraction:
    return extract_pdf_tables("begroting-2025", _read_pages("wassenaar__begroting_2025.pdf"), _section)


@pytest.fixture(scope="module")
def b2024() -> TableExtraction:
    return extract_pdf_tables("begroting-2024", _read_pages("wassenaar__begroting_2024.pdf"), _section)


@pytest.fixture(scope="module")
def woo() -> TableExtraction:
    return extract_pdf_tables(
        "woo", _read_pages("vws_woo__185775_Bevindingen_rode_draden_GGD_G4.pdf"), lambda n: ""
    )


def _find(facts: list[Fact], **want) -> list[Fact]:
    """Facts whose fields equal the given values; `indicator_has`/`key_has`
    and `unit_has` match substrings (case-insensitive)."""
    out = []
    for f in facts:
        ok = True
        for name, value in want.items():
            if name.endswith("_has"):
                field = getattr(f, name[:-4]) or ""
                ok = value.lower() in field.lower()
            else:
                ok = getattr(f, name) == value
            if not ok:
                break
        if ok:
            out.append(f)
    return out


def _table(ex: TableExtraction, ref: str) -> Table:
    found = [t for t in ex.tables if t.title.startswith(ref + " ")]
    assert len(found) == 1, [t.title for t in ex.tables]
    return found[0]


# ---------------------------------------------------------------------------
# The questions the facts must answer
# ---------------------------------------------------------------------------


def test_geweldsmisdrijven_wassenaar_2023_from_begroting_2025(b2025: TableExtraction) -> None:
    facts = _find(b2025.facts, indicator="Geweldsmisdrijven", scope="Wassenaar", year=2023)
    assert len(facts) == 1
    fact = facts[0]
    assert fact.value == pytest.approx(3.9)
    assert fact.value_text == "3,9"
    assert fact.kind == "realised"
    assert "per 1.000 inwoners" in (fact.unit or "")
    assert not fact.ambiguous
    assert fact.document_id == "begroting-2025"
    assert fact.page == 72 and fact.page_label == "72"
    assert fact.section == "Sectie p72"
    assert fact.table_title.startswith("Tabel 6.1")


def test_wmo_maatwerkarrangement_2023_from_begroting_2025(b2025: TableExtraction) -> None:
    facts = _find(b2025.facts, key_has="maatwerk", scope="Wassenaar", year=2023)
    assert len(facts) == 1
    assert facts[0].value == 48
    assert facts[0].indicator == "Cliënten met een maatwerk-arrangement WMO"
    assert "per 1.000 inwoners" in (facts[0].unit or "")
    assert "wmo" in facts[0].key and "clienten" in facts[0].key  # accents folded


def test_bijstand_target_2026_from_begroting_2024(b2024: TableExtraction) -> None:
    facts = _find(b2024.facts, indicator_has="bijstandsuitkering per 1.000", kind="target", year=2026)
    assert len(facts) == 1
    fact = facts[0]
    assert fact.value == 23
    assert fact.table_title.startswith("Tabel 2.1")
    assert fact.indicator == "Aantal inwoners met bijstandsuitkering per 1.000 inwoners"
    assert not fact.ambiguous
    # the baseline in the same row is a realised figure of its own year
    base = _find(b2024.facts, indicator=fact.indicator, kind="realised")
    assert [(f.value, f.year) for f in base] == [(27.1, 2021)]


def test_lasten_programma_2_for_2026_from_begroting_2025(b2025: TableExtraction) -> None:
    table = _table(b2025, "Tabel 2.3")
    facts = _find(b2025.facts, table_id=table.id, indicator="Lasten", year=2026)
    assert len(facts) == 1
    fact = facts[0]
    assert abs(fact.value) == 39524
    assert fact.value_text in ("-39.524", "39.524")
    assert fact.kind == "budget"
    assert fact.unit == "x € 1.000"
    assert "p2 mens en maatschappij" in fact.key  # generic row label gets the table subject
    # the recapitulation says the same
    recap = _find(b2025.facts, indicator="P2 Mens en maatschappij", row_group="Lasten", year=2026)
    assert recap and all(abs(f.value) == 39524 and f.kind == "budget" for f in recap)


def test_rekening_column_is_realised_and_budget_years_are_budget(b2025: TableExtraction) -> None:
    table = _table(b2025, "Tabel 2.3")
    facts = _find(b2025.facts, table_id=table.id, indicator="Lasten")
    assert {f.year: f.kind for f in facts} == {
        2023: "realised",
        2024: "budget",
        2025: "budget",
        2026: "budget",
        2027: "budget",
        2028: "budget",
    }
    assert {f.year: f.value for f in facts}[2023] == -36647


# ---------------------------------------------------------------------------
# Layout rules on the real budgets
# ---------------------------------------------------------------------------


def test_wrapped_labels_are_joined(b2025: TableExtraction, b2024: TableExtraction) -> None:
    for ex in (b2025, b2024):
        assert _find(ex.facts, indicator="Vernielingen en beschadigingen (in de openbare ruimte)", scope="Wassenaar")
        assert _find(ex.facts, indicator="Vroegtijdig schoolverlaters zonder startkwalificatie (vsv-ers)")
    wrapped_unit = _find(b2025.facts, indicator="Netto arbeidsparticipatie", scope="Wassenaar")
    assert wrapped_unit[0].unit == "% van de werkzame beroepsbevolking ten opzichte van de totale beroepsbevolking"
    assert _find(b2025.facts, indicator="Aantal inwoners met bijstandsuitkering (per 1.000 inw)*", year=2026)


def test_table_over_page_break_is_one_table(b2025: TableExtraction, b2024: TableExtraction) -> None:
    for ex, first_page in ((b2025, 72), (b2024, 64)):
        table = _table(ex, "Tabel 6.1")
        assert table.page == first_page
        labels = [" ".join(row) for row in table.rows]
        assert any("Geweldsmisdrijven" in r for r in labels)
        assert any("Hernieuwbare elektriciteit" in r for r in labels)
        later = _find(ex.facts, table_id=table.id, indicator="Hernieuwbare elektriciteit")
        assert {f.page for f in later} == {first_page + 1}
        # the repeated header is not read as a row
        assert not any("Naam Indicator" in r for r in labels)
    # a row split by the page break (2024): label and unit halves joined
    row = _find(b2024.facts, indicator="Lopende re-integratievoorzieningen", scope="Wassenaar")
    assert len(row) == 1 and row[0].unit == "Aantal per 1.000 inwoners" and row[0].value == pytest.approx(7.7)


def test_nederland_column_is_reference_and_never_wassenaar(b2025: TableExtraction, b2024: TableExtraction) -> None:
    for ex in (b2025, b2024):
        table = _table(ex, "Tabel 6.1")
        facts = _find(ex.facts, table_id=table.id)
        for f in facts:
            if f.scope == "Nederland":
                assert f.kind == "reference"
            elif f.scope == "Wassenaar":
                assert f.kind == "realised"
            else:
                assert f.ambiguous
        per_row: dict[tuple[str, str | None], int] = {}
        for f in facts:
            per_row[(f.indicator, f.scope)] = per_row.get((f.indicator, f.scope), 0) + 1
        assert max(per_row.values()) == 1
    nl = _find(b2025.facts, indicator="Geweldsmisdrijven", scope="Nederland")
    assert [(f.value, f.year, f.kind) for f in nl] == [(4.2, 2023, "reference")]


def test_short_row_is_ambiguous_not_assigned(b2025: TableExtraction) -> None:
    # "Formatie" has one figure under two columns (Wassenaar, Nederland)
    facts = _find(b2025.facts, indicator="Formatie")
    assert len(facts) == 1
    fact = facts[0]
    assert fact.ambiguous
    assert fact.scope is None and fact.column is None
    assert fact.candidate_years == (2023,)
    assert fact.value == pytest.approx(7.59)


def test_header_with_two_years_gives_ambiguous_baseline(b2025: TableExtraction) -> None:
    # "Peilwaarde 2024 o.b.v. JR 2023)": which year the baseline is about is not clear
    facts = _find(b2025.facts, indicator_has="Rekening-courantverhouding", kind="realised")
    assert len(facts) == 1
    assert facts[0].ambiguous and facts[0].year is None
    assert facts[0].candidate_years == (2023, 2024)


def test_cell_years_never_publication_year(b2025: TableExtraction) -> None:
    table = _table(b2025, "Tabel 6.1")
    years = {f.year for f in _find(b2025.facts, table_id=table.id)}
    assert years <= {2021, 2022, 2023, 2024}


def test_every_value_text_is_in_its_table(b2025: TableExtraction, b2024: TableExtraction) -> None:
    for ex in (b2025, b2024):
        tables = {t.id: t for t in ex.tables}
        assert ex.facts
        for f in ex.facts:
            table = tables[f.table_id]
            cells = " | ".join(" | ".join(row) for row in table.rows)
            assert f.value_text in cells, (f.table_title, f.indicator, f.value_text)
            assert f.table_title == table.title
            assert f.indicator in [" ".join(r) for r in table.rows] or any(f.indicator in r for r in table.rows)


def test_unreadable_tables_are_skipped_with_a_reason(b2025: TableExtraction) -> None:
    assert b2025.skipped
    for note in b2025.skipped:
        where, _, why = note.partition(": ")
        assert where.startswith("p. ") and why
    # the investment tables have a header that cannot be lined up safely
    assert any("Tabel 1.1" in s for s in b2025.skipped)
    assert not any(t.title.startswith("Tabel 1.1 ") for t in b2025.tables)


def test_woo_notes_yield_no_facts(woo: TableExtraction) -> None:
    assert woo.facts == []
    assert woo.tables == []


# ---------------------------------------------------------------------------
# Synthetic layouts
# ---------------------------------------------------------------------------


def _page(number: int, layout: str, label: str | None = None) -> PdfPage:
    return PdfPage(number=number, label=label, text=layout, layout=layout)


FINANCIAL = """\
Tabel 9.1 - Baten en lasten P9 Proef
                                            Rekening        Begroting        Begroting
( "-"= nadeel ) bedragen x € 1.000              2023             2024             2025
Baten                                            100              110              120
Lasten                                          -500                             -520
Saldo van baten en lasten                       -400             -390             -400

Toelichting
"""


def test_synthetic_short_row_gets_candidate_years() -> None:
    ex = extract_pdf_tables("doc", [_page(1, FINANCIAL)], lambda n: "S")
    assert len(ex.tables) == 1, ex.skipped
    baten = _find(ex.facts, indicator="Baten")
    assert [(f.year, f.value, f.kind) for f in baten] == [(2023, 100, "realised"), (2024, 110, "budget"), (2025, 120, "budget")]
    lasten = _find(ex.facts, indicator="Lasten")
    assert len(lasten) == 2
    for f in lasten:
        assert f.ambiguous and f.year is None
        assert f.candidate_years == (2023, 2024, 2025)
        assert f.column is None
    saldo = _find(ex.facts, indicator="Saldo van baten en lasten", year=2024)
    assert saldo[0].value == -390 and saldo[0].key == "baten en lasten p9 proef saldo van baten en lasten"
    assert all(f.unit == "x € 1.000" for f in ex.facts)


PAGE_1 = """\
Tabel 3.1 - Indicatoren
                                                                  Realisatie        Realisatie
Nr.   Naam Indicator                  Eenheid                     Wassenaar         Nederland
                                                                  (jaartal)         (jaartal)
 1.   Alpha                           %                          3,0 % (2022)      4,0 % (2022)
 2.   Beta met een                    Aantal per 1.000             5 (2023)          6 (2023)
      lange naam                      inwoners




                                                                             Pagina 7 van 9
"""

PAGE_2 = """\
                                                                  Realisatie        Realisatie
Nr.   Naam Indicator                  Eenheid                     Wassenaar         Nederland
                                                                  (jaartal)         (jaartal)
 3.   Gamma                           Kg/inwoner                 219 (2021)        169 (2021)
 4.   Delta                           Fte                        7,5 (2023)

Daarna volgt gewone tekst die geen tabel meer is en dus ook niet gelezen wordt.
                                                                             Pagina 8 van 9
"""


def test_synthetic_table_over_page_break_with_repeated_header() -> None:
    ex = extract_pdf_tables("doc", [_page(7, PAGE_1, "7"), _page(8, PAGE_2, "8")], lambda n: f"sec{n}")
    assert len(ex.tables) == 1, ex.skipped
    table = ex.tables[0]
    assert table.page == 7 and table.page_label == "7"
    assert [r[1] for r in table.rows] == ["Alpha", "Beta met een lange naam", "Gamma", "Delta"]
    beta = _find(ex.facts, indicator="Beta met een lange naam")
    assert {(f.scope, f.kind, f.value, f.year) for f in beta} == {
        ("Wassenaar", "realised", 5, 2023),
        ("Nederland", "reference", 6, 2023),
    }
    assert beta[0].unit == "Aantal per 1.000 inwoners"
    gamma = _find(ex.facts, indicator="Gamma", scope="Nederland")
    assert gamma[0].page == 8 and gamma[0].page_label == "8" and gamma[0].section == "sec8"
    delta = _find(ex.facts, indicator="Delta")
    assert len(delta) == 1 and delta[0].ambiguous and delta[0].scope is None
    assert delta[0].candidate_years == (2023,)


def test_synthetic_prose_with_numbers_is_not_a_table() -> None:
    text = (
        "In 2023 waren er 3,9 geweldsmisdrijven per 1.000 inwoners tegen 4,2 landelijk, zo blijkt uit de cijfers.\n"
        "Aantal meldingen                 12          14\n"
    )
    ex = extract_pdf_tables("doc", [_page(1, text)], lambda n: "")
    assert ex.facts == [] and ex.tables == []


def test_synthetic_unplaceable_header_is_skipped() -> None:
    text = """\
Tabel 4.2 - Investeringen
                         Totaal        Begroot        Begroting
 Programma          beschikbaar       nog niet           2025:                  Meerjarenbeeld        Totale
Omschrijving                                               2026        2027        2028
Tractie        70.000        70.000        -        -        -        -        -        70.000
"""
    ex = extract_pdf_tables("doc", [_page(3, text)], lambda n: "")
    assert ex.facts == []
    assert len(ex.skipped) == 1 and ex.skipped[0].startswith("p. 3 Tabel 4.2")

"""Tables in text exports → facts, checked against the real corpus.

Every case below is a row as printed in /work/shared/corpus; the expected
year/kind/value is what a reader of the printed table would cite.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ingest.models import Fact, Line, Section, TableExtraction
from ingest.tables import extract_tables, normalise_key, parse_header_text

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"

GRONINGEN_2026 = "groningen_begroting-2026_deelprogramma-3.3-indicatoren.txt"
SAMENVATTING = "groningen_jaarverslag-2024_deelprogramma-3.3-samenvatting.txt"
INLEIDING = "groningen_begroting-2024_deelprogramma-3.3-inleiding.txt"
ONTWIKKELINGEN = "groningen_jaarverslag-2024_deelprogramma-3.3-ontwikkelingen.txt"
MIDDEN_GRONINGEN = "midden-groningen_jaarstukken-2024_programma-sociaal.txt"
ALL_DOCUMENTS = [GRONINGEN_2026, SAMENVATTING, INLEIDING, ONTWIKKELINGEN, MIDDEN_GRONINGEN]

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not mounted")


def sections_of(name: str) -> list[Section]:
    """A corpus file as one Section of Lines, blank lines kept."""
    text = (CORPUS / name).read_text(encoding="utf-8")
    return [Section(path=(name,), lines=[Line(text=t) for t in text.split("\n")])]


_CACHE: dict[str, TableExtraction] = {}


def extract(name: str) -> TableExtraction:
    if name not in _CACHE:
        _CACHE[name] = extract_tables(name, sections_of(name))
    return _CACHE[name]


def facts_for(ex: TableExtraction, indicator: str, **fields: object) -> list[Fact]:
    return [
        f
        for f in ex.facts
        if f.indicator == indicator and all(getattr(f, k) == v for k, v in fields.items())
    ]


def one(ex: TableExtraction, indicator: str, **fields: object) -> Fact:
    found = facts_for(ex, indicator, **fields)
    assert len(found) == 1, f"{indicator} {fields}: {[(f.year, f.value_text, f.kind) for f in found]}"
    return found[0]


# ---------------------------------------------------------------- layout a


def test_cell_per_line_equal_counts_assign_in_order() -> None:
    ex = extract(GRONINGEN_2026)
    huisverboden = one(ex, "Aantal huisverboden", year=2023)
    assert (huisverboden.value, huisverboden.kind, huisverboden.column) == (26, "realised", "Behaald 2023")
    assert huisverboden.unit == "aantal"
    assert huisverboden.row_group == "Zorg en veiligheid"
    target = one(ex, "Aantal huisverboden", year=2026)
    assert (target.value, target.kind, target.comparator, target.value_text) == (25, "target", ">", ">25")
    seksueel = one(ex, "Aantal meldingen seksueel geweld (regio)", year=2026)
    assert (seksueel.value, seksueel.kind, seksueel.comparator) == (375, "target", ">")


def test_cell_per_line_fewer_plain_values_matching_realised_columns() -> None:
    ex = extract(GRONINGEN_2026)
    got = {f.year: (f.value, f.kind) for f in facts_for(ex, "Aantal jeugdigen met een beschermingsmaatregel")}
    assert got == {2022: (612, "realised"), 2023: (557, "realised"), 2024: (410, "realised")}
    geweld = one(ex, "Aantal meldingen van huiselijk geweld bij Veilig Thuis", year=2024)
    assert geweld.value == 998  # printed indented: "          998"
    assert geweld.row_group == "Opvang en Veilig Thuis"


def test_cell_per_line_footnote_mark_resolves_to_text_below_table() -> None:
    ex = extract(GRONINGEN_2026)
    dakloos = one(ex, "Aantal geregistreerde dakloze personen in de Provincie Groningen", year=2024)
    assert (dakloos.value, dakloos.kind, dakloos.value_text) == (1339, "realised", "1.339**")
    assert dakloos.footnote is not None
    assert dakloos.footnote.startswith("** “De Monitor Dakloosheid Groningen")
    hh = facts_for(ex, "Aantal personen met tenminste één voorziening 'Huishoudelijke Hulp' i.h.k.v. de Wmo")
    detached = [f for f in hh if f.value_text == "6.261 *"]
    assert len(detached) == 1 and detached[0].value == 6261
    assert detached[0].footnote == "* Betreft per 2023 enkel indicaties i.v.m. nieuw contract"


def test_cell_per_line_comparators_go_to_target_columns() -> None:
    ex = extract(GRONINGEN_2026)
    lvv = facts_for(ex, "Aantal mensen in LVV-Groningen")
    targets = {f.year: (f.value, f.comparator) for f in lvv if f.kind == "target"}
    assert targets == {2025: (100, "<"), 2026: (100, "<")}
    (realised,) = [f for f in lvv if f.value == 180]
    assert realised.ambiguous and realised.year is None
    assert realised.candidate_years == (2022, 2023, 2024)
    perceptie = facts_for(ex, "% Perceptie weten waar te moeten zijn")
    assert {(f.year, f.value, f.comparator, f.unit) for f in perceptie if not f.ambiguous} == {
        (2025, 80, ">", "%"),
        (2026, 80, ">", "%"),
    }
    assert {(f.value, f.candidate_years) for f in perceptie if f.ambiguous} == {
        (76, (2022, 2023, 2024)),
        (79, (2022, 2023, 2024)),
    }


def test_one_comparator_for_two_target_columns_stays_ambiguous() -> None:
    ex = extract(GRONINGEN_2026)
    label = "Aantal personen die tijdelijk verblijven in de vrouwenopvang, inclusief kinderen en jongeren tot 17 jaar"
    (target,) = [f for f in facts_for(ex, label) if f.value_text == "<140"]
    assert target.ambiguous and target.year is None
    assert (target.kind, target.candidate_years) == ("target", (2025, 2026))


def test_status_cells_occupy_columns_but_yield_no_facts() -> None:
    ex = extract(GRONINGEN_2026)
    label = "Aantal personen met een traject Basis Jeugdhulp (BJH) in het lopende jaar"
    assert facts_for(ex, label) == []
    assert any(row[0] == label and row[1:] == ["-", "-"] for t in ex.tables for row in t.rows)


# ---------------------------------------------------------------- layout b


def test_stacked_cells_split_into_two_indicators() -> None:
    ex = extract(SAMENVATTING)
    vrijwilligers = {(f.year, f.kind): (f.value, f.comparator) for f in facts_for(ex, "Vrijwilligerswerk")}
    assert vrijwilligers == {
        (2022, "realised"): (29, None),
        (2024, "target"): (30, ">"),
        (2024, "realised"): (31, None),
    }
    mantelzorg = {(f.year, f.kind): (f.value, f.comparator) for f in facts_for(ex, "mantelzorg")}
    assert mantelzorg == {
        (2022, "realised"): (20, None),
        (2024, "target"): (20, ">"),
        (2024, "realised"): (21, None),
    }
    assert all(f.unit == "%" for f in facts_for(ex, "mantelzorg"))


def test_single_line_values_under_cell_header() -> None:
    ex = extract(SAMENVATTING)
    got = {(f.year, f.kind): f.value for f in facts_for(ex, "(zeer) tevreden over ontmoetingsplekken")}
    assert got == {(2022, "realised"): 67, (2024, "target"): 70, (2024, "realised"): 59}


def test_text_cell_occupies_the_first_figure_column() -> None:
    """``Andere registratie`` stands in the 2022 column: 1.336 is realised 2024."""
    ex = extract(SAMENVATTING)
    daklozen = facts_for(ex, "Aantal geregistreerde daklozen")
    assert {(f.year, f.kind, f.value, f.comparator) for f in daklozen} == {
        (2024, "target", 700, "<"),
        (2024, "realised", 1336, None),
    }
    assert not any(f.year == 2022 for f in daklozen)


def test_mini_financial_table_with_yearless_difference_column() -> None:
    ex = extract(SAMENVATTING)
    lasten = {f.kind: f for f in facts_for(ex, "Lasten")}
    assert (lasten["realised"].year, lasten["realised"].value) == (2024, 370992)
    assert (lasten["budget"].year, lasten["budget"].value) == (2024, 383735)
    assert (lasten["difference"].year, lasten["difference"].value) == (2024, 12743)
    assert {f.unit for f in lasten.values()} == {"x € 1.000"}
    assert lasten["realised"].table_title == "Welzijn, Gezondheid en Zorg"
    baten = one(ex, "Baten", kind="difference")
    assert baten.value == -3521


def test_short_label_after_group_row_is_not_taken_for_a_text_cell() -> None:
    """Only a measure label (``Aantal …``) can have a text cell; after a group
    row a short text is the next label, and its two values stay ambiguous."""
    text = (
        "% inwoners 18+ Behaald \n2022\n\nBeoogd \n2024\n\nBehaald \n2024\n\n"
        "Opvang en Veilig Thuis\n\nHuisverboden\n\n>25 31\n"
    )
    ex = extract_tables("doc", [Section(("x",), [Line(t) for t in text.split("\n")])])
    facts = facts_for(ex, "Huisverboden")
    assert [f.value for f in facts] == [25, 31]
    assert all(f.ambiguous and f.year is None for f in facts)
    assert all(f.row_group == "Opvang en Veilig Thuis" for f in facts)


# ---------------------------------------------------------------- layout c


@pytest.mark.parametrize(
    ("indicator", "year", "value", "unit"),
    [
        ("Aantal uniek cliënten met minimaal 1 jeugdhulpindicatie (bron PowerBI)", 2024, 1975, "aantal"),
        ("Aantal uniek cliënten met minimaal 1 jeugdhulpindicatie (bron PowerBI)", 2021, 1988, "aantal"),
        ("Gemiddelde rapportcijfer hulp", 2021, 7.3, None),
        ("Gemiddelde rapportcijfer hulp", 2024, 8.4, None),
        ("Algemene bijstand", 2024, 1615, "aantal"),
        ("Aantal", 2024, 99, "aantal"),
        ("Jeugdfonds Sport en Cultuur (aantal kinderen)", 2024, 338, "aantal kinderen"),
        ("Aantal voortijdige schoolverlaters", 2022, 109, "aantal"),
        ("Saldo in- en uitstroom Jeugdhulp ten opzichte van vorig jaar", 2024, -224, None),
        ("Aantal verwijzingen", 2024, 286, "aantal"),
        ("Schuldhulpverlening", 2024, 150, "aantal"),
    ],
)
def test_row_per_line_values(indicator: str, year: int, value: float, unit: str | None) -> None:
    fact = one(extract(MIDDEN_GRONINGEN), indicator, year=year)
    assert fact.value == pytest.approx(value)
    assert fact.unit == unit
    assert not fact.ambiguous


def test_row_per_line_keys_carry_the_title_or_group_for_generic_rows() -> None:
    ex = extract(MIDDEN_GRONINGEN)
    assert one(ex, "Algemene bijstand", year=2024).key == (
        "aantal huishoudens met een bijstandsuitkering algemene bijstand"
    )
    assert one(ex, "Aantal", year=2024).key == (
        "aantal inwoners die vanuit de uitkering een betaalde baan hebben gevonden"
    )
    verwijzingen = one(ex, "Aantal verwijzingen", year=2022)
    assert verwijzingen.key == "welzijn op recept aantal verwijzingen"
    assert verwijzingen.row_group == "Welzijn op recept"
    assert verwijzingen.footnote == "* afgenomen vanwege verloop in personeel en inwerken nieuwe medewerkers"


def test_row_per_line_label_footnote_mark_is_moved_to_footnote() -> None:
    ex = extract(MIDDEN_GRONINGEN)
    deelnemers = facts_for(ex, "Aantal deelnemers")
    assert deelnemers and all(f.footnote and f.footnote.startswith("** BWRI heeft ook aanbod") for f in deelnemers)


def test_row_per_line_status_cells() -> None:
    ex = extract(MIDDEN_GRONINGEN)
    advies = {f.year: f.value for f in facts_for(ex, "Adviesvragen Veilig Thuis")}
    assert advies == {2021: 290, 2022: 257}  # "290 257 * *"
    getraind = facts_for(ex, "Aantal medewerkers sociaal team die getraind zijn in traumasensitief werken")
    assert {f.year: f.value for f in getraind} == {2023: 8, 2024: 12}  # "n.v.t. n.v.t. 8 12"
    maatwerk = {f.year: f.value for f in facts_for(ex, "Maatwerkbudget (aantal huishoudens)")}
    assert maatwerk == {2023: 9, 2024: 5}  # "Onbekend Onbekend 9 5"
    voedselbank = {f.year: (f.value, f.comparator) for f in facts_for(ex, "Voedselbank (aantal huishouden)")}
    assert voedselbank == {2021: (402, None), 2022: (437, None), 2023: (310, "~")}  # "ca. 310 n.n.b.*"


def test_ambiguous_row_is_not_assigned_a_year() -> None:
    """``- Prenataal 8 10 7`` under 2021–2024: which year is empty is unknown."""
    ex = extract(MIDDEN_GRONINGEN)
    prenataal = facts_for(ex, "Prenataal")
    assert [f.value for f in prenataal] == [8, 10, 7]
    for fact in prenataal:
        assert fact.ambiguous
        assert fact.year is None
        assert fact.column is None
        assert fact.candidate_years == (2021, 2022, 2023, 2024)
    assert all(f.year is None for f in ex.facts if f.ambiguous)


def test_school_year_columns_never_become_a_single_year() -> None:
    ex = extract(MIDDEN_GRONINGEN)
    vervoer = [f for f in ex.facts if f.table_title == "Leerlingenvervoer"]
    assert len(vervoer) == 15
    assert all(f.year is None and f.ambiguous for f in vervoer)  # 3 values under 4 columns
    assert all(f.candidate_years == (2021, 2022, 2023, 2024, 2025) for f in vervoer)


def test_school_year_column_keeps_period_when_counts_match() -> None:
    # the Leerlingenvervoer header with the 2022-2023 and 2023-2024 values of one row
    text = "Leerlingenvervoer 2022-2023 2023-2024\nAangepast vervoer 271 252\n"
    ex = extract_tables("doc", [Section(("x",), [Line(t) for t in text.split("\n")])])
    assert [(f.year, f.column, f.value, f.ambiguous) for f in ex.facts] == [
        (None, "2022-2023", 271, False),
        (None, "2023-2024", 252, False),
    ]


def test_irregular_number_is_skipped_not_guessed() -> None:
    ex = extract(MIDDEN_GRONINGEN)
    gemeente = facts_for(ex, "Voortijdige schoolverlaters gemeente Midden-Groningen")
    assert sorted(f.year for f in gemeente) == [2021, 2022, 2023]  # 2024 is printed "2.63%"
    assert any("2.63%" in s for s in ex.skipped)
    landelijk = one(ex, "Voortijdige schoolverlaters landelijk", year=2024)
    assert (landelijk.value, landelijk.kind, landelijk.scope, landelijk.unit) == (2.34, "reference", "Nederland", "%")


def test_financial_statement() -> None:
    ex = extract(MIDDEN_GRONINGEN)
    totaal = one(ex, "Totaal Lasten", year=2024, kind="realised")
    assert (totaal.value, totaal.unit, totaal.column) == (164555, "x € 1.000", "Realisatie 2024")
    assert one(ex, "Totaal Lasten", year=2023, kind="realised").value == 152346
    assert one(ex, "Totaal Lasten", kind="difference").value == 1627
    budgets = {f.column: f.value for f in facts_for(ex, "Totaal Lasten", kind="budget")}
    assert budgets == {"Primitief begroot 2024": 147836, "Begroting 2024 na wijzigingen": 166181}
    inkomens = {
        f.row_group: f.value for f in facts_for(ex, "Inkomensregelingen", year=2024, kind="realised")
    }
    assert inkomens == {"Lasten": 42568, "Baten": 34882, "Stortingen": 63, "Onttrekkingen": 1267}
    assert one(ex, "Inkomensregelingen", row_group="Baten", kind="difference").key == "baten inkomensregelingen"
    saldo = one(ex, "Saldo voor bestemming", year=2023)
    assert (saldo.value, saldo.row_group, saldo.kind) == (-91590, None, "realised")
    assert saldo.table_title == "2.2.9 Financieel overzicht Sociaal"


def test_bbv_table_scopes_peiljaren_and_units() -> None:
    ex = extract(MIDDEN_GRONINGEN)
    verzuim = {(f.year, f.scope): (f.value, f.kind) for f in facts_for(ex, "Absoluut verzuim")}
    assert verzuim[(2023, "Midden-Groningen")] == (12.8, "realised")
    assert verzuim[(2023, "Nederland")] == (6.3, "reference")
    assert verzuim[(2022, "Midden-Groningen")] == (10.5, "realised")  # continuation line "2022 10,5 4,2"
    assert len(verzuim) == 8
    bijstand = one(ex, "Personen met een bijstandsuitkering", year=2024, scope="Midden-Groningen")
    assert (bijstand.value, bijstand.unit, bijstand.column) == (402.0, "Aantal per 10.000 inwoners", "MG")
    jeugdhulp = one(ex, "Jongeren met jeugdhulp", year=2024, scope="Nederland")
    assert (jeugdhulp.value, jeugdhulp.unit, jeugdhulp.kind) == (11.5, "% van alle jongeren tot 18 jaar", "reference")
    wmo = one(ex, "Cliënten met een maatwerkarrangement WMO", year=2024, kind="realised")
    assert wmo.value == 830.0


def test_bbv_toelichting_lines_do_not_break_the_series() -> None:
    ex = extract(MIDDEN_GRONINGEN)
    druk = {f.year: f.value for f in facts_for(ex, "Demografische druk", scope="Midden-Groningen")}
    assert druk == {2024: 76.0, 2023: 75.4, 2022: 75.6, 2021: 75.6}
    assert all(f.unit == "%" for f in facts_for(ex, "Demografische druk"))


def test_paired_columns_per_peildatum() -> None:
    ex = extract(MIDDEN_GRONINGEN)
    bg = {(f.year, f.unit): f.value for f in facts_for(ex, "BG basis")}
    assert bg[(2024, "aantal cliënten")] == 476
    assert bg[(2024, "uren per week")] == 1073
    assert bg[(2020, "aantal cliënten")] == 549
    hh2 = {(f.year, f.unit): f.value for f in facts_for(ex, "HH2") if f.table_title == "PGB"}
    assert hh2[(2020, "aantal cliënten")] == 2 and hh2[(2020, "uren per week")] == 7
    pgb_keys = {f.key for f in ex.facts if f.table_title == "PGB" and f.indicator == "HH2"}
    zin_keys = {f.key for f in ex.facts if f.table_title == "Zorg in Natura" and f.indicator == "HH2"}
    assert pgb_keys.isdisjoint(zin_keys)  # same row label, different table: keys must differ


def test_rows_without_year_columns_are_reported_not_read() -> None:
    ex = extract(MIDDEN_GRONINGEN)
    assert not facts_for(ex, "Toewijzingen")
    assert any(s.startswith("Verkennende onderzoeken Wvggz:") for s in ex.skipped)


# ---------------------------------------------------------------- general


def test_prose_yields_no_facts() -> None:
    ex = extract(ONTWIKKELINGEN)
    assert ex.facts == [] and ex.tables == []
    prose = [
        "In 2024 hebben wij 155 adviesgesprekken gevoerd. 312 inwoners hebben zich voor hulp bij ons aangemeld.",
        "",
        "De wachtlijst voor jeugdhulp neemt af (van 146 in oktober naar 92 in december 2024) en het verzuim neemt af.",
        "Ontwikkelingen in 2025-2028",
        "Jaarstukken 2024",
    ]
    assert extract_tables("doc", [Section(("p",), [Line(t) for t in prose])]).facts == []


def test_bare_figures_without_header_are_skipped() -> None:
    ex = extract(INLEIDING)
    assert ex.facts == []
    assert ex.skipped == ["Lasten, baten en saldo: 4 figures without column headers"]


def test_table_cut_by_the_section_splitter_is_read_as_one() -> None:
    """The splitter may start a section at ``Zorg en veiligheid`` inside a table."""
    lines = [Line(t) for t in (CORPUS / GRONINGEN_2026).read_text(encoding="utf-8").split("\n")]
    cut = next(k for k, line in enumerate(lines) if line.text == "Zorg en veiligheid" and k > 400)
    sections = [
        Section(("3.3", "Prestatie-indicatoren"), lines[:cut]),
        Section(("3.3", "Zorg en veiligheid"), lines[cut:]),
    ]
    ex = extract_tables("doc", sections)
    fact = one(ex, "Aantal huisverboden", year=2023)
    assert fact.value == 26
    assert fact.section == "3.3 › Prestatie-indicatoren"  # where the header stands


def test_page_comes_from_the_line_of_the_value() -> None:
    text = [
        "Voortijdige schoolverlaters 2021 2022 2023 2024",
        "Aantal voortijdige schoolverlaters 123 109 121 108",
    ]
    sections = [
        Section(("a",), [Line(text[0], page=57, page_label="55")]),
        Section(("b",), [Line(text[1], page=58, page_label="56")]),
    ]
    ex = extract_tables("doc", sections)
    assert {(f.page, f.page_label, f.section) for f in ex.facts} == {(58, "56", "a")}
    assert ex.tables[0].page == 57


@pytest.mark.parametrize("name", ALL_DOCUMENTS)
def test_every_fact_stands_in_its_table(name: str) -> None:
    """The table as printed holds every fact's cell, under the fact's column."""
    ex = extract(name)
    tables = {t.id: t for t in ex.tables}
    assert len(tables) == len(ex.tables)
    for fact in ex.facts:
        table = tables[fact.table_id]
        assert fact.document_id == name
        assert fact.table_title == table.title
        assert any(fact.value_text in row[1:] for row in table.rows), fact
        if fact.ambiguous:
            assert fact.year is None and fact.column is None and fact.candidate_years
        else:
            assert fact.column in table.header
            assert not fact.candidate_years
        assert fact.value is not None
        assert fact.key == normalise_key(fact.key)


def test_counts_per_document() -> None:
    counts = {}
    for name in ALL_DOCUMENTS:
        ex = extract(name)
        counts[name] = (len(ex.tables), len(ex.facts), sum(f.ambiguous for f in ex.facts))
    assert counts == {
        GRONINGEN_2026: (4, 79, 42),
        SAMENVATTING: (2, 20, 0),
        INLEIDING: (0, 0, 0),
        ONTWIKKELINGEN: (0, 0, 0),
        MIDDEN_GRONINGEN: (21, 599, 44),
    }
    assert Counter(f.kind for f in extract(GRONINGEN_2026).facts) == {"realised": 56, "target": 23}
    mg = Counter(f.kind for f in extract(MIDDEN_GRONINGEN).facts)
    assert mg == {"other": 320, "realised": 120, "budget": 70, "reference": 54, "difference": 35}


def test_publication_year_is_never_a_fact_year() -> None:
    """The 2026 begroting has no realised 2025/2026 and no target 2022–2024."""
    ex = extract(GRONINGEN_2026)
    assert not [f for f in ex.facts if f.kind == "realised" and f.year in (2025, 2026)]
    assert not [f for f in ex.facts if f.kind == "target" and f.year in (2022, 2023, 2024)]


# ---------------------------------------------------------------- headers


def test_financial_header_years_mid_column() -> None:
    parsed = parse_header_text(
        "Omschrijving Realisatie 2023 Primitief begroot 2024 "
        "Begroting 2024 na wijzigingen Realisatie 2024 Verschil 2024"
    )
    assert parsed is not None
    prefix, columns = parsed
    assert prefix == "Omschrijving"
    assert [(c.text, c.kind, c.year) for c in columns] == [
        ("Realisatie 2023", "realised", 2023),
        ("Primitief begroot 2024", "budget", 2024),
        ("Begroting 2024 na wijzigingen", "budget", 2024),
        ("Realisatie 2024", "realised", 2024),
        ("Verschil 2024", "difference", 2024),
    ]


def test_repeated_phrase_header() -> None:
    parsed = parse_header_text("Product Aantal inwoners 2022 Aantal inwoners 2023 Aantal inwoners 2024")
    assert parsed is not None
    assert parsed[0] == "Product"
    assert [(c.text, c.year) for c in parsed[1]] == [
        ("Aantal inwoners 2022", 2022),
        ("Aantal inwoners 2023", 2023),
        ("Aantal inwoners 2024", 2024),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "In 2024 hebben wij 155 adviesgesprekken gevoerd.",
        "Het doel is ook meer grip krijgen op de financiën omdat in 2025 meer geld uitgegeven is",
        "Ontwikkelingen in 2025-2028",
    ],
)
def test_prose_is_not_a_header(text: str) -> None:
    parsed = parse_header_text(text)
    assert parsed is None or sum(1 for c in parsed[1] if c.year or c.period) < 2


@pytest.mark.parametrize("name", [GRONINGEN_2026, MIDDEN_GRONINGEN])
def test_real_section_splitter_changes_nothing(name: str) -> None:
    """The splitter turns heading lines (``Prestatie-indicator(en)``, ``Terug
    naar navigatie …``) into section paths; facts and titles must not move."""
    from ingest.sections import split_sections

    lines = [Line(t) for t in (CORPUS / name).read_text(encoding="utf-8").split("\n")]
    split = extract_tables(name, split_sections(lines))
    whole = extract(name)

    def shape(ex: TableExtraction) -> Counter:
        return Counter((f.key, f.year, f.value_text, f.kind, f.unit, f.table_title, f.ambiguous) for f in ex.facts)

    assert shape(split) == shape(whole)
    assert all(f.section for f in split.facts)


def test_wide_indented_row_is_read_whole() -> None:
    """30 year columns and an indented row (cell exports indent like ``          998``)."""
    years = " ".join(str(y) for y in range(1990, 2020))
    values = " ".join(str(v) for v in range(100, 130))
    lines = [Line(f"Aantal {years}"), Line(f"   Totaal {values}")]
    ex = extract_tables("doc", [Section(("x",), lines)])
    assert [(f.year, f.value) for f in ex.facts] == [(1990 + k, 100 + k) for k in range(30)]


def test_scaled_cells_keep_printed_value_and_say_so_in_the_unit() -> None:
    lines = [Line("Investeringen 2023 2024"), Line("Nieuwbouw BWRI € 1,2 mln € 3,5 mln")]
    ex = extract_tables("doc", [Section(("x",), lines)])
    assert [(f.year, f.value, f.unit) for f in ex.facts] == [(2023, 1.2, "€ mln"), (2024, 3.5, "€ mln")]

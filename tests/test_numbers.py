"""Dutch figure parsing: every printed form the corpus uses, and the garbage
that must never become a figure (numbers are sacred)."""

from __future__ import annotations

import pytest

from ingest.numbers import ParsedNumber, find_numbers, parse_number


def parsed(text: str) -> ParsedNumber:
    result = parse_number(text)
    assert result is not None, f"{text!r} should parse"
    return result


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.336", 1336),  # samenvatting: geregistreerde daklozen
        ("383.735", 383735),  # samenvatting: Lasten, actuele begroting
        ("7,3", 7.3),  # MG: gemiddelde rapportcijfer hulp
        ("1007", 1007),  # begroting 2026: meldingen huiselijk geweld
        ("402,0", 402.0),  # MG BBV: personen met bijstandsuitkering
        ("2024", 2024),  # a year is a number; callers decide it is a header
        ("-3.521", -3521),
        ("−3.521", -3521),  # unicode minus from PDF exports
        ("–3.521", -3521),  # en dash used as minus
        ("(1.234)", -1234),  # accountants' negative
        ("-91.590", -91590),  # MG: Saldo voor bestemming
        ("1.234,5", 1234.5),
        ("+3", 3),
    ],
)
def test_plain_values(text: str, value: float) -> None:
    p = parsed(text)
    assert p.value == pytest.approx(value)
    assert p.status is None
    assert p.comparator is None
    assert p.uncertain is False
    assert p.text == text


@pytest.mark.parametrize("text", ["43,3 %", "43,3%"])
def test_percent_with_and_without_space(text: str) -> None:
    p = parsed(text)
    assert p.value == pytest.approx(43.3)
    assert p.unit == "%"


def test_percent_with_decimals() -> None:
    p = parsed("2,05%")
    assert p.value == pytest.approx(2.05)
    assert p.unit == "%"
    assert not p.uncertain


def test_millions_keep_printed_value_and_record_scale() -> None:
    p = parsed("€ 1,2 mln")
    assert p.value == pytest.approx(1.2)  # as printed, not multiplied
    assert p.scale == 1e6
    assert p.scaled_value == pytest.approx(1_200_000)
    assert p.unit == "€"


def test_billions_scale() -> None:
    assert parsed("€ 3,4 mld").scale == 1e9


def test_euro_amount() -> None:
    p = parsed("€ 375")
    assert (p.value, p.unit, p.scale) == (375, "€", 1.0)


@pytest.mark.parametrize("text", ["> 80%", ">80%"])
def test_greater_than_target(text: str) -> None:
    p = parsed(text)
    assert (p.value, p.comparator, p.unit) == (80, ">", "%")


def test_less_than_target() -> None:
    p = parsed("<700")  # samenvatting: geregistreerde daklozen, beoogd 2024
    assert (p.value, p.comparator, p.unit) == (700, "<", None)


@pytest.mark.parametrize("text", [">= 25", "≥25", "=> 25"])
def test_greater_or_equal_is_normalised(text: str) -> None:
    p = parsed(text)
    assert (p.value, p.comparator) == (25, ">=")


def test_less_or_equal_is_normalised() -> None:
    assert parsed("≤ 5").comparator == "<="


@pytest.mark.parametrize(
    ("text", "status", "footnote"),
    [
        ("n.n.b.", "n.n.b.", None),
        ("n.n.b.*", "n.n.b.", "*"),  # MG: Voedselbank 2024
        ("n.v.t.", "n.v.t.", None),
        ("nvt", "n.v.t.", None),
        ("-", "-", None),
        ("–", "-", None),
        ("*", "*", None),  # MG: Adviesvragen Veilig Thuis placeholder
        ("onbekend", "onbekend", None),
        ("Onbekend", "onbekend", None),  # MG: uitstroom naar werk
    ],
)
def test_status_cells_have_no_value(text: str, status: str, footnote: str | None) -> None:
    p = parsed(text)
    assert p.value is None
    assert p.is_status
    assert p.status == status
    assert p.footnote == footnote
    assert p.text == text


@pytest.mark.parametrize(("text", "value"), [("ca. 310", 310), ("ca. 2400", 2400), ("circa 12", 12), ("± 5", 5)])
def test_approximate(text: str, value: float) -> None:
    p = parsed(text)
    assert p.value == value
    assert p.approx


@pytest.mark.parametrize(
    ("text", "value", "footnote"),
    [("1.339**", 1339, "**"), ("6.261 *", 6261, "*"), ("72**", 72, "**"), ("123 1)", 123, "1)")],
)
def test_footnote_marks(text: str, value: float, footnote: str) -> None:
    p = parsed(text)
    assert p.value == value
    assert p.footnote == footnote
    assert p.status is None


@pytest.mark.parametrize(("text", "value"), [("2.63%", 2.63), ("1.5", 1.5), ("1,234.5", 1234.5)])
def test_irregular_forms_parse_but_are_uncertain(text: str, value: float) -> None:
    """A dot not followed by a 3-digit group is not Dutch thousands grouping."""
    p = parsed(text)
    assert p.value == pytest.approx(value)
    assert p.uncertain


def test_comma_with_three_decimals_is_read_dutch_but_uncertain() -> None:
    p = parsed("1,234")
    assert p.value == pytest.approx(1.234)
    assert p.uncertain


@pytest.mark.parametrize(
    "text",
    [
        "Andere registratie",  # samenvatting: text in a figure column
        "abc",
        "1.2.3.4",  # decided: not a figure (section number or version)
        "12-34",
        "",
        "   ",
        "2.2.1 Gezondheid",  # a heading
        "31-12-2024",  # a date (Zorg in Natura header)
        "1,2,3",
        "€",
        "%",
        "...",
        ">",
        "1231)",  # a digit run, not 123 + footnote 1)
        "(1.234",
        "2022-2023",  # a school year is a period, not a figure
        "Aantal 174",
    ],
)
def test_garbage_does_not_parse(text: str) -> None:
    assert parse_number(text) is None


def spans_text(line: str) -> list[str]:
    return [line[s:e] for s, e, _ in find_numbers(line)]


def test_find_numbers_trailing_run_keeps_label_numbers_separate() -> None:
    line = "Aantal uniek cliënten met minimaal 1 jeugdhulpindicatie (bron PowerBI) 1.988 1.991 1.996 1.975"
    assert spans_text(line) == ["1", "1.988", "1.991", "1.996", "1.975"]
    assert [p.value for _, _, p in find_numbers(line)][-1] == 1975


def test_find_numbers_joins_comparator_and_percent() -> None:
    line = "% Perceptie weten waar te moeten zijn 76% 79% > 80% > 80%"
    found = find_numbers(line)
    assert spans_text(line) == ["76%", "79%", "> 80%", "> 80%"]
    assert [p.comparator for _, _, p in found] == [None, None, ">", ">"]


def test_find_numbers_detached_star_is_a_placeholder_cell() -> None:
    """In '290 257 * *' each * fills a column; it is not a footnote of 257."""
    found = find_numbers("Adviesvragen Veilig Thuis 290 257 * *")
    assert [(p.value, p.status, p.footnote) for _, _, p in found] == [
        (290, None, None),
        (257, None, None),
        (None, "*", None),
        (None, "*", None),
    ]


def test_find_numbers_approx_and_status_with_footnote() -> None:
    line = "Voedselbank (aantal huishouden) 402 437 ca. 310 n.n.b.*"
    found = find_numbers(line)
    assert spans_text(line) == ["402", "437", "ca. 310", "n.n.b.*"]
    assert found[2][2].approx and found[3][2].status == "n.n.b." and found[3][2].footnote == "*"


def test_find_numbers_spans_index_the_line() -> None:
    line = "Lasten 383.735 370.992 12.743"
    for start, end, p in find_numbers(line):
        assert line[start:end] == p.text


def test_find_numbers_ignores_prose_words_and_dates() -> None:
    assert spans_text("Peildatum 31-12-2024 en versie 2.2.1") == []

from __future__ import annotations

from ingest.chunking import CHUNK_SIZE, chunk_sections
from ingest.metadata import Overrides, guess
from ingest.models import Line
from ingest.normalize import normalize_lines
from ingest.parsers import parse_bytes
from ingest.sections import classify, split_sections
from tests.conftest import CORPUS


def _sections(name: str):
    path = CORPUS / name
    parsed = parse_bytes(path.read_bytes(), path.name)
    return split_sections(normalize_lines(parsed.lines), parsed.headings)


def test_breadcrumbs_spell_out_the_path():
    paths = [s.path_text for s in _sections("midden-groningen_jaarstukken-2024_programma-sociaal.txt")]
    assert "2.2 Programma Sociaal › 2.2.3 Wmo › Indicatoren" in paths
    assert "2.2 Programma Sociaal › 2.2.9 Financieel overzicht Sociaal › Toelichting" in paths
    assert any(p.endswith("2.2.1 Gezondheid › Doelstellingen › a. Alle betrokkenen werken intensief samen") for p in paths)


def test_breadcrumb_lines_are_not_body_text():
    for section in _sections("midden-groningen_jaarstukken-2024_programma-sociaal.txt"):
        assert not any(line.text.startswith("Terug naar navigatie") for line in section.lines)


def test_programme_and_w_questions():
    paths = [s.path_text for s in _sections("groningen_begroting-2026_deelprogramma-3.3-indicatoren.txt")]
    assert paths[0] == "Deelprogramma 3.3 Welzijn, gezondheid, zorg en diversiteit"
    assert "Deelprogramma 3.3 Welzijn, gezondheid, zorg en diversiteit › Wat gaan we daar voor doen?" in paths


def test_heading_rules():
    assert classify("2.2.1 Gezondheid") == (3, "2.2.1 Gezondheid")
    assert classify("Deelprogramma 3.3: Welzijn, gezondheid, zorg en diversiteit")[0] == 2
    assert classify("P2 Mens en maatschappij") == (1, "Programma 2 Mens en maatschappij")
    assert classify("Wat willen we bereiken ?")[1] == "Wat willen we bereiken?"
    assert classify("1.500 Oekraïense ontheemden worden opgevangen") is None
    assert classify("1. Investeren in een stevige sociale basis en preventie;") is None
    assert classify("In 2024 hebben wij 155 adviesgesprekken gevoerd.") is None


def test_chunks_never_cross_sections_and_ids_are_stable():
    sections = _sections("groningen_jaarverslag-2024_deelprogramma-3.3-ontwikkelingen.txt")
    first = chunk_sections("doc", sections)
    again = chunk_sections("doc", sections)
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    for chunk in first:
        owner = next(s for s in sections if s.path_text == chunk.section)
        assert chunk.text.replace("\n", " ")[:80] in " ".join(ln.text.strip() for ln in owner.lines if ln.text.strip())
        assert len(chunk.text) <= CHUNK_SIZE


def test_chunks_take_the_page_of_their_first_line():
    lines = [Line(f"Regel {i} over de begroting en de zorg in de wijk.", page=1 + i // 40, page_label=str(i // 40)) for i in range(120)]
    sections = split_sections(lines)
    chunks = chunk_sections("doc", sections)
    for chunk in chunks:
        first_number = int(chunk.text.split()[1])
        assert chunk.page == 1 + first_number // 40


def test_hyphenation_and_ligatures_are_normalised():
    lines = normalize_lines([
        Line("De gemeente is verant-", 1), Line("woordelijk voor de \ufb01nanciën.", 1),
        Line("Opvang voor dak-", 1), Line("en thuislozen.", 1), Line("zacht\u00adkoppel\u00a0teken", 1),
    ])
    assert lines[0].text == "De gemeente is verantwoordelijk"
    assert lines[1].text == "voor de financiën."
    assert lines[2].text == "Opvang voor dak-"
    assert lines[4].text == "zachtkoppel teken"


def test_metadata_from_file_names():
    g = guess("midden-groningen_jaarstukken-2024_programma-sociaal.txt", "2.2 Programma Sociaal", None)
    assert (g.municipality, g.doc_type, g.year) == ("Midden-Groningen", "jaarstukken", 2024)
    g = guess("wassenaar__begroting_2025.pdf", "BEGROTING 2025", "Begroting 2025 - geamendeerd")
    assert (g.municipality, g.doc_type, g.year, g.title) == ("Wassenaar", "begroting", 2025, "Begroting 2025 Wassenaar")
    g = guess("vws_woo__185775_Bevindingen_rode_draden_GGD_G4.pdf", "Bevindingen en rode draden", None)
    assert g.municipality is None and g.doc_type == "woo"
    g = guess("x.pdf", "Gemeente Leiden\nJaarverslag 2023", None, Overrides(year=2022, doc_type="jaarverslag"))
    assert (g.municipality, g.doc_type, g.year) == ("Leiden", "jaarverslag", 2022)

"""The index with its real parts: embedded Chroma, SQLite, bm25s and the converted model."""

from __future__ import annotations

import pytest

from ingest.errors import IndexMismatch, Locked
from tests.pdf_fixtures import text_pdf

pytestmark = pytest.mark.slow

DOC = """Deelprogramma 3.3 Welzijn, gezondheid en zorg

Wat willen we bereiken?
Met ingang van de winter is een permanente winteropvang voor dak- en thuislozen geopend aan de Sontweg.

Wat gaan we daarvoor doen?
De mantelzorgmakelaar helpt mantelzorgers met regelingen en formulieren.
"""


def _counts(index):
    """Health without the generation counter, which every commit bumps."""
    return {k: v for k, v in index.health().items() if k != "generation"}


def test_ingest_search_and_idempotent_reingest(make_index, tmp_path):
    index = make_index()
    path = tmp_path / "groningen_jaarverslag-2024_test.txt"
    path.write_text(DOC, encoding="utf-8")
    first = index.ingest_path(path)
    assert first.status == "added" and first.chunks == 2
    before = _counts(index)
    assert before["chunks"] == before["vectors"] == before["bm25"] == 2

    again = index.ingest_path(path)
    assert again.status == "unchanged"
    assert _counts(index) == before

    for mode in ("hybrid", "dense", "lexical"):
        hits = index.search("Waar is de winteropvang voor daklozen?", k=1, mode=mode)
        assert "Sontweg" in hits[0].source["text"], mode
        assert hits[0].source["section"].endswith("Wat willen we bereiken?")
        assert hits[0].source["file"] == path.name


def test_changed_file_replaces_old_chunks(make_index, tmp_path):
    index = make_index()
    path = tmp_path / "notitie.txt"
    path.write_text(DOC, encoding="utf-8")
    old = index.ingest_path(path)
    path.write_text(DOC.replace("Sontweg", "Havenstraat"), encoding="utf-8")
    new = index.ingest_path(path)
    assert new.status == "replaced" and new.document_id != old.document_id
    counts = _counts(index)
    assert counts["documents"] == 1 and counts["chunks"] == counts["vectors"] == counts["bm25"] == 2
    texts = " ".join(h.source["text"] for h in index.search("winteropvang", k=5))
    assert "Havenstraat" in texts and "Sontweg" not in texts
    assert index.store.document(old.document_id) is None


def test_delete_removes_from_every_index(make_index, tmp_path):
    index = make_index()
    path = tmp_path / "notitie.txt"
    path.write_text(DOC, encoding="utf-8")
    result = index.ingest_path(path)
    index.delete(result.document_id)
    assert index.search("Sontweg", k=5, mode="lexical") == []
    assert index.search("Sontweg", k=5, mode="dense") == []
    assert _counts(index)["vectors"] == 0


def test_bad_files_are_refused_and_the_batch_goes_on(make_index, tmp_path):
    index = make_index()
    (tmp_path / "leeg.pdf").write_bytes(b"")
    (tmp_path / "kapot.pdf").write_bytes(b"%PDF-1.7\n garbage")
    (tmp_path / "goed.pdf").write_bytes(text_pdf([["De gemeente investeert in de buurtkamer."]]))
    results = {p.name: index.ingest_path(p) for p in sorted(tmp_path.glob("*.pdf"))}
    assert results["leeg.pdf"].code == "empty_file"
    assert results["kapot.pdf"].code == "corrupt_pdf"
    assert results["goed.pdf"].status == "added"
    refused = {r["file"]: r["code"] for r in index.store.refused()}
    assert refused == {"kapot.pdf": "corrupt_pdf", "leeg.pdf": "empty_file"}
    assert index.search("buurtkamer", k=1)[0].source["page"] == 1


def test_filters(make_index, tmp_path):
    index = make_index()
    (tmp_path / "groningen_begroting-2025_x.txt").write_text("Zorg voor ouderen in Groningen.\n", encoding="utf-8")
    (tmp_path / "wassenaar_jaarverslag-2024_x.txt").write_text("Zorg voor ouderen in Wassenaar.\n", encoding="utf-8")
    for p in tmp_path.glob("*.txt"):
        index.ingest_path(p)
    for mode in ("hybrid", "dense", "lexical"):
        hits = index.search("zorg voor ouderen", k=5, mode=mode, filters={"municipality": "wassenaar"})
        assert [h.source["municipality"] for h in hits] == ["Wassenaar"], mode
        hits = index.search("zorg voor ouderen", k=5, mode=mode, filters={"year": 2025})
        assert [h.source["municipality"] for h in hits] == ["Groningen"], mode
    assert index.search("zorg", k=5, filters={"doc_type": "monitor"}) == []


@pytest.mark.embedded_only
def test_second_writer_is_refused_at_once(make_index, embedder, tmp_path):
    from index.engine import Index
    from index.settings import Settings

    make_index(tmp_path / "d")
    with pytest.raises(Locked) as info:
        Index(Settings(data_dir=tmp_path / "d"), embedder)
    assert "POST /documents" in info.value.message


def test_manifest_mismatch_is_refused(make_index, tmp_path):
    import json

    index = make_index(tmp_path / "d")
    index.close()
    manifest = tmp_path / "d" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["model"] = "een-ander-model"
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexMismatch) as info:
        make_index(tmp_path / "d")
    assert "vindplaats reindex" in info.value.message


def test_interrupted_ingest_is_reconciled(make_index, tmp_path):
    from ingest.pipeline import parse_document

    index = make_index(tmp_path / "d")
    parsed = parse_document(DOC.encode(), "half.txt")
    index.store.insert_pending(parsed.meta, parsed.chunks, parsed.tables, parsed.facts, None, [])
    index.close()
    index = make_index(tmp_path / "d")
    assert index.store.document(parsed.meta.id) is None
    assert index.health()["chunks"] == 0


def test_reindex_rebuilds_from_stored_originals_after_a_model_change(make_index, embedder, tmp_path):
    import json

    from index.engine import Index, reindex
    from index.settings import Settings

    data = tmp_path / "d"
    index = make_index(data)
    path = tmp_path / "groningen_jaarverslag-2024_notitie.txt"
    path.write_text(DOC, encoding="utf-8")
    index.ingest_path(path)
    before = _counts(index)
    index.close()
    manifest = data / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "model": "oud-model"}))
    path.unlink()  # only the stored original is left

    with pytest.raises(IndexMismatch):
        Index(Settings(data_dir=data), embedder)
    results = reindex(Settings(data_dir=data), embedder)
    assert [r.status for r in results] == ["added"]
    rebuilt = Index(Settings(data_dir=data), embedder)
    try:
        assert _counts(rebuilt) == before
        assert "Sontweg" in rebuilt.search("winteropvang", k=1)[0].source["text"]
    finally:
        rebuilt.close()
    assert json.loads(manifest.read_text())["model"] == embedder.name
    make_index(data)  # opens without complaint now


def test_both_indexes_find_normalised_words(make_index, tmp_path):
    from pypdf import PdfReader  # noqa: F401  (the PDF below goes through the real parser)

    index = make_index()
    text = (
        "2.1 Financiën\n"
        "De gemeente is verant-\nwoordelijk voor de \ufb01nanciën van de jeugd\u00adhulp.\n"
        "Alle ouders zijn ge\u00efnformeerd\u00a0over de regeling voor dak-\nen thuislozen.\n"
    )
    path = tmp_path / "normalisatie.txt"
    path.write_text(text, encoding="utf-8")
    index.ingest_path(path)
    for query in ("verantwoordelijk financiën", "jeugdhulp", "geinformeerd", "thuislozen"):
        lexical = index.search(query, k=1, mode="lexical")
        assert lexical, query
        assert "ﬁ" not in lexical[0].source["text"] and "\u00ad" not in lexical[0].source["text"]
    chunk = index.search("verantwoordelijk", k=1, mode="dense")[0].source["text"]
    assert "verantwoordelijk voor de financiën van de jeugdhulp" in " ".join(chunk.split())
    assert "dak-\nen thuislozen" in chunk  # a suspended hyphen is kept, not glued into "daken"

from __future__ import annotations

import pytest

from index.hybrid import rrf
from index.lexical import LexicalIndex, tokenize


def test_rrf_hand_computed():
    fused = rrf([["a", "b", "c"], ["b", "d"]], k=60)
    scores = dict(fused)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["d"] == pytest.approx(1 / 62)
    assert scores["c"] == pytest.approx(1 / 63)
    assert [doc for doc, _ in fused] == ["b", "a", "d", "c"]


def test_rrf_ties_keep_first_appearance_and_empty_inputs():
    assert [d for d, _ in rrf([["x"], ["y"]])] == ["x", "y"]
    assert rrf([[], []]) == []
    assert rrf([]) == []
    with pytest.raises(ValueError):
        rrf([["a"]], weights=[1.0, 2.0])


def test_rrf_weights_and_duplicates():
    fused = dict(rrf([["a", "a", "b"], ["b"]], k=1, weights=[2.0, 1.0]))
    assert fused["a"] == pytest.approx(2 / 2)
    assert fused["b"] == pytest.approx(2 / 3 + 1 / 2)


def test_tokenizer_keeps_numbers_and_stems_dutch():
    tokens = tokenize("Aantal geregistreerde daklozen in 2024: 1.336 (7,3%)")
    assert "2024" in tokens and "1.336" in tokens and "1336" in tokens and "7,3" in tokens
    assert tokenize("daklozen") == tokenize("dakloze")
    assert tokenize("geïnformeerd") == tokenize("geinformeerd")
    assert "in" not in tokens  # stop word


def test_lexical_search_and_filter_mask():
    index = LexicalIndex.build(
        ["a", "b", "c"],
        ["winteropvang aan de Sontweg", "dakloze personen 1.339 in 2024", "huisverboden 26 in 2023"],
    )
    assert index.search("daklozen 2024", 2)[0][0] == "b"
    assert index.search("daklozen 2024", 5, allowed={"a", "c"}) == []  # only "b" matches, and it is filtered out
    assert [doc for doc, _ in index.search("daklozen 2023", 5, allowed={"a", "c"})] == ["c"]
    assert index.search("", 5) == []
    assert LexicalIndex.build([], []).search("iets", 5) == []


def test_lexical_save_and_load(tmp_path):
    index = LexicalIndex.build(["a", "b"], ["mantelzorg", "vrijwilligerswerk"])
    index.save(tmp_path / "bm25")
    again = LexicalIndex.load(tmp_path / "bm25")
    assert again.search("mantelzorg", 1)[0][0] == "a"
    index.save(tmp_path / "bm25")  # replacing an existing index works
    assert LexicalIndex.load(tmp_path / "bm25").ids == ["a", "b"]


def test_a_year_breaks_ties_but_does_not_outrank_the_subject():
    index = LexicalIndex.build(
        ["noise", "subject"],
        ["Belangrijkste resultaten 2024", "Het aantal geregistreerde daklozen steeg tot 1.336 personen, volgens de telling van dit jaar."],
    )
    assert index.search("hoeveel daklozen in 2024", 2)[0][0] == "subject"
    assert index.search("2024", 2)[0][0] == "noise"  # a bare year still searches as usual


def test_frugal_build_scores_like_bm25s_own_index(tmp_path):
    """LexicalIndex.build feeds bm25s token ids and sorts postings itself; the scores must be bm25s's."""
    import random

    import bm25s
    import numpy as np
    from bm25s.scoring import _np_csc_python

    from index.lexical import _csc_by_column

    rng = random.Random(3)
    words = ["begroting", "jeugdzorg", "daklozen", "woningbouw", "subsidie", "2024", "1.336", "7,3", "gemeente",
             "wijkteam", "meldingen", "reserve", "de", "het", "€", "geïnformeerd"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 30))) for _ in range(300)] + ["de het", ""]
    ids = [f"c{i}" for i in range(len(texts))]
    ours = LexicalIndex.build(ids, texts)
    reference = bm25s.BM25()
    reference.index([tokenize(t) or ["\u2205"] for t in texts], show_progress=False)
    queries = ["begroting jeugdzorg", "daklozen 2024", "1336", "wijkteam meldingen reserve", "geinformeerd"]
    for query in queries:
        tokens = tokenize(query)
        assert np.array_equal(ours.model.get_scores(tokens), reference.get_scores(tokens)), query
    assert set(ours.model.vocab_dict) == set(reference.vocab_dict)
    ours.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    for query in queries:
        assert loaded.search(query, 10) == ours.search(query, 10)

    # the column-wise CSC equals bm25s's own for postings in document order, whatever the block size
    gen = np.random.default_rng(5)
    rows = np.repeat(np.arange(200, dtype=np.int32), 7)
    cols = np.concatenate([gen.choice(40, 7, replace=False) for _ in range(200)]).astype(np.int32)
    data = gen.random(rows.size).astype(np.float32)
    expected = _np_csc_python(data, rows, cols, (200, 40))
    for block in (1, 3, 50, 1 << 18):
        got = _csc_by_column(data, rows, cols, (200, 40), block=block)
        assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(got, expected))

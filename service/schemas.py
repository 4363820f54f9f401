"""The /query contract: the page, `vindplaats ask --json` and evaluation scripts all read this body."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_QUESTION = 1000


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    municipality: str | None = Field(default=None, max_length=100)
    doc_type: str | None = Field(default=None, max_length=50)
    document: str | None = Field(default=None, max_length=300, description="document id or file name")
    year: int | None = Field(default=None, ge=1900, le=2100)


class QueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    top_k: int = Field(default=5, ge=1, le=50)
    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    filters: Filters = Field(default_factory=Filters)

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question is empty")
        return value.strip()


class Source(BaseModel):
    document_id: str
    file: str
    title: str
    municipality: str | None = None
    doc_type: str | None = None
    year: int | None = None
    section: str
    page: int | None = None
    page_label: str | None = None


class Passage(BaseModel):
    rank: int
    score: float
    text: str
    source: Source


class QueryResponse(BaseModel):
    question: str
    answer: dict | None = None
    passages: list[Passage]
    indicators: list[dict] = Field(default_factory=list)
    tables: list[dict] = Field(default_factory=list)
    timing_ms: dict[str, float]


class ErrorBody(BaseModel):
    error: str
    message: str

"""One error hierarchy for the whole product.

Every error carries a stable machine code and an HTTP status so the service
can turn any of them into the one JSON error shape in a single handler, and
the CLI can print the same code and message. It lives in `ingest` because
data flows ingest → index → service and all three raise these.
"""

from __future__ import annotations


class VindplaatsError(Exception):
    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class IngestError(VindplaatsError):
    """A file that cannot be ingested; the batch goes on without it."""

    status = 422
    code = "unreadable_file"


class UnsupportedType(IngestError):
    status = 415
    code = "unsupported_type"


class EmptyFile(IngestError):
    code = "empty_file"


class NotAPdf(IngestError):
    code = "not_a_pdf"


class CorruptPdf(IngestError):
    code = "corrupt_pdf"


class EncryptedPdf(IngestError):
    code = "encrypted_pdf"


class NoTextLayer(IngestError):
    code = "no_text_layer"


class GarbageText(IngestError):
    code = "garbage_text"


class OcrUnavailable(IngestError):
    """OCR was asked for but tesseract or its Dutch data is missing on this machine.

    503, not 422: the file is fine; the service lacks a part and the same
    request succeeds once `tesseract-ocr` and `tesseract-ocr-nld` are installed.
    """

    status = 503
    code = "ocr_unavailable"


class DecompressionBomb(IngestError):
    """A stream that inflates past pypdf's limits: refused before it can exhaust memory."""

    code = "decompression_bomb"


class ParseTimeout(IngestError):
    """The parser ran past its wall-clock limit and was killed."""

    code = "parse_timeout"


class ParseMemory(IngestError):
    """The parser needed more memory than its limit allows (e.g. a decompression bomb)."""

    code = "parse_memory"


class ParseCrashed(IngestError):
    code = "parse_crashed"


class NotFound(VindplaatsError):
    status = 404
    code = "not_found"


class BadRequest(VindplaatsError):
    status = 422
    code = "invalid_request"


class IndexMismatch(VindplaatsError):
    """The index on disk was built with another model or chunker."""

    status = 409
    code = "index_mismatch"


class NotReady(VindplaatsError):
    status = 503
    code = "not_ready"


class IndexDamaged(NotReady):
    """Index files on disk are unreadable; `vindplaats reindex` rebuilds them from the originals."""

    code = "index_damaged"


class Locked(VindplaatsError):
    """Another process writes to this data dir."""

    status = 409
    code = "data_dir_locked"


class Unauthorized(VindplaatsError):
    status = 401
    code = "unauthorized"

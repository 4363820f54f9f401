"""Several parse processes read a long PDF's pages (ingest.sandbox.ParseWorker with workers > 1).

Real pypdf in real spawned children on pages cut from the real Wassenaar
budget; the only knob turned for the test is `split_min_pages`, so a short
file is split as a long one would be.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from ingest.errors import IngestError, ParseMemory, ParseTimeout
from ingest.sandbox import ParseWorker
from tests.hostile_pdfs import scattered_text
from tests.pdf_fixtures import encrypted_pdf, merged_pdf, text_pdf


def _pages_of(path: Path, numbers: list[int]) -> bytes:
    reader = PdfReader(path)
    writer = PdfWriter()
    for n in numbers:
        writer.add_page(reader.pages[n - 1])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _three_pages() -> bytes:
    return text_pdf([[f"Op dag {d} is de nachtopvang aan de Havenstraat open voor dakloze mensen in de stad."]
                     for d in ("een", "twee", "drie")])


@pytest.fixture(scope="module")
def budget_extract(corpus: Path) -> bytes:
    """Title pages and a key-figures table that runs over a page break (pages 31-32 of the 2025 budget)."""
    return _pages_of(corpus / "pdf" / "wassenaar__begroting_2025.pdf", [1, 2, 3, 30, 31, 32, 33])


@pytest.fixture()
def workers():
    made: list[ParseWorker] = []

    def make(n: int, **kw) -> ParseWorker:
        kw.setdefault("timeout_s", 120)
        kw.setdefault("memory_mb", 3072)
        worker = ParseWorker(kw.pop("timeout_s"), kw.pop("memory_mb"), n, **kw)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.close()


def test_two_workers_give_exactly_the_document_one_worker_gives(workers, budget_extract, caplog):
    one = workers(1).parse(budget_extract, "begroting-deel.pdf")
    with caplog.at_level(logging.DEBUG, logger="ingest.sandbox"):
        two = workers(2, split_min_pages=2).parse(budget_extract, "begroting-deel.pdf")
    assert "7 pages read by 2 parse workers" in caplog.text  # the split really happened
    assert one.facts and one.tables  # the extract holds figures, so the comparison means something
    assert {f.page for f in one.facts} >= {5, 6}  # budget pages 31-32, pages 5-6 of the extract
    assert two.chunks == one.chunks
    assert two.sections == one.sections
    assert two.facts == one.facts
    assert two.tables == one.tables
    assert two == one


def test_a_short_pdf_is_not_split(workers, caplog):
    data = _three_pages()
    with caplog.at_level(logging.DEBUG, logger="ingest.sandbox"):
        parsed = workers(2, split_min_pages=16).parse(data, "kort.pdf")
    assert parsed.meta.pages == 3
    assert "parse workers" not in caplog.text


def test_a_refused_file_is_refused_with_the_serial_wording(workers):
    data = encrypted_pdf("AES-256")
    with pytest.raises(IngestError) as serial:
        workers(1).parse(data, "geheim.pdf")
    with pytest.raises(IngestError) as split:
        workers(2, split_min_pages=1).parse(data, "geheim.pdf")
    assert split.value.code == serial.value.code == "encrypted_pdf"
    assert split.value.message == serial.value.message


def test_the_time_limit_covers_all_workers_and_they_are_replaced(workers):
    worker = workers(2, split_min_pages=2, timeout_s=3)
    slow = merged_pdf(scattered_text(150_000), scattered_text(150_000))
    with pytest.raises(ParseTimeout) as exc:
        worker.parse(slow, "traag.pdf")
    assert "traag.pdf" in exc.value.message and "3 s" in exc.value.message
    assert worker.parse(_three_pages(), "goed.pdf").meta.pages == 3


def test_the_memory_limit_holds_in_every_worker(workers):
    worker = workers(2, split_min_pages=2, memory_mb=400)
    hungry = merged_pdf(scattered_text(20_000), scattered_text(20_000))
    with pytest.raises(IngestError) as exc:
        worker.parse(hungry, "geheugen.pdf")
    assert exc.value.code == ParseMemory.code
    assert "geheugen.pdf" in exc.value.message and "400 MB" in exc.value.message

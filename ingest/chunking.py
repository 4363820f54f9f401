"""Section → chunks. A chunk never crosses a section, so its section path is always true.

Long sections are split with langchain's recursive splitter on paragraph,
line and sentence boundaries; each chunk takes the page of the line it starts on.
"""

from __future__ import annotations

import bisect
import re

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.models import Chunk, Section

CHUNK_SIZE = 900
CHUNK_OVERLAP = 120
CHUNKER_VERSION = f"sections-v2-{CHUNK_SIZE}-{CHUNK_OVERLAP}"
MIN_CHUNK_CHARS = 12  # "Acties" alone is a tab label, not a passage
FRAGMENT_CHARS = 40  # a short line that is not a sentence ("Belangrijkste resultaten 2024") is a stray heading

_BLANKS = re.compile(r"\n{3,}")

_splitter = RecursiveCharacterTextSplitter(
    chunk_size=CHUNK_SIZE,
    chunk_overlap=CHUNK_OVERLAP,
    separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
    add_start_index=True,
    strip_whitespace=True,
)


def _section_text(section: Section) -> tuple[str, list[int], list[int]]:
    """Joined text plus, per line, its start offset and index into section.lines."""
    parts: list[str] = []
    starts: list[int] = []
    owners: list[int] = []
    offset = 0
    previous_blank = True
    for index, line in enumerate(section.lines):
        text = line.text.strip()
        if not text:
            if not previous_blank:
                parts.append("")
                offset += 1
            previous_blank = True
            continue
        previous_blank = False
        starts.append(offset)
        owners.append(index)
        parts.append(text)
        offset += len(text) + 1
    return "\n".join(parts).strip(), starts, owners


def _is_fragment(text: str) -> bool:
    """Short text without sentence punctuation matches every query on its one word and says nothing."""
    return len(text) < FRAGMENT_CHARS and not re.search(r"[.!?:;]\s*$", text.strip())


def chunk_sections(document_id: str, sections: list[Section]) -> list[Chunk]:
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for section in sections:
        text, starts, owners = _section_text(section)
        text = _BLANKS.sub("\n\n", text)
        if len(text) < MIN_CHUNK_CHARS:
            continue
        pieces = [(text, 0)] if len(text) <= CHUNK_SIZE else [
            (doc.page_content, int(doc.metadata.get("start_index", 0))) for doc in _splitter.create_documents([text])
        ]
        for piece, start in pieces:
            if len(piece) < MIN_CHUNK_CHARS or _is_fragment(piece):
                continue
            at = max(0, bisect.bisect_right(starts, max(start, 0)) - 1)
            line = section.lines[owners[at]] if owners else None
            chunk_id = Chunk.make_id(document_id, section.path_text, piece)
            if chunk_id in seen:
                continue  # the same text twice in one section is one passage
            seen.add(chunk_id)
            chunks.append(
                Chunk(
                    id=chunk_id,
                    document_id=document_id,
                    text=piece,
                    section=section.path_text,
                    page=line.page if line else None,
                    page_label=line.page_label if line else None,
                    ordinal=len(chunks),
                )
            )
    return chunks

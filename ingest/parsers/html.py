"""HTML → lines; h1–h4 become headings, scripts, styles and navigation are dropped.

Table rows become one line each with cells separated by spaces, which is the
row-per-line layout the table extractor already reads.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

from ingest.models import Line
from ingest.parsers.base import ParsedFile

_DROP = ("script", "style", "nav", "noscript", "template", "svg", "iframe", "form", "button")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
_BLOCKS = {
    "p", "div", "section", "article", "main", "li", "dd", "dt", "blockquote", "pre",
    "h5", "h6", "caption", "figcaption", "address", "td", "th",
}
_SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")


def _text(node: Tag) -> str:
    return _SPACE.sub(" ", node.get_text(" ", strip=True)).strip()


def parse_html(data: bytes, name: str) -> ParsedFile:
    soup = BeautifulSoup(data, "html.parser")
    for tag in soup.find_all(_DROP):
        tag.decompose()
    for tag in soup.find_all(["header", "footer", "aside"]):
        # site chrome, not document content, unless it is inside the article
        if not tag.find_parent(["article", "main"]):
            tag.decompose()
    title_tag = soup.find("title")
    title = _text(title_tag) if title_tag else None
    body = soup.body or soup

    lines: list[Line] = []
    headings: dict[int, int] = {}

    def emit(text: str, level: int | None = None) -> None:
        text = text.strip()
        if not text:
            return
        if level is not None:
            headings[len(lines)] = level
        lines.append(Line(text=text))

    def walk(node: Tag) -> None:
        buffer: list[str] = []

        def flush() -> None:
            if buffer:
                emit(_SPACE.sub(" ", " ".join(buffer)))
                buffer.clear()

        for child in node.children:
            if isinstance(child, NavigableString):
                if child.strip() and child.__class__ is NavigableString:
                    buffer.append(str(child).strip())
                continue
            if not isinstance(child, Tag):
                continue
            name_ = child.name
            if name_ in _HEADINGS:
                flush()
                emit(_text(child), _HEADINGS[name_])
            elif name_ == "table":
                flush()
                caption = child.find("caption")
                if caption:
                    emit(_text(caption))
                for tr in child.find_all("tr"):
                    cells = [_text(c) for c in tr.find_all(["th", "td"])]
                    emit(" ".join(c for c in cells if c))
                lines.append(Line(text=""))
            elif name_ == "br":
                flush()
            elif name_ in _BLOCKS or child.find(list(_BLOCKS) + list(_HEADINGS) + ["table"]):
                flush()
                walk(child)
                flush()
            else:
                buffer.append(_text(child))
        flush()

    walk(body)
    if title is None and headings:
        first = min(headings)
        title = lines[first].text
    return ParsedFile(lines=lines, headings=headings, title=title, media_type="text/html")

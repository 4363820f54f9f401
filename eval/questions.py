"""Evaluation questions: load and validate the JSONL format of ../shared/eval/README.md.

Every problem is reported with the file and line it stands on, so a broken
question file says where to look instead of failing half-way through a run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

TYPES = ("passage", "indicator")


class QuestionFileError(ValueError):
    """A question file that cannot be used; the message names file and line."""


@dataclass(frozen=True)
class Expect:
    documents: tuple[str, ...]
    contains: tuple[str, ...] = ()  # passage questions
    year: int | None = None  # indicator questions
    values: tuple[float, ...] = ()  # indicator questions
    conflict: bool = False


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    type: str  # passage | indicator
    expect: Expect
    line: int = 0  # where it stood in its file (0 when built in code)
    raw: dict = field(default_factory=dict, compare=False, hash=False)


def _str_list(value: object, what: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise QuestionFileError(f"{where}: expect.{what} must be a non-empty list of non-empty strings")
    return tuple(value)


def parse_question(obj: object, where: str = "question") -> Question:
    """One decoded JSON object → Question; raises QuestionFileError naming `where`."""
    if not isinstance(obj, dict):
        raise QuestionFileError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    qid = obj.get("id")
    if not isinstance(qid, str) or not qid.strip():
        raise QuestionFileError(f"{where}: 'id' must be a non-empty string")
    where = f"{where} (id {qid})"
    text = obj.get("question")
    if not isinstance(text, str) or not text.strip():
        raise QuestionFileError(f"{where}: 'question' must be a non-empty string")
    qtype = obj.get("type")
    if qtype not in TYPES:
        raise QuestionFileError(f"{where}: 'type' must be one of {', '.join(TYPES)}, got {qtype!r}")
    expect = obj.get("expect")
    if not isinstance(expect, dict):
        raise QuestionFileError(f"{where}: 'expect' must be an object")
    documents = _str_list(expect.get("documents"), "documents", where)
    conflict = expect.get("conflict", False)
    if not isinstance(conflict, bool):
        raise QuestionFileError(f"{where}: expect.conflict must be true or false")
    if qtype == "passage":
        contains = _str_list(expect.get("contains"), "contains", where)
        return Question(qid, text, qtype, Expect(documents, contains=contains, conflict=conflict), raw=obj)
    year = expect.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise QuestionFileError(f"{where}: expect.year must be an integer for an indicator question")
    values = expect.get("values")
    if (
        not isinstance(values, list)
        or not values
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    ):
        raise QuestionFileError(f"{where}: expect.values must be a non-empty list of numbers")
    return Question(
        qid, text, qtype, Expect(documents, year=year, values=tuple(values), conflict=conflict), raw=obj
    )


def load_questions(path: Path | str) -> list[Question]:
    """Read a JSONL question file; blank lines are skipped, ids must be unique."""
    path = Path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QuestionFileError(f"{path}: cannot read the question file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise QuestionFileError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from exc
        q = parse_question(obj, where)
        if q.id in seen:
            raise QuestionFileError(f"{where}: duplicate id {q.id!r} (first on line {seen[q.id]})")
        seen[q.id] = number
        questions.append(Question(q.id, q.question, q.type, q.expect, number, q.raw))
    if not questions:
        raise QuestionFileError(f"{path}: no questions in the file")
    return questions


__all__ = ["Expect", "Question", "QuestionFileError", "TYPES", "load_questions", "parse_question"]

"""`chipwatch entities tag`: lines of text, or JSON objects with a `text`, in; one JSON
object of entity tags per line out. A line that cannot be read is reported by number and
the rest is still tagged."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from analysis.tagger import Mention, tag


@dataclass(frozen=True)
class BadLine:
    number: int
    reason: str


def tag_lines(lines: Iterable[str]) -> Iterator[dict[str, Any] | BadLine]:
    """One result per non-blank line: `{"id", "entities"}` or the reason it was skipped.
    A plain-text line's id is its line number; a JSON object's `id` is passed through,
    and its optional `language` (de, en, zh) is handed to the tagger."""
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if not line.lstrip().startswith("{"):
            yield {"id": number, "entities": [_entity(m) for m in tag(line)]}
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BadLine(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            yield BadLine(number, 'expected a JSON object with a string "text"')
            continue
        language = record.get("language")
        if language is not None and not isinstance(language, str):
            yield BadLine(number, '"language" must be a string such as "de"')
            continue
        mentions = tag(record["text"], language)
        yield {"id": record.get("id", number), "entities": [_entity(m) for m in mentions]}


def _entity(mention: Mention) -> dict[str, Any]:
    return {
        "id": mention.entity,
        "name": mention.name,
        "kind": mention.kind,
        "org": mention.org,
        "alias": mention.alias,
        "start": mention.start,
        "end": mention.end,
        "rule": mention.rule,
    }

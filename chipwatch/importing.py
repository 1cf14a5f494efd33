"""`chipwatch import`: articles from other tools (news-please, trafilatura's JSON output,
an archive) as JSON Lines, stored as if crawled and then analysed like any other.

One object per line with `url`, `title` and `text`; optional `language`, `published`
(ISO 8601 or any date python-dateutil reads), `author` and `source`. news-please's field
names are understood too (`maintext`, `date_publish`, `authors`, `source_domain`), and
trafilatura's (`raw_text`, `date`, `hostname`). A bad line is reported with its number
and reason; the others are imported. The crawl's age limit does not apply.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from dateutil import parser as dateparser
from sqlalchemy.orm import Session, sessionmaker

from crawler.extract import content_hash, detect_language, language_code
from crawler.urls import canonicalize, url_key
from storage import ArticleRecord, store_articles

BATCH = 500
# Other tools' names for our fields, first match wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "maintext", "raw_text"),
    "published": ("published", "date_publish", "date"),
    "author": ("author", "authors"),
    "source": ("source", "source_domain", "hostname", "sitename"),
}


@dataclass
class ImportReport:
    read: int = 0
    stored: int = 0
    known: int = 0  # already stored (same URL, or the same text from the same source)
    errors: list[str] = field(default_factory=list)  # "line N: reason"


class BadLine(ValueError):
    """A line that is not an article."""


def import_lines(
    sessions: sessionmaker[Session], lines: Iterable[str], *, default_source: str = "import"
) -> ImportReport:
    report = ImportReport()
    batch: list[ArticleRecord] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        report.read += 1
        try:
            batch.append(parse_line(line, default_source=default_source))
        except BadLine as exc:
            report.errors.append(f"line {number}: {exc}")
        if len(batch) >= BATCH:
            _store(sessions, batch, report)
            batch = []
    if batch:
        _store(sessions, batch, report)
    return report


def _store(
    sessions: sessionmaker[Session], batch: list[ArticleRecord], report: ImportReport
) -> None:
    unique = list({record.url: record for record in batch}.values())  # a file may repeat one
    report.known += len(batch) - len(unique)
    with sessions.begin() as session:
        for result in store_articles(session, unique):
            if result.stored:
                report.stored += 1
            else:
                report.known += 1


def parse_line(line: str, *, default_source: str) -> ArticleRecord:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise BadLine(f"expected a JSON object, got {type(data).__name__}")
    url = _text(data, "url")
    if not url:
        raise BadLine("no url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadLine(f"url {url[:100]!r} is not an http(s) URL")
    text = _first(data, "text")
    if not text or not text.strip():
        raise BadLine("no text")
    title = _text(data, "title") or None
    canonical = canonicalize(url)
    # a tag as other tools write it ("zh-CN") is its language; what is none, detected
    language = language_code(_text(data, "language")) or detect_language(text, "", None)
    return ArticleRecord(
        url=canonical,
        source=_first(data, "source") or default_source,
        text=text,
        content_hash=content_hash(text),
        keys={url_key(u): canonical for u in {url, canonical}},
        title=title,
        author=_first(data, "author") or None,
        published_at=_date(_first(data, "published")),
        language=language,
    )


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if isinstance(value, list):  # news-please lists its authors
        value = ", ".join(str(v) for v in value if v)
    if not isinstance(value, str):
        raise BadLine(f"{name} must be a string, got {type(value).__name__}")
    return value.strip()


def _first(data: dict[str, Any], name: str) -> str:
    for key in _ALIASES.get(name, (name,)):
        value = _text(data, key)
        if value:
            return value
    return ""


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = dateparser.parse(value)
    except (ValueError, OverflowError):
        raise BadLine(f"published {value[:40]!r} is not a date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

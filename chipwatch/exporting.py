"""`chipwatch export`: stored articles as JSON Lines or CSV."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from sqlalchemy.orm import Session

from chipwatch.errors import AppError
from storage import Article, iter_articles

FIELDS = (
    "url",
    "title",
    "text",
    "language",
    "published",
    "author",
    "source",
    "fetched_at",
    "description",
    "site_name",
    "entities",
    "story",
    "duplicate_of",
)


class ExportError(AppError, ValueError):
    """Bad export options."""


def parse_since(value: str, *, now: datetime) -> datetime:
    relative = re.fullmatch(r"(\d+)\s*([dh])", value.strip())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now - (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ExportError(
            f"--since {value!r}: expected a date (2026-11-01), a time (2026-11-01T08:00) or 7d/12h"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def article_entities(article: Article) -> list[str]:
    """The registry ids tagged in the article, each once, in order of first mention."""
    ordered = sorted(article.mentions, key=lambda m: (m.field != "title", m.start))
    return list(dict.fromkeys(m.entity for m in ordered))


def article_row(article: Article) -> dict[str, Any]:
    return {
        "url": article.url,
        "title": article.title or "",
        "text": article.text,
        "language": article.language or "",
        "published": article.published_at.isoformat() if article.published_at else "",
        "author": article.author or "",
        "source": article.source,
        "fetched_at": article.fetched_at.isoformat(),
        "description": article.description or "",
        "site_name": article.site_name or "",
        "entities": article_entities(article),
        "story": article.story_id,
        "duplicate_of": article.duplicate_of,
    }


def export_articles(
    session: Session,
    stream: TextIO,
    format: str,
    *,
    since: datetime | None = None,
    sources: Sequence[str] | None = None,
) -> int:
    if format not in ("jsonl", "csv"):
        raise ExportError(f"--format {format!r}: expected jsonl or csv")
    writer = csv.DictWriter(stream, fieldnames=FIELDS) if format == "csv" else None
    if writer is not None:
        writer.writeheader()
    count = 0
    for article in iter_articles(session, since=since, sources=sources or ()):
        row = article_row(article)
        if writer is not None:
            # CSV cells are text: entity ids joined by ";", no story as an empty cell
            writer.writerow(
                {
                    **row,
                    "entities": ";".join(row["entities"]),
                    "story": row["story"] or "",
                    "duplicate_of": row["duplicate_of"] or "",
                }
            )
        else:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count

"""What `chipwatch stories` and `chipwatch entities` list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from analysis.registry import default_registry
from storage import Article, Mention, Story, story_articles


@dataclass(frozen=True)
class ListedStory:
    id: int
    title: str | None
    first_seen: datetime
    last_seen: datetime
    articles: Sequence[Article]  # earliest first

    @property
    def languages(self) -> list[str]:
        return sorted({a.language for a in self.articles if a.language})

    @property
    def first_source(self) -> str:
        return self.articles[0].source if self.articles else ""

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "languages": self.languages,
            "first_source": self.first_source,
            "articles": [
                {
                    "url": a.url,
                    "title": a.title,
                    "source": a.source,
                    "language": a.language,
                    "published": (a.published_at or a.fetched_at).isoformat(),
                    "duplicate_of": a.duplicate_of,
                }
                for a in self.articles
            ],
        }


def list_stories(session: Session, *, since: datetime, limit: int) -> list[ListedStory]:
    """Stories with an article since `since`, the most recently active first."""
    stories = session.scalars(
        select(Story)
        .where(Story.last_seen >= since)
        .order_by(Story.last_seen.desc(), Story.id.desc())
        .limit(limit)
    ).all()
    members = story_articles(session, [s.id for s in stories])
    return [
        ListedStory(s.id, s.title, s.first_seen, s.last_seen, members.get(s.id, []))
        for s in stories
    ]


@dataclass(frozen=True)
class EntityCount:
    entity: str
    name: str
    kind: str
    articles: int  # articles (not copies) mentioning it in the period
    before: int  # … in the period of the same length before

    @property
    def change_text(self) -> str:
        if not self.before:
            return "new"
        return f"{(self.articles - self.before) / self.before:+.0%}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.entity,
            "name": self.name,
            "kind": self.kind,
            "articles": self.articles,
            "previous": self.before,
            "change": None if not self.before else (self.articles - self.before) / self.before,
        }


def entity_counts(
    session: Session, *, start: datetime, end: datetime, limit: int
) -> list[EntityCount]:
    """Entities by the number of articles that mention them between start and end
    (copies of an article counted once), with the count of the period before."""
    now = _mentions_between(session, start, end)
    before = _mentions_between(session, start - (end - start), start)
    registry = default_registry()
    rows = []
    for entity, count in sorted(now.items(), key=lambda item: (-item[1], item[0]))[:limit]:
        known = registry.entities.get(entity)
        rows.append(
            EntityCount(
                entity,
                known.name if known else entity,
                known.kind if known else "?",
                count,
                before.get(entity, 0),
            )
        )
    return rows


def _mentions_between(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    when = func.coalesce(Article.published_at, Article.fetched_at)
    statement = (
        select(Mention.entity, func.count(distinct(Mention.article_id)))
        .join(Article, Article.id == Mention.article_id)
        .where(when >= start, when < end, Article.duplicate_of.is_(None))
        .group_by(Mention.entity)
    )
    return {entity: count for entity, count in session.execute(statement)}

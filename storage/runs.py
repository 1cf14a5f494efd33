"""Crawl runs and their per-source counters, and the per-source summary `stats` shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Article, CrawlRun, CrawlRunSource, utcnow


@dataclass
class SourceCounters:
    requests: int = 0
    not_modified: int = 0
    new_articles: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    last_error: str | None = None
    # health signals (crawler/health.py): paywall, robots_disallow, … -> count
    signals: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class SourceSummary:
    source: str
    runs: int
    requests: int
    not_modified: int
    new_articles: int
    skipped: dict[str, int]
    errors: dict[str, int]
    last_error: str | None
    last_new_article: datetime | None
    articles_total: int


def start_run(session: Session, spider: str, *, started_at: datetime | None = None) -> int:
    run = CrawlRun(spider=spider, status="running", counters={}, started_at=started_at or utcnow())
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    counters: Mapping[str, Any],
    sources: Mapping[str, SourceCounters],
) -> None:
    run = session.get_one(CrawlRun, run_id)
    run.status = status
    run.finished_at = utcnow()
    run.counters = dict(counters)
    for name, c in sources.items():
        run.sources.append(
            CrawlRunSource(
                source=name,
                requests=c.requests,
                not_modified=c.not_modified,
                new_articles=c.new_articles,
                skipped=dict(c.skipped),
                errors=dict(c.errors),
                last_error=c.last_error,
                signals=dict(c.signals),
            )
        )
    session.flush()


def last_runs(session: Session, limit: int = 10) -> list[CrawlRun]:
    return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))


def source_summaries(session: Session, sources: list[str], *, runs: int = 1) -> list[SourceSummary]:
    """Counters summed over the last `runs` finished crawl runs that touched each source,
    plus all-time article facts."""
    last_new = dict(
        session.execute(
            select(Article.source, func.max(Article.fetched_at)).group_by(Article.source)
        ).all()
    )
    totals = dict(
        session.execute(select(Article.source, func.count()).group_by(Article.source)).all()
    )
    summaries = []
    for name in sources:
        rows = list(
            session.scalars(
                select(CrawlRunSource)
                .where(CrawlRunSource.source == name)
                .order_by(CrawlRunSource.run_id.desc())
                .limit(runs)
            )
        )
        skipped: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        for row in rows:
            skipped.update(row.skipped)
            errors.update(row.errors)
        summaries.append(
            SourceSummary(
                source=name,
                runs=len(rows),
                requests=sum(r.requests for r in rows),
                not_modified=sum(r.not_modified for r in rows),
                new_articles=sum(r.new_articles for r in rows),
                skipped=dict(skipped),
                errors=dict(errors),
                last_error=rows[0].last_error if rows else None,
                last_new_article=last_new.get(name),
                articles_total=totals.get(name, 0),
            )
        )
    return summaries

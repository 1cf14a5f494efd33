"""What is known about each source's health: its listings' schedules and problems, the
signals of its recent crawl runs, when it last delivered, and what the operator was
last told. The diagnosis itself (alerts/health.py) is a pure function of these facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Article, CrawlRun, CrawlRunSource, SourceHealth
from storage.polling import ListingSchedule, listing_schedules

RECENT_RUNS = 10  # runs per source that the diagnosis looks at


@dataclass(frozen=True)
class RunSignals:
    """One crawl run's counters for one source."""

    started_at: datetime
    requests: int
    new_articles: int
    skipped: dict[str, int]
    errors: dict[str, int]
    signals: dict[str, int]


@dataclass(frozen=True)
class SourceFacts:
    source: str
    listings: list[ListingSchedule] = field(default_factory=list)
    recent: list[RunSignals] = field(default_factory=list)  # newest first, that did something
    last_new_article: datetime | None = None
    articles_total: int = 0
    notified: str | None = None  # the problem the operator was last told about


def source_facts(session: Session, sources: Sequence[str]) -> list[SourceFacts]:
    names = list(sources)
    last_new = dict(
        session.execute(
            select(Article.source, func.max(Article.fetched_at))
            .where(Article.source.in_(names))
            .group_by(Article.source)
        ).all()
    )
    totals = dict(
        session.execute(
            select(Article.source, func.count())
            .where(Article.source.in_(names))
            .group_by(Article.source)
        ).all()
    )
    notified = dict(
        session.execute(
            select(SourceHealth.source, SourceHealth.notified).where(SourceHealth.source.in_(names))
        ).all()
    )
    listings: dict[str, list[ListingSchedule]] = {name: [] for name in names}
    for schedule in listing_schedules(session, names):
        listings[schedule.source].append(schedule)
    facts = []
    for name in names:
        rows = session.execute(
            select(CrawlRunSource, CrawlRun.started_at)
            .join(CrawlRun, CrawlRun.id == CrawlRunSource.run_id)
            .where(CrawlRunSource.source == name)
            .order_by(CrawlRunSource.run_id.desc())
            .limit(RECENT_RUNS)
        ).all()
        recent = [
            RunSignals(
                started_at=started,
                requests=row.requests,
                new_articles=row.new_articles,
                skipped=dict(row.skipped),
                errors=dict(row.errors),
                signals=dict(row.signals or {}),
            )
            for row, started in rows
            # a run in which none of its listings was due says nothing about it
            if row.requests or row.errors or row.skipped or row.signals
        ]
        facts.append(
            SourceFacts(
                source=name,
                listings=listings[name],
                recent=recent,
                last_new_article=last_new.get(name),
                articles_total=totals.get(name, 0),
                notified=notified.get(name),
            )
        )
    return facts


def set_notified(
    session: Session, source: str, problem: str | None, *, detail: str | None, now: datetime
) -> None:
    """Remember that the operator was told about `problem` (None: that it recovered)."""
    state = session.get(SourceHealth, source, with_for_update=True)
    if state is None:
        state = SourceHealth(source=source)
        session.add(state)
    state.notified, state.detail, state.notified_at = problem, detail, now
    session.flush()

"""Evaluate → queue → deliver: what `chipwatch alerts` and `chipwatch run` do.

1. evaluate: articles past each rule's watermark go through all rules at once; each
   match becomes an outbox row, unique per (rule, article), in the same transaction
   that advances the watermarks.
2. queue: rules whose schedule is due get one message with their pending matches (the
   message row and the matches it carries are written together).
3. deliver: queued messages are sent (or written as .eml) and marked sent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.compose import AlsoReported, MatchedArticle, compose
from alerts.deliver import DeliveryReport, deliver_due
from alerts.options import AlertConfig, EmailConfig
from analysis.matcher import Match, Rule, RuleSet
from storage import (
    AlertMatch,
    AlertRuleState,
    Article,
    add_matches,
    alerted_stories,
    article_view,
    articles_after,
    pending_articles,
    pending_matches,
    queue_message,
    start_watermark,
    story_articles,
    sync_rules,
    with_analysis,
)

BATCH = 500


@dataclass
class AlertReport:
    evaluated: int = 0
    new_matches: Counter[str] = field(default_factory=Counter)
    queued: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


def evaluate(
    sessions: sessionmaker[Session], alerts: Sequence[AlertConfig], now: datetime
) -> tuple[int, Counter[str]]:
    if not alerts:
        return 0, Counter()
    ruleset = RuleSet(a.rule for a in alerts)
    with sessions.begin() as session:
        by_backfill: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for alert in alerts:
            by_backfill[alert.backfill_days].append((alert.name, alert.query))
        watermarks: dict[str, int] = {}
        for days, rules in by_backfill.items():
            since = now - timedelta(days=days) if days else None
            states = sync_rules(session, rules, now=now, backfill_since=since)
            watermarks.update({name: state.watermark for name, state in states.items()})
    cursor = min(watermarks.values())
    evaluated = 0
    found: Counter[str] = Counter()
    while True:
        with sessions.begin() as session:
            articles = articles_after(session, cursor, limit=BATCH)
            if not articles:
                break
            rows = [
                (match.rule, article.id, match.matched, article.story_id)
                for article, match in _new_matches(ruleset, articles, watermarks)
            ]
            add_matches(session, rows)
            cursor = _seq(articles[-1])
            for name in watermarks:
                state = session.get_one(AlertRuleState, name)
                if state.watermark < cursor:
                    state.watermark = watermarks[name] = cursor
            evaluated += len(articles)
            found.update(rule for rule, _, _, _ in rows)
    return evaluated, found


def queue_due(
    sessions: sessionmaker[Session],
    alerts: Sequence[AlertConfig],
    email: EmailConfig,
    now: datetime,
) -> int:
    zone = ZoneInfo(email.timezone)
    queued = 0
    for alert in alerts:
        with sessions.begin() as session:
            state = session.get(AlertRuleState, alert.name)
            if state is None:
                continue
            matches = pending_matches(session, alert.name)
            if not matches or not alert.schedule.is_due(
                now, zone, state.last_sent_at, state.created_at
            ):
                continue
            items = _story_items(session, alert.name, matches)
            # An immediate rule sends when a story is new to it; articles that joined a
            # story it sent before wait and go out as updates with the next message.
            if not alert.schedule.is_digest and all(item.update for item in items):
                continue
            period = ""
            if alert.schedule.is_digest:
                start = (state.last_sent_at or state.created_at).astimezone(zone)
                period = f"{start:%Y-%m-%d %H:%M} – {now.astimezone(zone):%Y-%m-%d %H:%M %Z}"
            composed = compose(
                rule=alert.name,
                query=alert.query,
                items=items,
                digest=alert.schedule.is_digest,
                sender=email.from_addr,
                recipients=alert.recipients,
                zone=zone,
                now=now,
                period=period,
            )
            queue_message(
                session,
                rule=alert.name,
                kind="digest" if alert.schedule.is_digest else "immediate",
                message_id=composed.message_id,
                recipients=alert.recipients,
                subject=composed.subject,
                raw=composed.raw,
                matches=matches,
                now=now,
            )
            queued += 1
    return queued


def _story_items(
    session: Session, rule: str, matches: Sequence[AlertMatch]
) -> list[MatchedArticle]:
    """One item per story: its earliest matched article, the other articles of the
    story as "also reported by", and whether the rule has sent that story before."""
    by_story: dict[int | None, list[AlertMatch]] = defaultdict(list)
    for match in matches:
        by_story[match.story_id].append(match)
    story_ids = [s for s in by_story if s is not None]
    sent = alerted_stories(session, rule, story_ids)
    members = story_articles(session, story_ids)
    items = []
    for story_id, group in by_story.items():
        # matches from before stories (story_id NULL) stay one item each
        for lead in [_earliest(group)] if story_id is not None else group:
            article = lead.article
            others = (
                [a for a in members.get(story_id, []) if a.id != article.id] if story_id else []
            )
            items.append(
                MatchedArticle(
                    url=article.url,
                    title=article.title,
                    source=article.source,
                    published=article.published_at,
                    fetched=article.fetched_at,
                    language=article.language,
                    text=article.text,
                    matched=lead.matched_terms,
                    also=tuple(AlsoReported(a.source, a.language, a.url, a.title) for a in others),
                    update=story_id in sent,
                )
            )
    return items


def _earliest(matches: Sequence[AlertMatch]) -> AlertMatch:
    return min(
        matches, key=lambda m: (m.article.published_at or m.article.fetched_at, m.article_id)
    )


def run_alerts(
    sessions: sessionmaker[Session],
    alerts: Sequence[AlertConfig],
    email: EmailConfig,
    now: datetime,
) -> AlertReport:
    active = [a for a in alerts if a.enabled]
    report = AlertReport()
    report.evaluated, report.new_matches = evaluate(sessions, active, now)
    report.queued = queue_due(sessions, active, email, now)
    # messages queued a moment ago are due now, whatever `now` the run started with
    report.delivery = deliver_due(sessions, email, email.from_addr, max(now, datetime.now(UTC)))
    return report


def _new_matches(
    ruleset: RuleSet, articles: Sequence[Article], watermarks: dict[str, int]
) -> list[tuple[Article, Match]]:
    """Matches of articles past the matching rule's watermark."""
    return [
        (article, match)
        for article in articles
        for match in ruleset.match(article_view(article))
        if _seq(article) > watermarks[match.rule]
    ]


def _seq(article: Article) -> int:
    assert article.analysed_seq is not None  # articles_after returns analysed ones only
    return article.analysed_seq


def dry_run(
    sessions: sessionmaker[Session], alerts: Sequence[AlertConfig], now: datetime
) -> dict[str, list[tuple[Article, Match]]]:
    """What the next run would match, without writing anything."""
    active = [a for a in alerts if a.enabled]
    ruleset = RuleSet(a.rule for a in active)
    result: dict[str, list[tuple[Article, Match]]] = {a.name: [] for a in active}
    with sessions() as session:
        states = {s.name: s for s in session.scalars(select(AlertRuleState))}
        marks = {
            alert.name: states[alert.name].watermark
            if alert.name in states
            else start_watermark(
                session,
                now - timedelta(days=alert.backfill_days) if alert.backfill_days else None,
            )
            for alert in active
        }
        cursor = min(marks.values(), default=0)
        while articles := articles_after(session, cursor, limit=BATCH):
            for article, match in _new_matches(ruleset, articles, marks):
                result[match.rule].append((article, match))
            cursor = _seq(articles[-1])
        # stored but not analysed yet: the next run analyses them first, then they are
        # new to every rule (unless the stage finds one a copy of an earlier article)
        for article in pending_articles(session):
            for match in ruleset.match(article_view(article)):
                result[match.rule].append((article, match))
    return result


def backtest(
    sessions: sessionmaker[Session], query: str, since: datetime
) -> list[tuple[Article, Match]]:
    """Which stored articles (fetched since `since`) a query would have matched."""
    ruleset = RuleSet([Rule.parse("test", query)])
    hits = []
    with sessions() as session:
        statement = (
            select(Article)
            .options(*with_analysis())
            .where(Article.fetched_at >= since)
            .order_by(Article.id)
            .execution_options(yield_per=BATCH)
        )
        for article in session.scalars(statement):
            for match in ruleset.match(article_view(article)):
                hits.append((article, match))
    return hits

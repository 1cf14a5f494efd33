"""The alert outbox: rule watermarks, (rule, article) matches, composed messages.

Functions take a session and never commit: evaluation writes matches and advances the
watermark in one transaction; a message row and the matches it carries are written in
one transaction; a message is marked sent in its own, right after the server accepted it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from storage.analysed import with_analysis
from storage.models import AlertMatch, AlertMessage, AlertRuleState, Article, utcnow


@dataclass(frozen=True)
class RuleStatus:
    name: str
    query: str
    watermark: int
    last_match_at: datetime | None
    last_sent_at: datetime | None
    matches_total: int
    pending_matches: int
    queued_messages: int
    failed_messages: int
    last_error: str | None


def sync_rules(
    session: Session,
    rules: Sequence[tuple[str, str]],
    *,
    now: datetime,
    backfill_since: datetime | None = None,
) -> dict[str, AlertRuleState]:
    """Create state for new rules, starting at "now" (the newest stored article) so that
    a new rule does not flood its recipients with the archive — unless backfilling
    from `backfill_since`. A changed query keeps its watermark."""
    states = {s.name: s for s in session.scalars(select(AlertRuleState))}
    start = start_watermark(session, backfill_since)
    for name, query in rules:
        state = states.get(name)
        if state is None:
            state = AlertRuleState(name=name, query=query, watermark=start, created_at=now)
            session.add(state)
            states[name] = state
        elif state.query != query:
            state.query = query
    session.flush()
    return {name: states[name] for name, _ in rules}


def start_watermark(session: Session, backfill_since: datetime | None = None) -> int:
    """Where a new rule starts: after the newest analysed article, or just before the
    first article fetched since `backfill_since`. Watermarks count the analyse stage's
    sequence (`Article.analysed_seq`), not ids."""
    newest = session.scalar(select(func.max(Article.analysed_seq))) or 0
    if backfill_since is None:
        return newest
    first = session.scalar(
        select(func.min(Article.analysed_seq)).where(Article.fetched_at >= backfill_since)
    )
    return first - 1 if first is not None else newest


def articles_after(session: Session, seq: int, *, limit: int) -> list[Article]:
    """Analysed articles past `seq` in the stage's order, duplicates left out (they are
    never alerted on their own), and none past an article the stage has yet to redo
    (one stored before the stage existed keeps its old place in the order)."""
    barrier = session.scalar(
        select(func.min(Article.analysed_seq)).where(
            Article.analysed_seq.is_not(None), Article.stage_version.is_(None)
        )
    )
    statement = (
        select(Article)
        .options(*with_analysis())
        .where(
            Article.analysed_seq > seq,
            Article.stage_version.is_not(None),
            Article.duplicate_of.is_(None),
        )
        .order_by(Article.analysed_seq)
        .limit(limit)
    )
    if barrier is not None:
        statement = statement.where(Article.analysed_seq < barrier)
    return list(session.scalars(statement))


def pending_articles(session: Session) -> Iterator[Article]:
    """Stored articles the analyse stage has not placed yet, in storage order."""
    statement = (
        select(Article)
        .options(*with_analysis())
        .where(Article.analysed_seq.is_(None))
        .order_by(Article.id)
        .execution_options(yield_per=500)
    )
    yield from session.scalars(statement)


def add_matches(
    session: Session, rows: Iterable[tuple[str, int, Sequence[str], int | None]]
) -> int:
    """Insert (rule, article_id, matched terms, story_id) unless that (rule, article)
    exists; return how many were new."""
    rows = list(rows)
    if not rows:
        return 0
    rules = {rule for rule, _, _, _ in rows}
    ids = {article_id for _, article_id, _, _ in rows}
    existing = {
        (rule, article_id)
        for rule, article_id in session.execute(
            select(AlertMatch.rule, AlertMatch.article_id).where(
                AlertMatch.rule.in_(rules), AlertMatch.article_id.in_(ids)
            )
        )
    }
    now = utcnow()
    added = 0
    matched_rules: set[str] = set()
    for rule, article_id, matched, story_id in rows:
        if (rule, article_id) in existing:
            continue
        existing.add((rule, article_id))
        matched_rules.add(rule)
        session.add(
            AlertMatch(
                rule=rule,
                article_id=article_id,
                matched_terms=list(matched),
                matched_at=now,
                story_id=story_id,
            )
        )
        added += 1
    for rule in matched_rules:
        state = session.get(AlertRuleState, rule)
        if state is not None:
            state.last_match_at = now
    session.flush()
    return added


def pending_matches(session: Session, rule: str) -> list[AlertMatch]:
    return list(
        session.scalars(
            select(AlertMatch)
            .options(joinedload(AlertMatch.article))
            .where(AlertMatch.rule == rule, AlertMatch.message_id.is_(None))
            .order_by(AlertMatch.article_id)
        )
    )


def alerted_stories(session: Session, rule: str, story_ids: Iterable[int]) -> set[int]:
    """Which of these stories a message of this rule has already carried."""
    ids = set(story_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            select(AlertMatch.story_id).where(
                AlertMatch.rule == rule,
                AlertMatch.story_id.in_(ids),
                AlertMatch.message_id.is_not(None),
            )
        )
    )


def story_articles(session: Session, story_ids: Iterable[int]) -> dict[int, list[Article]]:
    """Every article of these stories (duplicates included: a copy on another site is
    one more source that reported it), earliest first."""
    found: dict[int, list[Article]] = {}
    ids = set(story_ids)
    if not ids:
        return found
    statement = (
        select(Article)
        .where(Article.story_id.in_(ids))
        .order_by(func.coalesce(Article.published_at, Article.fetched_at), Article.id)
    )
    for article in session.scalars(statement):
        assert article.story_id is not None
        found.setdefault(article.story_id, []).append(article)
    return found


def queue_message(
    session: Session,
    *,
    rule: str,
    kind: str,
    message_id: str,
    recipients: Sequence[str],
    subject: str,
    raw: bytes,
    matches: Sequence[AlertMatch],
    now: datetime,
) -> AlertMessage:
    message = AlertMessage(
        created_at=now,
        rule=rule,
        kind=kind,
        message_id=message_id,
        recipients=list(recipients),
        subject=subject,
        raw=raw,
        status="queued",
        attempts=0,
        next_attempt_at=now,
    )
    session.add(message)
    session.flush()
    for match in matches:
        match.message_id = message.id
    state = session.get(AlertRuleState, rule)
    if state is not None:
        state.last_sent_at = message.created_at
    session.flush()
    return message


def claim_due(session: Session, now: datetime, *, after: int = 0) -> AlertMessage | None:
    """The oldest message due at `now` (with an id above `after`), claimed for the
    caller's transaction: the caller sends it and marks it in the same transaction, and
    no other sender can send it meanwhile, nor after (it is no longer queued then).

    PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, so two senders (on one machine or
    several) each take the next message nobody holds, and neither waits for the other.
    SQLite has one writer at a time: the claim starts by taking the database's write
    lock (a write that changes nothing), so a second sender waits for the first one's
    commit and then finds the message sent. `chipwatch run` and `chipwatch alerts`
    already run one at a time under the run lock; this keeps it so without it."""
    due = (
        AlertMessage.status == "queued",
        AlertMessage.next_attempt_at <= now,
        AlertMessage.id > after,
    )
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(AlertMessage)
            .where(*due)
            .values(status=AlertMessage.status)
            .execution_options(synchronize_session=False)
        )
    return session.scalar(
        select(AlertMessage)
        .where(*due)
        .order_by(AlertMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


@dataclass(frozen=True)
class QueuedMessage:
    rule: str
    subject: str
    recipients: tuple[str, ...]
    next_attempt_at: datetime  # due when not after the sender's `now`


def queued_messages(session: Session) -> list[QueuedMessage]:
    """The outbox: every message a sender would still send (any rule, a health notice
    too, whether or not its rule is still configured), oldest first."""
    rows = session.scalars(
        select(AlertMessage).where(AlertMessage.status == "queued").order_by(AlertMessage.id)
    )
    return [QueuedMessage(m.rule, m.subject, tuple(m.recipients), m.next_attempt_at) for m in rows]


def mark_sent(session: Session, message_id: int, *, refused: dict[str, str]) -> None:
    message = session.get_one(AlertMessage, message_id)
    message.status = "sent" if len(refused) < len(message.recipients) else "failed"
    message.sent_at = utcnow()
    message.attempts += 1
    message.refused = dict(refused)
    message.last_error = "; ".join(f"{r}: {reply}" for r, reply in refused.items()) or None


def mark_retry(session: Session, message_id: int, *, error: str, next_attempt_at: datetime) -> None:
    message = session.get_one(AlertMessage, message_id)
    message.attempts += 1
    message.last_error = error
    message.next_attempt_at = next_attempt_at


def mark_failed(session: Session, message_id: int, *, error: str, refused: dict[str, str]) -> None:
    message = session.get_one(AlertMessage, message_id)
    message.attempts += 1
    message.status = "failed"
    message.last_error = error
    message.refused = dict(refused)


def rule_statuses(session: Session, names: Sequence[str]) -> list[RuleStatus]:
    states = {s.name: s for s in session.scalars(select(AlertRuleState))}
    matches = _counts(session, AlertMatch.rule)
    pending = _counts(session, AlertMatch.rule, AlertMatch.message_id.is_(None))
    queued = _counts(session, AlertMessage.rule, AlertMessage.status == "queued")
    failed = _counts(session, AlertMessage.rule, AlertMessage.status == "failed")
    result = []
    for name in names:
        state = states.get(name)
        last_error = session.scalar(
            select(AlertMessage.last_error)
            .where(AlertMessage.rule == name, AlertMessage.last_error.is_not(None))
            .order_by(AlertMessage.id.desc())
            .limit(1)
        )
        result.append(
            RuleStatus(
                name=name,
                query=state.query if state else "",
                watermark=state.watermark if state else 0,
                last_match_at=state.last_match_at if state else None,
                last_sent_at=state.last_sent_at if state else None,
                matches_total=matches.get(name, 0),
                pending_matches=pending.get(name, 0),
                queued_messages=queued.get(name, 0),
                failed_messages=failed.get(name, 0),
                last_error=last_error,
            )
        )
    return result


def _counts(session: Session, rule_column: Any, *conditions: Any) -> dict[str, int]:
    """Rows per rule, in one grouped query."""
    statement = select(rule_column, func.count()).where(*conditions).group_by(rule_column)
    return {rule: count for rule, count in session.execute(statement)}

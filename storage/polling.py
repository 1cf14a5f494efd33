"""Adaptive polling: each configured listing (feed, sitemap, section page) is fetched
as often as it really changes, within the configured bounds.

A fetch that brings a different set of links than last time is a change; a 304 or the
same set is not. A change halves the listing's interval, no change makes it 1.5 times
longer, so a listing that changes on every fetch stays at `min_interval` and one that
never changes drifts to `max_interval`. A failed fetch keeps the learned interval and
waits `min_interval × 2^failures` (at most `max_interval`) before the next try: a
failing listing is asked less and less often, and never dropped.

A child sitemap of a sitemap index is scheduled with its index: the index is due or
not, and it changed when any of its children did.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Listing
from storage.upsert import insert_missing_and_lock

SHRINK = 0.5  # the interval after a change, as a share of the one before
GROW = 1.5  # … after a fetch without change
# cron starts a run a little before or after the minute the last one planned for:
# a listing due within this much is fetched now rather than a whole cron period later.
DUE_SLACK = timedelta(seconds=60)


@dataclass(frozen=True)
class Bounds:
    min_interval: float  # seconds
    max_interval: float

    def clamp(self, seconds: float) -> float:
        return min(self.max_interval, max(self.min_interval, seconds))


@dataclass(frozen=True)
class Poll:
    """One fetch of one listing URL, as the crawl saw it."""

    key: str  # the URL's dedup key
    url: str
    source: str
    kind: str  # feed | sitemap | page
    root_key: str  # the configured listing it belongs to (its own key if configured)
    ok: bool
    # A hash of the links it offered; None with `ok`: 304 not modified.
    fingerprint: str | None = None
    items: int = 0
    problem: str | None = None  # when not ok: bot_wall, robots, http_500, not_a_feed, …
    detail: str = ""


@dataclass(frozen=True)
class ListingSchedule:
    """What `stats` shows of a configured listing."""

    source: str
    url: str
    kind: str
    interval: float
    fetches: int
    failures: int
    items: int
    first_fetch: datetime | None
    last_fetch: datetime | None
    last_change: datetime | None
    next_fetch: datetime | None
    problem: str | None
    problem_detail: str | None


def next_interval(interval: float, changed: bool, bounds: Bounds) -> float:
    if interval <= 0:  # never fetched before
        return bounds.min_interval
    return bounds.clamp(interval * (SHRINK if changed else GROW))


def retry_delay(failures: int, bounds: Bounds) -> float:
    """How long a listing that failed `failures` times in a row waits before the next try."""
    return bounds.clamp(bounds.min_interval * 2.0 ** min(failures, 40))


def record_polls(session: Session, polls: Sequence[Poll], *, now: datetime, bounds: Bounds) -> None:
    """Remember what each fetch saw, and schedule each configured listing's next fetch."""
    if not polls:
        return
    rows = _lock_listings(session, polls)
    changed: dict[str, bool] = {}
    for poll in polls:
        row = rows[poll.key]
        row.url, row.source, row.kind = poll.url, poll.source, poll.kind
        row.parent = None if poll.key == poll.root_key else poll.root_key
        row.fetches += 1
        row.last_fetch = now
        row.first_fetch = row.first_fetch or now
        if poll.ok:
            changed[poll.key] = poll.fingerprint is not None and poll.fingerprint != row.fingerprint
            if poll.fingerprint is not None:
                row.fingerprint, row.items = poll.fingerprint, poll.items
            if changed[poll.key]:
                row.last_change = now
            row.failures, row.problem, row.problem_detail = 0, None, None
        else:
            row.failures += 1
            row.problem, row.problem_detail = poll.problem or "failed", poll.detail or None
    groups: dict[str, list[Poll]] = defaultdict(list)
    for poll in polls:
        groups[poll.root_key].append(poll)
    for root_key, group in groups.items():
        _schedule(rows[root_key], group, changed, now=now, bounds=bounds)
    session.flush()


def _schedule(
    root: Listing,
    group: list[Poll],
    changed: Mapping[str, bool],
    *,
    now: datetime,
    bounds: Bounds,
) -> None:
    failed = [p for p in group if not p.ok]
    own_failed = any(p.key == root.key for p in failed)
    if own_failed or len(failed) == len(group):
        if not own_failed:  # the index answered, every child failed
            root.failures += 1
            root.problem, root.problem_detail = failed[0].problem, failed[0].detail or None
        root.interval = root.interval or bounds.min_interval
        root.next_fetch = now + timedelta(seconds=retry_delay(root.failures, bounds))
        return
    any_change = any(changed.get(p.key, False) for p in group)
    if any_change:
        root.last_change = now
    root.interval = next_interval(root.interval, any_change, bounds)
    root.next_fetch = now + timedelta(seconds=root.interval)
    if failed:  # some children failed: not the listing's failure, but worth saying
        root.problem, root.problem_detail = failed[0].problem, failed[0].detail or None


def not_due(session: Session, keys: Iterable[str], *, now: datetime, bounds: Bounds) -> set[str]:
    """The keys of listings whose next fetch is later than now. A listing never fetched
    is due; so is one whose last fetch is `max_interval` ago (the bounds may have
    changed since its next fetch was planned)."""
    keys = list(keys)
    waiting: set[str] = set()
    horizon = now + DUE_SLACK
    longest = timedelta(seconds=bounds.max_interval)
    for start in range(0, len(keys), 500):
        rows = session.execute(
            select(Listing.key, Listing.next_fetch, Listing.last_fetch).where(
                Listing.key.in_(keys[start : start + 500])
            )
        )
        for key, next_fetch, last_fetch in rows:
            if next_fetch is None or next_fetch <= horizon:
                continue
            if last_fetch is not None and last_fetch + longest <= horizon:
                continue
            waiting.add(key)
    return waiting


def listing_schedules(session: Session, sources: Sequence[str]) -> list[ListingSchedule]:
    """The configured listings (not child sitemaps) of these sources that were fetched."""
    rows = session.scalars(
        select(Listing)
        .where(Listing.source.in_(list(sources)), Listing.parent.is_(None))
        .order_by(Listing.source, Listing.kind, Listing.url)
    )
    return [
        ListingSchedule(
            source=r.source,
            url=r.url,
            kind=r.kind,
            interval=r.interval,
            fetches=r.fetches,
            failures=r.failures,
            items=r.items,
            first_fetch=r.first_fetch,
            last_fetch=r.last_fetch,
            last_change=r.last_change,
            next_fetch=r.next_fetch,
            problem=r.problem,
            problem_detail=r.problem_detail,
        )
        for r in rows
    ]


def _lock_listings(session: Session, polls: Sequence[Poll]) -> dict[str, Listing]:
    """A row for every listing the polls name (roots included), locked until the caller
    commits, in key order (two crawl workers finishing at once cannot deadlock)."""
    wanted: dict[str, Poll] = {}
    for poll in polls:
        wanted.setdefault(poll.key, poll)
    for poll in polls:  # a root is always polled along with its children; just in case
        wanted.setdefault(poll.root_key, poll)
    return insert_missing_and_lock(
        session,
        Listing,
        list(wanted),
        lambda key: {
            "url": wanted[key].url if wanted[key].key == key else key,
            "source": wanted[key].source,
            "kind": wanted[key].kind,
            "items": 0,
            "interval": 0.0,
            "fetches": 0,
            "failures": 0,
        },
    )

"""Articles and per-URL state: the few functions the crawler and the CLI use.

Every function takes a session and leaves the transaction to the caller, so one batch of
articles commits (or vanishes, if the process dies) as a whole.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import Executable

from analysis.analyzer import Analyzed, Vocabulary
from storage.analysed import analysed_columns
from storage.models import Article, UrlState, utcnow
from storage.upsert import chunked, dialect_insert, insert_missing_and_lock

if sys.version_info >= (3, 14):
    from compression import zstd
else:  # the backport of it, which Scrapy requires too
    from backports import zstd

# Search results and listings: by publication time, else fetch time; ties by id.


@dataclass(frozen=True)
class ArticleRecord:
    """An extracted article, ready to store. `keys` maps every dedup key that leads to
    it (requested URL, final URL after redirects, rel=canonical) to its URL."""

    url: str
    source: str
    text: str
    content_hash: str
    keys: dict[str, str]
    title: str | None = None
    author: str | None = None
    description: str | None = None
    site_name: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    analysed_text: Analyzed | None = None  # the text's analysis, when the caller has it
    analysed_title: Analyzed | None = None  # the title's, likewise
    vocabulary: Vocabulary | None = None  # the distinct tokens of both analyses
    # The page's HTML as stored: a Zstandard frame (crawler.worker.compress_html, in the
    # crawl's extraction workers, so the process that stores never compresses)
    compressed_html: bytes | None = None
    status: int | None = 200
    fetched_at: datetime = field(default_factory=utcnow)


# The outcome of an article URL that a listing offered but whose fate is not known
# (not stored, no outcome committed): the next run requests it again.
PENDING = "pending"


@dataclass(frozen=True)
class UrlOutcome:
    """An article URL that gave no article: skipped (with a reason) or failed."""

    key: str
    url: str
    source: str
    outcome: str  # skipped:<reason> | error:<kind>
    final: bool  # permanent: never request again
    status: int | None = None


@dataclass(frozen=True)
class ListingState:
    key: str
    url: str
    source: str
    kind: str
    status: int
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class StoreResult:
    url: str
    source: str
    stored: bool
    article_id: int


def store_articles(session: Session, records: Sequence[ArticleRecord]) -> list[StoreResult]:
    """Insert new articles; an article already known by any of its keys, by URL, or by
    the same text from the same source is not stored twice (its keys become aliases).

    Safe against other writers storing the same article at the same time (several crawl
    workers on one PostgreSQL database): the insert is `ON CONFLICT (url) DO NOTHING`, so
    the second writer waits for the first one's commit and then takes its article, and
    the URL-state rows are created the same way and updated under a row lock."""
    states = _lock_url_states(
        session, {key: (url, r.source, "article") for r in records for key, url in r.keys.items()}
    )
    known = _KnownArticles.look_up(session, records)
    insert = _article_insert(session)
    results = []
    # Nothing read below depends on the URL states changed in the loop: no flush before
    # every query, one at the end.
    with session.no_autoflush:
        for record in records:
            existing = _find_existing(states, known, record)
            stored = False
            if existing is None:
                article_id = _insert_article(session, insert, record)
                stored = article_id is not None
                if article_id is None:  # another writer stored this URL a moment ago
                    article_id = session.scalar(select(Article.id).where(Article.url == record.url))
                    assert article_id is not None
                known.add(record, article_id)
            else:
                article_id = existing
            for key, url in record.keys.items():
                state = _url_state(session, states, key, url, record.source, "article")
                # A row that already says "stored" for this article keeps saying so (the
                # same URL stored again, or by another writer at the same moment).
                kept = state.outcome == "stored" and state.article_id == article_id
                state.outcome = "stored" if (stored and url == record.url) or kept else "duplicate"
                state.article_id = article_id
                state.final = True
                state.last_status = record.status
                state.last_fetched = record.fetched_at
            results.append(StoreResult(record.url, record.source, stored, article_id))
    session.flush()
    return results


@dataclass
class _KnownArticles:
    """The stored articles a batch could be a copy of, by URL and by (text hash, source):
    looked up in two queries for the whole batch, then kept up to date as it is stored."""

    by_url: dict[str, int]
    by_text: dict[tuple[str, str], int]

    @classmethod
    def look_up(cls, session: Session, records: Sequence[ArticleRecord]) -> _KnownArticles:
        urls = sorted({r.url for r in records})
        hashes = sorted({r.content_hash for r in records})
        by_url: dict[str, int] = {}
        by_text: dict[tuple[str, str], int] = {}
        for chunk in chunked(urls):
            found = session.execute(select(Article.url, Article.id).where(Article.url.in_(chunk)))
            by_url.update((url, article_id) for url, article_id in found)
        for chunk in chunked(hashes):
            same_text = session.execute(
                select(Article.content_hash, Article.source, Article.id)
                .where(Article.content_hash.in_(chunk))
                .order_by(Article.id)
            )
            for content_hash, source, article_id in same_text:
                by_text.setdefault((content_hash, source), article_id)  # the first stored
        return cls(by_url, by_text)

    def add(self, record: ArticleRecord, article_id: int) -> None:
        self.by_url.setdefault(record.url, article_id)
        self.by_text.setdefault((record.content_hash, record.source), article_id)


def _article_insert(session: Session) -> Executable:
    """INSERT … ON CONFLICT (url) DO NOTHING RETURNING id on the Core table, not the mapped
    class: one statement for a whole batch (compiled once, values bound per article),
    without the ORM's bookkeeping for rows it never loads."""
    table = Article.__table__
    return (
        dialect_insert(session, table)
        .on_conflict_do_nothing(index_elements=["url"])
        .returning(table.c.id)
    )


def _insert_article(session: Session, insert: Executable, record: ArticleRecord) -> int | None:
    """The new article's id; None when a row with its URL exists (committed by another
    writer after we looked)."""
    title, text = without_nul(record.title), without_nul(record.text) or ""
    values = {
        "url": record.url,
        "source": record.source,
        "title": title,
        "author": without_nul(record.author),
        "description": without_nul(record.description),
        "site_name": without_nul(record.site_name),
        "published_at": record.published_at,
        "fetched_at": record.fetched_at,
        "language": record.language,
        "text": text,
        "content_hash": record.content_hash,
        "raw_html": record.compressed_html,
        # the crawl's own analyses, unless dropping NULs changed what they were of
        **analysed_columns(
            title,
            text,
            record.analysed_text if text == record.text else None,
            analysed_title=record.analysed_title if title == record.title else None,
            known_vocabulary=(
                record.vocabulary if text == record.text and title == record.title else None
            ),
        ),
    }
    article_id: int | None = session.execute(insert, values).scalar()
    return article_id


def without_nul(value: str | None) -> str | None:
    """PostgreSQL's text type cannot hold NUL characters, which a hostile page may
    contain; they are dropped on every backend, so both store the same text."""
    return value.replace("\x00", "") if value and "\x00" in value else value


def _find_existing(
    states: dict[str, UrlState], known: _KnownArticles, record: ArticleRecord
) -> int | None:
    for key in record.keys:
        state = states.get(key)
        if state is not None and state.article_id is not None:
            return state.article_id
    return known.by_url.get(record.url) or known.by_text.get((record.content_hash, record.source))


def record_outcomes(session: Session, outcomes: Iterable[UrlOutcome], *, max_failures: int) -> None:
    outcomes = list(outcomes)
    states = _lock_url_states(session, {o.key: (o.url, o.source, "article") for o in outcomes})
    now = utcnow()
    for outcome in outcomes:
        state = _url_state(session, states, outcome.key, outcome.url, outcome.source, "article")
        if state.article_id is not None:
            continue  # a later alias of a stored article; nothing to learn
        if outcome.outcome == PENDING:
            # Listed but not resolved in the run that found it: ask again next run. Not a
            # failure of the URL, so it neither counts towards max_failures nor
            # overwrites what an earlier run learnt about it.
            if not state.final and state.outcome is None:
                state.outcome = PENDING
            continue
        state.outcome = outcome.outcome
        state.last_status = outcome.status
        state.last_fetched = now
        if outcome.final:
            state.final = True
        else:
            state.failures += 1
            state.final = state.failures >= max_failures
    session.flush()


def save_listing_states(session: Session, states: Iterable[ListingState]) -> None:
    states = list(states)
    by_key = _lock_url_states(session, {s.key: (s.url, s.source, s.kind) for s in states})
    now = utcnow()
    for listing in states:
        state = _url_state(session, by_key, listing.key, listing.url, listing.source, listing.kind)
        state.last_status = listing.status
        state.last_fetched = now
        if listing.status != 304:  # a 304 carries no new validators
            state.etag = listing.etag
            state.last_modified = listing.last_modified
    session.flush()


def listing_validators(
    session: Session, keys: Iterable[str]
) -> dict[str, tuple[str | None, str | None]]:
    rows = session.execute(
        select(UrlState.key, UrlState.etag, UrlState.last_modified).where(
            UrlState.key.in_(list(keys))
        )
    )
    return {key: (etag, modified) for key, etag, modified in rows if etag or modified}


def listing_urls(
    session: Session, source: str, kind: str, *, seen_since: datetime | None = None
) -> list[str]:
    """Listings of one kind recorded for a source, e.g. the child sitemaps of an index
    that answered 304 (its children may still have changed)."""
    statement = select(UrlState.url).where(UrlState.source == source, UrlState.kind == kind)
    if seen_since is not None:
        statement = statement.where(UrlState.first_seen >= seen_since)
    return list(session.scalars(statement.order_by(UrlState.first_seen)))


# An outcome "reason@version" is final only while its version holds: a page that a
# source's `require` filter turned down is asked for again once the filter changed.
VERSION_MARK = "@"


def known_keys(
    session: Session, keys: Iterable[str], versions: Mapping[str, str] | None = None
) -> set[str]:
    """Keys never to request again: stored articles, their aliases, permanent skips and
    URLs that failed too often. `versions` (source → its filter's version, as written
    after VERSION_MARK) leaves out the skips decided under another version."""
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), 500):  # stay under SQLite's bound-parameter limit
        chunk = keys[start : start + 500]
        rows = session.execute(
            select(UrlState.key, UrlState.source, UrlState.outcome).where(
                UrlState.key.in_(chunk), UrlState.final.is_(True)
            )
        )
        for key, source, outcome in rows:
            _, marked, version = (outcome or "").rpartition(VERSION_MARK)
            if not marked or not versions or versions.get(source, version) == version:
                found.add(key)
    return found


def pending_retries(session: Session, sources: Iterable[str]) -> list[tuple[str, str]]:
    """Article URLs worth another try: failed transiently, or left pending by a run that
    could not store them: (url, source)."""
    rows = session.execute(
        select(UrlState.url, UrlState.source).where(
            UrlState.kind == "article",
            UrlState.final.is_(False),
            UrlState.article_id.is_(None),
            (UrlState.failures > 0) | (UrlState.outcome == PENDING),
            UrlState.source.in_(list(sources)),
        )
    )
    return [(url, source) for url, source in rows]


def refiltered_urls(session: Session, versions: Mapping[str, str]) -> list[tuple[str, str]]:
    """Article URLs a source's filter turned down under another version of it than
    `versions` (source → version) names: (url, source). Their listing may not offer
    them again (it answers 304, or has moved on)."""
    found: list[tuple[str, str]] = []
    for source, version in versions.items():
        rows = session.execute(
            select(UrlState.url, UrlState.source).where(
                UrlState.source == source,
                UrlState.kind == "article",
                UrlState.article_id.is_(None),
                UrlState.outcome.contains(VERSION_MARK, autoescape=True),
                ~UrlState.outcome.endswith(VERSION_MARK + version, autoescape=True),
            )
        )
        found += [(url, name) for url, name in rows]
    return found


def pending_urls(session: Session, sources: Iterable[str]) -> list[tuple[str, str]]:
    """Article URLs listed but never resolved (no article, no outcome): what a crawl
    worker that died had taken with it: (url, source)."""
    rows = session.execute(
        select(UrlState.url, UrlState.source).where(
            UrlState.kind == "article",
            UrlState.outcome == PENDING,
            UrlState.final.is_(False),
            UrlState.article_id.is_(None),
            UrlState.source.in_(list(sources)),
        )
    )
    return [(url, source) for url, source in rows]


def iter_articles(
    session: Session, *, since: datetime | None = None, sources: Sequence[str] = ()
) -> Iterator[Article]:
    statement = (
        select(Article)
        .options(selectinload(Article.mentions))  # one query per 500 articles, not each
        .order_by(Article.fetched_at, Article.id)
    )
    if since is not None:
        statement = statement.where(Article.fetched_at >= since)
    if sources:
        statement = statement.where(Article.source.in_(sources))
    yield from session.scalars(statement.execution_options(yield_per=500))


def raw_html(article: Article) -> str | None:
    """The page's HTML as the crawl fetched it (stored by crawler.worker.compress_html)."""
    if not article.raw_html:
        return None
    stored = article.raw_html
    # pages stored before Zstandard are zlib streams: both are read
    data = zstd.decompress(stored) if stored[:4] == _ZSTD_MAGIC else zlib.decompress(stored)
    return data.decode("utf-8")


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # a Zstandard frame's first bytes (RFC 8878)


def _lock_url_states(
    session: Session, wanted: Mapping[str, tuple[str, str, str]]
) -> dict[str, UrlState]:
    """Make sure a row exists for every key ((url, source, kind) for a new one), then
    load them all, locked until the caller commits (`FOR UPDATE` on PostgreSQL; SQLite
    has one writer at a time anyway), so another writer's update of the same URL waits
    instead of being overwritten. Returned by key: the caller looks them up here, with
    no query per key (the session's identity map holds objects only weakly). Keys go
    in sorted order, so two writers lock shared rows in the same order and cannot
    deadlock on them (storage.upsert.insert_missing_and_lock)."""
    now = utcnow()
    return insert_missing_and_lock(
        session,
        UrlState,
        list(wanted),
        lambda key: {
            "url": wanted[key][0],
            "source": wanted[key][1],
            "kind": wanted[key][2],
            "failures": 0,
            "final": False,
            "first_seen": now,
        },
    )


def _url_state(
    session: Session, states: dict[str, UrlState], key: str, url: str, source: str, kind: str
) -> UrlState:
    state = states.get(key)
    if state is None:  # not asked for in _lock_url_states
        state = states[key] = UrlState(
            key=key, url=url, source=source, kind=kind, failures=0, final=False
        )
        session.add(state)
    return state

"""The schema, as SQLAlchemy 2 typed models. Portable: nothing dialect-specific here
(SQLite's full-text index lives in `fts.py`).

The models are the schema's source of truth, but databases get it through the
migrations in `storage/migrations/` (see `storage.schema`); tests/test_migrations.py
fails when the two disagree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

URL_LENGTH = 2048


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes in, UTC datetimes out, on every backend.

    SQLite keeps no offset, so values are normalised to UTC before they are written and
    marked UTC when read back."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: chipwatch stores aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Every constraint and index gets a predictable name, so that a migration can drop or
# alter it by name (on SQLite through Alembic's batch mode, which rebuilds the table).
# "ix" is SQLAlchemy's default, so the index names of databases made before migrations
# are the same.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(URL_LENGTH), unique=True)
    source: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    site_name: Mapped[str | None] = mapped_column(String(300))
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # Zstandard-compressed UTF-8 HTML (zlib before), so articles can be re-extracted later.
    raw_html: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # The analyzer's three forms of title and text (analysis.analyzer), "title\ntext":
    # rules and search read these, never re-analysing; the FTS5 index covers them.
    index_surface: Mapped[str | None] = mapped_column(
        Text, deferred=True, deferred_group="analysis"
    )
    index_de: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_group="analysis")
    index_en: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_group="analysis")
    # Their distinct tokens, "words\nstems" (analysis.analyzer.Vocabulary): what rules
    # look up first.
    index_vocab: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_group="analysis")
    analyzer_version: Mapped[int | None] = mapped_column(index=True)
    # The analyse stage (chipwatch.analyse): entity tags, duplicates, stories. Pending
    # while `stage_version` is NULL or older than the stage's; `analysed_seq` is the
    # order in which the stage (one writer per database) finished articles, and what
    # alert rules' watermarks count: ids are handed out before commit, so with several
    # writers a lower id can appear after a higher one, a sequence number cannot.
    stage_version: Mapped[int | None] = mapped_column(index=True)
    analysed_seq: Mapped[int | None] = mapped_column(index=True, unique=True)
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="SET NULL"), index=True
    )
    # Near-duplicate signature (analysis.dedup), kept so the index can be rebuilt.
    signature: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    urls: Mapped[list[UrlState]] = relationship(back_populates="article")
    mentions: Mapped[list[Mention]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True
    )


class Story(Base):
    """One real-world event or announcement, as reported by one or more articles (in
    any language): what an alert rule fires for once."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str | None] = mapped_column(Text)  # its first article's
    first_seen: Mapped[datetime] = mapped_column(index=True)  # its first article's date
    last_seen: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    article_count: Mapped[int] = mapped_column(default=0)


class Mention(Base):
    """One entity tag in one article (analysis.tagger): which registry entry, by which
    alias, where, and the rule that let it through."""

    __tablename__ = "mentions"
    __table_args__ = (Index("ix_mentions_entity_article", "entity", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    entity: Mapped[str] = mapped_column(String(100))
    alias: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(16))  # title | text
    start: Mapped[int]
    end: Mapped[int]
    rule: Mapped[str] = mapped_column(String(64))

    article: Mapped[Article] = relationship(back_populates="mentions")


# Search and listings show articles newest first: this index lets them walk the archive
# in that order and stop after a page, instead of sorting every match (storage/fts.py).
NEWEST_FIRST = (func.coalesce(Article.published_at, Article.fetched_at).desc(), Article.id.desc())
Index("ix_articles_newest", *NEWEST_FIRST)


class UrlState(Base):
    """What we know of one URL: listing validators, the outcome of an article fetch, and
    which stored article it leads to (its own, a redirect's or a rel=canonical alias)."""

    __tablename__ = "urls"

    # The dedup key (see crawler.urls.url_key): tracking parameters, fragment and a
    # trailing slash do not make a new URL.
    key: Mapped[str] = mapped_column(String(URL_LENGTH), primary_key=True)
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    source: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # feed | sitemap | page | article
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    last_status: Mapped[int | None] = mapped_column(Integer)
    # stored | duplicate | skipped:<reason> | error:<kind>
    outcome: Mapped[str | None] = mapped_column(String(64))
    final: Mapped[bool] = mapped_column(default=False)  # never request this URL again
    failures: Mapped[int] = mapped_column(default=0)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_fetched: Mapped[datetime | None]
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )

    article: Mapped[Article | None] = relationship(back_populates="urls")


class Listing(Base):
    """A feed, sitemap or section page as something to poll: when to fetch it next
    (learned from how often it changes, storage/polling.py) and what went wrong with
    it. A configured listing has no `parent`; a child sitemap of an index has the
    index's key there, and only its fingerprint matters."""

    __tablename__ = "listings"

    key: Mapped[str] = mapped_column(String(URL_LENGTH), primary_key=True)
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    source: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # feed | sitemap | page
    parent: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    # A hash of the links it offered last time it answered in full: a change of that
    # set is what "the listing changed" means (a 304 is "unchanged").
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    items: Mapped[int] = mapped_column(default=0)
    interval: Mapped[float] = mapped_column(Float, default=0.0)  # seconds between fetches
    fetches: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)  # in a row
    first_fetch: Mapped[datetime | None]
    last_fetch: Mapped[datetime | None]
    last_change: Mapped[datetime | None]
    next_fetch: Mapped[datetime | None] = mapped_column(index=True)
    problem: Mapped[str | None] = mapped_column(String(64))  # e.g. bot_wall, http_500
    problem_detail: Mapped[str | None] = mapped_column(Text)


class SourceHealth(Base):
    """Which problem of a source the operator was last told about (by the health
    email), so each problem is mailed once, and its recovery once."""

    __tablename__ = "source_health"

    source: Mapped[str] = mapped_column(String(200), primary_key=True)
    notified: Mapped[str | None] = mapped_column(String(64))  # None: nothing open
    notified_at: Mapped[datetime | None]
    detail: Mapped[str | None] = mapped_column(Text)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    # running | finished | <scrapy close reason>; a "running" row of a dead process
    # reads as interrupted.
    status: Mapped[str] = mapped_column(String(32), default="running")
    spider: Mapped[str] = mapped_column(String(64))
    counters: Mapped[dict[str, Any]] = mapped_column(default=dict)

    sources: Mapped[list[CrawlRunSource]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )


class CrawlRunSource(Base):
    __tablename__ = "crawl_run_sources"
    __table_args__ = (Index("ix_crawl_run_sources_source_run", "source", "run_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(200))
    requests: Mapped[int] = mapped_column(default=0)
    not_modified: Mapped[int] = mapped_column(default=0)
    new_articles: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[dict[str, Any]] = mapped_column(default=dict)  # reason -> count
    errors: Mapped[dict[str, Any]] = mapped_column(default=dict)  # kind -> count
    last_error: Mapped[str | None] = mapped_column(Text)
    # Health signals seen in the run (crawler/health.py): paywall teasers, robots.txt
    # disallowing everything, … name -> count. NULL in runs recorded before 0006.
    signals: Mapped[dict[str, Any] | None] = mapped_column(default=dict)

    run: Mapped[CrawlRun] = relationship(back_populates="sources")


class AlertRuleState(Base):
    """A saved alert rule's progress: articles up to `watermark` (an article id) have
    been evaluated against it."""

    __tablename__ = "alert_rules"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    query: Mapped[str] = mapped_column(Text)
    watermark: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_match_at: Mapped[datetime | None]
    last_sent_at: Mapped[datetime | None]  # when its last message was composed


class AlertMatch(Base):
    """The outbox: one row per (rule, article), ever. That uniqueness is the
    exactly-once guarantee; `message_id` is set when a message carries the match."""

    __tablename__ = "alert_matches"
    __table_args__ = (UniqueConstraint("rule", "article_id", name="uq_alert_match"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(200), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    matched_at: Mapped[datetime] = mapped_column(default=utcnow)
    matched_terms: Mapped[list[str]] = mapped_column(default=list)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_messages.id", ondelete="SET NULL"), index=True
    )
    # The article's story when matched: a rule alerts once per story; later articles
    # of an alerted story are sent as updates.
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="SET NULL"), index=True
    )

    article: Mapped[Article] = relationship()


class AlertMessage(Base):
    """A composed email, kept whole (RFC 5322 bytes) so a retry sends exactly the same
    message with the same Message-ID."""

    __tablename__ = "alert_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # immediate | digest | health
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    recipients: Mapped[list[str]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # queued | sent | failed (permanent)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    refused: Mapped[dict[str, Any]] = mapped_column(default=dict)  # recipient -> reply

"""Item pipelines: extract (in worker processes), then store (in batches)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from crawler import counters, events
from crawler.extract import ExtractionFailure
from crawler.items import ExtractedPage, ListingFetched, PageSkipped, RawPage
from crawler.pool import extraction_pool
from crawler.urls import canonicalize, is_http_url, same_site, url_key
from crawler.worker import extract_page
from storage import (
    VERSION_MARK,
    ArticleRecord,
    ListingState,
    StorageError,
    StoreResult,
    UrlOutcome,
    describe_db_error,
    display_url,
    open_database,
    record_outcomes,
    save_listing_states,
    store_articles,
)

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """RawPage → ExtractedPage or PageSkipped, with Trafilatura in a process pool so the
    reactor keeps downloading while pages are parsed."""

    TIMEOUT = 120.0  # seconds; a page that takes longer is pathological

    def __init__(self, workers: int, sources: dict[str, Any]) -> None:
        self.workers = workers
        self.sources = sources
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        workers = crawler.settings.getint("CHIPWATCH_EXTRACT_WORKERS") or os.cpu_count() or 1
        job = crawler.settings.get("CHIPWATCH_JOB")
        sources = {s.name: s for s in job.sources} if job is not None else {}
        return cls(workers, sources)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _new_pool(self) -> ProcessPoolExecutor:
        return extraction_pool(self.workers)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, RawPage):
            return item
        if self.pool is None:  # started by the first page: a run with none starts no workers
            self.pool = self._new_pool()
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(
            self.pool, extract_page, item.html, item.url, item.language_hint, item.timezone
        )
        try:
            result = await asyncio.wait_for(job, self.TIMEOUT)
        except TimeoutError:
            return _skipped(item, "skipped:extract_timeout", final=False)
        except BrokenProcessPool:
            # A worker died (e.g. killed by the OOM killer): start a new pool and let
            # the next run try this page again.
            self.pool = self._new_pool()
            return _skipped(item, "error:extract_crashed", final=False)
        if isinstance(result, ExtractionFailure):
            return _skipped(item, f"skipped:{result.reason}", final=True, detail=result.detail)
        article = result.article
        source = self.sources.get(item.source)
        title = article.title or item.listing_title
        # the worker analysed the page's own title; a title from the listing is not
        own_title = title == article.title
        analysed_title = result.analysed_title if own_title else None
        if source is not None and not source.accepts(
            title=title or "",
            text=article.text,
            language=article.language,
            url=item.url,
            analysed_text=article.analysed,
            analysed_title=analysed_title,
        ):
            # final only under this version of the filter: a widened one asks again
            return replace(
                _skipped(item, "skipped:not_required", final=True, detail=source.require or ""),
                filter_version=source.require_version,
            )
        return ExtractedPage(
            page=replace(item, html=""),  # stored compressed below; not held twice
            url=trusted_canonical(result.canonical, item.url) or canonicalize(item.url),
            text=article.text,
            content_hash=article.content_hash,
            title=title,
            author=article.author,
            description=article.description,
            site_name=article.site_name,
            published_at=choose_published(item.listing_published, article.published_at),
            language=article.language,
            analysed_text=article.analysed,
            analysed_title=analysed_title,
            vocabulary=result.vocabulary if own_title else None,
            compressed_html=result.compressed_html,
        )


def choose_published(listed: datetime | None, on_page: datetime | None) -> datetime | None:
    """The page's own date is the authority; a feed or news sitemap date that agrees with
    it (within a day) is preferred because it carries the time of day, which htmldate
    often cannot find."""
    if listed is None or on_page is None:
        return listed or on_page
    # in UTC: two times in one zone subtract by the clock, an hour off across a DST change
    apart = abs(listed.astimezone(UTC) - on_page.astimezone(UTC))
    return listed if apart <= timedelta(days=1) else on_page


def _skipped(page: RawPage, reason: str, *, final: bool, detail: str = "") -> PageSkipped:
    return PageSkipped(
        source=page.source,
        url=page.requested_url,
        reason=reason,
        final=final,
        status=page.status,
        detail=detail,
    )


def trusted_canonical(canonical: str | None, page_url: str) -> str | None:
    """rel=canonical, unless it is one of the common CMS mistakes or a lie: another site
    (compared by registrable domain, so www.bbc.co.uk → www.evil.co.uk is refused), a
    scheme other than http(s), or the site's front page for every article."""
    if not canonical or not is_http_url(canonical):
        return None
    target, page = urlsplit(canonical), urlsplit(page_url)
    if not same_site(target.hostname, page.hostname):
        return None
    if target.path.strip("/") == "":
        return None
    return canonicalize(canonical)


class StorePipeline:
    """Writes articles and per-URL outcomes in batches, one transaction each: a killed
    crawl loses at most the open batch, never half an article.

    The writing happens on a thread of its own (one, so batches commit in order), never
    on the reactor's: downloads go on while a batch commits. One batch is in the
    writer's hands at a time; what arrives meanwhile gathers in the next one, and only
    when that one grows past `CHIPWATCH_STORE_BACKLOG` batches does the pipeline make new
    items wait (the database is slower than the crawl; memory must stay bounded).

    Nothing listed is lost to a storage failure. Every article request that is
    scheduled stays "unresolved" until its article or outcome is committed. A batch that
    fails to commit (database locked, read-only, disk full) is kept and retried; after
    `CHIPWATCH_STORE_ATTEMPTS` failures in a row the crawl stops with reason
    `storage_error`. When the crawl ends, what is still unresolved is recorded as
    pending (the next run asks for it whatever its listing answers), and only then are
    the listings' validators (ETag/Last-Modified) saved, in the same transaction. A crawl
    that did not finish, or whose last transaction failed, saves no validators: its
    listings are read in full next time."""

    def __init__(self, crawler: Crawler, database_url: str) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.database_url = database_url
        self.batch_size = settings.getint("CHIPWATCH_BATCH_SIZE", 50)
        self.batch_seconds = settings.getfloat("CHIPWATCH_BATCH_SECONDS", 2.0)
        self.max_backlog = settings.getint("CHIPWATCH_STORE_BACKLOG", 4) * self.batch_size
        self.max_failures = settings.getint("CHIPWATCH_MAX_FAILURES", 3)
        self.store_attempts = settings.getint("CHIPWATCH_STORE_ATTEMPTS", 3)
        # SQLite itself waits up to its lock timeout on every attempt; this is the pause between.
        self.retry_seconds = settings.getfloat("CHIPWATCH_STORE_RETRY_SECONDS", 1.0)
        self.articles: list[ExtractedPage] = []
        self.outcomes: list[PageSkipped] = []
        self.listings: list[ListingFetched] = []
        # article key -> (url, source) for every scheduled article request not yet
        # committed as an article or an outcome
        self.unresolved: dict[str, tuple[str, str]] = {}
        self.last_flush = time.monotonic()
        self.failures_in_row = 0
        self.retry_at = 0.0
        self.sessions: sessionmaker[Session] | None = None
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chipwatch-store")
        self.in_flight: _Batch | None = None
        if crawler.settings.get("CHIPWATCH_FRONTIER") is None:
            crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)
        else:
            # On a shared frontier a request put on the queue may be fetched by a peer:
            # this worker answers for the requests it took off the queue.
            crawler.signals.connect(
                self.request_scheduled, signal=signals.request_reached_downloader
            )
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.flush, signal=events.flush_store)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        url = crawler.settings.get("CHIPWATCH_DATABASE_URL")
        if not url:
            raise NotConfigured("CHIPWATCH_DATABASE_URL is not set")
        return cls(crawler, url)

    def open_spider(self) -> None:
        try:
            self.sessions = open_database(self.database_url)
        except (SQLAlchemyError, StorageError) as exc:
            # The first flush tries again, and fails the run if it cannot either.
            logger.warning("storage: cannot open the database yet: %s", describe_db_error(exc))

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        if request.meta.get("kind") == "article" and "redirect_urls" not in request.meta:
            self.unresolved[url_key(request.url)] = (request.url, request.meta["source"])

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, ExtractedPage):
            self.articles.append(item)
        elif isinstance(item, PageSkipped):
            self.outcomes.append(item)
        elif isinstance(item, ListingFetched):
            self.listings.append(item)
        pending = len(self.articles) + len(self.outcomes)
        now = time.monotonic()
        due = now - self.last_flush >= self.batch_seconds
        if (pending >= self.batch_size or (pending and due)) and now >= self.retry_at:
            self._hand_over()
        # Back-pressure: the writer is behind by more than the backlog allows.
        while (batch := self.in_flight) is not None and self._open() >= self.max_backlog:
            await asyncio.wait([asyncio.wrap_future(batch.future)])
            self._settle(batch)  # at once, not when its callback gets its turn
            if self._open() >= self.batch_size and time.monotonic() >= self.retry_at:
                self._hand_over()
        return item

    def _open(self) -> int:
        return len(self.articles) + len(self.outcomes)

    def _hand_over(self) -> None:
        """Give the open batch to the writer thread, unless it is busy with the last one
        (the open batch then grows until the writer is free)."""
        if self.in_flight is not None:
            return
        self.last_flush = time.monotonic()
        if not self._open():
            return
        batch = self.in_flight = self._submit()
        loop = asyncio.get_running_loop()
        # the bookkeeping after a commit runs on the reactor's thread, like everything else
        batch.future.add_done_callback(
            lambda _: loop.call_soon_threadsafe(self._settle_and_go_on, batch)
        )

    def _settle_and_go_on(self, batch: _Batch) -> None:
        self._settle(batch)
        # what gathered meanwhile goes next, if it is due
        if self._open() >= self.batch_size and time.monotonic() >= self.retry_at:
            self._hand_over()

    def _submit(self) -> _Batch:
        """The open batch, handed to the writer thread."""
        articles, outcomes = self.articles, self.outcomes
        self.articles, self.outcomes = [], []
        return _Batch(articles, outcomes, self.writer.submit(self._commit, articles, outcomes))

    def _commit(
        self, articles: list[ExtractedPage], outcomes: list[PageSkipped]
    ) -> list[StoreResult]:
        """Runs on the writer thread."""
        if self.sessions is None:
            self.sessions = open_database(self.database_url)
        with self.sessions.begin() as session:
            results = store_articles(session, [_record(a) for a in articles])
            record_outcomes(
                session, [_outcome(o) for o in outcomes], max_failures=self.max_failures
            )
        return results

    def _settle(self, batch: _Batch) -> bool:
        """Account for a batch the writer is done with (once): count what it committed,
        or put it back in front of the open batch for the next attempt."""
        if batch.settled:
            return batch.ok
        batch.settled = True
        if self.in_flight is batch:
            self.in_flight = None
        exc = batch.future.exception()
        if exc is None:
            batch.ok = True
            self._committed(batch, batch.future.result())
            return True
        self.articles = batch.articles + self.articles
        self.outcomes = batch.outcomes + self.outcomes
        if not isinstance(exc, SQLAlchemyError | StorageError):
            raise exc  # a bug, not a storage failure: Scrapy logs it with its traceback
        self._failed(len(batch.articles), len(batch.outcomes), exc)
        return False

    def _committed(self, batch: _Batch, results: list[StoreResult]) -> None:
        self.failures_in_row = 0
        # Count only what is committed.
        for result in results:
            counters.inc(
                self.stats, result.source, "new_articles" if result.stored else "skipped:duplicate"
            )
        for article in batch.articles:
            self.unresolved.pop(url_key(article.page.requested_url), None)
        for outcome in batch.outcomes:
            counters.inc(self.stats, outcome.source, outcome.reason)
            self.unresolved.pop(url_key(outcome.url), None)

    def _failed(self, articles: int, outcomes: int, exc: BaseException) -> None:
        self.failures_in_row += 1
        self.retry_at = time.monotonic() + self.retry_seconds
        what = f"cannot store {articles} articles and {outcomes} URL outcomes"
        counters.storage_retried(self.stats)
        if self.failures_in_row < self.store_attempts:
            logger.warning(
                "storage: %s (attempt %d, kept for the next one): %s",
                what,
                self.failures_in_row,
                describe_db_error(exc),
            )
            return
        self._storage_failed(what, exc)
        if self.crawler.engine is not None and self.crawler.spider is not None:
            # Stop fetching what cannot be stored; the next run picks up from here.
            self.crawler.engine.close_spider(self.crawler.spider, "storage_error")

    def flush(self) -> bool:
        """Commit everything held, waiting for it (the end of the crawl, or a frontier
        peer about to report idle); False (batch kept for the next attempt) on failure."""
        if self.in_flight is not None:
            batch = self.in_flight
            concurrent.futures.wait([batch.future])
            if not self._settle(batch):
                return False
        self.last_flush = time.monotonic()
        if not self._open():
            return True
        batch = self._submit()
        concurrent.futures.wait([batch.future])
        return self._settle(batch)

    def close_spider(self) -> None:
        # The last batch gets the attempts it has left; a crawl stopped for storage
        # errors has used them up.
        while not self.flush() and self.failures_in_row < self.store_attempts:
            time.sleep(self.retry_seconds)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.writer.shutdown(wait=True)
        if self.sessions is None:
            return
        pending = [
            UrlOutcome(key=key, url=url, source=source, outcome="pending", final=False)
            for key, (url, source) in self.unresolved.items()
        ]
        states = [
            ListingState(
                key=url_key(listing.url),
                url=listing.url,
                source=listing.source,
                kind=listing.kind,
                status=listing.status,
                etag=listing.etag,
                last_modified=listing.last_modified,
            )
            for listing in self.listings
        ]
        try:
            with self.sessions.begin() as session:
                record_outcomes(session, pending, max_failures=self.max_failures)
                if reason == "finished":
                    save_listing_states(session, states)
        except SQLAlchemyError as exc:
            self._storage_failed("cannot record pending URLs and listing state", exc)
        else:
            if pending:
                logger.warning("%d article URLs left pending for the next run", len(pending))
        finally:
            self.sessions.kw["bind"].dispose()

    def _storage_failed(self, what: str, exc: BaseException) -> None:
        message = f"{display_url(self.database_url)}: {what}: {describe_db_error(exc)}"
        counters.storage_failed(self.stats, message)
        logger.error("storage: %s", message)


@dataclass(eq=False)
class _Batch:
    """One transaction's worth of items, as handed to the writer thread."""

    articles: list[ExtractedPage]
    outcomes: list[PageSkipped]
    future: concurrent.futures.Future[list[StoreResult]]
    settled: bool = False
    ok: bool = False


def _outcome(outcome: PageSkipped) -> UrlOutcome:
    return UrlOutcome(
        key=url_key(outcome.url),
        url=outcome.url,
        source=outcome.source,
        outcome=(
            f"{outcome.reason}{VERSION_MARK}{outcome.filter_version}"
            if outcome.filter_version
            else outcome.reason
        ),
        final=outcome.final,
        status=outcome.status,
    )


def _record(article: ExtractedPage) -> ArticleRecord:
    page = article.page
    keys = {
        url_key(u): canonicalize(u) for u in (page.requested_url, *page.redirect_urls, page.url)
    }
    keys[url_key(article.url)] = article.url
    return ArticleRecord(
        url=article.url,
        source=page.source,
        text=article.text,
        content_hash=article.content_hash,
        keys=keys,
        title=article.title,
        author=article.author,
        description=article.description,
        site_name=article.site_name,
        published_at=article.published_at,
        language=article.language,
        analysed_text=article.analysed_text,
        analysed_title=article.analysed_title,
        vocabulary=article.vocabulary,
        compressed_html=article.compressed_html,
        status=page.status,
    )

"""Item pipelines: extract (in worker processes), then store (in batches)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from crawler import counters, events
from crawler.extract import ExtractionFailure, extract_article, warm_up
from crawler.items import ExtractedPage, ListingFetched, PageSkipped, RawPage
from crawler.urls import canonicalize, is_http_url, same_site, url_key
from storage import (
    VERSION_MARK,
    ArticleRecord,
    ListingState,
    StorageError,
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

    def open_spider(self) -> None:
        self.pool = self._new_pool()

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: forking a process that runs a reactor and holds database
        # connections copies both into every worker.
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=warm_up,
            initargs=(os.getpid(),),
        )

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, RawPage):
            return item
        assert self.pool is not None
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self.pool, _extract, item.html, item.url, item.language_hint)
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
        source = self.sources.get(item.source)
        title = result.title or item.listing_title
        if source is not None and not source.accepts(
            title=title or "",
            text=result.text,
            language=result.language,
            url=item.url,
            analysed_text=result.analysed,
        ):
            # final only under this version of the filter: a widened one asks again
            return replace(
                _skipped(item, "skipped:not_required", final=True, detail=source.require or ""),
                filter_version=source.require_version,
            )
        return ExtractedPage(
            page=item,
            url=trusted_canonical(item.canonical_url, item.url) or canonicalize(item.url),
            text=result.text,
            content_hash=result.content_hash,
            title=title,
            author=result.author,
            description=result.description,
            site_name=result.site_name,
            published_at=choose_published(item.listing_published, result.published_at),
            language=result.language,
            analysed_text=result.analysed,
        )


def choose_published(listed: datetime | None, on_page: datetime | None) -> datetime | None:
    """The page's own date is the authority; a feed or news sitemap date that agrees with
    it (within a day) is preferred because it carries the time of day, which htmldate
    often cannot find."""
    if listed is None or on_page is None:
        return listed or on_page
    return listed if abs(listed - on_page) <= timedelta(days=1) else on_page


def _extract(html: str, url: str, language_hint: str | None) -> Any:
    return extract_article(html, url, language_hint=language_hint)


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

    def process_item(self, item: Any) -> Any:
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
            self.flush()
        return item

    def close_spider(self) -> None:
        # The last batch gets the attempts it has left; a crawl stopped for storage
        # errors has used them up.
        while not self.flush() and self.failures_in_row < self.store_attempts:
            time.sleep(self.retry_seconds)

    def spider_closed(self, spider: Spider, reason: str) -> None:
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

    def flush(self) -> bool:
        """Commit the open batch; False (batch kept for the next attempt) on failure."""
        articles, outcomes = self.articles, self.outcomes
        self.last_flush = time.monotonic()
        if not (articles or outcomes):
            return True
        try:
            if self.sessions is None:
                self.sessions = open_database(self.database_url)
            with self.sessions.begin() as session:
                results = store_articles(session, [_record(a) for a in articles])
                record_outcomes(
                    session, [_outcome(o) for o in outcomes], max_failures=self.max_failures
                )
        except (SQLAlchemyError, StorageError) as exc:
            self.failures_in_row += 1
            self.retry_at = time.monotonic() + self.retry_seconds
            what = f"cannot store {len(articles)} articles and {len(outcomes)} URL outcomes"
            counters.storage_retried(self.stats)
            if self.failures_in_row < self.store_attempts:
                logger.warning(
                    "storage: %s (attempt %d, kept for the next one): %s",
                    what,
                    self.failures_in_row,
                    describe_db_error(exc),
                )
                return False
            self._storage_failed(what, exc)
            if self.crawler.engine is not None and self.crawler.spider is not None:
                # Stop fetching what cannot be stored; the next run picks up from here.
                self.crawler.engine.close_spider(self.crawler.spider, "storage_error")
            return False
        self.articles, self.outcomes = [], []
        self.failures_in_row = 0
        # Count only what is committed.
        for result in results:
            counters.inc(
                self.stats, result.source, "new_articles" if result.stored else "skipped:duplicate"
            )
        for article in articles:
            self.unresolved.pop(url_key(article.page.requested_url), None)
        for outcome in outcomes:
            counters.inc(self.stats, outcome.source, outcome.reason)
            self.unresolved.pop(url_key(outcome.url), None)
        return True

    def _storage_failed(self, what: str, exc: BaseException) -> None:
        message = f"{display_url(self.database_url)}: {what}: {describe_db_error(exc)}"
        counters.storage_failed(self.stats, message)
        logger.error("storage: %s", message)


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
        html=page.html,
        status=page.status,
    )

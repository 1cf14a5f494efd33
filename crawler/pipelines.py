"""Item pipelines: extract (in worker processes), then store (in batches)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from chipwatch.crawler import counters
from chipwatch.crawler.extract import ExtractionFailure, extract_article, warm_up
from chipwatch.crawler.items import ExtractedPage, ListingFetched, PageSkipped, RawPage
from chipwatch.crawler.urls import canonicalize, url_key
from chipwatch.storage import (
    ArticleRecord,
    ListingState,
    UrlOutcome,
    open_database,
    record_outcomes,
    save_listing_states,
    store_articles,
)
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

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
        config = crawler.settings.get("CHIPWATCH_CONFIG")
        sources = {s.name: s for s in config.sources} if config is not None else {}
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
            title=title or "", text=result.text, language=result.language, url=item.url
        ):
            return _skipped(item, "skipped:not_required", final=True, detail=source.require or "")
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
    """rel=canonical, unless it is one of the common CMS mistakes: another host, or the
    site's front page for every article."""
    if not canonical:
        return None
    target, page = urlsplit(canonical), urlsplit(page_url)
    if target.scheme not in ("http", "https"):
        return None
    if target.hostname != page.hostname and _site(target.hostname) != _site(page.hostname):
        return None
    if target.path.strip("/") == "":
        return None
    return canonicalize(canonical)


def _site(host: str | None) -> str:
    return ".".join((host or "").split(".")[-2:])


class StorePipeline:
    """Writes articles and per-URL outcomes in batches, one transaction each: a killed
    crawl loses at most the open batch, never half an article. Listing validators
    (ETag/Last-Modified) are saved only when the crawl finishes: a run that dies keeps
    reading its feeds in full next time, so no listed article is missed."""

    def __init__(self, crawler: Crawler, database_url: str) -> None:
        settings = crawler.settings
        self.stats = crawler.stats
        self.database_url = database_url
        self.batch_size = settings.getint("CHIPWATCH_BATCH_SIZE", 50)
        self.batch_seconds = settings.getfloat("CHIPWATCH_BATCH_SECONDS", 2.0)
        self.max_failures = settings.getint("CHIPWATCH_MAX_FAILURES", 3)
        self.articles: list[ExtractedPage] = []
        self.outcomes: list[PageSkipped] = []
        self.listings: list[ListingFetched] = []
        self.last_flush = time.monotonic()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        url = crawler.settings.get("CHIPWATCH_DATABASE_URL")
        if not url:
            raise NotConfigured("CHIPWATCH_DATABASE_URL is not set")
        return cls(crawler, url)

    def open_spider(self) -> None:
        self.sessions = open_database(self.database_url)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ExtractedPage):
            self.articles.append(item)
        elif isinstance(item, PageSkipped):
            self.outcomes.append(item)
        elif isinstance(item, ListingFetched):
            self.listings.append(item)
        pending = len(self.articles) + len(self.outcomes)
        due = time.monotonic() - self.last_flush >= self.batch_seconds
        if pending >= self.batch_size or (pending and due):
            self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if reason == "finished" and self.listings:
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
            with self.sessions.begin() as session:
                save_listing_states(session, states)
        self.sessions.kw["bind"].dispose()

    def flush(self) -> None:
        articles, outcomes = self.articles, self.outcomes
        self.articles, self.outcomes = [], []
        self.last_flush = time.monotonic()
        if not (articles or outcomes):
            return
        with self.sessions.begin() as session:
            results = store_articles(session, [_record(a) for a in articles])
            record_outcomes(
                session,
                [
                    UrlOutcome(
                        key=url_key(o.url),
                        url=o.url,
                        source=o.source,
                        outcome=o.reason,
                        final=o.final,
                        status=o.status,
                    )
                    for o in outcomes
                ],
                max_failures=self.max_failures,
            )
        # Count only what is committed.
        for result in results:
            counters.inc(
                self.stats, result.source, "new_articles" if result.stored else "skipped:duplicate"
            )
        for outcome in outcomes:
            counters.inc(self.stats, outcome.source, outcome.reason)


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
        html=page.html,
        status=page.status,
    )

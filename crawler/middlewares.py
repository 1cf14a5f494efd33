"""Downloader and spider middlewares: politeness (Retry-After, robots crawl-delay),
per-source request counters, and "never request a known article again"."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.core.downloader import Downloader
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from crawler import counters
from crawler.urls import is_http_url, url_key
from storage import (
    StorageError,
    UrlOutcome,
    describe_db_error,
    display_url,
    known_keys,
    open_database,
    record_outcomes,
)

logger = logging.getLogger(__name__)


# The start of the IgnoreRequest message for a URL that is not absolute http(s).
NOT_HTTP = "not an http(s) URL"

# Request meta: an article request whose URL the spider has already looked up among the
# known ones (in one batch per listing), which KnownUrlMiddleware need not ask again.
KNOWN_CHECKED = "chipwatch_known_checked"


class HttpOnlyMiddleware:
    """The wall in front of the network: every request, whatever produced it (a listing,
    a page link, a redirect, a meta refresh, a retry), must be an absolute http(s) URL.
    Scrapy's handlers for other schemes are switched off in the settings as well."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HttpOnlyMiddleware:
        return cls()

    def process_request(self, request: Request) -> None:
        if not is_http_url(request.url):
            raise IgnoreRequest(f"{NOT_HTTP}: {request.url[:200]}")


class ResponseSizeGuard:
    """Stops a body that grows past DOWNLOAD_MAXSIZE, or the request's own
    `download_maxsize` (a feed's or sitemap's), when sent without Content-Length or
    endless, with StopDownload, so the errback can tell "too large" from any other
    cancelled download and the URL is skipped for good."""

    def __init__(self, crawler: Crawler) -> None:
        self.max_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        if not self.max_bytes:
            raise NotConfigured("DOWNLOAD_MAXSIZE is 0")
        crawler.signals.connect(self.request_reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResponseSizeGuard:
        return cls(crawler)

    def request_reached(self, request: Request, spider: Spider) -> None:
        request.meta[_BYTES_KEY] = 0

    def bytes_received(self, data: bytes, request: Request, spider: Spider) -> None:
        received = request.meta.get(_BYTES_KEY, 0) + len(data)
        request.meta[_BYTES_KEY] = received
        if received > request.meta.get("download_maxsize", self.max_bytes):
            raise StopDownload(fail=True)


_BYTES_KEY = "chipwatch_bytes_received"


def _hold_slot(crawler: Crawler, request: Request, seconds: float) -> None:
    """Make the host's download slot wait at least `seconds` between requests.

    Scrapy varies each wait by ± the slot's jitter (0.5 by default: 0.5–1.5 × the slot
    delay), so the delay is raised to keep the shortest wait at `seconds`."""
    assert crawler.engine is not None
    downloader = crawler.engine.downloader
    slot = downloader.slots.get(downloader.get_slot_key(request))
    if slot is None:
        return
    if slot.jitter >= 1:  # a wait could shrink to nothing, whatever the delay
        slot.jitter = 0.5
    wanted = seconds / (1 - slot.jitter)
    slot.delay = max(slot.delay, wanted)


class SourceStatsMiddleware:
    """Counts requests sent and 304s received, per source."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SourceStatsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        source = request.meta.get("source")
        if source:
            counters.inc(self.stats, source, "requests")

    def process_response(self, request: Request, response: Response) -> Response:
        source = request.meta.get("source")
        if source and response.status == 304:
            counters.inc(self.stats, source, "not_modified")
        return response


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retry, plus back-off on 429/503: the host waits as long as `Retry-After`
    asks (seconds or an HTTP date) before this and any other request. A wait longer
    than CHIPWATCH_MAX_RETRY_AFTER means "not this run": the response fails as is."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.max_retry_after = settings.getfloat("CHIPWATCH_MAX_RETRY_AFTER", 600.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    # Scrapy 2.19 deprecates the `spider` argument (and warns when a method takes it), while
    # RetryMiddleware's signature still carries it for compatibility.
    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if response.status in (429, 503) and not request.meta.get("dont_retry"):
            wait = parse_retry_after(response.headers.get(b"Retry-After"))
            if wait is not None:
                if wait > self.max_retry_after:
                    logger.warning(
                        "%s asks to come back in %.0f s; giving up for this run", request.url, wait
                    )
                    return response
                _hold_slot(self.crawler, request, wait)
        return super().process_response(request, response)


def parse_retry_after(value: bytes | None) -> float | None:
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class RobotsTxtOnceMiddleware:
    """robots.txt fetched once per host and run. Scrapy's RobotsTxtMiddleware fetches it
    to decide what is allowed; a source that lists robots.txt for its Sitemap: lines
    asks for it again. Placed right after RobotsTxtMiddleware, this keeps the answer to
    Scrapy's own robots request and gives it to a later request for the same URL, which
    RobotsTxtMiddleware only lets through once robots.txt has been parsed."""

    def __init__(self) -> None:
        self.answers: dict[str, Response] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsTxtOnceMiddleware:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        return cls()

    def process_request(self, request: Request) -> Response | None:
        if _is_robots_fetch(request):
            return None
        answer = self.answers.get(request.url)
        return None if answer is None else answer.replace(request=request)

    def process_response(self, request: Request, response: Response) -> Response:
        if _is_robots_fetch(request):
            self.answers[request.url] = response
        return response


def _is_robots_fetch(request: Request) -> bool:
    """The request RobotsTxtMiddleware sends for a host's robots.txt."""
    return bool(request.meta.get("dont_obey_robotstxt")) and request.url.endswith("/robots.txt")


class RobotsCrawlDelayMiddleware:
    """`Crawl-delay` from robots.txt: when a site asks for a longer delay than the
    configured one, its download slot keeps it, even after AutoThrottle has had its say
    on a response.

    Scrapy's own RobotsTxtMiddleware fetches and parses robots.txt and decides what is
    allowed; this component only listens to its `robots_parsed` signal. It connects to
    `response_downloaded` when the downloader is built, which is after the extensions
    (AutoThrottle among them), so it runs right after AutoThrottle has set the delay
    and before the slot lets its next request go."""

    MAX_CRAWL_DELAY = 300.0

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.robots_useragent: str | None = crawler.settings.get("ROBOTSTXT_USER_AGENT")
        self.default_useragent: str = crawler.settings.get("USER_AGENT")
        self.crawl_delays: dict[str, float] = {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsCrawlDelayMiddleware:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        return cls(crawler)

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        # the agent Scrapy's RobotsTxtMiddleware asks robots.txt about
        agent = self.robots_useragent or request.headers.get(b"User-Agent", self.default_useragent)
        assert agent is not None  # Headers.get() returns the default when the header is missing
        delay = robotparser.crawl_delay(agent)
        if not delay:
            return
        delay = min(float(delay), self.MAX_CRAWL_DELAY)
        key = self._downloader().get_slot_key(request)
        self.crawl_delays[key] = delay
        _hold_slot(self.crawler, request, delay)

    def response_downloaded(self, response: Response, request: Request) -> None:
        if not self.crawl_delays:
            return
        delay = self.crawl_delays.get(self._downloader().get_slot_key(request))
        if delay:
            _hold_slot(self.crawler, request, delay)

    def _downloader(self) -> Downloader:
        assert self.crawler.engine is not None
        return self.crawler.engine.downloader


class KnownUrlMiddleware:
    """Drops article requests for URLs already stored (or given up on), asking the
    database in one batch per callback, and requests already scheduled in this run.
    Requests marked KNOWN_CHECKED were looked up by the spider before it built them.

    On a shared frontier (crawler/frontier.py) it also writes the new article URLs as
    pending, in one transaction per callback, before they go on the shared queue: a
    worker that dies with some of them popped leaves them in the database, which is
    where the run's last sweep (or the next run) finds them."""

    def __init__(self, crawler: Crawler, database_url: str) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.shared_frontier = crawler.settings.get("CHIPWATCH_FRONTIER") is not None
        self.max_failures = crawler.settings.getint("CHIPWATCH_MAX_FAILURES", 3)
        self.scheduled: set[str] = set()
        job = crawler.settings.get("CHIPWATCH_JOB")
        # a page one version of a source's `require` turned down is asked for under another
        self.filter_versions: dict[str, str] = (
            {s.name: s.require_version for s in job.sources} if job is not None else {}
        )
        self.sessions: sessionmaker[Session] | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownUrlMiddleware:
        url = crawler.settings.get("CHIPWATCH_DATABASE_URL")
        if not url:
            raise NotConfigured("CHIPWATCH_DATABASE_URL is not set")
        return cls(crawler, url)

    def spider_opened(self, spider: Spider) -> None:
        try:
            self.sessions = open_database(self.database_url)
        except (SQLAlchemyError, StorageError) as exc:
            self._read_failed(exc)

    def spider_closed(self, spider: Spider) -> None:
        if self.sessions is not None:
            self.sessions.kw["bind"].dispose()

    def _read_failed(self, exc: BaseException) -> None:
        message = (
            f"{display_url(self.database_url)}: cannot read known URLs: {describe_db_error(exc)}"
        )
        counters.storage_failed(self.crawler.stats, message)
        logger.error("storage: %s", message)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in start:
            if _is_article_request(item):
                self.scheduled.add(url_key(item.url))
            yield item

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        yield from self._filter(list(result))

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        for item in self._filter([item async for item in result]):
            yield item

    def _filter(self, outputs: list[Any]) -> Iterator[Any]:
        keys = {
            url_key(o.url)
            for o in outputs
            if _is_article_request(o) and not o.meta.get(KNOWN_CHECKED)
        }
        fresh = keys - self.scheduled
        known: set[str] = set()
        if fresh and self.sessions is not None:
            try:
                with self.sessions() as session:
                    known = known_keys(session, fresh, self.filter_versions)
            except (SQLAlchemyError, StorageError) as exc:
                # Asking again for a stored article is harmless; dropping one is not.
                self._read_failed(exc)
        passed = []
        for output in outputs:
            if not _is_article_request(output):
                passed.append(output)
                continue
            key = url_key(output.url)
            if key in known:
                counters.inc(self.crawler.stats, output.meta["source"], "known")
            elif key not in self.scheduled:
                self.scheduled.add(key)
                passed.append(output)
        if self.shared_frontier:
            self._record_pending([o for o in passed if _is_article_request(o)])
        yield from passed

    def _record_pending(self, requests: list[Request]) -> None:
        if not requests or self.sessions is None:
            return
        pending = [
            UrlOutcome(url_key(r.url), r.url, r.meta["source"], outcome="pending", final=False)
            for r in requests
        ]
        try:
            with self.sessions.begin() as session:
                record_outcomes(session, pending, max_failures=self.max_failures)
        except (SQLAlchemyError, StorageError) as exc:
            # The requests still go out; only a worker dying with them would lose them
            # for this run (the next run's listings offer them again).
            message = (
                f"{display_url(self.database_url)}: cannot record listed URLs: "
                f"{describe_db_error(exc)}"
            )
            counters.storage_failed(self.crawler.stats, message)
            logger.error("storage: %s", message)


def _is_article_request(output: Any) -> bool:
    return isinstance(output, Request) and output.meta.get("kind") == "article"

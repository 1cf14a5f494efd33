"""Running a crawl in this process: what `chipwatch crawl`, `run` and `demo` call."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler import counters
from crawler.configure import BASE_SETTINGS, build_settings
from crawler.items import ExtractedPage, PageSkipped
from crawler.options import CrawlJob
from storage import SourceCounters

# Error kinds (see spiders.news.classify_failure) that mean "could not talk to the host".
NETWORK_ERRORS = frozenset(
    {
        "dns",
        "timeout",
        "connection_refused",
        "connection_lost",
        "connection_done",
        "response_never_received",
        "tunnel_error",
        "ssl_error",
        "download_failed_error",
        "response_data_loss_error",
        "error",
    }
)


@dataclass
class Progress:
    responses: int = 0
    articles: int = 0
    skipped: int = 0


@dataclass
class CrawlReport:
    status: str
    run_id: int | None
    seconds: float
    sources: dict[str, SourceCounters] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    log_error: str | None = None

    @property
    def errors(self) -> list[str]:
        """Failures of the run itself, not of a source: the database could not be
        written or read, the log could not be written. Each is one line."""
        found = []
        if storage := self.stats.get(counters.STORAGE_ERROR):
            failures = self.stats.get(counters.STORAGE_FAILURES, 1)
            more = f" ({failures} storage failures in this run)" if failures > 1 else ""
            found.append(f"storage: {storage}{more}")
        if self.log_error:
            found.append(self.log_error)
        return found

    @property
    def new_articles(self) -> int:
        return sum(c.new_articles for c in self.sources.values())

    def unreachable_sources(self) -> dict[str, SourceCounters]:
        """Sources that answered nothing at all, for network reasons (a listing that was
        too large or not a feed did answer; its own message says what was wrong)."""
        return {
            name: c
            for name, c in self.sources.items()
            if c.last_error
            and self.stats.get(f"{counters.PREFIX}listing_ok/{name}", 0) == 0
            and all(kind in NETWORK_ERRORS for kind in c.errors)
        }


def run_crawl(
    job: CrawlJob,
    source_names: list[str] | None = None,
    *,
    spider: str = "news",
    log_file: Path | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    overrides: dict[str, Any] | None = None,
    worker: str | None = None,
    due_only: bool = False,
) -> CrawlReport:
    """Crawl once. `due_only`: fetch only the listings whose next fetch has come
    (storage/polling.py), as `chipwatch run` does; article retries go out regardless."""
    sources = job.select_sources(source_names)  # UnknownSourceError on a bad name
    settings = build_settings(
        job,
        **shared_frontier(job, worker),
        CHIPWATCH_DUE_ONLY=due_only,
        **(overrides or {}),
    )
    settings["LOG_INSTALL_ROOT_HANDLER"] = log_file is None  # our LogFile instead
    process = CrawlerProcess(settings)
    # Made after the CrawlerProcess: its logging set-up (dictConfig) closes every handler
    # that exists by then, and a closed "w" handler silently writes nothing.
    log = LogFile(log_file, Settings(settings)) if log_file is not None else None
    if log is not None:
        log.start_run()
        logging.root.setLevel(logging.NOTSET)  # as Scrapy's own root handler does
        logging.root.addHandler(log)
    try:
        return _crawl(process, spider, sources, on_progress, log)
    finally:
        if log is not None:
            logging.root.removeHandler(log)
            log.close()


def shared_frontier(job: CrawlJob, worker: str | None = None) -> dict[str, Any]:
    """With `[crawl] redis_url`, the settings that make this crawl one worker of the
    shared run (joined here: FrontierError, one line, when Redis cannot be reached)."""
    crawl = job.crawl
    if crawl.redis_url is None:
        return {}
    # redis and scrapy-redis only for a shared frontier, not at every crawl's start
    from crawler.frontier import frontier_settings, join_run

    keys = join_run(crawl.redis_url, crawl.redis_prefix, crawl.worker_timeout, worker)
    return {
        **frontier_settings(crawl.redis_url, keys, crawl.worker_timeout),
        "EXTENSIONS": {**BASE_SETTINGS["EXTENSIONS"], "crawler.frontier.FrontierCoordinator": 120},
    }


def _crawl(
    process: CrawlerProcess,
    spider: str,
    sources: tuple[Any, ...],
    on_progress: Callable[[Progress], None] | None,
    log: LogFile | None,
) -> CrawlReport:
    crawler = process.create_crawler(spider)
    progress = Progress()
    if on_progress is not None:
        _connect_progress(crawler, progress, on_progress)
    finish: dict[str, str] = {}
    crawler.signals.connect(
        lambda spider, reason: finish.setdefault("reason", reason),
        signal=signals.spider_closed,
        weak=False,
    )
    started = time.monotonic()
    process.crawl(crawler, source=",".join(s.name for s in sources))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return CrawlReport(
        status=finish.get("reason", "failed"),
        run_id=stats.get("chipwatch_run_id"),
        seconds=time.monotonic() - started,
        sources=counters.per_source(stats, [s.name for s in sources]),
        stats=dict(stats),
        log_error=log.error if log is not None else None,
    )


class LogFile(RotatingFileHandler):
    """The crawl's log file, with Scrapy's format and level. Each run starts a new file
    and keeps the previous BACKUPS runs' as chipwatch.log.1 … .5 (newest first); a run
    that logs more than MAX_BYTES rolls over within the run as well. A write that fails
    (disk full, folder gone) is remembered and reported once as an error of the run,
    instead of a traceback on stderr for every record."""

    BACKUPS = 5
    MAX_BYTES = 20_000_000

    def __init__(self, path: Path, settings: Settings) -> None:
        super().__init__(
            path,
            mode="a",
            maxBytes=self.MAX_BYTES,
            backupCount=self.BACKUPS,
            encoding=settings.get("LOG_ENCODING"),
            delay=True,
        )
        self.setFormatter(
            logging.Formatter(
                fmt=settings.get("LOG_FORMAT"), datefmt=settings.get("LOG_DATEFORMAT")
            )
        )
        self.setLevel(settings.get("LOG_LEVEL"))
        self.error: str | None = None

    def start_run(self) -> None:
        """Move the last run's log aside (to .1, and .1 to .2 …)."""
        path = Path(self.baseFilename)
        try:
            if path.exists() and path.stat().st_size > 0:
                self.doRollover()
        except OSError as exc:
            self.error = f"cannot write the log {self.baseFilename}: {exc}"

    def close(self) -> None:
        # The last flush meets the same full disk as the writes before it.
        try:
            super().close()
        except OSError as exc:
            if self.error is None:
                self.error = f"cannot write the log {self.baseFilename}: {exc}"

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        if self.error is None:
            reason = sys.exc_info()[1]
            self.error = f"cannot write the log {self.baseFilename}: {reason}"


def check_sources(job: CrawlJob, source_names: list[str] | None = None) -> list[Any]:
    """Fetch every listing once (spider `check`) and return its ListingCheck results."""
    sources = job.select_sources(source_names)
    settings = build_settings(
        job,
        ITEM_PIPELINES={},
        EXTENSIONS={},
        SPIDER_MIDDLEWARES={},
        LOG_ENABLED=False,
        LOG_INSTALL_ROOT_HANDLER=False,
        RETRY_TIMES=0,
    )
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("check")
    results: list[Any] = []
    crawler.signals.connect(
        lambda item, **_: results.append(item), signal=signals.item_scraped, weak=False
    )
    process.crawl(crawler, source=",".join(s.name for s in sources))
    process.start()
    order = {(s.name, url): i for i, s in enumerate(sources) for url in s.listing_urls}
    return sorted(results, key=lambda r: order.get((r.source, r.url), len(order)))


def _connect_progress(
    crawler: Crawler, progress: Progress, on_progress: Callable[[Progress], None]
) -> None:
    def response_received(**_: Any) -> None:
        progress.responses += 1
        on_progress(progress)

    def item_scraped(item: Any, **_: Any) -> None:
        if isinstance(item, ExtractedPage):
            progress.articles += 1
        elif isinstance(item, PageSkipped):
            progress.skipped += 1
        on_progress(progress)

    crawler.signals.connect(response_received, signal=signals.response_received, weak=False)
    crawler.signals.connect(item_scraped, signal=signals.item_scraped, weak=False)

"""Running a crawl in this process: what `chipwatch crawl`, `run` and `demo` call."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipwatch.crawler import counters
from chipwatch.crawler.configure import build_settings
from chipwatch.crawler.items import ExtractedPage, PageSkipped
from chipwatch.storage import SourceCounters
from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess

from chipwatch.config import Config


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

    @property
    def new_articles(self) -> int:
        return sum(c.new_articles for c in self.sources.values())

    def unreachable_sources(self) -> dict[str, SourceCounters]:
        """Sources that answered nothing at all."""
        return {
            name: c
            for name, c in self.sources.items()
            if c.last_error and self.stats.get(f"{counters.PREFIX}listing_ok/{name}", 0) == 0
        }


def run_crawl(
    config: Config,
    source_names: list[str] | None = None,
    *,
    spider: str = "news",
    log_file: Path | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    overrides: dict[str, Any] | None = None,
) -> CrawlReport:
    sources = config.select_sources(source_names)  # raises ConfigError on a bad name
    settings = build_settings(config, **(overrides or {}))
    if log_file is not None:
        settings.update(LOG_FILE=str(log_file), LOG_FILE_APPEND=False)
    process = CrawlerProcess(settings)
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
    )


def check_sources(config: Config, source_names: list[str] | None = None) -> list[Any]:
    """Fetch every listing once (spider `check`) and return its ListingCheck results."""
    sources = config.select_sources(source_names)
    settings = build_settings(
        config,
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

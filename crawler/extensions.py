"""RunRecorder: one `crawl_runs` row per crawl, with the per-source counters at the end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chipwatch.crawler import counters
from chipwatch.storage import finish_run, open_database, start_run
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class RunRecorder:
    def __init__(self, crawler: Crawler, database_url: str) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        url = crawler.settings.get("CHIPWATCH_DATABASE_URL")
        if not url:
            raise NotConfigured("CHIPWATCH_DATABASE_URL is not set")
        return cls(crawler, url)

    def spider_opened(self, spider: Spider) -> None:
        self.sessions = open_database(self.database_url)
        with self.sessions.begin() as session:
            self.run_id = start_run(session, spider.name)
        self.crawler.stats.set_value("chipwatch_run_id", self.run_id)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        stats = self.crawler.stats.get_stats()
        names = [s.name for s in getattr(spider, "sources", ())]
        with self.sessions.begin() as session:
            finish_run(
                session,
                self.run_id,
                status=reason,
                counters={k: _json_safe(v) for k, v in stats.items()},
                sources=counters.per_source(stats, names),
            )
        self.sessions.kw["bind"].dispose()


def _json_safe(value: Any) -> Any:
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)

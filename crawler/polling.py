"""PollRecorder: what each listing fetch saw goes to storage/polling.py, which learns
the listing's interval and plans its next fetch.

Saved only when the crawl finished, like the listings' validators: a crawl that was
killed or could not store its articles keeps every listing due, so the next run reads
them all again and nothing they listed is lost."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from crawler import counters
from storage import (
    Bounds,
    Poll,
    StorageError,
    describe_db_error,
    display_url,
    open_database,
    record_polls,
)
from storage.models import utcnow

logger = logging.getLogger(__name__)


class PollRecorder:
    def __init__(self, crawler: Crawler, database_url: str, bounds: Bounds) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.bounds = bounds
        self.polls: list[Poll] = []
        # Intervals count from the run's start: the next run, started by cron on the
        # same schedule, finds the listing due rather than a few seconds early.
        self.started: datetime = utcnow()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PollRecorder:
        url = crawler.settings.get("CHIPWATCH_DATABASE_URL")
        job = crawler.settings.get("CHIPWATCH_JOB")
        if not url or job is None:
            raise NotConfigured("no database or no chipwatch job")
        return cls(crawler, url, job.crawl.bounds)

    def spider_opened(self, spider: Spider) -> None:
        self.started = utcnow()

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, Poll):
            self.polls.append(item)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if reason != "finished" or not self.polls:
            return
        try:
            sessions = open_database(self.database_url)
            try:
                with sessions.begin() as session:
                    record_polls(session, self.polls, now=self.started, bounds=self.bounds)
            finally:
                sessions.kw["bind"].dispose()
        except (SQLAlchemyError, StorageError) as exc:
            # Not fatal for the articles: the listings stay due and are read next run.
            message = (
                f"{display_url(self.database_url)}: cannot record the listings' schedule: "
                f"{describe_db_error(exc)}"
            )
            counters.storage_failed(self.crawler.stats, message)
            logger.error("storage: %s", message)

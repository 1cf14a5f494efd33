"""RunRecorder: one `crawl_runs` row per crawl, with the per-source counters at the end."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from crawler import counters
from storage import (
    StorageError,
    describe_db_error,
    display_url,
    finish_run,
    open_database,
    start_run,
)
from storage.models import utcnow

logger = logging.getLogger(__name__)


class RunRecorder:
    """Records the run even when the database is busy at its start: a run that could not
    be started is written whole at the end. The run is finished when the engine has
    stopped, after every component has had its last word (the store pipeline's last
    batch, pending URLs and listing state), so its status says whether they got it in."""

    ATTEMPTS = 3
    RETRY_SECONDS = 1.0

    def __init__(self, crawler: Crawler, database_url: str) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.run_id: int | None = None
        self.started_at = utcnow()
        self.spider: Spider | None = None
        self.reason = "failed"
        self.sessions: sessionmaker[Session] | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        url = crawler.settings.get("CHIPWATCH_DATABASE_URL")
        if not url:
            raise NotConfigured("CHIPWATCH_DATABASE_URL is not set")
        return cls(crawler, url)

    def spider_opened(self, spider: Spider) -> None:
        self.spider = spider
        self.started_at = utcnow()
        try:
            self.sessions = open_database(self.database_url)
            with self.sessions.begin() as session:
                self.run_id = start_run(session, spider.name, started_at=self.started_at)
        except (SQLAlchemyError, StorageError) as exc:
            # Not fatal yet: the crawl may still store, and the run is written at the end.
            logger.warning("cannot record the start of the run: %s", describe_db_error(exc))
        self.crawler.stats.set_value("chipwatch_run_id", self.run_id)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.reason = reason

    def engine_stopped(self) -> None:
        if self.spider is None:
            return
        stats = self.crawler.stats.get_stats()
        status = "storage_error" if stats.get(counters.STORAGE_ERROR) else self.reason
        names = [s.name for s in getattr(self.spider, "sources", ())]
        error: BaseException | None = None
        for attempt in range(self.ATTEMPTS):
            try:
                self._finish(status, stats, names)
                break
            except (SQLAlchemyError, StorageError) as exc:
                error = exc
                if attempt + 1 < self.ATTEMPTS:
                    time.sleep(self.RETRY_SECONDS)
        else:
            assert error is not None
            counters.storage_failed(
                self.crawler.stats,
                f"{display_url(self.database_url)}: cannot record the crawl run: "
                f"{describe_db_error(error)}",
            )
        if self.sessions is not None:
            self.sessions.kw["bind"].dispose()

    def _finish(self, status: str, stats: dict[str, Any], names: list[str]) -> None:
        if self.sessions is None:
            self.sessions = open_database(self.database_url)
        assert self.spider is not None
        with self.sessions.begin() as session:
            if self.run_id is None:
                self.run_id = start_run(session, self.spider.name, started_at=self.started_at)
                self.crawler.stats.set_value("chipwatch_run_id", self.run_id)
            finish_run(
                session,
                self.run_id,
                status=status,
                counters={k: _json_safe(v) for k, v in stats.items()},
                sources=counters.per_source(stats, names),
            )


def _json_safe(value: Any) -> Any:
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)

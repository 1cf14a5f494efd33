"""The reference spider: what a minimal hand-written crawler of the same site does, to
measure chipwatch against. Scrapy's SitemapSpider, Trafilatura (its defaults plus
metadata) in a spawn process pool of 2, and batched SQLite inserts (`executemany`, 50
rows a transaction) on the reactor thread. No dedup across runs, no URL state, no
politeness beyond robots.txt — the floor of what a crawler must do.

    python -m bench.reference SITEMAP_URL DATABASE_PATH [ARTICLE_PATTERN]
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.spiders import SitemapSpider
from trafilatura import bare_extraction
from trafilatura.settings import Document

WORKERS = 2
BATCH = 50


def extract(html: str, url: str) -> tuple[str, str | None, str | None, str] | None:
    document = bare_extraction(html, url=url, with_metadata=True)
    if not isinstance(document, Document) or not document.text:
        return None
    return url, document.title, document.date, document.text


class ReferenceSpider(SitemapSpider):
    name = "reference"

    def __init__(self, sitemap: str, pattern: str, **kwargs: Any) -> None:
        self.sitemap_urls = [sitemap]
        self.sitemap_rules = [(pattern, "parse_article")]
        super().__init__(**kwargs)

    def parse_article(self, response: Response) -> Iterator[dict[str, str]]:
        yield {"url": response.url, "html": response.text}


class ExtractAndStore:
    def open_spider(self) -> None:
        self.pool = ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"))
        self.db = sqlite3.connect(sys.argv[2])
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS articles (url TEXT PRIMARY KEY, title TEXT, "
            "published TEXT, text TEXT)"
        )
        self.rows: list[tuple[str, str | None, str | None, str]] = []

    async def process_item(self, item: dict[str, str]) -> dict[str, str]:
        loop = asyncio.get_running_loop()
        row = await loop.run_in_executor(self.pool, extract, item["html"], item["url"])
        if row is not None:
            self.rows.append(row)
            if len(self.rows) >= BATCH:
                self.flush()
        return {"url": item["url"]}

    def flush(self) -> None:
        with self.db:
            self.db.executemany("INSERT OR IGNORE INTO articles VALUES (?, ?, ?, ?)", self.rows)
        self.rows = []

    def close_spider(self) -> None:
        self.flush()
        self.db.close()
        self.pool.shutdown()


def main() -> int:
    sitemap, pattern = sys.argv[1], sys.argv[3] if len(sys.argv) > 3 else r"/news/"
    process = CrawlerProcess(
        settings={
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
            "ROBOTSTXT_OBEY": True,
            "CONCURRENT_REQUESTS": 16,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "COOKIES_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "ITEM_PIPELINES": {"bench.reference.ExtractAndStore": 100},
        }
    )
    process.crawl(ReferenceSpider, sitemap=sitemap, pattern=pattern)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())

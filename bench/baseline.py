"""The extraction ceiling: the crawl's own `extract_article` over the same pages, without
Scrapy, HTTP or the database, in the crawl's own process pool (crawler.pool) with as
many workers."""

from __future__ import annotations

import os
import resource
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from crawler.extract import ExtractedArticle, extract_article
from crawler.pool import extraction_pool

LANGUAGE_HINT = "de"  # the benchmark source's configured language, as the crawl passes it


@dataclass(frozen=True)
class Page:
    url: str
    html: str


@dataclass(frozen=True)
class ExtractTiming:
    pages: int
    extracted: int  # pages that gave an article (the rest failed extraction)
    seconds: float
    workers: int
    cpu_seconds: float = 0.0  # user + system time of the workers, warm-up included

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0


def fetch_pages(urls: Sequence[str], threads: int = 8) -> list[Page]:
    """GET every URL once (untimed preparation); bodies decoded as the server declares."""

    def get(url: str) -> Page:
        with urllib.request.urlopen(url, timeout=30) as response:
            charset = response.headers.get_content_charset() or "utf-8"
            return Page(url, response.read().decode(charset, errors="replace"))

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(get, urls))


def _extract_ok(page: Page) -> bool:
    result = extract_article(page.html, page.url, language_hint=LANGUAGE_HINT)
    return isinstance(result, ExtractedArticle)


def _warm_job(page: Page) -> int:
    """Extract once (lazy imports and caches) and linger, so every worker gets one."""
    _extract_ok(page)
    time.sleep(0.2)
    return os.getpid()


def time_pool(pages: Sequence[Page], workers: int) -> ExtractTiming:
    """The crawl's own pool (crawler.pool), one job per page. Pool start-up is excluded:
    every worker has run a warm-up job before the clock starts."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with extraction_pool(workers) as pool:
        warmed: set[int] = set()
        for _ in range(20):  # each round keeps every worker busy for a moment
            warmed.update(pool.map(_warm_job, [pages[0]] * workers))
            if len(warmed) >= workers:
                break
        started = time.perf_counter()
        extracted = sum(pool.map(_extract_ok, pages))  # chunksize 1, as the crawl submits
        seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, waited for
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return ExtractTiming(len(pages), extracted, seconds, workers=workers, cpu_seconds=cpu)

"""Scrapy settings for chipwatch: the fixed base, plus what the config file sets.

Both `chipwatch crawl` and `scrapy crawl` (through crawler/settings.py) build their
settings here, so they run the same components with the same politeness."""

from __future__ import annotations

from typing import Any

from scrapy.settings import default_settings

from crawler.options import CrawlJob

BASE_SETTINGS: dict[str, Any] = {
    "BOT_NAME": "chipwatch",
    "SPIDER_MODULES": ["crawler.spiders"],
    "NEWSPIDER_MODULE": "crawler.spiders",
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    "ROBOTSTXT_OBEY": True,
    "COOKIES_ENABLED": False,  # news pages need none, and they track
    "TELNETCONSOLE_ENABLED": False,  # no listening port for a cron job
    "REMOTE_CONTROL_ENABLED": False,  # nor Scrapy 2.19's code-running HTTP console
    "REDIRECT_MAX_TIMES": 5,
    "METAREFRESH_ENABLED": True,
    "RETRY_ENABLED": True,
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
    "DOWNLOAD_DELAY_JITTER": 0.5,  # each wait 0.5–1.5 × the delay
    "AUTOTHROTTLE_ENABLED": True,
    # What AutoThrottle may learn from latencies alone; robots.txt's Crawl-delay and
    # Retry-After go beyond it (crawler/middlewares.py).
    "AUTOTHROTTLE_MAX_DELAY": 10.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "DNS_TIMEOUT": 20,
    "LOG_LEVEL": "INFO",
    # Scrapy starts this many asyncio tasks for every callback's output, items or not
    # (scrapy.utils.asyncio._parallel_asyncio); an article page yields one item, so the
    # default 100 only costs the reactor ~2.5 ms a page.
    "CONCURRENT_ITEMS": 4,
    # Scrapy checks each response's callback for a generator that returns a value by
    # parsing its source (0.9 ms on the reactor's thread), cached by the bound method,
    # which lives only as long as its request: a crawl with few requests in flight parses
    # it for nearly every page. A warning for spider authors; ours are tested.
    "WARN_ON_GENERATOR_RETURN_VALUE": False,
    # Only http(s) is ever fetched; without handlers, no other scheme can be (the second
    # wall behind HttpOnlyMiddleware).
    "DOWNLOAD_HANDLERS": {"file": None, "ftp": None, "s3": None, "data": None},
    "DOWNLOADER_MIDDLEWARES": {
        "crawler.middlewares.HttpOnlyMiddleware": 50,
        # Scrapy's RobotsTxtMiddleware (on by default) decides what is allowed; this one
        # has no request hooks, it applies robots.txt's Crawl-delay through signals.
        "crawler.middlewares.RobotsCrawlDelayMiddleware": 100,
        # Right after RobotsTxtMiddleware (100): a listing that is robots.txt gets the
        # answer Scrapy's own robots request already had.
        "crawler.middlewares.RobotsTxtOnceMiddleware": 101,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawler.middlewares.RetryAfterMiddleware": 550,
        # Closest to the downloader: counts every request that really goes out,
        # retries included, and every 304 that comes back.
        "crawler.middlewares.SourceStatsMiddleware": 950,
    },
    "SPIDER_MIDDLEWARES": {
        "crawler.middlewares.KnownUrlMiddleware": 700,
    },
    "ITEM_PIPELINES": {
        "crawler.pipelines.ExtractPipeline": 100,
        "crawler.pipelines.StorePipeline": 500,
    },
    # Scrapy's own extensions, less its remote control: off (REMOTE_CONTROL_ENABLED), but
    # loading it to find that out imports aiohttp, a tenth of every incremental run's
    # start-up. (Naming it None in EXTENSIONS would still import it: Scrapy loads the
    # keys of EXTENSIONS to match them to EXTENSIONS_BASE.)
    "EXTENSIONS_BASE": {
        path: order
        for path, order in default_settings.EXTENSIONS_BASE.items()
        if path != "scrapy.extensions.remote_control.RemoteControl"
    },
    "EXTENSIONS": {
        # the median of recent latencies, not the last one (crawler/throttle.py)
        "scrapy.extensions.throttle.AutoThrottle": None,
        "crawler.throttle.SteadyAutoThrottle": 0,
        "crawler.extensions.RunRecorder": 100,
        "crawler.middlewares.ResponseSizeGuard": 110,
        "crawler.polling.PollRecorder": 130,
    },
}


def job_settings(job: CrawlJob) -> dict[str, Any]:
    crawl = job.crawl
    return {
        "CHIPWATCH_JOB": job,
        "CHIPWATCH_DATABASE_URL": job.database_url,
        "CHIPWATCH_MAX_RETRY_AFTER": crawl.max_retry_after,
        "CHIPWATCH_EXTRACT_WORKERS": crawl.extract_workers,
        "CHIPWATCH_MAX_FAILURES": crawl.max_failures,
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_host_concurrency,
        "DOWNLOAD_DELAY": crawl.delay,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        # the first requests to a host wait the configured delay; then latencies decide
        "AUTOTHROTTLE_START_DELAY": crawl.delay,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        # feeds and sitemaps: set on their requests as `download_maxsize`
        "CHIPWATCH_MAX_LISTING_BYTES": crawl.max_listing_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_TIMES": crawl.retries,
    }


def build_settings(job: CrawlJob, **overrides: Any) -> dict[str, Any]:
    return {**BASE_SETTINGS, **job_settings(job), **overrides}

"""Politeness and listing variants: robots.txt Crawl-delay, Sitemap: lines, article age."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from scrapy import Request, signals
from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from bench.site import generate_articles
from chipwatch.demo.articles import DEMO_ARTICLES
from chipwatch.demo.server import NewsServer
from chipwatch.demo.site import NewsSite
from crawler.middlewares import RobotsCrawlDelayMiddleware
from tests.conftest import FAST_CRAWL, chipwatch, source_block, write_config

ARTICLE_PATTERN = r"/news/\d{4}/\d{2}/[^/]+\.html$"


def crawl(config: Path) -> subprocess.CompletedProcess[str]:
    return chipwatch(config, "crawl")


def test_robots_crawl_delay_spaces_requests_to_the_host(tmp_path: Path) -> None:
    articles = DEMO_ARTICLES[:3]
    with NewsServer(NewsSite(articles, crawl_delay=1.0)) as server:
        base = server.base_url
        config = write_config(
            tmp_path,
            FAST_CRAWL
            + source_block("Slow", feeds=[f"{base}/feeds/rss.xml"], follow=ARTICLE_PATTERN),
        )
        result = crawl(config)
        assert result.returncode == 0, result.stderr
        times = [r.at for r in server.log if r.path != "/robots.txt"]
    assert len(times) == 1 + len(articles)
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    # the config says delay = 0; robots.txt says 1 s, and the larger wins
    assert min(gaps) >= 0.95, gaps


class _Downloader:
    """What slot-delay components use of Scrapy's downloader: one slot per host."""

    def __init__(self, *hosts: str) -> None:
        self.slots = {host: Slot(concurrency=1, delay=0.0, jitter=0.5) for host in hosts}

    def get_slot_key(self, request: Request) -> str:
        return urlparse_cached(request).hostname or ""


STEADY = "crawler.throttle.SteadyAutoThrottle"


def _crawler_with_slots(
    *hosts: str,
    crawl_delay_component: bool = True,
    throttle: str = "scrapy.extensions.throttle.AutoThrottle",
    max_delay: float = 60.0,
) -> tuple[Crawler, RobotsCrawlDelayMiddleware | None]:
    """A crawler with AutoThrottle (`throttle`) built as its one extension, then (as when
    the engine and its downloader are built) the crawl-delay middleware, over stand-in
    slots."""
    crawler = get_crawler(
        settings_dict={
            "EXTENSIONS_BASE": {throttle: 0},
            "AUTOTHROTTLE_MAX_DELAY": max_delay,
            "ROBOTSTXT_OBEY": True,
            "USER_AGENT": "chipwatch-test",
            "DOWNLOAD_DELAY": 0.0,
            "AUTOTHROTTLE_ENABLED": True,
            "AUTOTHROTTLE_START_DELAY": 1.0,
            "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        }
    )
    crawler.engine = SimpleNamespace(downloader=_Downloader(*hosts))  # type: ignore[assignment]
    component = None
    if crawl_delay_component:  # signals hold receivers weakly: keep it
        component = build_from_crawler(RobotsCrawlDelayMiddleware, crawler)
    crawler.signals.send_catch_log(signals.spider_opened, spider=None)
    return crawler, component


def _robots_parsed(crawler: Crawler, url: str, robots_txt: str) -> None:
    parser = ProtegoRobotParser.from_crawler(crawler, robots_txt.encode())
    crawler.signals.send_catch_log(signals.robots_parsed, robotparser=parser, request=Request(url))


def _fast_response(crawler: Crawler, url: str, host: str, latency: float = 0.01) -> None:
    request = Request(url, meta={"download_slot": host, "download_latency": latency})
    crawler.signals.send_catch_log(
        signals.response_downloaded,
        response=Response(url, status=200, request=request),
        request=request,
        spider=None,
    )


def test_robots_crawl_delay_outlasts_autothrottle_on_every_response() -> None:
    crawler, _component = _crawler_with_slots("slow.example", "other.example")
    _robots_parsed(
        crawler,
        "http://slow.example/feed.xml",
        "User-agent: chipwatch-test\nCrawl-delay: 3\n\nUser-agent: *\nCrawl-delay: 30\n",
    )
    slots = crawler.engine.downloader.slots
    # jitter 0.5: waits are 0.5–1.5 × the delay, so 6 s keeps every wait >= 3 s
    assert slots["slow.example"].delay == 6.0
    for _ in range(5):
        _fast_response(crawler, "http://slow.example/a.html", "slow.example")
        _fast_response(crawler, "http://other.example/a.html", "other.example")
    assert slots["slow.example"].delay == 6.0
    assert slots["other.example"].delay < 0.1  # AutoThrottle's own, robots said nothing


def test_without_the_crawl_delay_component_autothrottle_shortens_the_delay() -> None:
    crawler, _ = _crawler_with_slots("slow.example", crawl_delay_component=False)
    _robots_parsed(crawler, "http://slow.example/feed.xml", "User-agent: *\nCrawl-delay: 3\n")
    slot = crawler.engine.downloader.slots["slow.example"]
    slot.delay = 6.0
    _fast_response(crawler, "http://slow.example/a.html", "slow.example")
    assert slot.delay < 6.0


def test_stock_autothrottle_lets_one_slow_answer_set_the_hosts_delay() -> None:
    # what SteadyAutoThrottle is for: Scrapy's own jumps to the outlier's latency
    crawler, _ = _crawler_with_slots("site.example", crawl_delay_component=False)
    slot = crawler.engine.downloader.slots["site.example"]
    for _ in range(5):
        _fast_response(crawler, "http://site.example/a.html", "site.example", latency=0.1)
    _fast_response(crawler, "http://site.example/slow.html", "site.example", latency=10.0)
    assert slot.delay == 10.0


def test_one_slow_answer_does_not_set_the_hosts_delay() -> None:
    crawler, _ = _crawler_with_slots("site.example", crawl_delay_component=False, throttle=STEADY)
    slot = crawler.engine.downloader.slots["site.example"]
    for _ in range(5):
        _fast_response(crawler, "http://site.example/a.html", "site.example", latency=0.1)
    _fast_response(crawler, "http://site.example/slow.html", "site.example", latency=10.0)
    assert slot.delay < 0.11  # the median of the last answers is still 0.1 s
    for _ in range(3):
        _fast_response(crawler, "http://site.example/a.html", "site.example", latency=0.1)
    assert slot.delay < 0.11


def test_a_host_that_really_slows_down_gets_a_longer_delay_up_to_the_maximum() -> None:
    crawler, _ = _crawler_with_slots(
        "site.example", crawl_delay_component=False, throttle=STEADY, max_delay=10.0
    )
    slot = crawler.engine.downloader.slots["site.example"]
    delays = []
    for _ in range(12):
        _fast_response(crawler, "http://site.example/a.html", "site.example", latency=30.0)
        delays.append(slot.delay)
    assert delays == sorted(delays)
    assert delays[3] > 5.0
    assert delays[-1] == 10.0


def test_robots_crawl_delay_outlasts_the_steady_autothrottle_too() -> None:
    crawler, _component = _crawler_with_slots("slow.example", throttle=STEADY)
    _robots_parsed(crawler, "http://slow.example/feed.xml", "User-agent: *\nCrawl-delay: 3\n")
    for _ in range(5):
        _fast_response(crawler, "http://slow.example/a.html", "slow.example")
    assert crawler.engine.downloader.slots["slow.example"].delay == 6.0


def test_a_site_with_one_slow_page_keeps_fetching_the_others_meanwhile(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    # newest first, as the feed lists them and the crawl asks for them
    articles = [
        replace(a, published=now - timedelta(hours=i))
        for i, a in enumerate(generate_articles(24, seed=7))
    ]
    slow_seconds = 4.0
    # every answer takes 0.3 s, so AutoThrottle learns from real latencies (and the other
    # pages take longer than the slow one); the first article asked for takes 4 s
    with NewsServer(NewsSite(articles), delay=0.3, slow_first=("/news/", slow_seconds)) as server:
        base = server.base_url
        config = write_config(
            tmp_path,
            FAST_CRAWL.replace("delay = 0", "delay = 0\nper_host_concurrency = 2")
            + source_block("Slowish", feeds=[f"{base}/feeds/rss.xml"], follow=ARTICLE_PATTERN),
        )
        result = crawl(config)
        assert result.returncode == 0, result.stderr
        log, slow = server.log, server.slowed
    with sqlite3.connect(tmp_path / "chipwatch.db") as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (len(articles),)
    # (the log's time is when the server answered)
    answers = {r.path: r.at for r in log if r.path.startswith("/news/")}
    assert slow is not None  # the server held one article back
    answered = answers[slow]
    # The slow page held one of the host's two connections; the other kept going. With
    # Scrapy's own AutoThrottle the host's delay becomes ~4 s once the slow page answers,
    # and the pages still to fetch then come seconds apart.
    later = sorted(at for at in answers.values() if at > answered)
    assert len(later) >= 3  # pages were left to fetch when it answered
    gaps = [b - a for a, b in zip([answered, *later], later, strict=False)]
    assert all(gap < slow_seconds / 2 for gap in gaps), gaps


def test_sitemaps_found_through_robots_txt_fetched_once(tmp_path: Path) -> None:
    with NewsServer(NewsSite(DEMO_ARTICLES)) as server:
        base = server.base_url
        config = write_config(
            tmp_path,
            FAST_CRAWL
            + source_block("Robots", sitemaps=[f"{base}/robots.txt"], follow=ARTICLE_PATTERN),
        )
        result = crawl(config)
        assert result.returncode == 0, result.stderr
        requested = [r.path for r in server.log]
    assert {"/sitemap_index.xml", "/sitemaps/news.xml.gz"} <= set(requested)
    # one fetch serves both Scrapy's robots rules and the source's Sitemap: lines
    assert requested.count("/robots.txt") == 1
    with sqlite3.connect(tmp_path / "chipwatch.db") as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (len(DEMO_ARTICLES),)


def test_entries_older_than_max_age_are_not_fetched(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    fresh = [
        replace(a, published=now - timedelta(days=2 + i)) for i, a in enumerate(DEMO_ARTICLES[:3])
    ]
    old = [
        replace(a, published=now - timedelta(days=60 + i)) for i, a in enumerate(DEMO_ARTICLES[3:])
    ]
    with NewsServer(NewsSite(fresh + old)) as server:
        base = server.base_url
        body = FAST_CRAWL.replace("max_article_age_days = 0", "max_article_age_days = 30")
        config = write_config(
            tmp_path,
            body + source_block("Aged", feeds=[f"{base}/feeds/rss.xml"], follow=ARTICLE_PATTERN),
        )
        assert crawl(config).returncode == 0
        fetched = {r.path for r in server.log if r.path.startswith("/news/")}
    assert fetched == {a.url_path for a in fresh}
    with sqlite3.connect(tmp_path / "chipwatch.db") as conn:
        (skipped,) = conn.execute("SELECT skipped FROM crawl_run_sources").fetchone()
    assert json.loads(skipped) == {"too_old": len(old)}

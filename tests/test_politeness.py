"""Politeness and listing variants: robots.txt Crawl-delay, Sitemap: lines, article age."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chipwatch.demo.articles import DEMO_ARTICLES
from chipwatch.demo.server import NewsServer
from chipwatch.demo.site import NewsSite
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


def test_sitemaps_found_through_robots_txt(tmp_path: Path) -> None:
    with NewsServer(NewsSite(DEMO_ARTICLES)) as server:
        base = server.base_url
        config = write_config(
            tmp_path,
            FAST_CRAWL
            + source_block("Robots", sitemaps=[f"{base}/robots.txt"], follow=ARTICLE_PATTERN),
        )
        result = crawl(config)
        assert result.returncode == 0, result.stderr
        paths = {r.path for r in server.log}
    assert {"/sitemap_index.xml", "/sitemaps/news.xml.gz"} <= paths
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

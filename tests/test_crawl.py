"""End to end: the real CLI crawls the local news web with its traps, into SQLite and
into PostgreSQL (every test on both); and, without a crawl, how the spider turns a
listing into requests against a real database."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, text

from chipwatch.config import load_config
from chipwatch.demo.server import NewsServer
from chipwatch.demo.site import NewsSite
from crawler.configure import build_settings
from crawler.listings import ListingEntry
from crawler.middlewares import KNOWN_CHECKED
from crawler.spiders.news import NewsSpider
from crawler.urls import canonicalize, url_key
from storage import UrlOutcome, create_if_missing, open_database, record_outcomes
from storage.analysed import analysed_columns
from tests.conftest import (
    BACKENDS,
    FAST_CRAWL,
    chipwatch,
    database,
    source_block,
    with_database,
    write_config,
)
from tests.newsweb import (
    load_seed_articles,
    normalize_ws,
    seed_expectations,
    seeds_available,
    trap_site,
)

pytestmark = pytest.mark.skipif(
    not seeds_available(), reason="../shared/seeds is not beside the checkout"
)

ARTICLE_PATTERN = r"/news/\d{4}/\d{2}/[^/]+\.html/?$"


@dataclass
class Crawled:
    server: NewsServer
    site: NewsSite
    config: Path
    database_url: str
    first: subprocess.CompletedProcess[str]  # run 1
    second: subprocess.CompletedProcess[str]
    first_log: list
    second_log: list

    def rows(self, sql: str, *args: object) -> list[tuple]:
        """Rows as SQLite's own driver gives them on either backend: `?` parameters,
        timestamps as ISO text, JSON as text."""
        params = {f"p{i}": arg for i, arg in enumerate(args)}
        numbered = iter(range(len(args)))
        statement = text(re.sub(r"\?", lambda _: f":p{next(numbered)}", sql))
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return [tuple(map(_as_sqlite, row)) for row in conn.execute(statement, params)]
        finally:
            engine.dispose()


def _as_sqlite(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def trap_config(
    folder: Path, base: str, database_url: str, *, max_page_bytes: int = 1_000_000
) -> Path:
    body = with_database(FAST_CRAWL, database_url)
    body = body.replace("[crawl]", f"[crawl]\nmax_page_bytes = {max_page_bytes}")
    body += source_block(
        "Trap News",
        feeds=[f"{base}/feeds/rss.xml", f"{base}/feeds/atom.xml"],
        sitemaps=[f"{base}/sitemap_index.xml"],
        pages=[f"{base}/thema/chips/"],
        follow=ARTICLE_PATTERN,
    )
    return write_config(folder, body)


@pytest.fixture(scope="module", params=BACKENDS)
def crawled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crawled]:
    folder = tmp_path_factory.mktemp("crawl")
    site = trap_site(load_seed_articles())
    with NewsServer(site) as server, database(request.param, folder) as url:
        config = trap_config(folder, server.base_url, url)
        if request.param != "sqlite":  # `crawl` creates only an SQLite file by itself
            created = chipwatch(config, "db", "upgrade")
            assert created.returncode == 0, created.stderr

        first = chipwatch(config, "crawl")
        first_log = server.log
        server.clear_log()
        second = chipwatch(config, "crawl")
        second_log = server.log
        yield Crawled(server, site, config, url, first, second, first_log, second_log)


def test_crawl_exits_zero_and_is_silent_under_cron(crawled: Crawled) -> None:
    assert crawled.first.returncode == 0, crawled.first.stderr
    assert crawled.first.stdout == ""
    assert crawled.second.returncode == 0, crawled.second.stderr
    assert crawled.second.stdout == ""


def test_exact_stored_set(crawled: Crawled) -> None:
    base = crawled.server.base_url
    traps = crawled.site.trap_urls(base)
    expected = set(crawled.site.article_urls(base)) | {traps["busy"]}
    stored = {url for (url,) in crawled.rows("SELECT url FROM articles")}
    assert stored == {canonicalize(u) for u in expected}
    assert len(crawled.rows("SELECT id FROM articles")) == 6


def test_seed_articles_have_clean_text_titles_dates_languages(crawled: Crawled) -> None:
    base = crawled.server.base_url
    expectations = seed_expectations()
    by_url = {
        row[0]: row
        for row in crawled.rows(
            "SELECT url, title, text, language, published_at, author FROM articles"
        )
    }
    for key, article in zip(sorted(expectations), crawled.site.articles, strict=True):
        url, title, text, language, published, author = by_url[base + article.url_path]
        expected = expectations[key]
        body = normalize_ws(text)
        assert title == expected.title
        assert expected.first_sentence in body
        assert expected.last_sentence in body
        for junk in (*expected.boilerplate, "Job, der Bot", "Alle akzeptieren", "Impressum"):
            assert junk not in body, (key, junk)
        assert language == article.language
        assert (
            published[:10] == article.published.astimezone().date().isoformat()
            or published[:10] == article.published.date().isoformat()
        )
    assert by_url[base + crawled.site.articles[2].url_path][5] == "Michael Förtsch"


def test_iso_8859_1_page_is_decoded_by_its_meta_tag(crawled: Crawled) -> None:
    legacy = crawled.site.trap_urls(crawled.server.base_url)["legacy_charset"]
    (text,) = crawled.rows("SELECT text FROM articles WHERE url = ?", legacy)[0]
    assert "\ufffd" not in text
    assert any(ch in text for ch in "äöüß")


def test_aliases_point_to_one_article(crawled: Crawled) -> None:
    base = crawled.server.base_url
    traps = crawled.site.trap_urls(base)
    first_article = base + crawled.site.articles[0].url_path
    (first_id,) = crawled.rows("SELECT id FROM articles WHERE url = ?", first_article)[0]
    amp_row = crawled.rows(
        "SELECT article_id, outcome FROM urls WHERE key = ?", url_key(traps["amp"])
    )
    assert amp_row == [(first_id, "duplicate")]


def test_skip_and_error_counts_per_reason(crawled: Crawled) -> None:
    (run_id,) = crawled.rows("SELECT min(id) FROM crawl_runs")[0]
    (skipped, errors, new) = crawled.rows(
        "SELECT skipped, errors, new_articles FROM crawl_run_sources WHERE run_id = ?", run_id
    )[0]
    import json

    skipped, errors = json.loads(skipped), json.loads(errors)
    assert new == 6
    # duplicates: the AMP copy (rel=canonical), and the redirect chain into an article
    # that is also listed directly (whichever of the two arrives second)
    assert skipped == {
        "not_html": 1,
        "too_large": 1,
        "robots": 1,
        "invalid_item": 1,
        "duplicate": 2,
    }
    assert errors == {"http_404": 1, "http_500": 1, "redirect_loop": 1}


def test_politeness_user_agent_robots_and_retry_after(crawled: Crawled) -> None:
    traps = crawled.site.trap_urls(crawled.server.base_url)
    assert all(r.headers.get("user-agent", "").startswith("chipwatch/") for r in crawled.first_log)
    paths = [r.path for r in crawled.first_log]
    assert "/robots.txt" in paths
    assert "/private/2026/01/secret.html" not in paths
    busy_path = traps["busy"].removeprefix(crawled.server.base_url)
    assert [r.status for r in crawled.first_log if r.path == busy_path] == [429, 200]


def test_second_run_is_conditional_and_fetches_no_stored_article(crawled: Crawled) -> None:
    base = crawled.server.base_url
    listing_paths = {
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/sitemap_index.xml",
        "/thema/chips/",
        "/sitemaps/news.xml.gz",
        "/sitemaps/pages.xml",
    }
    listings = [r for r in crawled.second_log if r.path in listing_paths]
    assert {r.path for r in listings} == listing_paths
    for request in listings:
        assert "if-none-match" in request.headers or "if-modified-since" in request.headers
        assert request.status == 304
    stored_paths = {
        url.removeprefix(base).split("?")[0]
        for (url,) in crawled.rows("SELECT url FROM urls WHERE article_id IS NOT NULL")
    }
    fetched_articles = {r.path for r in crawled.second_log} - listing_paths - {"/robots.txt"}
    assert not (fetched_articles & stored_paths)
    # only the transient 500 is worth another try
    assert fetched_articles == {"/news/2026/01/broken.html"}
    (new,) = crawled.rows("SELECT new_articles FROM crawl_run_sources ORDER BY id DESC LIMIT 1")[0]
    assert new == 0


def test_stats_command_reports_per_source(
    crawled: Crawled, run_cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    result = run_cli("stats", "--runs", "2", config=crawled.config)
    assert result.returncode == 0, result.stderr
    assert "Trap News: 6 articles stored" in result.stdout
    assert "not_html 1" in result.stdout
    assert "too_large 1" in result.stdout
    assert "http_404 1" in result.stdout


def test_stored_analysis_is_the_analyzers_own(crawled: Crawled) -> None:
    """The extraction worker analyses the text once and collects its distinct tokens;
    what is stored must be exactly what the analyzer makes of the stored title and text."""
    rows = crawled.rows(
        "SELECT title, text, index_surface, index_de, index_en, index_vocab, analyzer_version"
        " FROM articles"
    )
    assert rows
    for title, text_, surface, de, en, vocabulary, version in rows:
        expected = analysed_columns(title, text_)
        assert (surface, de, en, vocabulary, version) == (
            expected["index_surface"],
            expected["index_de"],
            expected["index_en"],
            expected["index_vocab"],
            expected["analyzer_version"],
        )


def test_a_listing_asks_the_database_once_and_builds_requests_only_for_new_urls(
    tmp_path: Path,
) -> None:
    known = [f"https://n.example/news/{n}.html" for n in range(3)]
    new = [f"https://n.example/news/{n}.html" for n in range(3, 5)]
    listed = [*known, new[0], new[0] + "?utm_source=feed", new[1], known[0] + "/"]
    with database("sqlite", tmp_path) as url:
        body = with_database(FAST_CRAWL, url)
        body += source_block("Known News", sitemaps=["https://n.example/sitemap.xml"])
        job = load_config(write_config(tmp_path, body)).crawl_job
        create_if_missing(url)
        with open_database(url).begin() as session:
            outcomes = [
                UrlOutcome(url_key(u), u, "Known News", outcome="skipped:too_short", final=True)
                for u in known
            ]
            record_outcomes(session, outcomes, max_failures=3)
        crawler = get_crawler(NewsSpider, build_settings(job))
        spider = NewsSpider.from_crawler(crawler)

        entries = [ListingEntry(url=u) for u in listed]
        requests = list(spider.article_requests(entries, spider.sources[0]))

    assert [r.url for r in requests] == new
    assert all(r.meta[KNOWN_CHECKED] for r in requests)  # the middleware need not ask again
    assert crawler.stats.get_value("chipwatch/known/Known News") == 3

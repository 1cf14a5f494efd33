"""chipwatch against a hostile web: scheme tricks, lying canonicals, broken encodings,
compression bombs, endless bodies and empty feeds. Each is refused or recorded with a
clear reason; none leaks a traceback, reads a local file or fetches a non-http URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crawler.pipelines import trusted_canonical
from crawler.urls import is_http_url, same_site
from tests.conftest import chipwatch, write_config
from tests.hostile import JAPANESE, HostileWeb, article_html

MAX_PAGE_BYTES = 1_000_000
MAX_LISTING_BYTES = MAX_PAGE_BYTES * 3  # feeds and sitemaps; the bombs unpack to 20 times more


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://example.org/a.html", True),
        ("https://example.org:8443/a?b=c", True),
        ("https://[::1]/a", True),
        ("file:///etc/passwd", False),
        ("FILE:///etc/passwd", False),
        ("ftp://example.org/a.html", False),
        ("data:text/html,<p>hi</p>", False),
        ("javascript:alert(1)", False),
        ("//example.org/a.html", False),
        ("/a.html", False),
        ("http:///a.html", False),
        ("http://exa mple.org/", False),
        ("http://example.org/\na", False),
        ("http://[::1/a", False),
        ("", False),
    ],
)
def test_only_absolute_http_urls_are_requestable(url: str, allowed: bool) -> None:
    assert is_http_url(url) is allowed


@pytest.mark.parametrize(
    ("canonical", "page", "trusted"),
    [
        ("https://www.bbc.co.uk/news/1", "https://www.bbc.co.uk/news/1?amp", True),
        ("https://www.bbc.co.uk/news/1", "https://m.bbc.co.uk/news/1", True),
        ("https://www.evil.co.uk/news/1", "https://www.bbc.co.uk/news/1", False),
        ("https://evil.github.io/x", "https://good.github.io/x", False),
        ("https://www.heise.de/news/1", "https://heise.de/amp/news/1", True),
        ("file:///etc/passwd", "https://www.heise.de/news/1", False),
        ("ftp://www.heise.de/news/1", "https://www.heise.de/news/1", False),
        ("https://www.heise.de/", "https://www.heise.de/news/1", False),
    ],
)
def test_canonical_is_trusted_only_within_one_registrable_domain(
    canonical: str, page: str, trusted: bool
) -> None:
    assert (trusted_canonical(canonical, page) is not None) is trusted


def test_same_site_uses_the_public_suffix_list() -> None:
    assert same_site("www.bbc.co.uk", "news.bbc.co.uk")
    assert not same_site("www.bbc.co.uk", "www.evil.co.uk")
    assert not same_site("127.0.0.1", "127.0.0.2")
    assert same_site("127.0.0.1", "127.0.0.1")


# the crawl settings of every config here: small limits, no waiting, one worker
CRAWL = f"""
[database]
url = "sqlite:///chipwatch.db"

[crawl]
delay = 0
timeout = 10
retries = 0
extract_workers = 1
max_article_age_days = 0
max_page_bytes = {MAX_PAGE_BYTES}
max_listing_bytes = {MAX_LISTING_BYTES}
"""


def hostile_config(folder: Path, web: HostileWeb) -> Path:
    base = web.base
    return write_config(
        folder,
        CRAWL
        + f"""
[[sources]]
name = "Hostile"
language = "en"
feeds = ["{base}/feed.xml"]
pages = ["{base}/section.html"]
follow = '/a/'

[[sources]]
name = "Empty"
feeds = ["{base}/empty.xml"]

[[sources]]
name = "Bomb"
feeds = ["{base}/bomb-feed.xml"]
""",
    )


def url_states(db: Path) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, outcome, final FROM urls WHERE kind = 'article'")
        return {url: (outcome, final) for url, outcome, final in rows}


def test_hostile_web_is_refused_with_reasons_and_no_traceback(tmp_path: Path) -> None:
    local = tmp_path / "a" / "local.html"
    local.parent.mkdir()
    local.write_text(article_html("A private local file", 3), encoding="utf-8")
    with HostileWeb(local, MAX_PAGE_BYTES) as web:
        config = hostile_config(tmp_path, web)
        first = chipwatch(config, "crawl")
        assert "Traceback" not in first.stdout + first.stderr
        assert first.returncode == 0, first.stderr
        problems = first.stderr.splitlines()
        assert f"Empty: feed {web.base}/empty.xml: not a feed: empty response" in problems
        assert (
            f"Bomb: feed {web.base}/bomb-feed.xml: larger than max_listing_bytes "
            f"({MAX_LISTING_BYTES} bytes)" in problems
        )
        assert not any("unreachable" in line for line in problems)

        db = tmp_path / "chipwatch.db"
        with sqlite3.connect(db) as conn:
            stored = {url: text for url, text in conn.execute("SELECT url, text FROM articles")}
            every_url = [url for (url,) in conn.execute("SELECT url FROM urls")]
        # the honest articles, the Shift-JIS one decoded, the lying canonical under its
        # own URL; nothing from a file: or ftp: link, a redirect or a meta refresh
        expected = {
            *(web.base + p for p in web.ok_paths()),
            f"{web.base}/a/shift-jis.html",
            f"{web.base}/a/canonical-elsewhere.html",
        }
        assert set(stored) == expected
        assert JAPANESE[:40] in stored[f"{web.base}/a/shift-jis.html"]
        assert all(url.startswith(web.base) for url in every_url)
        assert web.ftp_connections == 0

        states = url_states(db)
        assert states[f"{web.base}/a/endless.html"] == ("skipped:too_large", 1)
        assert states[f"{web.base}/a/bomb.html"] == ("skipped:too_large", 1)
        assert states[f"{web.base}/a/garbage.html"] == ("skipped:undecodable", 1)

        stats = chipwatch(config, "stats")
        assert "not a feed: empty response" in stats.stdout
        assert "too_large 2" in stats.stdout
        assert "undecodable 1" in stats.stdout

        # A second run asks for none of the articles again, too large ones included.
        web.log.clear()
        second = chipwatch(config, "crawl")
        assert second.returncode == 0, second.stderr
        assert "Traceback" not in second.stdout + second.stderr
        articles_requested = [p for p in web.log if p.startswith("/a/")]
        assert "/a/endless.html" not in articles_requested
        assert "/a/bomb.html" not in articles_requested
        assert not set(articles_requested) & {p.removeprefix(web.base) for p in expected}


def test_sitemaps_have_the_protocols_size_limit_not_a_pages(tmp_path: Path) -> None:
    local = tmp_path / "local.html"
    local.write_text("private", encoding="utf-8")
    with HostileWeb(local, MAX_PAGE_BYTES) as web:
        config = write_config(
            tmp_path,
            CRAWL
            + f"""
[[sources]]
name = "Big"
language = "en"
sitemaps = ["{web.base}/big-sitemap.xml", "{web.base}/huge-sitemap.xml.gz"]
follow = '/a/ok-'

[[sources]]
name = "Broken"
sitemaps = ["{web.base}/broken-sitemap.xml.gz"]
""",
        )
        assert len(web.big_sitemap()) > MAX_PAGE_BYTES
        result = chipwatch(config, "crawl")
        assert "Traceback" not in result.stdout + result.stderr
        assert result.returncode == 0, result.stderr
        problems = result.stderr.splitlines()
        # over max_page_bytes, within max_listing_bytes: read, and its articles stored
        assert not any("big-sitemap.xml" in line for line in problems)
        with sqlite3.connect(tmp_path / "chipwatch.db") as conn:
            stored = {url for (url,) in conn.execute("SELECT url FROM articles")}
        assert stored == {web.base + p for p in web.ok_paths()}
        # over max_listing_bytes once unpacked; a .gz that is not one
        assert (
            f"Big: sitemap {web.base}/huge-sitemap.xml.gz: larger than max_listing_bytes "
            f"({MAX_LISTING_BYTES} bytes) unpacked" in problems
        )
        broken = f"Broken: sitemap {web.base}/broken-sitemap.xml.gz: not a gzip file: "
        assert any(line.startswith(broken) for line in problems), problems
        assert web.requested("/other/0000000.html") == 0  # not followed

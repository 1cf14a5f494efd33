"""Tests of the demo news site and its HTTP server, exercised with urllib against a real server."""

from __future__ import annotations

import gzip
import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from urllib.error import HTTPError

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html

from chipwatch.demo.articles import DEMO_ARTICLES
from chipwatch.demo.server import NewsServer
from chipwatch.demo.site import ARTICLE_PATH_RE, HUGE_MIN_BYTES, NewsSite, SiteArticle
from tests.newsweb import (
    load_seed_articles,
    load_seeds,
    normalize_ws,
    seeds_available,
    trap_site,
)

LISTINGS = (
    "/",
    "/thema/chips/",
    "/feeds/rss.xml",
    "/feeds/atom.xml",
    "/robots.txt",
    "/sitemap_index.xml",
    "/sitemaps/news.xml.gz",
    "/sitemaps/pages.xml",
)
LINKED_TRAPS = (
    "tracking",
    "trailing_slash",
    "redirect_chain",
    "redirect_loop",
    "missing",
    "broken",
    "huge",
    "pdf",
    "amp",
    "private",
    "busy",
)
SITEMAP_NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
needs_seeds = pytest.mark.skipif(not seeds_available(), reason="../shared/seeds not present")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # surface 3xx as HTTPError so tests see each hop


# No proxies: an http_proxy in the environment must not intercept 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: Message
    body: bytes


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Fetched:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with _OPENER.open(request, timeout=10) as response:
            return Fetched(response.status, response.headers, response.read())
    except HTTPError as error:
        with error:
            return Fetched(error.code, error.headers, error.read())


@pytest.fixture(scope="module")
def articles() -> list[SiteArticle]:
    # Seeds when the sibling checkout has them; the demo articles (German first) otherwise.
    return load_seed_articles() if seeds_available() else list(DEMO_ARTICLES)


@pytest.fixture(scope="module")
def server(articles: list[SiteArticle]) -> Iterator[NewsServer]:
    with NewsServer(trap_site(articles)) as running:
        yield running


@pytest.fixture(scope="module")
def traps(server: NewsServer) -> dict[str, str]:
    return server.site.trap_urls(server.base_url)


def _page(body: bytes) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(body)


# --------------------------------------------------------------------------- feeds


def test_rss_feed_has_articles_traps_and_tolerated_malformed_items(
    server: NewsServer, traps: dict[str, str], articles: list[SiteArticle]
) -> None:
    got = fetch(server.url("/feeds/rss.xml"))
    assert got.status == 200
    assert got.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    feed = feedparser.parse(got.body)
    assert not feed.bozo
    links = [entry.get("link") for entry in feed.entries]
    assert set(server.site.article_urls(server.base_url)) <= set(links)
    assert {traps[key] for key in LINKED_TRAPS} <= set(links)
    assert len(feed.entries) == len(articles) + len(LINKED_TRAPS) + 1
    assert [e for e in feed.entries if not e.get("link") and not e.get("id")]  # no link, no guid
    by_link = {entry.get("link"): entry for entry in feed.entries}
    assert by_link[traps["garbage_date"]].get("published_parsed") is None
    dated = [e for link, e in by_link.items() if link and link != traps["garbage_date"]]
    assert all(e.get("published_parsed") for e in dated)
    first = by_link[server.site.article_urls(server.base_url)[0]]
    assert first.author == articles[0].author
    assert first.id == first.link


def test_atom_feed_has_the_articles(server: NewsServer, articles: list[SiteArticle]) -> None:
    got = fetch(server.url("/feeds/atom.xml"))
    assert got.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(got.body)
    assert not feed.bozo
    assert {e.link for e in feed.entries} == set(server.site.article_urls(server.base_url))
    assert all(e.published_parsed and e.author for e in feed.entries)
    assert len(feed.entries) == len(articles)


# --------------------------------------------------------------------------- conditional GET


@pytest.mark.parametrize("path", LISTINGS)
def test_listings_answer_conditional_requests(server: NewsServer, path: str) -> None:
    first = fetch(server.url(path))
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.status == 200
    assert etag.startswith('"')  # strong validator
    for validators in ({"If-None-Match": etag}, {"If-Modified-Since": last_modified}):
        again = fetch(server.url(path), validators)
        assert again.status == 304, validators
        assert again.body == b""
        assert again.headers["ETag"] == etag
    earlier = format_datetime(parsedate_to_datetime(last_modified) - timedelta(days=1), True)
    assert fetch(server.url(path), {"If-Modified-Since": earlier}).status == 200
    assert fetch(server.url(path), {"If-None-Match": '"other"'}).status == 200


def test_touch_and_new_article_refresh_validators() -> None:
    site = NewsSite(DEMO_ARTICLES[:4])
    with NewsServer(site) as srv:
        before = fetch(srv.url("/feeds/rss.xml"))
        site.touch()
        after = fetch(srv.url("/feeds/rss.xml"), {"If-None-Match": before.headers["ETag"]})
        assert after.status == 200
        assert after.headers["ETag"] != before.headers["ETag"]
        assert parsedate_to_datetime(after.headers["Last-Modified"]) > parsedate_to_datetime(
            before.headers["Last-Modified"]
        )
        new = DEMO_ARTICLES[4]
        site.add_article(new)
        feed = feedparser.parse(fetch(srv.url("/feeds/rss.xml")).body)
        assert site.article_url(srv.base_url, new) in {e.link for e in feed.entries}
        assert fetch(site.article_url(srv.base_url, new)).status == 200


def test_article_pages_carry_last_modified(server: NewsServer) -> None:
    got = fetch(server.site.article_urls(server.base_url)[0])
    assert got.status == 200
    assert parsedate_to_datetime(got.headers["Last-Modified"]).tzinfo is not None


def test_head_returns_headers_only(server: NewsServer) -> None:
    full = fetch(server.url("/feeds/rss.xml"))
    head = fetch(server.url("/feeds/rss.xml"), method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert int(head.headers["Content-Length"]) == len(full.body)


# --------------------------------------------------------------------------- robots & sitemaps


def test_robots_txt(server: NewsServer) -> None:
    text = fetch(server.url("/robots.txt")).body.decode()
    assert "User-agent: *" in text
    assert "Disallow: /private/" in text
    assert "Crawl-delay" not in text
    assert f"Sitemap: {server.base_url}/sitemap_index.xml" in text
    delayed = NewsSite(DEMO_ARTICLES, crawl_delay=0.5).route("http://x", "/robots.txt")
    assert b"Crawl-delay: 0.5" in delayed.body


def test_sitemap_index_points_to_gzip_news_and_plain_pages(
    server: NewsServer, articles: list[SiteArticle]
) -> None:
    index = etree.fromstring(fetch(server.url("/sitemap_index.xml")).body)
    locs = index.xpath("//sm:sitemap/sm:loc/text()", namespaces=SITEMAP_NS)
    assert locs == [server.url("/sitemaps/news.xml.gz"), server.url("/sitemaps/pages.xml")]

    got = fetch(locs[0])
    assert got.headers["Content-Type"] == "application/x-gzip"
    assert got.headers.get("Content-Encoding") is None  # raw gzip file, not transfer coding
    news = etree.fromstring(gzip.decompress(got.body))
    urls = news.xpath("/sm:urlset/sm:url", namespaces=SITEMAP_NS)
    assert len(urls) == len(articles)
    for url in urls:

        def text(path: str, node: etree._Element = url) -> str:
            return node.xpath(f"string({path})", namespaces=SITEMAP_NS)

        assert ARTICLE_PATH_RE.search(text("sm:loc"))
        assert text("news:news/news:publication/news:name") == server.site.name
        assert text("news:news/news:publication/news:language") in {"de", "en", "zh-cn"}
        assert datetime.fromisoformat(text("news:news/news:publication_date")).tzinfo
        assert text("news:news/news:title")

    pages = etree.fromstring(fetch(locs[1]).body)
    page_locs = pages.xpath("//sm:url/sm:loc/text()", namespaces=SITEMAP_NS)
    assert server.url("/thema/chips/") in page_locs
    assert set(server.site.article_urls(server.base_url)) <= set(page_locs)
    assert len(pages.xpath("//sm:url/sm:lastmod", namespaces=SITEMAP_NS)) == len(page_locs)


# --------------------------------------------------------------------------- traps


def test_redirect_chain_and_loop(server: NewsServer, traps: dict[str, str]) -> None:
    hop1 = fetch(traps["redirect_chain"])
    assert (hop1.status, hop1.headers["Location"]) == (301, server.url("/go/chain-b"))
    hop2 = fetch(hop1.headers["Location"])
    assert (hop2.status, hop2.headers["Location"]) == (302, traps["chain_target"])
    assert fetch(hop2.headers["Location"]).status == 200
    assert traps["chain_target"] == server.site.article_urls(server.base_url)[2]

    loop1 = fetch(traps["redirect_loop"])
    assert (loop1.status, loop1.headers["Location"]) == (301, server.url("/go/loop-b"))
    loop2 = fetch(loop1.headers["Location"])
    assert (loop2.status, loop2.headers["Location"]) == (301, traps["redirect_loop"])


def test_error_pages_pdf_and_huge_page(server: NewsServer, traps: dict[str, str]) -> None:
    assert fetch(traps["missing"]).status == 404
    assert fetch(traps["broken"]).status == 500
    unknown = fetch(server.url("/does/not/exist"))
    assert unknown.status == 404
    assert unknown.headers["Content-Type"].startswith("text/html")

    pdf = fetch(traps["pdf"])
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF-")
    assert pdf.body.rstrip().endswith(b"%%EOF")

    huge = fetch(traps["huge"])
    assert huge.status == 200
    assert len(huge.body) > HUGE_MIN_BYTES
    assert len(_page(huge.body).xpath("//article//p")) > 1000


def test_busy_page_answers_429_once_per_server(articles: list[SiteArticle]) -> None:
    site = trap_site(articles)
    for _ in range(2):  # a second server starts with fresh state
        with NewsServer(site) as srv:
            url = site.trap_urls(srv.base_url)["busy"]
            first = fetch(url)
            assert (first.status, first.headers["Retry-After"]) == (429, "1")
            second = fetch(url)
            assert second.status == 200
            assert _page(second.body).xpath("//article/header/h1")


def test_legacy_charset_page_declares_charset_only_in_meta(
    server: NewsServer, traps: dict[str, str], articles: list[SiteArticle]
) -> None:
    got = fetch(traps["legacy_charset"])
    assert got.headers["Content-Type"] == "text/html"
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">' in got.body
    assert b"<meta charset" not in got.body
    with pytest.raises(UnicodeDecodeError):
        got.body.decode("utf-8")
    page = lxml_html.document_fromstring(got.body.decode("iso-8859-1"))
    article = articles[1]
    assert page.xpath("string(//article//h1)") == article.title
    first_paragraph = page.xpath("//article//div[@class='article-body']/*[1]")[0]
    assert first_paragraph.text_content() == article.paragraphs[0]
    assert any(ch in article.paragraphs[0] + article.title for ch in "äöüßÄÖÜ")


def _canonical(body: bytes) -> str:
    return _page(body).xpath("string(//link[@rel='canonical']/@href)")


def test_url_variants_share_one_canonical(server: NewsServer, traps: dict[str, str]) -> None:
    first_url, second_url = server.site.article_urls(server.base_url)[:2]
    tracked = fetch(traps["tracking"])
    assert tracked.body == fetch(first_url).body
    assert _canonical(tracked.body) == first_url
    slashed = fetch(traps["trailing_slash"])
    assert slashed.status == 200
    assert _canonical(slashed.body) == second_url
    amp = fetch(traps["amp"])
    assert amp.status == 200
    assert _canonical(amp.body) == first_url
    assert _page(amp.body).xpath("string(//h1)") == _page(tracked.body).xpath("string(//h1)")


def test_private_page_is_disallowed_but_linked(server: NewsServer, traps: dict[str, str]) -> None:
    assert traps["private"].startswith(server.url("/private/"))
    assert fetch(traps["private"]).status == 200  # robots.txt, not the server, must stop crawlers


# --------------------------------------------------------------------------- HTML pages


def test_article_page_looks_like_a_real_cms_page(
    server: NewsServer, articles: list[SiteArticle]
) -> None:
    article, url = articles[0], server.site.article_urls(server.base_url)[0]
    page = _page(fetch(url).body)
    meta = {(m.get("name") or m.get("property")): m.get("content") for m in page.xpath("//meta")}
    assert page.get("lang") == article.language
    assert page.findtext(".//title") == f"{article.title} | {server.site.name}"
    assert meta["og:title"] == article.title
    assert meta["og:site_name"] == server.site.name
    assert meta["author"] == article.author
    assert meta["description"]
    assert datetime.fromisoformat(meta["article:published_time"]) == article.published
    assert _canonical(fetch(url).body) == url
    ld = json.loads(page.xpath("string(//script[@type='application/ld+json'])"))
    assert (ld["@type"], ld["headline"]) == ("NewsArticle", article.title)

    assert page.xpath("//div[@id='cookie-consent'][contains(@class, 'cookie-banner')]")
    assert page.xpath("//header//nav//a")
    assert page.xpath("//article//h1")[0].text_content() == article.title
    assert page.xpath("//article//time/@datetime")
    body = [
        normalize_ws(p.text_content()) for p in page.xpath("//article/div[@class='article-body']/*")
    ]
    assert body == [normalize_ws(p) for p in article.paragraphs]
    assert page.xpath("//section[@id='comments']//form")
    assert 3 <= len(page.xpath("//aside[@class='related']//a")) <= 5
    footer = page.xpath("string(//footer)")
    for label in ("Impressum", "Datenschutz", "©"):
        assert label in footer


def test_tail_boilerplate_is_rendered_outside_the_article() -> None:
    widget_text = ("Überschrift 3", "War das hilfreich?", "Frag den Bot: Was ist ein Wafer?")
    base = DEMO_ARTICLES[0]
    article = SiteArticle(
        slug="widget-test",
        title="Widgets",
        published=base.published,
        author="Redaktion",
        language="de",
        paragraphs=base.paragraphs,
        tail_boilerplate=widget_text,
    )
    page = _page(NewsSite([article]).route("http://x", article.url_path).body)
    inside = page.xpath("string(//article)")
    widget = page.xpath("string(//div[contains(@class, 'wix-comments-widget')])")
    for text in widget_text:
        assert text not in inside
        assert text in widget
    assert page.xpath("//div[@role='complementary']//button")
    assert page.xpath("//h3[.='Überschrift 3']")


def test_listing_pages_link_articles_navigation_and_traps(
    server: NewsServer, traps: dict[str, str]
) -> None:
    home = _page(fetch(server.url("/")).body)
    hrefs = set(home.xpath("//a/@href"))
    assert set(server.site.article_urls(server.base_url)) <= hrefs
    nav = [h for h in hrefs if h.startswith(server.base_url) and not ARTICLE_PATH_RE.search(h)]
    for href in (server.url("/impressum"), server.url("/thema/chips/?page=2")):
        assert href in nav
        assert fetch(href).status == 200
    author_links = [h for h in nav if "/autor/" in h]
    assert author_links
    assert fetch(author_links[0]).status == 200
    assert all(h.startswith(("http://", "mailto:")) for h in hrefs)

    section = set(_page(fetch(server.url("/thema/chips/")).body).xpath("//a/@href"))
    assert {traps[key] for key in LINKED_TRAPS} <= section


# --------------------------------------------------------------------------- request log


def test_log_records_method_path_query_headers_and_status(server: NewsServer) -> None:
    url = server.site.article_urls(server.base_url)[0]
    server.clear_log()
    fetch(f"{url}?ref=test", {"User-Agent": "chipwatch-test/1.0", "X-Probe": "yes"})
    fetch(server.url("/nope"))
    first, second = server.log
    assert (first.method, first.path, first.query, first.status) == (
        "GET",
        url.removeprefix(server.base_url),
        "ref=test",
        200,
    )
    assert first.headers["user-agent"] == "chipwatch-test/1.0"
    assert first.headers["x-probe"] == "yes"
    assert (second.path, second.status) == ("/nope", 404)


# --------------------------------------------------------------------------- seed parsing


@needs_seeds
def test_seed_002_furniture_goes_to_byline_and_tail() -> None:
    seed = {s.key: s for s in load_seeds()}["002"]
    article = seed.article
    assert article.published.date() == date(2025, 9, 3)
    assert article.author == "Michael Förtsch"
    assert not article.title.startswith(("top of page", "3. September"))
    for line in ("top of page", "ree", "bottom of page", "Job, der Bot", "Überschrift 3"):
        assert line in article.tail_boilerplate
    assert article.author not in article.paragraphs
    assert not any(p.startswith("Von ") for p in article.paragraphs)
    assert not set(article.paragraphs) & set(article.tail_boilerplate)


@needs_seeds
def test_seed_dates_languages_titles_and_expected_sentences() -> None:
    seeds = {s.key: s for s in load_seeds()}
    assert set(seeds) == {"000", "001", "002", "003", "004"}
    days = {
        "000": date(2025, 8, 29),
        "001": date(2025, 9, 1),
        "002": date(2025, 9, 3),
        "003": date(2025, 12, 10),
        "004": date(2025, 8, 29),
    }
    for key, seed in seeds.items():
        article, expected = seed.article, seed.expectation
        assert article.published.date() == days[key]
        assert article.language == ("en" if key == "004" else "de")
        assert len(article.title) <= (120 if key == "002" else 90)
        assert expected.first_sentence in normalize_ws(article.paragraphs[0])
        assert expected.last_sentence in normalize_ws(article.paragraphs[-1])
        assert not any(normalize_ws(p) in expected.boilerplate for p in article.paragraphs)
    assert not seeds["003"].article.paragraphs[0].lstrip().startswith("date")

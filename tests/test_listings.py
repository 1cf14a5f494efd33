"""Feed and sitemap parsing as pure functions, without a crawl."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.listings import (
    MAX_SCRIPT_CANDIDATES,
    ListingError,
    parse_feed,
    parse_sitemap,
    parse_w3c_date,
    script_links,
    sitemaps_from_robots,
)

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title>
<item><title>Good one</title><link>https://n.example/a.html</link>
<pubDate>Mon, 01 Sep 2025 10:00:00 +0200</pubDate></item>
<item><title>No link at all</title><description>x</description></item>
<item><title>Bad & unescaped date</title><link>https://n.example/b.html</link><pubDate>garbage</pubDate></item>
<item><title>Guid only</title><guid isPermaLink="true">https://n.example/c.html</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>x</id><updated>2025-09-01T00:00:00Z</updated>
<entry><title>Atom entry</title><id>tag:x,2025:1</id>
<link rel="alternate" href="https://n.example/atom.html"/>
<updated>2025-09-02T08:30:00+02:00</updated></entry></feed>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://n.example/"><title>T</title><link>https://n.example/</link><description>d</description></channel>
<item rdf:about="https://n.example/rdf.html"><title>RDF item</title><link>https://n.example/rdf.html</link></item>
</rdf:RDF>"""


def test_rss_malformed_items_do_not_lose_the_good_ones() -> None:
    listing = parse_feed(RSS, url="https://n.example/feed")
    assert [e.url for e in listing.entries] == [
        "https://n.example/a.html",
        "https://n.example/b.html",
        "https://n.example/c.html",
    ]
    assert listing.invalid == 1
    assert listing.entries[0].published == datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
    assert listing.entries[1].published is None
    assert listing.entries[0].title == "Good one"


def test_atom_and_rdf_feeds() -> None:
    atom = parse_feed(ATOM, url="https://n.example/atom")
    assert atom.kind == "atom10"
    assert [(e.url, e.published) for e in atom.entries] == [
        ("https://n.example/atom.html", datetime(2025, 9, 2, 6, 30, tzinfo=UTC))
    ]
    rdf = parse_feed(RDF, url="https://n.example/rdf")
    assert rdf.kind == "rss10"
    assert [e.url for e in rdf.entries] == ["https://n.example/rdf.html"]


JSON_FEED = """\ufeff{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Chip Wire",
  "home_page_url": "https://n.example/",
  "items": [
    {"id": "1", "url": "https://n.example/h20.html", "title": "Nvidia &amp; the <em>H20</em>",
     "date_published": "2026-11-30T10:00:00+01:00", "external_url": "https://other.example/"},
    {"id": "2", "url": "/news/ascend.html", "title": "Ascend 950", "date_modified": "2026-11-29"},
    {"id": "3", "content_text": "an item without a link"}
  ]
}""".encode()

# Shaped like Sina's roll API (feed.mix.sina.com.cn/api/roll/get): the items two levels
# down, Unix time as a string, a mobile link beside the desktop one.
SINA_ROLL = """{"result": {"status": {"code": 0, "msg": "succ"}, "total": 2,
 "lid": [{"name": "科技", "url": "https://tech.sina.com.cn/"}],
 "data": [
  {"docid": "a1", "title": "寒武纪营收增长", "url": "https://tech.sina.com.cn/it/2026-12-01/doc-a1.shtml",
   "wapurl": "https://tech.sina.cn/a1", "ctime": "1796083200", "intro": "…"},
  {"docid": "a2", "title": "华为昇腾新品", "url": "https://tech.sina.com.cn/it/2026-12-01/doc-a2.shtml",
   "wapurl": "https://tech.sina.cn/a2", "ctime": "1796086800"},
  {"docid": "a3", "title": "摩尔线程", "url": "https://tech.sina.com.cn/it/2026-12-01/doc-a3.shtml",
   "ctime": 1796090400000}
 ]}}""".encode()

# Shaped like the Federal Register's documents.json: `html_url`, a bare date.
FEDERAL_REGISTER = b"""{"count": 1, "description": "Documents",
 "results": [{"title": "Revisions to License Exception ACA", "type": "Rule",
   "html_url": "https://www.federalregister.gov/documents/2026/11/20/x",
   "pdf_url": "https://www.govinfo.gov/x.pdf", "publication_date": "2026-11-20"}]}"""


def test_json_feed() -> None:
    listing = parse_feed(JSON_FEED, url="https://n.example/feed.json")
    assert listing.kind == "json-feed"
    assert [(e.url, e.title, e.published) for e in listing.entries] == [
        ("https://n.example/h20.html", "Nvidia & the H20", datetime(2026, 11, 30, 9, tzinfo=UTC)),
        ("https://n.example/news/ascend.html", "Ascend 950", datetime(2026, 11, 29, tzinfo=UTC)),
    ]
    assert listing.invalid == 1


def test_json_api_listings() -> None:
    sina = parse_feed(SINA_ROLL, url="https://feed.mix.sina.com.cn/api/roll/get?lid=2515")
    assert sina.kind == "json"
    assert [e.url.rsplit("/", 1)[1] for e in sina.entries] == [
        "doc-a1.shtml",
        "doc-a2.shtml",
        "doc-a3.shtml",
    ]  # the article array, not the two-item category list beside it
    assert [e.title for e in sina.entries][:2] == ["寒武纪营收增长", "华为昇腾新品"]
    assert [e.published for e in sina.entries] == [
        datetime(2026, 12, 1, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 1, tzinfo=UTC),
        datetime(2026, 12, 1, 2, tzinfo=UTC),  # milliseconds
    ]
    register = parse_feed(FEDERAL_REGISTER, url="https://www.federalregister.gov/api/v1/x.json")
    assert [(e.url, e.published) for e in register.entries] == [
        (
            "https://www.federalregister.gov/documents/2026/11/20/x",
            datetime(2026, 11, 20, tzinfo=UTC),
        )
    ]


def test_jsonp_and_a_top_level_array() -> None:
    wrapped = b'jQuery123_456({"list": [{"link": "https://n.example/a.html", "time": 20}]});'
    listing = parse_feed(wrapped, url="https://n.example/api", content_type="text/javascript")
    assert [(e.url, e.published) for e in listing.entries] == [("https://n.example/a.html", None)]
    array = b'[{"permalink": "https://n.example/b.html", "headline": "B"}]'
    assert [e.title for e in parse_feed(array, url="https://n.example/api").entries] == ["B"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"items": [{"url": "https://n.example/a.html"}', "invalid JSON"),
        (b'{"status": "ok", "items": []}', "without a list of items with links"),
        (b'{"items": [{"url": "javascript:alert(1)"}, {"url": "mailto:x@y"}]}', "without a list"),
    ],
)
def test_json_that_lists_no_articles_is_not_a_feed(body: bytes, reason: str) -> None:
    with pytest.raises(ListingError, match=reason):
        parse_feed(body, url="https://n.example/api.json", content_type="application/json")


@pytest.mark.parametrize(
    "body",
    [
        b"null",
        b"0",
        b"true",
        b"[" * 5000 + b"]" * 5000,
        b'{"items": [{"url": "http://[x"}]}',
        b'{"items": [{"url": "https://n.example/a\\ud800"}]}',
        b'{"items": [{"url": "/a", "date": 1' + b"0" * 400 + b"}]}",
        b'{"items": [{"url": "/a", "date": "1' + b"0" * 400 + b'"}]}',
        '{"items": [{"url": "/a", "date": "¹²³⁴⁵⁶⁷⁸⁹⁰", "title": "x\\ud83d"}]}'.encode(),
    ],
)
def test_odd_json_is_read_or_refused_in_one_line(body: bytes) -> None:
    """Whatever a JSON endpoint answers, the crawl gets a listing or a ListingError, never
    another exception; links and titles that cannot be encoded are left out."""
    try:
        listing = parse_feed(body, url="https://n.example/", content_type="application/json")
    except ListingError:
        return
    for entry in listing.entries:
        entry.url.encode("utf-8")
        (entry.title or "").encode("utf-8")


def test_json_picks_the_articles_and_their_real_fields() -> None:
    one_item_feed = b"""{"version": "https://jsonfeed.org/version/1", "title": "T",
      "authors": [{"name": "A", "url": "https://n.example/about"}],
      "hubs": [{"type": "WebSub", "url": "https://hub.example/"}],
      "items": [{"id": "1", "url": "https://n.example/only.html", "title": "Only"}]}"""
    assert [e.url for e in parse_feed(one_item_feed, url="https://n.example/").entries] == [
        "https://n.example/only.html"
    ]
    # a code host's API: `url` is the API's address, `html_url` the page
    api = b'[{"url": "https://api.n.example/r/1", "html_url": "https://n.example/r/1"}]'
    assert [e.url for e in parse_feed(api, url="https://api.n.example/").entries] == [
        "https://n.example/r/1"
    ]
    # WordPress's REST API: the title rendered, the date in UTC beside the local one
    wordpress = b"""[{"id": 7, "date": "2026-11-30T11:00:00", "date_gmt": "2026-11-30T10:00:00",
      "link": "https://n.example/2026/11/30/h20/", "title": {"rendered": "H20 &#8211; again"}}]"""
    entry = parse_feed(wordpress, url="https://n.example/wp-json/wp/v2/posts").entries[0]
    assert (entry.title, entry.published) == ("H20 – again", datetime(2026, 11, 30, 10, tzinfo=UTC))
    compact = b"""{"list": [
      {"link": "https://n.example/1", "time": "202611301030", "title": "Sales < $5B, margin > 50%"},
      {"link": "https://n.example/2", "time": "20261130"},
      {"link": "https://n.example/3", "time": 42}]}"""
    entries = parse_feed(compact, url="https://n.example/").entries
    assert [e.published for e in entries] == [
        datetime(2026, 11, 30, 10, 30, tzinfo=UTC),
        datetime(2026, 11, 30, tzinfo=UTC),
        None,  # a count, not a time
    ]
    assert entries[0].title == "Sales < $5B, margin > 50%"


def test_json_detection_charset_and_jsonp_forms() -> None:
    # a feed served as application/json is still a feed
    assert parse_feed(RSS, url="https://n.example/f", content_type="application/json").kind == (
        "rss20"
    )
    gbk = '{"data": [{"url": "https://n.example/a", "title": "芯片"}]}'.encode("gbk")
    listing = parse_feed(
        gbk, url="https://n.example/", content_type="application/json; charset=GBK"
    )
    assert listing.entries[0].title == "芯片"
    for wrapped in (
        b'try{cb({"data": [{"url": "https://n.example/a"}]});}catch(e){};',
        b'/**/ typeof cb === \'function\' && cb([{"url": "https://n.example/a"}]);',
        b'cb({"data": [{"url": "https://n.example/a"}]}) // served by the API',
    ):
        assert [e.url for e in parse_feed(wrapped, url="https://n.example/").entries] == [
            "https://n.example/a"
        ], wrapped


def test_links_a_script_rendered_page_holds() -> None:
    """Next.js/Nuxt/Wix pages list their articles in JSON: paths and URLs in quotes,
    slashes escaped as `\\/` or `\\u002F`; only what `follow` matches counts."""
    scripts = [
        '{"props":{"items":[{"href":"\\/news\\/2026\\/11\\/h20.html","title":"H20"},'
        '{"url":"https:\\u002F\\u002Fwww.n.example\\u002Fnews\\u002F2026\\u002F11\\u002Fascend.html"},'
        '{"image":"\\/img\\/h20.png"},{"href":"//www.n.example/news/2026/11/smic.html"},'
        '{"href":"\\/news\\/2026\\/11\\/h20.html"}]}}',
        "window.__STATE__ = {path: '/news/2026/11/mtt.html?ref=a&amp;b=1', bad: '//['};",
        'var other = "https://elsewhere.example/about";',
    ]
    follow = re.compile(r"/news/\d{4}/\d{2}/[^/]+\.html")
    assert script_links(scripts, "https://www.n.example/app/", follow) == [
        "https://www.n.example/news/2026/11/h20.html",
        "https://www.n.example/news/2026/11/ascend.html",
        "https://www.n.example/news/2026/11/smic.html",
        "https://www.n.example/news/2026/11/mtt.html?ref=a&b=1",
    ]
    assert script_links(["no links here"], "https://www.n.example/", follow) == []


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(ListingError, match="not a feed: an HTML page that names no feed"):
        parse_feed(b"<html><body><p>Hello</p></body></html>", url="https://n.example/")


def test_an_html_page_given_as_a_feed_names_the_feeds_it_links() -> None:
    """Feed autodiscovery: a site's front page configured in `feeds` gets the message to
    list the feed its <link rel="alternate"> tags name instead."""
    page = b"""\xef\xbb\xbf<!-- cms --><!DOCTYPE html><html><head>
    <link rel="alternate" hreflang="en" href="/en/">
    <link rel="alternate" type="application/rss+xml" title="News" href="/feed/">
    <link rel='alternate' type='application/atom+xml' href='https://n.example/atom.xml'>
    </head><body><a href="/news/1.html">One</a></body></html>"""
    with pytest.raises(ListingError) as failure:
        parse_feed(page, url="https://n.example/news/", content_type="text/html")
    assert str(failure.value) == (
        "not a feed: an HTML page; list one of the feeds it names in `feeds`: "
        "https://n.example/feed/, https://n.example/atom.xml"
    )


def test_a_sitemap_in_feeds_and_a_feed_in_sitemaps_say_where_they_belong() -> None:
    with pytest.raises(ListingError, match=r"not a feed: a sitemap \(list it in `sitemaps`\)"):
        parse_feed(NEWS_SITEMAP, url="https://n.example/sitemap.xml")
    with pytest.raises(ListingError, match=r"not a sitemap: a feed, root element <rss>.*`feeds`"):
        parse_sitemap(RSS)
    with pytest.raises(ListingError, match=r"root element <feed> \(list it in `feeds`\)"):
        parse_sitemap(ATOM)


@pytest.mark.parametrize(
    "body",
    [
        b"\n" * 20_000 + b"Service unavailable",
        b"<!-- c -->\n" * 30 + b"<head><title>x</title></head>",
        b'<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" '
        b'href="//[bad"></head></html>',
    ],
)
def test_odd_pages_given_as_feeds_fail_in_one_line(body: bytes) -> None:
    with pytest.raises(ListingError, match="not a feed"):
        parse_feed(body, url="https://n.example/")


def test_xhtml_with_comments_and_typed_feed_links_is_recognised() -> None:
    page = (
        b'<?xml version="1.0" encoding="utf-8"?>\n<!-- a -->\n<!-- b -->\n<!DOCTYPE html>'
        b'<html xmlns="http://www.w3.org/1999/xhtml"><head><link rel="alternate" '
        b'type="application/atom+xml; charset=utf-8" href="/atom.xml"/></head></html>'
    )
    with pytest.raises(ListingError, match="in `feeds`: https://n.example/atom.xml$"):
        parse_feed(page, url="https://n.example/")


def test_script_links_skip_what_is_no_article() -> None:
    follow = re.compile(r"/news/")
    scripts = [
        '{"a": "/news/hero.jpg", "b": "https:\\/\\/n.example\\/news\\/app.js?v=1",'
        ' "c": "/news/${slug}-1.html", "page": "/news/[slug]", "d": "//a:99999/news/a-1.html",'
        ' "e": "/news/x-1.html?id=5&region=eu&copy=2", "f": "/news/y-2.html?a=1\\u0026b=2"}'
    ]
    assert script_links(scripts, "https://n.example/", follow) == [
        "https://n.example/news/x-1.html?id=5&region=eu&copy=2",
        "https://n.example/news/y-2.html?a=1&b=2",
    ]


def test_script_links_read_at_most_the_cap_over_all_scripts() -> None:
    """A page whose scripts hold more distinct quoted paths than an article list does is
    read up to MAX_SCRIPT_CANDIDATES of them, however they are spread over its scripts."""
    scripts = [f'"/news/{i}.html"' for i in range(MAX_SCRIPT_CANDIDATES + 50)]
    found = script_links(scripts, "https://n.example/", re.compile(r"/news/"))
    assert len(found) == MAX_SCRIPT_CANDIDATES
    assert found[0] == "https://n.example/news/0.html"


NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://n.example/news/1.html</loc>
<news:news><news:publication><news:name>N</news:name><news:language>de</news:language></news:publication>
<news:publication_date>2025-09-03T09:15:00+02:00</news:publication_date>
<news:title>Cambricon legt zu</news:title></news:news></url>
<url><loc>https://n.example/news/2.html</loc><lastmod>2025-09-04</lastmod></url>
<url><loc>not a url</loc></url>
</urlset>"""


def test_news_sitemap_gives_titles_and_publication_dates() -> None:
    listing = parse_sitemap(NEWS_SITEMAP)
    assert listing.kind == "news-sitemap"
    first, second = listing.entries
    assert first.title == "Cambricon legt zu"
    assert first.published == datetime(2025, 9, 3, 7, 15, tzinfo=UTC)
    assert second.published == datetime(2025, 9, 4, tzinfo=UTC)
    assert listing.invalid == 1


def test_sitemap_index_lists_children_with_lastmod() -> None:
    body = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://n.example/s1.xml.gz</loc><lastmod>2025-09-01</lastmod></sitemap>
    <sitemap><loc>https://n.example/s2.xml</loc></sitemap></sitemapindex>"""
    listing = parse_sitemap(gzip.decompress(gzip.compress(body)))
    assert listing.kind == "sitemapindex"
    assert [(c.url, c.published) for c in listing.sitemaps] == [
        ("https://n.example/s1.xml.gz", datetime(2025, 9, 1, tzinfo=UTC)),
        ("https://n.example/s2.xml", None),
    ]


def test_sitemap_parser_does_not_resolve_entities() -> None:
    body = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://n.example/&e;</loc></url></urlset>"""
    listing = parse_sitemap(body)
    assert all("root:" not in e.url for e in listing.entries)


def test_not_a_sitemap() -> None:
    with pytest.raises(ListingError, match="not a sitemap"):
        parse_sitemap(b"<html><body>x</body></html>")
    with pytest.raises(ListingError, match="not a sitemap: no XML element in it"):
        parse_sitemap(b"this is not xml at all { } <<")
    with pytest.raises(ListingError, match="not a sitemap: Document is empty"):
        parse_sitemap(b"  \n")


def test_robots_sitemap_lines() -> None:
    robots = b"User-agent: *\nDisallow: /private/\nSitemap: https://n.example/sitemap.xml\nsitemap:https://n.example/news.xml\n"
    assert sitemaps_from_robots(robots) == (
        "https://n.example/sitemap.xml",
        "https://n.example/news.xml",
    )


def test_w3c_dates() -> None:
    assert parse_w3c_date("2025-09-03T09:15:00Z") == datetime(2025, 9, 3, 9, 15, tzinfo=UTC)
    assert parse_w3c_date("yesterday") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-11", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-03", datetime(2026, 11, 3, tzinfo=UTC)),
        ("2026-11-03T10:05+01:00", datetime(2026, 11, 3, 9, 5, tzinfo=UTC)),
        ("2026-11-03T10:05:30.5Z", datetime(2026, 11, 3, 10, 5, 30, 500000, tzinfo=UTC)),
        ("2026-11-03 10:05", datetime(2026, 11, 3, 10, 5, tzinfo=UTC)),
        ("Tue, 03 Nov 2026 10:05:00 GMT", datetime(2026, 11, 3, 10, 5, tzinfo=UTC)),
        ("03 Nov 2026 10:05:00 +0100", datetime(2026, 11, 3, 9, 5, tzinfo=UTC)),
        ("Tue, 3 Nov 2026 10:05 EST", datetime(2026, 11, 3, 15, 5, tzinfo=UTC)),
        ("2026/11/03 10:05:30", datetime(2026, 11, 3, 10, 5, 30, tzinfo=UTC)),
        ("2026/11/3", datetime(2026, 11, 3, tzinfo=UTC)),
        ("2026.11.03 10:05", datetime(2026, 11, 3, 10, 5, tzinfo=UTC)),
        ("2026年11月3日 10:05", datetime(2026, 11, 3, 10, 5, tzinfo=UTC)),
        ("03.11.2026, 10:05", datetime(2026, 11, 3, 10, 5, tzinfo=UTC)),
    ],
)
def test_partial_w3c_and_rfc_822_sitemap_dates(value: str, expected: datetime) -> None:
    assert parse_w3c_date(value) == expected


@pytest.mark.parametrize(
    "value", ["", "  ", "2026-13", "Tue, 03 Nov 2026", "03/11/2026", "1", "2026/13/45", "3.11.26"]
)
def test_sitemap_dates_that_are_not_dates(value: str) -> None:
    assert parse_w3c_date(value) is None


def test_times_without_a_zone_are_in_the_sources_timezone() -> None:
    # Sites write their local time: 22:00 in Shanghai is 14:00 UTC; a date alone is the
    # start of that day there; a time with its zone, or Unix time, is as written.
    shanghai = ZoneInfo("Asia/Shanghai")
    sitemap = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        b' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        b"<url><loc>https://n.example/a</loc><lastmod>2026-12-02T22:00:00</lastmod></url>"
        b"<url><loc>https://n.example/b</loc><lastmod>2026-12-02T22:00:00+08:00</lastmod></url>"
        b"<url><loc>https://n.example/c</loc><lastmod>2026-12-02</lastmod></url>"
        b"<url><loc>https://n.example/d</loc><news:news>"
        b"<news:publication_date>2026-12-02 22:00</news:publication_date></news:news></url>"
        b"</urlset>"
    )
    entries = parse_sitemap(sitemap, timezone=shanghai).entries
    assert [e.published.astimezone(UTC) for e in entries if e.published] == [
        datetime(2026, 12, 2, 14, tzinfo=UTC),
        datetime(2026, 12, 2, 14, tzinfo=UTC),
        datetime(2026, 12, 1, 16, tzinfo=UTC),
        datetime(2026, 12, 2, 14, tzinfo=UTC),
    ]
    assert parse_sitemap(sitemap).entries[0].published == datetime(2026, 12, 2, 22, tzinfo=UTC)

    roll = json.dumps(
        {
            "result": {
                "data": [
                    {"url": "https://n.example/1", "title": "a", "intime": "2026-12-02 22:00:00"},
                    {"url": "https://n.example/2", "title": "b", "ctime": "20261202220000"},
                    {"url": "https://n.example/3", "title": "c", "ctime": "1796220000"},
                ]
            }
        }
    ).encode()
    listing = parse_feed(roll, url="https://n.example/roll", timezone=shanghai)
    assert [e.published.astimezone(UTC) for e in listing.entries if e.published] == [
        datetime(2026, 12, 2, 14, tzinfo=UTC),
        datetime(2026, 12, 2, 14, tzinfo=UTC),
        datetime(2026, 12, 2, 14, tzinfo=UTC),  # Unix time: the same in every zone
    ]


def test_a_feeds_dates_without_a_zone_are_in_the_sources_timezone() -> None:
    feed = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>
<item><title>a</title><link>https://n.example/a</link><pubDate>2026-12-02 22:00:00</pubDate></item>
<item><title>b</title><link>https://n.example/b</link>
<pubDate>Wed, 02 Dec 2026 22:00:00 +0800</pubDate></item>
</channel></rss>"""
    shanghai = ZoneInfo("Asia/Shanghai")
    local = parse_feed(feed, url="https://n.example/rss", timezone=shanghai).entries
    assert [e.published.astimezone(UTC) for e in local if e.published] == [
        datetime(2026, 12, 2, 14, tzinfo=UTC),
        datetime(2026, 12, 2, 14, tzinfo=UTC),
    ]
    as_utc = parse_feed(feed, url="https://n.example/rss").entries  # no zone configured
    assert [e.published for e in as_utc] == [
        datetime(2026, 12, 2, 22, tzinfo=UTC),
        datetime(2026, 12, 2, 14, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("pub_date", "expected"),
    [
        # a zone of its own (one email.utils cannot read: feedparser's reading stands)
        ("Wed, 02 Dec 2026 22:00:00 +08:00", datetime(2026, 12, 2, 14, tzinfo=UTC)),
        ("2026-12-02 22:00:00 +08:00", datetime(2026, 12, 2, 14, tzinfo=UTC)),
        ("Wed, 02 Dec 2026 22:00:00 GMT", datetime(2026, 12, 2, 22, tzinfo=UTC)),
        ("Wed, 02 Dec 2026 22:00:00 -0000", datetime(2026, 12, 2, 22, tzinfo=UTC)),  # UTC
        ("2026-12-02T22:00:00+01:00", datetime(2026, 12, 2, 21, tzinfo=UTC)),
        # none: local time (feedparser reads the last three as 1 December, 00:00)
        ("Wed, 02 Dec 2026 22:00:00", datetime(2026, 12, 2, 21, tzinfo=UTC)),
        ("2026-12-02 22:00:00", datetime(2026, 12, 2, 21, tzinfo=UTC)),
        ("2026/12/02 22:00:00", datetime(2026, 12, 2, 21, tzinfo=UTC)),
        ("2026年12月02日 22:00", datetime(2026, 12, 2, 21, tzinfo=UTC)),
        ("02.12.2026 22:00", datetime(2026, 12, 2, 21, tzinfo=UTC)),
        # near the 1st of the month, where feedparser's misreading lands
        ("2026/12/01 10:00", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        ("2026年12月01日 00:30", datetime(2026, 11, 30, 23, 30, tzinfo=UTC)),
    ],
)
def test_a_feed_date_keeps_its_own_zone_and_only_one_without_takes_the_sources(
    pub_date: str, expected: datetime
) -> None:
    feed = (
        '<rss version="2.0"><channel><title>T</title><item><link>https://n.example/a</link>'
        f"<pubDate>{pub_date}</pubDate></item></channel></rss>"
    ).encode()
    (berlin,) = parse_feed(
        feed, url="https://n.example/f", timezone=ZoneInfo("Europe/Berlin")
    ).entries
    assert berlin.published == expected
    # a zone configured as UTC reads every date as the default does
    (configured,) = parse_feed(feed, url="https://n.example/f", timezone=ZoneInfo("UTC")).entries
    (default,) = parse_feed(feed, url="https://n.example/f").entries
    assert configured.published == default.published


def test_wordpress_date_gmt_is_utc_whatever_the_sources_zone() -> None:
    posts = (
        b'[{"link": "https://wp.example/a", "date": "2026-12-02T22:00:00",'
        b' "date_gmt": "2026-12-02T21:00:00"}]'
    )
    listing = parse_feed(
        posts, url="https://wp.example/wp-json/wp/v2/posts", timezone=ZoneInfo("Europe/Berlin")
    )
    assert listing.entries[0].published == datetime(2026, 12, 2, 21, tzinfo=UTC)


def test_a_sitemap_with_a_month_date_keeps_it() -> None:
    body = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://n.example/a</loc><lastmod>2026-11</lastmod></url>"
        b"<url><loc>https://n.example/b</loc><lastmod>Tue, 03 Nov 2026 10:05:00 GMT</lastmod></url>"
        b"</urlset>"
    )
    assert [e.published for e in parse_sitemap(body).entries] == [
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 11, 3, 10, 5, tzinfo=UTC),
    ]

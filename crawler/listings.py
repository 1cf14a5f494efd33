"""Parsing listings (feeds, JSON listings and sitemaps) into article links: small pure
functions, tested without a crawl."""

from __future__ import annotations

import calendar
import email.utils
import html
import json
import re
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from dateutil.parser import isoparse
from lxml import etree
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.gz import gunzip

from crawler.errors import CrawlError
from crawler.extract import link_tags
from crawler.urls import is_http_url


class ListingError(CrawlError, ValueError):
    """A listing that is not what it claims to be (not a feed, not a sitemap)."""


class ListingTooLarge(ListingError):
    """A gzipped listing that unpacks to more than its size limit."""


# The sitemap protocol's limit for one file, uncompressed (sitemaps.org: 50 MB,
# 52,428,800 bytes, and 50,000 URLs): what `[crawl] max_listing_bytes` defaults to.
SITEMAP_PROTOCOL_BYTES = 52_428_800


@dataclass(frozen=True)
class ListingEntry:
    url: str
    title: str | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class ParsedListing:
    kind: str  # rss20 | atom10 | rss10 | … | sitemapindex | urlset | news-sitemap
    entries: tuple[ListingEntry, ...] = ()
    sitemaps: tuple[ListingEntry, ...] = ()  # child sitemaps of a sitemap index
    invalid: int = 0  # items without a usable link
    warnings: tuple[str, ...] = field(default=())


def parse_feed(body: bytes, *, url: str, content_type: str | None = None) -> ParsedListing:
    """RSS 0.9x/1.0/2.0 and Atom. feedparser falls back to its lenient parser on broken
    XML, so one malformed item does not lose the others; items without a link count as
    invalid. A JSON body (JSON Feed, or a news site's JSON API) is read by
    `parse_json_listing`."""
    if looks_like_json(body, content_type):
        return parse_json_listing(body, url=url, content_type=content_type)
    if not body.strip():
        raise ListingError("not a feed: empty response")
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    # .get: feedparser leaves `version` unset on some inputs, and attribute access raises
    if not parsed.get("version") and not parsed.get("entries"):
        if _is_html(body):
            raise ListingError(f"not a feed: {_html_page(body, url)}")
        if _SITEMAP_ROOT_RE.search(body[:4096]):
            raise ListingError("not a feed: a sitemap (list it in `sitemaps`)")
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        raise ListingError(f"not a feed: {reason}")
    entries: list[ListingEntry] = []
    invalid = 0
    for item in parsed.entries:
        link = _entry_link(item)
        if link is None:
            invalid += 1
            continue
        entries.append(
            ListingEntry(url=link, title=_clean(item.get("title")), published=_entry_date(item))
        )
    warnings = (str(parsed.bozo_exception),) if parsed.get("bozo") else ()
    return ParsedListing(
        kind=parsed.get("version") or "feed",
        entries=tuple(entries),
        invalid=invalid,
        warnings=warnings,
    )


# JSON listings: JSON Feed (jsonfeed.org) and the JSON APIs news sites list their
# articles in (Sina's roll API, the Federal Register's documents.json, WordPress's REST
# API). No schema is shared, so the listing is the array of objects in which the most
# objects carry a link, and each field is the first of these keys an item has
# (`html_url` before `url`: beside it, `url` is an API's own address).
_JSON_URL_KEYS = (
    "html_url",
    "url",
    "link",
    "href",
    "permalink",
    "article_url",
    "share_url",
    "docurl",
    "wapurl",
    "external_url",
)
_JSON_TITLE_KEYS = ("title", "headline", "name")
_JSON_DATE_KEYS = (
    "date_published", "published", "published_at", "publication_date", "pubDate",
    "pub_date", "pubdate", "date_gmt", "date", "datetime", "ctime", "create_time",
    "created_at", "intime", "time", "date_modified", "updated", "updated_at", "mtime",
)  # fmt: skip
# A JSONP wrapper (`cb({...})`, `try{cb({...});}catch(e){}`, `/**/ cb && cb([...])`):
# from the first call's opening `({` or `([` to the last `})` or `])`.
_JSONP_CALL_RE = re.compile(rb"[\w$]\s*\(\s*[{\[]")
_JSONP_ARGUMENT_RE = re.compile(rb"\(\s*([{\[].*[}\]])\s*\)", re.DOTALL)
_JSON_MAX_DEPTH = 6
_HTML_TAG_RE = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_COMPACT_DATE_FORMATS = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}
# Unix time a news item can carry, in seconds: 1995 to 2100; above, milliseconds
_EARLIEST_TIMESTAMP = 788_918_400
_LATEST_TIMESTAMP = 4_102_444_800


def looks_like_json(body: bytes, content_type: str | None = None) -> bool:
    """JSON, or JSONP, by its first bytes or its declared type; never a body that starts
    like XML or HTML (a feed served as application/json stays a feed)."""
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:300]
    if start[:1] == b"<":
        return False
    return (
        start[:1] in (b"{", b"[")
        or _JSONP_CALL_RE.search(start) is not None
        or "json" in (content_type or "").lower()
    )


def parse_json_listing(body: bytes, *, url: str, content_type: str | None = None) -> ParsedListing:
    """Article links from a JSON document (a JSONP wrapper is taken off): the items of
    the array of objects that holds the most links (JSON Feed: its `items`), with their
    titles and dates (ISO 8601, RFC 822, YYYYMMDD[hhmm[ss]] or Unix time in seconds or
    milliseconds); relative links are resolved against the listing's URL."""
    document = _json_document(body, content_type)
    is_json_feed = isinstance(document, dict) and str(document.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    )
    if is_json_feed and isinstance(document.get("items"), list):
        items = [item for item in document["items"] if isinstance(item, dict)]
    else:
        items = _json_items(document, url)
    if not items:
        raise ListingError("not a feed: JSON without a list of items with links")
    entries = []
    for item in items:
        link = _json_link(item, url)
        if link is not None:
            entries.append(
                ListingEntry(url=link, title=_json_title(item), published=_json_date(item))
            )
    return ParsedListing(
        kind="json-feed" if is_json_feed else "json",
        entries=tuple(entries),
        invalid=len(items) - len(entries),
    )


def _json_document(body: bytes, content_type: str | None) -> Any:
    charset = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.IGNORECASE)
    try:
        text = body.decode(charset[1] if charset else "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        text = body.decode("utf-8", errors="replace")
    text = text.lstrip("\ufeff \t\r\n")
    if text[:1] not in ("{", "[") and (call := _JSONP_ARGUMENT_RE.search(text.encode())):
        text = call[1].decode()
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        detail = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise ListingError(f"not a feed: invalid JSON: {detail}") from None


def _json_items(document: Any, base: str) -> list[dict[str, Any]]:
    """The array of objects with the most links, searched breadth-first; of two with as
    many, the one whose items also have titles or dates (a feed's `authors` or `hubs`
    carry links too), then the shallowest."""
    best: list[dict[str, Any]] = []
    best_score = (0, 0)
    level = [document]
    for _ in range(_JSON_MAX_DEPTH):
        below: list[Any] = []
        for value in level:
            if isinstance(value, dict):
                children = list(value.values())
            elif isinstance(value, list):
                children = value
                objects = [v for v in value if isinstance(v, dict)]
                linked = [v for v in objects if _json_link(v, base) is not None]
                described = sum(1 for v in linked if _json_title(v) or _json_date(v))
                if (len(linked), described) > best_score:
                    best, best_score = objects, (len(linked), described)
            else:
                continue
            below += [c for c in children if isinstance(c, dict | list)]
        level = below
        if not level:
            break
    return best


def _json_link(item: dict[str, Any], base: str) -> str | None:
    for key in _JSON_URL_KEYS:
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            link = urljoin(base, value.strip())
            link.encode("utf-8")  # a lone surrogate (a JSON escape cut in half) is no URL
        except (ValueError, UnicodeEncodeError):
            continue
        if is_http_url(link):
            return link
    return None


def _json_title(item: dict[str, Any]) -> str | None:
    for key in _JSON_TITLE_KEYS:
        value = item.get(key)
        if isinstance(value, dict):  # WordPress: {"rendered": "…"}
            value = value.get("rendered")
        if isinstance(value, str) and value.strip():
            value = value.encode("utf-8", errors="replace").decode("utf-8")
            return _clean(html.unescape(_HTML_TAG_RE.sub("", value)))
    return None


def _json_date(item: dict[str, Any]) -> datetime | None:
    for key in _JSON_DATE_KEYS:
        value = item.get(key)
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            digits = value.strip()
            if len(digits) in _COMPACT_DATE_FORMATS:
                try:
                    compact = datetime.strptime(digits, _COMPACT_DATE_FORMATS[len(digits)])
                except ValueError:
                    continue
                return compact.replace(tzinfo=UTC)
            value = int(digits)
        if isinstance(value, int | float) and not isinstance(value, bool):
            if _EARLIEST_TIMESTAMP * 1000 <= value <= _LATEST_TIMESTAMP * 1000:
                value = value / 1000
            if not _EARLIEST_TIMESTAMP <= value <= _LATEST_TIMESTAMP:
                continue  # a count, a year or an id, not a time
            return datetime.fromtimestamp(value, tz=UTC)
        if isinstance(value, str) and (parsed := parse_w3c_date(value)) is not None:
            return parsed
    return None


_XML_DECLARATION = re.compile(rb"<\?xml[^>]{0,200}\?>")


def _is_html(body: bytes) -> bool:
    """An HTML (or XHTML) document: after a BOM, white space, an XML declaration and
    comments, <!DOCTYPE html> or <html>. Read from the first 8 KB, without a regular
    expression that could backtrack over a long run of white space or comments."""
    head = body[:8192].removeprefix(b"\xef\xbb\xbf").lstrip()
    if declaration := _XML_DECLARATION.match(head):
        head = head[declaration.end() :].lstrip()
    while head.startswith(b"<!--"):
        end = head.find(b"-->")
        if end < 0:
            return False
        head = head[end + 3 :].lstrip()
    return head[:14].lower().startswith((b"<!doctype html", b"<html"))


_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
_SITEMAP_ROOT_RE = re.compile(rb"<(?:\w+:)?(?:urlset|sitemapindex)\b")
_FEED_ROOTS = ("rss", "feed", "RDF")


def _html_page(body: bytes, url: str) -> str:
    """What to say of an HTML page given as a feed: the feeds it names in its
    `<link rel="alternate">` tags (feed autodiscovery), for the user to list instead."""
    page = body[:300_000].decode("utf-8", errors="replace")
    feeds = []
    for attrs in link_tags(page):
        media_type = attrs.get("type", "").split(";")[0].strip().lower()
        if "alternate" not in attrs.get("rel", "").lower().split() or media_type not in _FEED_TYPES:
            continue
        try:
            feed = urljoin(url, attrs.get("href", "").strip())
        except ValueError:  # an href such as "//[x" is no URL
            continue
        if is_http_url(feed):
            feeds.append(feed)
    if not feeds:
        return "an HTML page that names no feed"
    named = list(dict.fromkeys(feeds))[:3]
    which = "the feed" if len(named) == 1 else "one of the feeds"
    return f"an HTML page; list {which} it names in `feeds`: {', '.join(named)}"


def _entry_link(item: Any) -> str | None:
    candidates = [item.get("link")]
    candidates += [
        link.get("href") for link in item.get("links", []) if link.get("rel") == "alternate"
    ]
    if item.get("guidislink") or str(item.get("id", "")).startswith("http"):
        candidates.append(item.get("id"))
    for candidate in candidates:
        if candidate and is_http_url(candidate.strip()):
            return candidate.strip()
    return None


def _entry_date(item: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: FeedParserDict.get maps updated→published with a DeprecationWarning
        value = dict.get(item, key)
        if value:
            # feedparser normalises to UTC struct_time
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    return re.sub(r"\s+", " ", value).strip() or None


_SITEMAP_PARSER = etree.XMLParser(
    recover=True, remove_comments=True, resolve_entities=False, no_network=True, huge_tree=True
)


def gunzipped(body: bytes, max_bytes: int) -> bytes:
    """A listing served as a .gz file (sitemap.xml.gz) unpacked, up to `max_bytes`
    (0: no limit); any other body as it is. ListingTooLarge past the limit, ListingError
    for a broken gzip stream."""
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        return gunzip(body, max_size=max_bytes)
    except ValueError:  # Scrapy's _DecompressionMaxSizeExceeded
        raise ListingTooLarge(f"more than {max_bytes} bytes uncompressed") from None
    except (OSError, EOFError, struct.error, zlib.error) as exc:
        raise ListingError(f"not a gzip file: {exc}") from None


def parse_sitemap(body: bytes) -> ParsedListing:
    """A sitemap index, a urlset or a Google News sitemap (already gunzipped)."""
    try:
        root = etree.fromstring(body.lstrip(), parser=_SITEMAP_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ListingError(f"not a sitemap: {exc}") from None
    if root is None:
        raise ListingError("not a sitemap: empty document")
    kind = etree.QName(root).localname
    if kind == "sitemapindex":
        children = [
            ListingEntry(url=loc, published=parse_w3c_date(_text(el, "lastmod")))
            for el in root.iterchildren(_ANY_NS + "sitemap")
            if (loc := _text(el, "loc")) and is_http_url(loc)
        ]
        return ParsedListing(kind=kind, sitemaps=tuple(children))
    if kind in _FEED_ROOTS:
        raise ListingError(f"not a sitemap: a feed, root element <{kind}> (list it in `feeds`)")
    if kind != "urlset":
        raise ListingError(f"not a sitemap: root element <{kind}>")
    entries: list[ListingEntry] = []
    invalid = 0
    is_news = False
    for el in root.iterchildren(_ANY_NS + "url"):
        loc = _text(el, "loc")
        if not loc or not is_http_url(loc):
            invalid += 1
            continue
        news = el.find(_ANY_NS + "news")
        title = published = None
        if news is not None:
            is_news = True
            title = _clean(_text(news, "title"))
            published = parse_w3c_date(_text(news, "publication_date"))
        if published is None:
            published = parse_w3c_date(_text(el, "lastmod"))
        entries.append(ListingEntry(url=loc, title=title, published=published))
    return ParsedListing(
        kind="news-sitemap" if is_news else "urlset", entries=tuple(entries), invalid=invalid
    )


def sitemaps_from_robots(body: bytes) -> tuple[str, ...]:
    text = body.decode("utf-8", errors="replace")
    found = re.findall(r"(?im)^\s*sitemap\s*:\s*(\S+)", text)
    return tuple(u for u in found if is_http_url(u))


# Pages rendered by JavaScript (Next.js, Nuxt, Wix, …) carry their article list as JSON
# in a <script>, not as <a href>: quoted absolute URLs and site paths, with JSON's `\/`,
# `\u002F` and `\u0026` for "/" and "&".
_SCRIPT_URL_RE = re.compile(r"""["']((?:https?:)?//[^"'\s<>\\]+|/[^"'\s<>\\]*)["']""")
_JSON_ESCAPES = {"\\/": "/", "\\u002F": "/", "\\u002f": "/", "\\u0026": "&"}
_JSON_ESCAPE_RE = re.compile("|".join(re.escape(e) for e in _JSON_ESCAPES))
# a template or a route pattern, not a URL: "/news/${slug}", "{{ url }}", "/news/[slug]"
_PLACEHOLDER_RE = re.compile(r"\$\{|\{\{|[\[\]{}]")
_SKIPPED_EXTENSIONS = frozenset("." + e for e in IGNORED_EXTENSIONS) | {".js", ".json", ".map"}
# more distinct candidates than an article list holds: a page's scripts are read up to this
MAX_SCRIPT_CANDIDATES = 5_000


def script_links(scripts: Iterable[str], base: str, follow: re.Pattern[str]) -> list[str]:
    """The article links a page's scripts hold: quoted URLs and paths, resolved against
    the page, that `follow` matches (searched in the absolute URL, as for <a> links);
    like Scrapy's LinkExtractor, never a file by its extension (images, scripts, …) nor
    a URL with an invalid port; template placeholders are skipped."""
    candidates: dict[str, None] = {}
    for script in scripts:
        text = _JSON_ESCAPE_RE.sub(lambda m: _JSON_ESCAPES[m[0]], script)
        for match in _SCRIPT_URL_RE.finditer(text):
            if len(candidates) >= MAX_SCRIPT_CANDIDATES:
                break
            candidates[match[1]] = None
    found: dict[str, None] = {}
    for candidate in candidates:
        if _PLACEHOLDER_RE.search(candidate):
            continue
        try:
            link = urljoin(base, candidate.replace("&amp;", "&"))
            parts = urlsplit(link)
            parts.port  # noqa: B018 - raises ValueError for a port that is not one
        except ValueError:  # e.g. "//a:99999/…": not a URL
            continue
        suffix = parts.path.rsplit("/", 1)[-1].rpartition(".")
        if suffix[1] and "." + suffix[2].lower() in _SKIPPED_EXTENSIONS:
            continue
        if follow.search(link) and is_http_url(link):
            found[link] = None
    return list(found)


def parse_w3c_date(value: str | None) -> datetime | None:
    """A sitemap date: W3C datetime in any of its precisions ("2026", "2026-11",
    "2026-11-03", with or without a time), or the RFC 822 date some CMSs write instead.
    A partial date stands for the start of its period, in UTC."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        # the standard library's parser reads the usual full dates fast; dateutil's
        # reads the reduced precisions ("2026-11") it turns down
        parsed = datetime.fromisoformat(value)
    except ValueError:
        pass
    else:
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        parsed = isoparse(value)
    except (ValueError, OverflowError):
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (ValueError, TypeError, IndexError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# "{*}name": the element in any namespace or none (lxml's wildcard, found by lxml in C;
# comparing each child's tag in Python costs seconds per 100,000 sitemap entries)
_ANY_NS = "{*}"


def _text(el: etree._Element, name: str) -> str | None:
    text = el.findtext(_ANY_NS + name)
    return (text.strip() or None) if text else None

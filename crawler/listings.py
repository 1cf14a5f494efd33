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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from dateutil.parser import isoparse
from lxml import etree
from scrapy.utils.gz import gunzip

from crawler.errors import CrawlError
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
        return parse_json_listing(body, url=url)
    if not body.strip():
        raise ListingError("not a feed: empty response")
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    # .get: feedparser leaves `version` unset on some inputs, and attribute access raises
    if not parsed.get("version") and not parsed.get("entries"):
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
# articles in (Sina's roll API, the Federal Register's documents.json, a CMS's REST
# API). No schema is shared, so the listing is the array of objects in which the most
# objects carry a link, and each field is the first of these keys an item has.
_JSON_URL_KEYS = (
    "url", "link", "href", "html_url", "permalink", "article_url", "share_url", "docurl",
    "wapurl", "external_url",
)  # fmt: skip
_JSON_TITLE_KEYS = ("title", "headline", "name")
_JSON_DATE_KEYS = (
    "date_published", "published", "published_at", "publication_date", "pubDate",
    "pub_date", "pubdate", "date", "datetime", "ctime", "create_time", "created_at",
    "intime", "time", "date_modified", "updated", "updated_at", "mtime",
)  # fmt: skip
_JSONP_RE = re.compile(rb"^[\w$.]+\s*\((.*)\)\s*;?\s*$", re.DOTALL)
_JSONP_START_RE = re.compile(rb"[\w$.]+\s*\(\s*[{\[]")
_JSON_MAX_DEPTH = 6
_TAG_RE = re.compile(r"<[^>]{0,200}>")


def looks_like_json(body: bytes, content_type: str | None = None) -> bool:
    """JSON, or JSONP (`callback({...})`), by its first bytes or its declared type."""
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    return (
        start[:1] in (b"{", b"[")
        or _JSONP_START_RE.match(start) is not None
        or "json" in (content_type or "").lower()
    )


def parse_json_listing(body: bytes, *, url: str) -> ParsedListing:
    """Article links from a JSON document (a JSONP wrapper is taken off): the items of
    the array of objects that holds the most links, with their titles and dates (ISO
    8601, RFC 822 or Unix time in seconds or milliseconds); relative links are resolved
    against the listing's URL."""
    text = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if wrapped := _JSONP_RE.match(text):
        text = wrapped[1]
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ListingError(f"not a feed: invalid JSON: {exc}") from None
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
    is_json_feed = isinstance(document, dict) and str(document.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    )
    return ParsedListing(
        kind="json-feed" if is_json_feed else "json",
        entries=tuple(entries),
        invalid=len(items) - len(entries),
    )


def _json_items(document: Any, base: str) -> list[dict[str, Any]]:
    """The array of objects with the most links, searched breadth-first (the shallowest
    wins a tie)."""
    best: list[dict[str, Any]] = []
    best_links = 0
    level = [document]
    for _ in range(_JSON_MAX_DEPTH):
        below: list[Any] = []
        for value in level:
            children = value.values() if isinstance(value, dict) else value
            if isinstance(value, list):
                objects = [v for v in value if isinstance(v, dict)]
                links = sum(1 for v in objects if _json_link(v, base) is not None)
                if links > best_links:
                    best, best_links = objects, links
            below += [c for c in children if isinstance(c, dict | list)]
        level = below
        if not level:
            break
    return best


def _json_link(item: dict[str, Any], base: str) -> str | None:
    for key in _JSON_URL_KEYS:
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            link = urljoin(base, value.strip())
            if is_http_url(link):
                return link
    return None


def _json_title(item: dict[str, Any]) -> str | None:
    for key in _JSON_TITLE_KEYS:
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return _clean(html.unescape(_TAG_RE.sub("", value)))
    return None


def _json_date(item: dict[str, Any]) -> datetime | None:
    for key in _JSON_DATE_KEYS:
        value = item.get(key)
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) >= 9:
            value = int(value.strip())
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value < _EARLIEST_TIMESTAMP:
                continue  # a count or a year, not seconds since 1970
            seconds = value / 1000 if value > _LATEST_TIMESTAMP else value
            try:
                return datetime.fromtimestamp(seconds, tz=UTC)
            except (OverflowError, OSError, ValueError):
                continue
        if isinstance(value, str) and (parsed := parse_w3c_date(value)) is not None:
            return parsed
    return None


# Unix time in seconds lies between these (1973 and 5138); above, it is milliseconds.
_EARLIEST_TIMESTAMP = 100_000_000
_LATEST_TIMESTAMP = 100_000_000_000


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

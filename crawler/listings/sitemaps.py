"""Sitemaps (index, urlset, Google News), gzipped or not, and the sitemaps robots.txt
names."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import UTC, tzinfo

from lxml import etree
from scrapy.utils.gz import gunzip

from crawler.listings.dates import parse_w3c_date
from crawler.listings.entries import (
    ListingEntry,
    ListingError,
    ListingTooLarge,
    ParsedListing,
    clean_text,
)
from crawler.urls import is_http_url

# the root elements of RSS 2.0, Atom and RSS 1.0: a feed listed as a sitemap
_FEED_ROOTS = ("rss", "feed", "RDF")

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


def parse_sitemap(body: bytes, *, timezone: tzinfo = UTC) -> ParsedListing:
    """A sitemap index, a urlset or a Google News sitemap (already gunzipped); its dates
    without a zone are in `timezone`."""
    try:
        root = etree.fromstring(body.lstrip(), parser=_SITEMAP_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ListingError(f"not a sitemap: {exc}") from None
    if root is None:
        what = "empty document" if not body.strip() else "no XML element in it"
        raise ListingError(f"not a sitemap: {what}")
    kind = etree.QName(root).localname
    if kind == "sitemapindex":
        children = [
            ListingEntry(url=loc, published=parse_w3c_date(_text(el, "lastmod"), timezone))
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
            title = clean_text(_text(news, "title"))
            published = parse_w3c_date(_text(news, "publication_date"), timezone)
        if published is None:
            published = parse_w3c_date(_text(el, "lastmod"), timezone)
        entries.append(ListingEntry(url=loc, title=title, published=published))
    return ParsedListing(
        kind="news-sitemap" if is_news else "urlset", entries=tuple(entries), invalid=invalid
    )


def sitemaps_from_robots(body: bytes) -> tuple[str, ...]:
    text = body.decode("utf-8", errors="replace")
    found = re.findall(r"(?im)^\s*sitemap\s*:\s*(\S+)", text)
    return tuple(u for u in found if is_http_url(u))


# "{*}name": the element in any namespace or none (lxml's wildcard, found by lxml in C;
# comparing each child's tag in Python costs seconds per 100,000 sitemap entries)
_ANY_NS = "{*}"


def _text(el: etree._Element, name: str) -> str | None:
    text = el.findtext(_ANY_NS + name)
    return (text.strip() or None) if text else None

"""What a listing is read into, and how it fails: shared by the feed, JSON and sitemap
parsers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from crawler.errors import CrawlError


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


def clean_text(value: str | None) -> str | None:
    """White space runs as one space, trimmed; None for nothing left."""
    if not value:
        return None
    return re.sub(r"\s+", " ", value).strip() or None

"""Parsing listings (feeds, JSON listings and sitemaps) into article links, and finding
article links in a page's scripts: small pure functions, tested without a crawl."""

from crawler.listings.dates import parse_w3c_date
from crawler.listings.entries import (
    SITEMAP_PROTOCOL_BYTES,
    ListingEntry,
    ListingError,
    ListingTooLarge,
    ParsedListing,
)
from crawler.listings.feeds import parse_feed
from crawler.listings.json_feeds import looks_like_json, parse_json_listing
from crawler.listings.scripts import MAX_SCRIPT_CANDIDATES, script_links
from crawler.listings.sitemaps import gunzipped, parse_sitemap, sitemaps_from_robots

__all__ = [
    "MAX_SCRIPT_CANDIDATES",
    "SITEMAP_PROTOCOL_BYTES",
    "ListingEntry",
    "ListingError",
    "ListingTooLarge",
    "ParsedListing",
    "gunzipped",
    "looks_like_json",
    "parse_feed",
    "parse_json_listing",
    "parse_sitemap",
    "parse_w3c_date",
    "script_links",
    "sitemaps_from_robots",
]

"""RSS and Atom feeds (feedparser); a JSON body is handed to the JSON reader, and an
HTML page or a sitemap given as a feed is named as what it is."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urljoin

import feedparser

from crawler.extract import link_tags
from crawler.listings.dates import names_unread_zone, parse_w3c_date
from crawler.listings.entries import ListingEntry, ListingError, ParsedListing, clean_text
from crawler.listings.json_feeds import looks_like_json, parse_json_listing
from crawler.urls import is_http_url


def parse_feed(
    body: bytes, *, url: str, content_type: str | None = None, timezone: tzinfo = UTC
) -> ParsedListing:
    """RSS 0.9x/1.0/2.0 and Atom. feedparser falls back to its lenient parser on broken
    XML, so one malformed item does not lose the others; items without a link count as
    invalid. A JSON body (JSON Feed, or a news site's JSON API) is read by
    `parse_json_listing`. Dates written without a zone are in `timezone`."""
    if looks_like_json(body, content_type):
        return parse_json_listing(body, url=url, content_type=content_type, timezone=timezone)
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
            ListingEntry(
                url=link, title=clean_text(item.get("title")), published=_entry_date(item, timezone)
            )
        )
    warnings = (str(parsed.bozo_exception),) if parsed.get("bozo") else ()
    return ParsedListing(
        kind=parsed.get("version") or "feed",
        entries=tuple(entries),
        invalid=invalid,
        warnings=warnings,
    )


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


def _entry_date(item: Any, timezone: tzinfo = UTC) -> datetime | None:
    """The item's date. feedparser normalises to UTC, reads a date written without a
    zone ("2026-12-02 22:00:00", common in Chinese feeds) as UTC or not at all, and a
    local spelling ("2026/12/02", "02.12.2026") as the 1st of the month: our own reading
    (in the source's zone for a date without one) wins, unless the date names a zone
    only feedparser knows."""
    for key in ("published", "updated", "created"):
        # dict.get: FeedParserDict.get maps updated→published with a DeprecationWarning
        parsed = dict.get(item, f"{key}_parsed")
        as_utc = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC) if parsed else None
        written = dict.get(item, key)
        local = parse_w3c_date(written, timezone)
        if local is not None and (as_utc is None or not names_unread_zone(written)):
            return local
        if as_utc is not None:
            return as_utc
    return None

"""JSON listings: JSON Feed (jsonfeed.org) and the JSON APIs news sites list their
articles in (Sina's roll API, the Federal Register's documents.json, WordPress's REST
API). No schema is shared, so the listing is the array of objects in which the most
objects carry a link, and each field is the first of these keys an item has
(`html_url` before `url`: beside it, `url` is an API's own address)."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urljoin

from crawler.listings.dates import parse_w3c_date
from crawler.listings.entries import ListingEntry, ListingError, ParsedListing, clean_text
from crawler.urls import is_http_url

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


def parse_json_listing(
    body: bytes, *, url: str, content_type: str | None = None, timezone: tzinfo = UTC
) -> ParsedListing:
    """Article links from a JSON document (a JSONP wrapper is taken off): the items of
    the array of objects that holds the most links (JSON Feed: its `items`), with their
    titles and dates (ISO 8601, RFC 822, YYYYMMDD[hhmm[ss]] or Unix time in seconds or
    milliseconds; a date or time without a zone is in `timezone`); relative links are
    resolved against the listing's URL."""
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
                ListingEntry(
                    url=link, title=_json_title(item), published=_json_date(item, timezone)
                )
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
            return clean_text(html.unescape(_HTML_TAG_RE.sub("", value)))
    return None


def _json_date(item: dict[str, Any], timezone: tzinfo = UTC) -> datetime | None:
    for key in _JSON_DATE_KEYS:
        value = item.get(key)
        zone = UTC if key.endswith("_gmt") else timezone  # WordPress: date_gmt is UTC
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            digits = value.strip()
            if len(digits) in _COMPACT_DATE_FORMATS:
                try:
                    compact = datetime.strptime(digits, _COMPACT_DATE_FORMATS[len(digits)])
                except ValueError:
                    continue
                return compact.replace(tzinfo=zone)
            value = int(digits)
        if isinstance(value, int | float) and not isinstance(value, bool):
            if _EARLIEST_TIMESTAMP * 1000 <= value <= _LATEST_TIMESTAMP * 1000:
                value = value / 1000
            if not _EARLIEST_TIMESTAMP <= value <= _LATEST_TIMESTAMP:
                continue  # a count, a year or an id, not a time
            return datetime.fromtimestamp(value, tz=UTC)
        if isinstance(value, str) and (parsed := parse_w3c_date(value, zone)) is not None:
            return parsed
    return None

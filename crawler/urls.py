"""URL identity: what makes two URLs the same article."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url


def canonicalize(url: str) -> str:
    """The URL we request and store: host lower-cased, default port, tracking parameters
    (utm_*, fbclid, gclid, …) and the fragment removed, remaining parameters sorted."""
    try:
        normalized = normalize_url(url, strict=False)
    except ValueError:
        normalized = url
    parts = urlsplit(normalized)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def url_key(url: str) -> str:
    """The dedup key: the canonical URL without a trailing slash, so that `/story.html`
    and `/story.html/` (which many CMSs serve alike) are one article."""
    parts = urlsplit(canonicalize(url))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)

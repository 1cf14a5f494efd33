"""URL identity: what makes two URLs the same article."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url

if TYPE_CHECKING:
    import tldextract


# A crawl canonicalises each listed URL (to request it) and keys it (to look it up and
# to record it); courlan's normalisation is the costly part (tens of µs), and a big
# sitemap lists 50,000 URLs: the second time is a lookup. The bound keeps memory in check.
@lru_cache(maxsize=1 << 17)
def canonicalize(url: str) -> str:
    """The URL we request and store: host lower-cased, default port, tracking parameters
    (utm_*, fbclid, gclid, …) and the fragment removed, remaining parameters sorted."""
    if _PLAIN.match(url) and "//" not in url[8:] and "xn--" not in url:
        # Nothing for courlan to change (and no leading "/.."): most article URLs.
        return url if url.count("/") > 2 else url + "/"
    try:
        normalized = normalize_url(url, strict=False)
    except ValueError:
        normalized = url
    parts = urlsplit(normalized)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


# A URL that normalize_url returns unchanged: lower-case http(s) scheme and host, no
# default port (80 and 443 go), no user, query or fragment, and a path of characters it
# neither quotes nor unescapes, not starting with "/.." (which it removes).
_PLAIN = re.compile(
    r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*"
    r"(?::(?!0|(?:80|443)(?:/|\Z))[0-9]{1,5})?"
    r"(?:/(?!\.\.(?:/|\Z))[\w.~!=:,/-]*)?\Z",
    re.ASCII,
)


def url_key(url: str) -> str:
    """The dedup key: the canonical URL without a trailing slash, so that `/story.html`
    and `/story.html/` (which many CMSs serve alike) are one article."""
    canonical = canonicalize(url)
    # string work on the canonical form (http(s), a host, a path, no fragment), which
    # is what urlsplit and urlunsplit would do, at a fraction of their cost
    head, mark, query = canonical.partition("?")
    if head.startswith(("http://", "https://")) and "#" not in canonical:
        slash = head.find("/", head.index("//") + 2)
        if slash > 0:
            return head[:slash] + (head[slash:].rstrip("/") or "/") + mark + query
    parts = urlsplit(canonical)
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def is_http_url(url: str) -> bool:
    """The one test every URL chipwatch requests passes, wherever it was found (feed,
    sitemap, section page, redirect, meta refresh, rel=canonical): absolute http(s) with a
    host. A web page must never make us read `file:`, `ftp:` or `data:` URLs."""
    if not url or _BAD_CHAR.search(url):
        return False
    if _HTTP_HOST.match(url):  # the common case, without urlsplit
        return True
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. a malformed IPv6 literal or port
        return False
    return parts.scheme in {"http", "https"} and bool(host)


_BAD_CHAR = re.compile(r"[\s\x00-\x1f]")  # whitespace or a control character
# http(s), a plain host name and maybe a port: urlsplit would find the scheme and a host
_HTTP_HOST = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#]|\Z)")


def same_site(a: str | None, b: str | None) -> bool:
    """Two hosts under one registrable domain (public suffix list, bundled with
    tldextract, never fetched): www.bbc.co.uk and m.bbc.co.uk are one site,
    www.bbc.co.uk and www.evil.co.uk are not."""
    if not a or not b:
        return False
    if a == b:
        return True
    first, second = _registrable(a), _registrable(b)
    return bool(first) and first == second


def _registrable(host: str) -> str:
    return _extractor()(host).top_domain_under_public_suffix


@cache
def _extractor() -> tldextract.TLDExtract:
    """Made on first use: tldextract (with requests) takes ~40 ms to import and its
    suffix list ~20 ms to read, which a run that compares no two hosts never needs.
    suffix_list_urls=(): the snapshot shipped with tldextract; a crawl never goes online
    for it, and never writes a cache."""
    import tldextract

    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )

"""Article links in a page's scripts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from scrapy.linkextractors import IGNORED_EXTENSIONS

from crawler.urls import is_http_url

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

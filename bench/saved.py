"""Saved pages as the benchmark's site: `python -m bench --pages DIR` crawls the HTML files
under DIR instead of generated pages, so the crawl numbers are those of pages as real
sites write them (say, the 990 article pages of Trafilatura's evaluation corpus: the
`tests/eval` and `tests/cache` folders of its repository). Nothing of them is kept here.

Each file is decoded as Scrapy would without a charset in the headers (BOM, `<meta
charset>`, else UTF-8) and served as UTF-8 at an article path the bench config follows,
listed in one sitemap with a `lastmod`; every answer has an ETag, so the second crawl
gets its 304s as from a real site."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from xml.sax.saxutils import escape

from w3lib.encoding import html_to_unicode

from chipwatch.demo.site import Response, SiteSession

LASTMOD = "2026-11-30"
_HTML_SUFFIXES = (".html", ".htm")


class SavedPagesSite:
    name = "Saved pages"

    def __init__(self, folders: list[Path], limit: int | None = None) -> None:
        files = sorted(
            path
            for folder in folders
            for path in folder.rglob("*")
            if path.suffix.lower() in _HTML_SUFFIXES and path.is_file()
        )
        if limit is not None:
            files = files[:limit]
        self._pages = {
            f"/news/2026/11/page-{index:05d}.html": _as_utf8(path.read_bytes())
            for index, path in enumerate(files)
        }

    def __len__(self) -> int:
        return len(self._pages)

    def new_session(self) -> SiteSession:
        return SiteSession()

    def render(self, base_url: str) -> None:
        """Nothing to build: the pages are served as read."""

    def article_urls(self, base_url: str) -> list[str]:
        return [base_url.rstrip("/") + path for path in self._pages]

    def route(
        self,
        base_url: str,
        path: str,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        *,
        session: SiteSession | None = None,
    ) -> Response:
        base = base_url.rstrip("/")
        body, content_type = self._resource(base, path)
        if body is None:
            return Response(404, {"Content-Type": "text/plain; charset=utf-8"}, b"Not Found\n")
        etag = f'"{zlib.crc32(body):08x}"'
        asked = {k.lower(): v for k, v in (headers or {}).items()}.get("if-none-match", "")
        tags = [tag.strip().removeprefix("W/") for tag in asked.split(",")]
        if etag in tags or "*" in tags:
            return Response(304, {"ETag": etag}, b"")
        return Response(200, {"Content-Type": content_type, "ETag": etag}, body)

    def _resource(self, base: str, path: str) -> tuple[bytes | None, str]:
        if path in self._pages:
            return self._pages[path], "text/html; charset=utf-8"
        if path == "/robots.txt":
            text = f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap_index.xml\n"
            return text.encode(), "text/plain; charset=utf-8"
        if path == "/sitemap_index.xml":
            return _sitemap_index(base), "application/xml"
        if path == "/sitemaps/pages.xml":
            return _urlset(base + p for p in self._pages), "application/xml"
        if path == "/sitemaps/news.xml.gz":  # what the generated site also lists: none here
            return gzip.compress(_urlset([]), mtime=0), "application/gzip"
        return None, ""


def _as_utf8(raw: bytes) -> bytes:
    _encoding, text = html_to_unicode(None, raw)
    return text.encode("utf-8")


def _sitemap_index(base: str) -> bytes:
    entries = "".join(
        f"<sitemap><loc>{base}{path}</loc><lastmod>{LASTMOD}</lastmod></sitemap>"
        for path in ("/sitemaps/news.xml.gz", "/sitemaps/pages.xml")
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}'
        "</sitemapindex>"
    ).encode()


def _urlset(urls: Iterable[str]) -> bytes:
    entries = "".join(
        f"<url><loc>{escape(url)}</loc><lastmod>{LASTMOD}</lastmod></url>" for url in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    ).encode()

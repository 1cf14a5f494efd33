"""`chipwatch sources check`: fetch each configured listing once, with the crawl's
politeness (robots.txt, User-Agent, delays, Retry-After), and say what it is."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse, Response
from twisted.python.failure import Failure

from crawler.listings import (
    ListingError,
    gunzipped,
    parse_feed,
    parse_sitemap,
    sitemaps_from_robots,
)
from crawler.spiders.news import NewsSpider, classify_failure, page_links, response_header


@dataclass(frozen=True)
class ListingCheck:
    source: str
    url: str
    kind: str  # feed | sitemap | page
    ok: bool
    status: int | None
    what: str  # "rss20, 40 items, newest 2026-11-20" or the reason it fails
    items: int = 0
    newest: datetime | None = None


class CheckSpider(NewsSpider):
    name = "check"
    uses_database = False  # fetches listings only

    async def start(self) -> AsyncIterator[Request]:
        for source in self.sources:
            for kind, urls in (
                ("feed", source.feeds),
                ("sitemap", source.sitemaps),
                ("page", source.pages),
            ):
                for url in urls:
                    yield Request(
                        url,
                        callback=self.check_listing,
                        errback=self.check_failed,
                        dont_filter=True,
                        meta={"source": source.name, "kind": kind, **self.size_limit(kind)},
                    )

    def check_listing(self, response: Response) -> Iterator[ListingCheck]:
        source = self._source(response)
        kind = response.meta["kind"]
        url = response.request.url if response.request else response.url
        try:
            if kind == "feed":
                listing = parse_feed(
                    response.body,
                    url=response.url,
                    content_type=response_header(response, b"Content-Type"),
                    timezone=source.timezone,
                )
            elif kind == "sitemap" and url.rstrip("/").endswith("/robots.txt"):
                found = sitemaps_from_robots(response.body)
                yield self._result(
                    response, bool(found), f"robots.txt, {len(found)} sitemaps", len(found)
                )
                return
            elif kind == "sitemap":
                body = gunzipped(response.body, self.max_listing_bytes)
                listing = parse_sitemap(body, timezone=source.timezone)
            else:
                if not isinstance(response, HtmlResponse) or source.follow is None:
                    yield self._result(response, False, "not an HTML page")
                    return
                links, _ = page_links(response, source.follow)
                yield self._result(
                    response, bool(links), f"section page, {len(links)} article links", len(links)
                )
                return
        except ListingError as exc:
            yield self._result(response, False, str(exc))
            return
        count = len(listing.entries) + len(listing.sitemaps)
        dates = [e.published for e in listing.entries if e.published]
        newest = max(dates).astimezone(UTC) if dates else None
        what = f"{listing.kind}, {count} {'sitemaps' if listing.sitemaps else 'items'}"
        if newest:
            what += f", newest {newest:%Y-%m-%d}"
        if listing.invalid:
            what += f", {listing.invalid} invalid"
        yield self._result(response, count > 0, what, count, newest)

    def _result(
        self,
        response: Response,
        ok: bool,
        what: str,
        items: int = 0,
        newest: datetime | None = None,
    ) -> ListingCheck:
        return ListingCheck(
            source=response.meta["source"],
            url=response.request.url if response.request else response.url,
            kind=response.meta["kind"],
            ok=ok,
            status=response.status,
            what=what,
            items=items,
            newest=newest,
        )

    def check_failed(self, failure: Failure) -> Iterator[ListingCheck]:
        # Scrapy attaches the request to the Failure; Twisted's type doesn't declare it
        request = failure.request  # type: ignore[attr-defined]
        _reason, _final, detail = classify_failure(failure)
        response: Any = getattr(failure.value, "response", None)
        yield ListingCheck(
            source=request.meta["source"],
            url=request.url,
            kind=request.meta["kind"],
            ok=False,
            status=response.status if response is not None else None,
            what=detail,
        )

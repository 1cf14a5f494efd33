"""The spiders: read each source's feeds, sitemaps and section pages, and fetch the
articles they list. One spider crawls every kind of listing; `feeds`, `sitemaps` and
`pages` are the same spider limited to one kind.

    scrapy crawl news [-a source=NAME[,NAME…]]
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    StopDownload,
    UsageError,
)
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from twisted.internet.error import TCPTimedOutError
from twisted.python.failure import Failure

from crawler import counters
from crawler.decoding import declared_encoding, detect_encoding
from crawler.health import detect_paywall, detect_wall, disallows_everything
from crawler.items import ListingFetched, PageSkipped, RawPage
from crawler.listings import (
    SITEMAP_PROTOCOL_BYTES,
    ListingEntry,
    ListingError,
    ListingTooLarge,
    ParsedListing,
    gunzipped,
    parse_feed,
    parse_sitemap,
    script_links,
    sitemaps_from_robots,
)
from crawler.middlewares import KNOWN_CHECKED, NOT_HTTP
from crawler.options import CrawlJob, SourceConfig, UnknownSourceError
from crawler.urls import canonicalize, is_http_url, url_key
from storage import (
    Poll,
    SchemaError,
    StorageError,
    create_if_missing,
    describe_db_error,
    display_url,
    known_keys,
    listing_urls,
    listing_validators,
    not_due,
    open_database,
    pending_retries,
    refiltered_urls,
    require_current,
)

# Stats key: configured listings left out of this run because they are not due yet.
NOT_DUE = "chipwatch_listings_not_due"

# Listings that are files of links, with the sitemap protocol's size limit
# (`max_listing_bytes`) rather than a page's (`max_page_bytes`).
LISTING_FILES = frozenset({"feed", "sitemap"})

# Article fetches that end like this will not go better next time.
FINAL_HTTP_STATUSES = frozenset({404, 410, 451})


class NewsSpider(Spider):
    name = "news"
    kinds: frozenset[str] = frozenset({"feed", "sitemap", "page"})
    uses_database = True

    job: CrawlJob
    sources: tuple[SourceConfig, ...]
    _by_name: dict[str, SourceConfig]
    max_age: timedelta | None
    database_url: str
    max_bytes: int
    max_listing_bytes: int
    due_only: bool
    _sessions: sessionmaker[Session] | None

    def __init__(self, *args: Any, source: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source_names = [s.strip() for s in source.split(",") if s.strip()] if source else []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        job = crawler.settings.get("CHIPWATCH_JOB")
        if job is None:
            reason = crawler.settings.get("CHIPWATCH_CONFIG_ERROR") or "no config loaded"
            raise UsageError(f"chipwatch: cannot crawl: {reason}")
        spider.job = job
        try:
            spider.sources = job.select_sources(spider.source_names or None)
        except UnknownSourceError as exc:  # -a source=NAME
            raise UsageError(str(exc)) from None
        spider._by_name = {s.name: s for s in spider.sources}
        days = job.crawl.max_article_age_days
        spider.max_age = timedelta(days=days) if days else None
        spider.database_url = crawler.settings["CHIPWATCH_DATABASE_URL"]
        if spider.uses_database and spider.database_url:
            _prepare_database(spider.database_url)
        spider.max_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        spider.max_listing_bytes = crawler.settings.getint(
            "CHIPWATCH_MAX_LISTING_BYTES", SITEMAP_PROTOCOL_BYTES
        )
        # `chipwatch run`: only the listings whose next fetch has come (storage/polling.py)
        spider.due_only = crawler.settings.getbool("CHIPWATCH_DUE_ONLY")
        spider._sessions = None
        crawler.signals.connect(spider._dispose, signal=signals.spider_closed)
        crawler.signals.connect(spider._robots_parsed, signal=signals.robots_parsed)
        return spider

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._sessions is None:
            self._sessions = open_database(self.database_url)
        return self._sessions

    def _dispose(self) -> None:
        if self._sessions is not None:
            self._sessions.kw["bind"].dispose()

    # ---- start ------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        listings: list[tuple[SourceConfig, str, str]] = []
        for source in self.sources:
            if "feed" in self.kinds:
                listings += [(source, url, "feed") for url in source.feeds]
            if "sitemap" in self.kinds:
                listings += [(source, url, "sitemap") for url in source.sitemaps]
            if "page" in self.kinds:
                listings += [(source, url, "page") for url in source.pages]
        if self.due_only:
            waiting = self._not_due([url_key(url) for _, url, _ in listings])
            if waiting:
                self.crawler.stats.set_value(NOT_DUE, len(waiting))
                listings = [item for item in listings if url_key(item[1]) not in waiting]
        validators = self._validators(url for _, url, _ in listings)
        for source, url, kind in listings:
            yield self.listing_request(url, source, kind, validators)
        for url, name in self._retries():
            yield self.article_request(ListingEntry(url=url), self._by_name[name])

    def _validators(self, urls: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
        try:
            with self.sessions() as session:
                return listing_validators(session, [url_key(u) for u in urls])
        except (SQLAlchemyError, StorageError) as exc:
            # Unconditional requests cost bandwidth, never an article.
            self._read_failed("listing validators", exc)
            return {}

    def _not_due(self, keys: list[str]) -> set[str]:
        try:
            with self.sessions() as session:
                return not_due(session, keys, now=datetime.now(UTC), bounds=self.job.crawl.bounds)
        except (SQLAlchemyError, StorageError) as exc:
            self._read_failed("the listings' schedule", exc)
            return set()  # everything is due: costs requests, never an article

    def _retries(self) -> list[tuple[str, str]]:
        session: Session
        try:
            with self.sessions() as session:
                versions = {s.name: s.require_version for s in self.sources}
                # and what a source's `require` turned down before it was changed
                return pending_retries(session, list(self._by_name)) + refiltered_urls(
                    session, versions
                )
        except (SQLAlchemyError, StorageError) as exc:
            self._read_failed("URLs to retry", exc)
            return []

    def _read_failed(self, what: str, exc: BaseException) -> None:
        message = f"{display_url(self.database_url)}: cannot read {what}: {describe_db_error(exc)}"
        counters.storage_failed(self.crawler.stats, message)
        self.logger.error("storage: %s", message)

    # ---- requests ---------------------------------------------------------------

    def listing_request(
        self,
        url: str,
        source: SourceConfig,
        kind: str,
        validators: dict[str, tuple[str | None, str | None]],
        *,
        child: bool = False,
        root: str | None = None,
    ) -> Request:
        callback = {"feed": self.parse_feed, "sitemap": self.parse_sitemap, "page": self.parse_page}
        if kind == "sitemap" and url.rstrip("/").endswith("/robots.txt"):
            callback["sitemap"] = self.parse_robots
        headers = {}
        etag, modified = validators.get(url_key(url), (None, None))
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        return Request(
            url,
            callback=callback[kind],
            errback=self.listing_failed,
            headers=headers,
            dont_filter=True,
            priority=100,  # listings first: they feed the queue
            meta={
                **self.size_limit(kind),
                "source": source.name,
                "kind": kind,
                "child": child,
                "listing_url": url,  # what its poll is recorded under, redirects or not
                "listing": root or url,  # the configured listing it belongs to
                "handle_httpstatus_list": [304],
            },
        )

    def size_limit(self, kind: str) -> dict[str, int]:
        """Request meta for a listing: feeds and sitemaps may be as large as the sitemap
        protocol allows (`max_listing_bytes`), not only as large as a page."""
        return {"download_maxsize": self.max_listing_bytes} if kind in LISTING_FILES else {}

    def article_request(self, entry: ListingEntry, source: SourceConfig) -> Request:
        return Request(
            canonicalize(entry.url),
            callback=self.parse_article,
            errback=self.article_failed,
            # KnownUrlMiddleware already keeps one request per article; the scheduler's
            # own filter would silently drop redirects (a loop, a chain into an article
            # fetched directly) instead of letting them end in a recorded outcome.
            dont_filter=True,
            meta={
                "source": source.name,
                "kind": "article",
                "listing_title": entry.title,
                "listing_published": entry.published,
            },
        )

    def sweep_request(self, url: str, source: SourceConfig) -> Request:
        """An article request that a dead crawl worker took with it, sent round again
        past the shared frontier's duplicate filter (crawler/frontier.py)."""
        request = self.article_request(ListingEntry(url=url), source)
        request.meta["chipwatch_sweep"] = True
        return request

    def article_requests(
        self, entries: Iterable[ListingEntry], source: SourceConfig
    ) -> Iterator[Request]:
        """Requests for the listed articles not stored or given up on yet, asked of the
        database in one batch: a sitemap of 50,000 known URLs costs one lookup, not
        50,000 requests through the middlewares. KnownUrlMiddleware still drops what
        this run has already scheduled."""
        cutoff = datetime.now(UTC) - self.max_age if self.max_age else None
        listed: dict[str, ListingEntry] = {}  # key -> the first entry listing it
        for entry in entries:
            if cutoff and entry.published and entry.published < cutoff:
                counters.inc(self.crawler.stats, source.name, "skipped:too_old")
                continue
            listed.setdefault(url_key(entry.url), entry)
        known = self._known(listed)
        if known:
            counters.inc(self.crawler.stats, source.name, "known", len(known))
        for key, entry in listed.items():
            if key not in known:
                request = self.article_request(entry, source)
                request.meta[KNOWN_CHECKED] = True
                yield request

    def _known(self, keys: Iterable[str]) -> set[str]:
        if not (self.uses_database and self.database_url):
            return set()
        # a page one version of a source's `require` turned down is asked for under another
        versions = {s.name: s.require_version for s in self.job.sources}
        try:
            with self.sessions() as session:
                return known_keys(session, keys, versions)
        except (SQLAlchemyError, StorageError) as exc:
            # Asking again for a stored article is harmless; dropping one is not.
            self._read_failed("known URLs", exc)
            return set()

    # ---- listings ---------------------------------------------------------------

    def _listing_answered(self, response: Response) -> ListingFetched:
        counters.inc(self.crawler.stats, response.meta["source"], "listing_ok")
        return ListingFetched(
            source=response.meta["source"],
            url=response.request.url if response.request else response.url,
            kind=response.meta["kind"],
            status=response.status,
            etag=response_header(response, b"ETag"),
            last_modified=response_header(response, b"Last-Modified"),
        )

    def parse_feed(self, response: Response) -> Iterator[Any]:
        source = self._source(response)
        yield self._listing_answered(response)
        if response.status == 304:
            yield self._poll(response.meta, ok=True)
            return
        try:
            listing = parse_feed(
                response.body,
                url=response.url,
                content_type=response_header(response, b"Content-Type"),
                timezone=source.timezone,
            )
        except ListingError as exc:
            yield self._unusable(response, source, "not_a_feed", f"feed {response.url}: {exc}")
            return
        yield self._poll(response.meta, ok=True, links=[e.url for e in listing.entries])
        yield from self._listing_articles(listing, source)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        source = self._source(response)
        yield self._listing_answered(response)
        if response.status == 304:
            yield self._poll(response.meta, ok=True)
            yield from self._recheck_children(response, source)
            return
        try:
            body = gunzipped(response.body, self.max_listing_bytes)
        except ListingTooLarge:
            message = f"larger than max_listing_bytes ({self.max_listing_bytes} bytes) unpacked"
            yield self._unusable(
                response, source, "too_large", f"sitemap {response.url}: {message}"
            )
            return
        except ListingError as exc:
            yield self._unusable(response, source, "bad_gzip", f"sitemap {response.url}: {exc}")
            return
        try:
            listing = parse_sitemap(body, timezone=source.timezone)
        except ListingError as exc:
            yield self._unusable(
                response, source, "not_a_sitemap", f"sitemap {response.url}: {exc}"
            )
            return
        yield self._poll(
            response.meta,
            ok=True,
            links=[e.url for e in listing.entries] + [c.url for c in listing.sitemaps],
        )
        if listing.sitemaps:
            cutoff = datetime.now(UTC) - self.max_age if self.max_age else None
            children = [
                child.url
                for child in listing.sitemaps
                if not (cutoff and child.published and child.published < cutoff)
            ]
            validators = self._validators(children)
            for url in children:
                yield self.listing_request(
                    url, source, "sitemap", validators, child=True, root=response.meta["listing"]
                )
        if source.follow is not None:
            entries = tuple(e for e in listing.entries if source.follow.search(e.url))
            listing = ParsedListing(kind=listing.kind, entries=entries, invalid=listing.invalid)
        yield from self._listing_articles(listing, source)

    def _recheck_children(self, response: Response, source: SourceConfig) -> Iterator[Request]:
        """An unchanged sitemap index says nothing about its children (news sitemaps
        change while the index stays put): ask each known child again, conditionally."""
        if response.meta.get("child") or response.url not in source.sitemaps:
            return
        since = datetime.now(UTC) - (self.max_age or timedelta(days=30))
        try:
            with self.sessions() as session:
                children = listing_urls(session, source.name, "sitemap", seen_since=since)
        except (SQLAlchemyError, StorageError) as exc:
            self._read_failed("known child sitemaps", exc)
            return
        children = [url for url in children if url not in source.sitemaps]
        validators = self._validators(children)
        for url in children:
            yield self.listing_request(
                url, source, "sitemap", validators, child=True, root=response.meta["listing"]
            )

    def parse_robots(self, response: Response) -> Iterator[Any]:
        source = self._source(response)
        urls = sitemaps_from_robots(response.body)
        if not urls:
            self._listing_error(source, "no_sitemap", f"{response.url}: no Sitemap: lines")
            yield self._poll(
                response.meta, ok=False, problem="no_sitemap", detail="no Sitemap: lines"
            )
        else:
            yield self._poll(response.meta, ok=True, links=urls)
        validators = self._validators(urls)
        for url in urls:
            yield self.listing_request(
                url, source, "sitemap", validators, root=response.meta["listing"]
            )

    def parse_page(self, response: Response) -> Iterator[Any]:
        source = self._source(response)
        yield self._listing_answered(response)
        if response.status == 304:
            yield self._poll(response.meta, ok=True)
            return
        if not isinstance(response, HtmlResponse) or source.follow is None:
            yield self._unusable(
                response, source, "not_html", f"page {response.url}: not an HTML page"
            )
            return
        entries, rejected = page_links(response, source.follow)
        if rejected:
            counters.inc(self.crawler.stats, source.name, "skipped:invalid_item", rejected)
        yield self._poll(response.meta, ok=True, links=[e.url for e in entries])
        yield from self.article_requests(entries, source)

    def _listing_articles(self, listing: ParsedListing, source: SourceConfig) -> Iterator[Any]:
        if listing.invalid:
            counters.inc(self.crawler.stats, source.name, "skipped:invalid_item", listing.invalid)
        yield from self.article_requests(listing.entries, source)

    def listing_failed(self, failure: Failure) -> Iterator[Poll]:
        # Scrapy attaches the request to the Failure; Twisted's type doesn't declare it
        request = failure.request  # type: ignore[attr-defined]
        source = self._by_name[request.meta["source"]]
        if request.meta["kind"] in LISTING_FILES:
            limit = ("max_listing_bytes", self.max_listing_bytes)
        else:
            limit = ("max_page_bytes", self.max_bytes)
        kind, _final, detail = classify_failure(failure, *limit)
        problem = kind.removeprefix("error:").removeprefix("skipped:")
        self._listing_error(source, problem, f"{request.meta['kind']} {request.url}: {detail}")
        yield self._poll(request.meta, ok=False, problem=problem, detail=detail)

    def _unusable(self, response: Response, source: SourceConfig, kind: str, message: str) -> Poll:
        """A listing that answered, but not with a listing: a bot wall's challenge page
        (named as such), or something else that is not a feed, sitemap or page."""
        wall = detect_wall(response.status, _headers(response), response.body)
        if wall is not None:
            kind, message = "bot_wall", f"{response.meta['kind']} {response.url}: bot wall: {wall}"
        self._listing_error(source, kind, message)
        return self._poll(response.meta, ok=False, problem=kind, detail=message)

    def _poll(
        self,
        meta: dict[str, Any],
        *,
        ok: bool,
        links: Iterable[str] | None = None,
        problem: str | None = None,
        detail: str = "",
    ) -> Poll:
        """What this fetch of a listing tells its schedule (storage/polling.py)."""
        url = meta.get("listing_url") or meta["listing"]
        fingerprint = None
        items = 0
        if links is not None:
            keys = sorted({url_key(link) for link in links})
            fingerprint = hashlib.sha256("\n".join(keys).encode()).hexdigest()
            items = len(keys)
        return Poll(
            key=url_key(url),
            url=url,
            source=meta["source"],
            kind=meta["kind"],
            root_key=url_key(meta.get("listing") or url),
            ok=ok,
            fingerprint=fingerprint,
            items=items,
            problem=problem,
            detail=detail,
        )

    def _robots_parsed(self, robotparser: Any, request: Request) -> None:
        """Name a robots.txt that keeps us out of a source's whole site."""
        agent = self.crawler.settings.get("ROBOTSTXT_USER_AGENT") or request.headers.get(
            b"User-Agent", self.crawler.settings.get("USER_AGENT")
        )
        if isinstance(agent, bytes):
            agent = agent.decode("latin-1")
        agent = str(agent or "*")
        split = urlsplit(request.url)
        origin = f"{split.scheme}://{split.netloc}"
        if not disallows_everything(robotparser, origin, agent):
            return
        for source in self.sources:
            if any(urlsplit(u).netloc == split.netloc for u in source.listing_urls):
                counters.flag(self.crawler.stats, source.name, "robots_disallow")

    def _listing_error(self, source: SourceConfig, kind: str, message: str) -> None:
        counters.inc(self.crawler.stats, source.name, f"error:{kind}")
        counters.set_last_error(self.crawler.stats, source.name, message)
        self.logger.warning("%s: %s", source.name, message)

    # ---- articles ---------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        source = self._source(response)
        requested = response.meta.get("redirect_urls", [response.url])[0]
        if not isinstance(response, HtmlResponse):
            content_type = response_header(response, b"Content-Type") or "no content type"
            yield PageSkipped(
                source=source.name,
                url=requested,
                reason="skipped:not_html",
                final=True,
                status=response.status,
                detail=content_type,
            )
            return
        wall = detect_wall(response.status, _headers(response), response.body)
        if wall is not None:
            yield PageSkipped(
                source=source.name,
                url=requested,
                reason="error:bot_wall",
                final=False,
                status=response.status,
                detail=f"bot wall: {wall}",
            )
            return
        if detect_paywall(response.body) is not None:
            counters.signal(self.crawler.stats, source.name, "paywall")
        # rel=canonical is read by the extraction worker: parsing the page here would
        # build a DOM of every page on the reactor's thread
        yield RawPage(
            source=source.name,
            url=response.url,
            requested_url=requested,
            status=response.status,
            html=page_html(response),
            language_hint=source.language,
            timezone=source.timezone,
            listing_title=response.meta.get("listing_title"),
            listing_published=response.meta.get("listing_published"),
            redirect_urls=tuple(response.meta.get("redirect_urls", ())),
        )

    def article_failed(self, failure: Failure) -> Iterator[PageSkipped]:
        # Scrapy attaches the request to the Failure; Twisted's type doesn't declare it
        request = failure.request  # type: ignore[attr-defined]
        reason, final, detail = classify_failure(failure, "max_page_bytes", self.max_bytes)
        status = failure.value.response.status if isinstance(failure.value, HttpError) else None
        self.logger.info("%s: article %s: %s", request.meta["source"], request.url, detail)
        yield PageSkipped(
            source=request.meta["source"],
            # the URL the listing gave: its outcome is what the next run looks up
            url=request.meta.get("redirect_urls", [request.url])[0],
            reason=reason,
            final=final,
            status=status,
            detail=detail,
        )

    def _source(self, response: Response) -> SourceConfig:
        return self._by_name[response.meta["source"]]


def classify_failure(
    failure: Failure, limit_name: str = "", max_bytes: int = 0
) -> tuple[str, bool, str]:
    """(reason, final, detail) for a failed request: what `stats` counts, and whether the
    URL is worth asking for again. `limit_name` and `max_bytes`: the size limit the
    request had (max_page_bytes, or max_listing_bytes for a feed or sitemap)."""
    exc = failure.value
    too_large = f"larger than {limit_name} ({max_bytes} bytes)" if max_bytes else "too large"
    if isinstance(exc, HttpError):
        status = exc.response.status
        wall = detect_wall(status, _headers(exc.response), exc.response.body)
        if wall is not None:  # not final: a wall may let us through another day
            return "error:bot_wall", False, f"HTTP {status}, bot wall: {wall}"
        return f"error:http_{status}", status in FINAL_HTTP_STATUSES, f"HTTP {status}"
    if failure.check(StopDownload):  # ResponseSizeGuard: a body without Content-Length
        return "skipped:too_large", True, too_large
    message = str(exc) or type(exc).__name__
    if _TOO_LARGE.search(message):  # declared size, or a compression bomb
        return "skipped:too_large", True, too_large
    if failure.check(IgnoreRequest):
        if "robots.txt" in message:
            return "skipped:robots", True, "forbidden by robots.txt"
        if message.startswith(NOT_HTTP):
            return "skipped:not_http", True, message
        if "redirect" in message:
            return "error:redirect_loop", True, message
        return "skipped:ignored", True, message or "ignored"
    # Scrapy's download handlers raise these for Twisted's DNS, timeout and refused
    # errors; a TCP connect timeout still arrives as Twisted's own.
    if failure.check(CannotResolveHostError):
        return "error:dns", False, str(exc) or "DNS lookup failed"
    if failure.check(DownloadTimeoutError, TCPTimedOutError):
        return "error:timeout", False, f"timed out: {exc}"
    if failure.check(DownloadConnectionRefusedError):
        return "error:connection_refused", False, f"connection refused: {exc}"
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()
    return f"error:{name}", False, message


_TOO_LARGE = re.compile(r"max\w* ?size|larger than (the )?download max", re.IGNORECASE)


def page_html(response: TextResponse) -> str:
    """The page as text: Scrapy's decoding where the page declares its encoding, a
    detected one where it declares none."""
    if declared_encoding(response.body, response_header(response, b"Content-Type")):
        return response.text
    return response.body.decode(detect_encoding(response.body), errors="replace")


def _headers(response: Response) -> dict[str, str]:
    """Lower-case header names; repeated headers (Set-Cookie) joined."""
    return {
        name.decode("latin-1").lower(): ", ".join(v.decode("latin-1") for v in values)
        for name, values in response.headers.items()
    }


def page_links(response: HtmlResponse, follow: re.Pattern[str]) -> tuple[list[ListingEntry], int]:
    """A section page's article links: its <a href> that `follow` matches (with their
    text as title), then those only its scripts hold (a page rendered by JavaScript).
    Also how many matching links were not http(s): LinkExtractor keeps file: and ftp:
    links, and a page must never lead the crawl there."""
    links = LinkExtractor(allow=(follow,), unique=True).extract_links(response)
    entries = [
        ListingEntry(url=link.url, title=link.text.strip() or None)
        for link in links
        if is_http_url(link.url)
    ]
    rejected = len(links) - len(entries)
    seen = {e.url for e in entries}
    scripts = response.xpath("//script/text()").getall()
    entries += [
        ListingEntry(url=url)
        for url in script_links(scripts, response.url, follow)
        if url not in seen
    ]
    return entries, rejected


def response_header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class FeedsSpider(NewsSpider):
    """Only the sources' feeds."""

    name = "feeds"
    kinds = frozenset({"feed"})


class SitemapsSpider(NewsSpider):
    """Only the sources' sitemaps."""

    name = "sitemaps"
    kinds = frozenset({"sitemap"})


class PagesSpider(NewsSpider):
    """Only the sources' section pages."""

    name = "pages"
    kinds = frozenset({"page"})


__all__ = ["FeedsSpider", "NewsSpider", "PagesSpider", "SitemapsSpider", "classify_failure"]


def _prepare_database(url: str) -> None:
    """What `chipwatch crawl` does before it starts, for `scrapy crawl`: an SQLite file
    that does not exist yet is created through the migrations; a database whose schema
    is not this code's stops the crawl before it fetches anything."""
    try:
        create_if_missing(url)
        require_current(url)
    except SchemaError as exc:
        raise UsageError(f"chipwatch: cannot crawl: {exc}") from None
    except (SQLAlchemyError, StorageError):
        pass  # unreachable or locked: the store stage meets it and fails the run with it

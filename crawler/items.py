"""What the spider hands to the pipelines: two item types for two stages, plus listing
bookkeeping. The spider yields raw pages; ExtractPipeline turns them into articles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from analysis.analyzer import Analyzed, Vocabulary


@dataclass(frozen=True)
class RawPage:
    """A downloaded article page, before extraction."""

    source: str
    url: str  # the final URL, after redirects
    requested_url: str  # the URL found in the listing (redirects start here)
    status: int
    html: str
    language_hint: str | None = None
    timezone: tzinfo = UTC  # the source's, for a date the page writes without a zone
    listing_title: str | None = None
    listing_published: datetime | None = None
    redirect_urls: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ExtractedPage:
    """An article extracted from a RawPage, ready for storage."""

    page: RawPage
    url: str  # where the article is stored: a trusted rel=canonical, else the final URL
    text: str
    content_hash: str
    title: str | None
    author: str | None
    description: str | None
    site_name: str | None
    published_at: datetime | None
    language: str | None
    analysed_text: Analyzed | None = None  # analysis.analyzer's forms of `text`
    analysed_title: Analyzed | None = None  # … and of `title`
    vocabulary: Vocabulary | None = None  # the distinct tokens of both, from the worker
    # The page's HTML as stored (crawler.worker.compress_html), compressed in the extraction
    # worker; `page.html` is emptied then, so a batch does not hold every page twice.
    compressed_html: bytes | None = None


@dataclass(frozen=True)
class PageSkipped:
    """An article URL that gave no article. `final`: never ask for it again."""

    source: str
    url: str
    reason: str  # e.g. skipped:not_html, skipped:too_short, error:http_500
    final: bool
    status: int | None = None
    detail: str = ""
    # the `require` filter's version a skip was decided under (SourceConfig.require_version)
    filter_version: str | None = None


@dataclass(frozen=True)
class ListingFetched:
    """A feed, sitemap or section page was answered; its validators are saved only when
    the whole crawl finishes, so a killed run re-reads its listings next time."""

    source: str
    url: str
    kind: str
    status: int
    etag: str | None
    last_modified: str | None

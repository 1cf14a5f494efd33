"""What a crawl needs to know, as typed frozen dataclasses: the crawl's own options, the
sources, and the database to store into. chipwatch/config.py builds them from the TOML
file; the crawler never reads the file itself."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from importlib.metadata import PackageNotFoundError, version

from analysis.analyzer import Analyzed, analyze
from analysis.matcher import ArticleView, RuleSet
from crawler.errors import CrawlError
from storage.polling import Bounds

try:
    _VERSION = version("chipwatch")
except PackageNotFoundError:  # a plain checkout, not installed
    _VERSION = "0"
DEFAULT_USER_AGENT = f"chipwatch/{_VERSION} (+https://github.com/chipwatch/chipwatch)"


class UnknownSourceError(CrawlError, ValueError):
    """A source name that the crawl does not know."""


@dataclass(frozen=True)
class CrawlConfig:
    user_agent: str = DEFAULT_USER_AGENT
    obey_robots: bool = True
    concurrency: int = 16
    per_host_concurrency: int = 2
    delay: float = 1.0
    timeout: float = 30.0
    max_page_bytes: int = 5_000_000
    # feeds and sitemaps: the sitemap protocol's 50 MB (crawler.listings)
    max_listing_bytes: int = 52_428_800
    max_article_age_days: int = 30
    autothrottle: bool = True
    retries: int = 2
    max_retry_after: float = 600.0  # a longer Retry-After means "come back next run"
    extract_workers: int = 0  # 0: one per CPU
    max_failures: int = 3  # transient failures before an article URL is given up
    # A shared frontier in Redis (crawler/frontier.py): several workers, one crawl.
    redis_url: str | None = None
    redis_prefix: str = "chipwatch"  # key names start with it: one Redis, several installs
    worker_timeout: float = 30.0  # seconds without a heartbeat before a worker counts as dead
    # Adaptive polling (storage/polling.py): each listing's interval stays within these.
    min_interval: float = 600.0  # seconds
    max_interval: float = 86_400.0

    @property
    def bounds(self) -> Bounds:
        return Bounds(self.min_interval, self.max_interval)


@dataclass(frozen=True)
class SourceConfig:
    name: str
    language: str | None = None
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    follow: re.Pattern[str] | None = None
    enabled: bool = True
    require: str | None = None  # a query: only matching articles are stored
    # the zone of the times the source writes without one (listings and pages)
    timezone: tzinfo = UTC
    require_rules: RuleSet | None = field(default=None, repr=False, compare=False)

    def accepts(
        self,
        *,
        title: str,
        text: str,
        language: str | None,
        url: str,
        analysed_text: Analyzed | None = None,
        analysed_title: Analyzed | None = None,
    ) -> bool:
        """Does an article pass this source's `require` query? (`analysed_text`,
        `analysed_title`: the analyses when the caller has them, so nothing is analysed
        twice.)"""
        if self.require_rules is None:
            return True
        analysed = (
            (analysed_title or analyze(title), analysed_text) if analysed_text is not None else None
        )
        view = ArticleView(
            title=title, text=text, source=self.name, language=language, url=url, analysed=analysed
        )
        return bool(self.require_rules.match(view))

    @property
    def require_version(self) -> str:
        """A short hash of the `require` query ("none" without one): a page turned down
        under one version is asked for again under another."""
        if self.require is None:
            return "none"
        normalized = " ".join(self.require.split())
        return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:10]

    @property
    def listing_urls(self) -> tuple[str, ...]:
        return self.feeds + self.sitemaps + self.pages


@dataclass(frozen=True)
class CrawlJob:
    """One crawl's whole input: where to store, how to crawl, and which sources."""

    database_url: str
    crawl: CrawlConfig
    sources: tuple[SourceConfig, ...]

    def select_sources(self, names: Sequence[str] | None) -> tuple[SourceConfig, ...]:
        """The named sources (disabled ones too, when asked for by name), or every
        enabled one."""
        if not names:
            return tuple(s for s in self.sources if s.enabled)
        by_name = {s.name: s for s in self.sources}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            known = ", ".join(by_name)
            raise UnknownSourceError(f"no source named {unknown[0]!r} (configured: {known})")
        return tuple(by_name[n] for n in names)

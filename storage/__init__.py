"""Storage: SQLAlchemy 2 models and the repository functions the rest of chipwatch uses.

Imports nothing from the crawler, the alerts or the app layer: data flows
crawler → storage ← alerts.
"""

from chipwatch.storage.articles import (
    ArticleRecord,
    ListingState,
    StoreResult,
    UrlOutcome,
    iter_articles,
    known_keys,
    listing_urls,
    listing_validators,
    pending_retries,
    raw_html,
    record_outcomes,
    save_listing_states,
    store_articles,
)
from chipwatch.storage.engine import (
    StorageError,
    create_schema,
    make_engine,
    make_sessionmaker,
    open_database,
)
from chipwatch.storage.fts import Hit, SearchSyntaxError, search
from chipwatch.storage.models import Article, Base, CrawlRun, CrawlRunSource, UrlState
from chipwatch.storage.runs import (
    SourceCounters,
    SourceSummary,
    finish_run,
    last_runs,
    source_summaries,
    start_run,
)

__all__ = [
    "Article",
    "ArticleRecord",
    "Base",
    "CrawlRun",
    "CrawlRunSource",
    "Hit",
    "ListingState",
    "SearchSyntaxError",
    "SourceCounters",
    "SourceSummary",
    "StorageError",
    "StoreResult",
    "UrlOutcome",
    "UrlState",
    "create_schema",
    "finish_run",
    "iter_articles",
    "known_keys",
    "last_runs",
    "listing_urls",
    "listing_validators",
    "make_engine",
    "make_sessionmaker",
    "open_database",
    "pending_retries",
    "raw_html",
    "record_outcomes",
    "save_listing_states",
    "search",
    "source_summaries",
    "start_run",
    "store_articles",
]

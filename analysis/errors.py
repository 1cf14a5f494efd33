"""The root of chipwatch's error tree. It lives here because `analysis` is the one
package every other package may import.

    ChipwatchError                  every error chipwatch reports to a user
    ├── AnalysisError               analysis/
    │   └── QuerySyntaxError        a rule or search query, with position and caret
    ├── CrawlError                  crawler/
    │   ├── ListingError            a feed or sitemap that is not one
    │   └── UnknownSourceError      a source name the crawl does not know
    ├── StorageError                storage/: the database cannot be opened or used
    │   ├── SchemaError             the schema is not this code's (`chipwatch db upgrade`)
    │   └── SearchSyntaxError       a search the backend cannot run
    ├── AlertError                  alerts/
    │   ├── ScheduleError           a schedule string
    │   ├── TemporaryFailure        mail: try again later
    │   └── PermanentFailure        mail: refused for good
    └── AppError                    chipwatch/ (the app layer)
        ├── ConfigError             the config file, naming file and key
        ├── ExportError             an export option
        └── RunLocked               another run holds the lock

Each message names the thing (file and key, source and URL, rule, database), the
reason and, where there is one, the next step. The CLI prints `Error: <message>`.
"""

from __future__ import annotations


class ChipwatchError(Exception):
    """Base of every error chipwatch reports to a user."""


class AnalysisError(ChipwatchError):
    """Text analysis: a query that cannot be parsed or compiled."""

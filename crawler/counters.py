"""Per-source counters, kept in Scrapy's stats collector under `chipwatch/<counter>/<source>`
so that every component counts through the one shared object Scrapy gives them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy.statscollectors import StatsCollector

from storage import SourceCounters

PREFIX = "chipwatch/"


def inc(stats: StatsCollector, source: str, counter: str, count: int = 1) -> None:
    """counter: requests | not_modified | new_articles | known | skipped:<reason> |
    error:<kind> | health:<signal>"""
    stats.inc_value(f"{PREFIX}{counter}/{source}", count)


def signal(stats: StatsCollector, source: str, name: str, count: int = 1) -> None:
    """A health signal (crawler/health.py) seen for a source: what `stats` and the
    health email name."""
    inc(stats, source, f"health:{name}", count)


def flag(stats: StatsCollector, source: str, name: str) -> None:
    """A health signal that is either seen in a run or not (counted once)."""
    stats.max_value(f"{PREFIX}health:{name}/{source}", 1)


def set_last_error(stats: StatsCollector, source: str, message: str) -> None:
    stats.set_value(f"{PREFIX}last_error/{source}", message)


STORAGE_ERROR = "chipwatch_storage_error"
STORAGE_FAILURES = "chipwatch_storage_failures"
STORAGE_RETRIES = "chipwatch_storage_retries"


def storage_retried(stats: StatsCollector) -> None:
    """A batch failed to commit and is kept for another attempt: not an error (yet)."""
    stats.inc_value(STORAGE_RETRIES)


def storage_failed(stats: StatsCollector, message: str) -> None:
    """A write to the database failed: an error of the whole run, whatever the source."""
    stats.set_value(STORAGE_ERROR, message)
    stats.inc_value(STORAGE_FAILURES)


def per_source(stats: Mapping[str, Any], sources: list[str]) -> dict[str, SourceCounters]:
    result = {name: SourceCounters() for name in sources}
    for key, value in stats.items():
        if not key.startswith(PREFIX):
            continue
        counter, _, source = key[len(PREFIX) :].partition("/")
        if not source:
            continue
        c = result.setdefault(source, SourceCounters())
        if counter == "last_error":
            c.last_error = str(value)
        elif counter.startswith("skipped:"):
            c.skipped[counter.removeprefix("skipped:")] += value
        elif counter.startswith("error:"):
            c.errors[counter.removeprefix("error:")] += value
        elif counter.startswith("health:"):
            c.signals[counter.removeprefix("health:")] += value
        elif counter in ("requests", "not_modified", "new_articles"):
            setattr(c, counter, getattr(c, counter) + value)
    return result

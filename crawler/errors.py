"""The crawler's error family (see analysis/errors.py for the whole tree)."""

from __future__ import annotations

from analysis.errors import ChipwatchError


class CrawlError(ChipwatchError):
    """A crawl cannot start or a listing cannot be read."""

"""Storage's error family (see analysis/errors.py for the whole tree)."""

from __future__ import annotations

from analysis.errors import ChipwatchError


class StorageError(ChipwatchError):
    """The database cannot be opened or used."""

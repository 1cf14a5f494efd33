"""The app layer's error family (see analysis/errors.py for the whole tree)."""

from __future__ import annotations

from analysis.errors import ChipwatchError


class AppError(ChipwatchError):
    """Configuration, export options, the run lock."""

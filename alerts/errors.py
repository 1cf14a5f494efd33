"""The alerts' error family (see analysis/errors.py for the whole tree)."""

from __future__ import annotations

from analysis.errors import ChipwatchError


class AlertError(ChipwatchError):
    """An alert rule, schedule or delivery problem."""

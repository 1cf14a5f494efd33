"""Dates as listings write them."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

from dateutil.parser import isoparse


def parse_w3c_date(value: str | None) -> datetime | None:
    """A sitemap date: W3C datetime in any of its precisions ("2026", "2026-11",
    "2026-11-03", with or without a time), or the RFC 822 date some CMSs write instead.
    A partial date stands for the start of its period, in UTC."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        # the standard library's parser reads the usual full dates fast; dateutil's
        # reads the reduced precisions ("2026-11") it turns down
        parsed = datetime.fromisoformat(value)
    except ValueError:
        pass
    else:
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        parsed = isoparse(value)
    except (ValueError, OverflowError):
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (ValueError, TypeError, IndexError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

"""Dates as listings write them."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, tzinfo

from dateutil.parser import isoparse


def parse_w3c_date(value: str | None, timezone: tzinfo = UTC) -> datetime | None:
    """A listing's date: W3C datetime in any of its precisions ("2026", "2026-11",
    "2026-11-03", with or without a time), or an RFC 822 date (feeds, and some CMSs'
    sitemaps).
    A date or time written without a zone is in `timezone` (the source's: many sites
    write their local time); a partial date stands for the start of its period."""
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
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone)
    try:
        parsed = isoparse(value)
    except (ValueError, OverflowError):
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (ValueError, TypeError, IndexError):
            return None
        if parsed.tzinfo is None and value.endswith("-0000"):
            return parsed.replace(tzinfo=UTC)  # RFC 5322 3.3: UTC, the local zone unknown
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone)

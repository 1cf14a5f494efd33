"""Dates as listings write them."""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as fixed_offset

from dateutil.parser import isoparse

# Local spellings sites write instead of a standard date, never with a zone: year first
# with slashes or dots (2026/12/02, 2026.12.02), Chinese (2026年12月02日) or German
# (02.12.2026); each with an optional time. feedparser reads them as the 1st of the month.
_LOCAL_DATE_RE = re.compile(
    r"(?:(?P<y>\d{4})[/.](?P<m>\d{1,2})[/.](?P<d>\d{1,2})"
    r"|(?P<cy>\d{4})年(?P<cm>\d{1,2})月(?P<cd>\d{1,2})日"
    r"|(?P<dd>\d{1,2})\.(?P<dm>\d{1,2})\.(?P<dy>\d{4}))"
    r"(?:,?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)


_COLON_OFFSET_RE = re.compile(r"([+-]\d{2}):(\d{2})$")
# a zone name at the end of an RFC 822 date ("GMT", "CET"): email.utils knows a few
_ZONE_NAME_RE = re.compile(r"\s[A-Za-z]{1,5}$")
# UTC+1 as a fixed zone: a date whose reading changes with the default zone has none
_PROBE_ZONE = fixed_offset(timedelta(hours=1))


def parse_w3c_date(value: str | None, timezone: tzinfo = UTC) -> datetime | None:
    """A listing's date: W3C datetime in any of its precisions ("2026", "2026-11",
    "2026-11-03", with or without a time), an RFC 822 date (feeds, and some CMSs'
    sitemaps), or a local spelling (see _LOCAL_DATE_RE).
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
            # "+08:00": a colon email.utils does not read in an RFC 822 zone
            parsed = email.utils.parsedate_to_datetime(_COLON_OFFSET_RE.sub(r"\1\2", value))
        except (ValueError, TypeError, IndexError):
            return _local_date(value, timezone)
        if parsed.tzinfo is None and value.endswith("-0000"):
            return parsed.replace(tzinfo=UTC)  # RFC 5322 3.3: UTC, the local zone unknown
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone)


def _local_date(value: str, timezone: tzinfo) -> datetime | None:
    match = _LOCAL_DATE_RE.fullmatch(value)
    if match is None:
        return None
    year, month, day = (
        match["y"] or match["cy"] or match["dy"],
        match["m"] or match["cm"] or match["dm"],
        match["d"] or match["cd"] or match["dd"],
    )
    try:
        return datetime(
            int(year), int(month), int(day),
            int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0),
            tzinfo=timezone,
        )  # fmt: skip
    except ValueError:  # 2026/13/45
        return None


def names_unread_zone(value: str | None) -> bool:
    """Does the date end in a zone name that `parse_w3c_date` does not know (it reads
    it as a time without a zone)?"""
    return bool(
        value
        and _ZONE_NAME_RE.search(value.strip())
        and parse_w3c_date(value, UTC) != parse_w3c_date(value, _PROBE_ZONE)
    )

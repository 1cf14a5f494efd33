"""Digest schedules keep their local time across daylight-saving changes: a daily 08:00
Europe/Berlin digest goes out once a day at 08:00 local time through the last Sunday of
March and of October, and a weekly one once a week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alerts.schedule import ScheduleError, parse_schedule

BERLIN = ZoneInfo("Europe/Berlin")


def sends(schedule: str, start: datetime, days: int) -> list[datetime]:
    """Simulate cron every 5 minutes: when is the digest due, sending each time it is."""
    rule = parse_schedule(schedule)
    created = start
    last_sent: datetime | None = None
    sent: list[datetime] = []
    now = start
    while now < start + timedelta(days=days):
        if rule.is_due(now, BERLIN, last_sent, created):
            sent.append(now)
            last_sent = now
        now += timedelta(minutes=5)
    return sent


@pytest.mark.parametrize(
    ("start", "change_day"),
    [
        (datetime(2026, 3, 26, 12, 0, tzinfo=UTC), 29),  # CET → CEST, 29 March 2026
        (datetime(2026, 10, 22, 12, 0, tzinfo=UTC), 25),  # CEST → CET, 25 October 2026
    ],
)
def test_daily_digest_stays_at_eight_local_across_dst(start: datetime, change_day: int) -> None:
    sent = sends("daily 08:00", start, days=7)
    local = [moment.astimezone(BERLIN) for moment in sent]
    assert [(m.hour, m.minute) for m in local] == [(8, 0)] * 7
    assert len({m.date() for m in local}) == 7  # once a day, every day
    offsets = {m.day: m.utcoffset() for m in local}
    assert offsets[change_day - 1] != offsets[change_day]  # the change is inside the window


def test_weekly_digest_goes_out_once_a_week_at_its_local_time() -> None:
    sent = sends("weekly mon 09:30", datetime(2026, 3, 16, 0, 0, tzinfo=UTC), days=28)
    local = [moment.astimezone(BERLIN) for moment in sent]
    assert [(m.weekday(), m.hour, m.minute) for m in local] == [(0, 9, 30)] * 4
    assert [m.day for m in local] == [16, 23, 30, 6]
    assert {m.utcoffset() for m in local} == {timedelta(hours=1), timedelta(hours=2)}


@pytest.mark.parametrize("text", ["daily 24:00", "weekly xyz 08:00", "hourly", "daily 8"])
def test_bad_schedule_is_refused(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(text)

"""When a rule's message is due: `immediate`, `daily HH:MM`, `weekly mon HH:MM`, in the
configured time zone (so a digest at 08:00 stays at 08:00 across DST changes)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from alerts.errors import AlertError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleError(AlertError, ValueError):
    pass


@dataclass(frozen=True)
class Schedule:
    kind: str  # immediate | daily | weekly
    at: time | None = None
    weekday: int | None = None  # 0 = Monday

    @property
    def is_digest(self) -> bool:
        return self.kind != "immediate"

    def last_slot(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """The most recent scheduled moment at or before `now` (None for immediate)."""
        if self.at is None:
            return None
        local = now.astimezone(zone)
        slot = datetime.combine(local.date(), self.at, tzinfo=zone)
        if self.kind == "daily":
            return slot if slot <= local else slot - timedelta(days=1)
        assert self.weekday is not None
        slot -= timedelta(days=(local.weekday() - self.weekday) % 7)
        return slot if slot <= local else slot - timedelta(days=7)

    def is_due(
        self, now: datetime, zone: ZoneInfo, last_sent: datetime | None, created: datetime
    ) -> bool:
        if not self.is_digest:
            return True
        slot = self.last_slot(now, zone)
        assert slot is not None
        return slot > (last_sent or created)


def parse_schedule(text: str) -> Schedule:
    value = text.strip().lower()
    if value == "immediate":
        return Schedule("immediate")
    daily = re.fullmatch(r"daily\s+(\d{1,2}):(\d{2})", value)
    if daily:
        return Schedule("daily", _time(text, daily.group(1), daily.group(2)))
    weekly = re.fullmatch(r"weekly\s+([a-z]{3})\s+(\d{1,2}):(\d{2})", value)
    if weekly and weekly.group(1) in DAYS:
        return Schedule(
            "weekly", _time(text, weekly.group(2), weekly.group(3)), DAYS.index(weekly.group(1))
        )
    raise ScheduleError(f"{text!r}: expected immediate, daily HH:MM or weekly mon|tue|…|sun HH:MM")


def _time(text: str, hours: str, minutes: str) -> time:
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise ScheduleError(f"{text!r}: {h:02d}:{m:02d} is not a time of day")
    return time(h, m)

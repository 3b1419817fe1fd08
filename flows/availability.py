"""When can a citizen book coaching at a site? Pure computation: no I/O, no Telegram.

A site's coaching rules (storage/coaching_rules.py) say, per weekday, the windows in which
digibuddies coach and how many people they coach at once; sessions start at a window's
start and then every `session_minutes`. Dates can be closed (ranges, the site's closures,
Belgian public holidays unless the rules say "open") or get their own windows ("extra"
dates replace that weekday's windows). A slot is offered from `notice_hours` ahead up to
`horizon_days` ahead, and only while places are left.

Times in the rules are wall-clock times in Brussels (the sites are Belgian, whatever zone
times are shown in), turned into UTC with zoneinfo: a 10:00 session is at 10:00 local on
both sides of a daylight-saving change; a wall-clock time skipped in spring is not
offered, a repeated one in autumn means its first occurrence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from operator import attrgetter
from zoneinfo import ZoneInfo

from storage.coaching_rules import CoachingRules, Window
from storage.site_schema import BRUSSELS, WEEKDAYS

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, order=True, slots=True)
class Slot:
    starts_at: datetime  # aware, UTC
    minutes: int
    capacity: int
    taken: int = 0

    @property
    def free(self) -> int:
        return self.capacity - self.taken

    def local_start(self, tz: ZoneInfo = BRUSSELS) -> datetime:
        return self.starts_at.astimezone(tz)


# --- public holidays ---------------------------------------------------------------------


@cache
def _holidays_in(year: int) -> frozenset[date]:
    import holidays  # imported when first needed: it loads every country's calendar module

    return frozenset(holidays.country_holidays("BE", years=year))


def is_public_holiday(day: date) -> bool:
    """A Belgian public holiday (the ten legal ones; Easter and Whit Sunday too)."""
    return day in _holidays_in(day.year)


# --- slots -------------------------------------------------------------------------------


def _windows_on(
    rules: CoachingRules, day: date, closures: tuple[tuple[date, date], ...]
) -> tuple[Window, ...]:
    if any(start <= day <= end for start, end in closures):
        return ()
    if day in rules.extra:  # an extra date wins over a public holiday: it was set on purpose
        return rules.extra[day]
    if not rules.open_on_public_holidays and is_public_holiday(day):
        return ()
    return rules.weekly.get(WEEKDAYS[day.weekday()], ())


def slots(
    rules: CoachingRules,
    now: datetime,
    booked: Mapping[datetime, int] | None = None,
    *,
    site_closures: tuple[tuple[date, date], ...] = (),
    tz: ZoneInfo = BRUSSELS,
    from_day: date | None = None,
    days: int | None = None,
) -> list[Slot]:
    """The bookable slots with places left, sorted by start.

    `booked` counts the live bookings per start (aware datetimes; UTC from the database).
    `from_day`/`days` restrict the answer to local dates [from_day, from_day + days), always
    within today .. today + horizon_days - 1."""
    earliest = now + timedelta(hours=rules.notice_hours)
    today = now.astimezone(tz).date()
    first = today if from_day is None else max(today, from_day)
    stop = today + timedelta(days=rules.horizon_days)
    if days is not None:
        stop = min(stop, (from_day or today) + timedelta(days=days))
    closures = (*rules.closed, *site_closures)
    booked = booked or {}
    step = rules.session_minutes
    found: list[Slot] = []
    day = first
    offset = datetime(day.year, day.month, day.day, tzinfo=tz).utcoffset()
    while day < stop:
        following = day + _ONE_DAY
        next_offset = datetime(
            following.year, following.month, following.day, tzinfo=tz
        ).utcoffset()
        windows = _windows_on(rules, day, closures)
        if windows and offset == next_offset and offset is not None:
            # Same offset at both midnights: no change today, one subtraction per day.
            base = datetime(day.year, day.month, day.day, tzinfo=UTC) - offset
            for window in windows:
                at, last = window.start, window.end - step
                while at <= last:
                    starts = base + timedelta(minutes=at)
                    at += step
                    if starts < earliest:
                        continue
                    taken = booked.get(starts, 0)
                    if taken < window.capacity:
                        found.append(Slot(starts, step, window.capacity, taken))
        elif windows:
            found += _changeover_day(windows, day, step, tz, earliest, booked)
        day, offset = following, next_offset
    found.sort(key=attrgetter("starts_at"))  # already in order unless windows were unsorted
    return found


def _changeover_day(
    windows: tuple[Window, ...],
    day: date,
    step: int,
    tz: ZoneInfo,
    earliest: datetime,
    booked: Mapping[datetime, int],
) -> list[Slot]:
    """A daylight-saving change day: each wall-clock time converted on its own."""
    found = []
    for window in windows:
        for at in range(window.start, window.end - step + 1, step):
            local = datetime(day.year, day.month, day.day, at // 60, at % 60, tzinfo=tz)
            starts = local.astimezone(UTC)
            if starts.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
                continue  # skipped in spring: this wall-clock time does not exist today
            if starts < earliest:
                continue
            taken = booked.get(starts, 0)
            if taken < window.capacity:
                found.append(Slot(starts, step, window.capacity, taken))
    return found


def slot_at(
    rules: CoachingRules,
    now: datetime,
    starts_at: datetime,
    *,
    site_closures: tuple[tuple[date, date], ...] = (),
    tz: ZoneInfo = BRUSSELS,
) -> Slot | None:
    """The slot starting exactly at `starts_at` (taken=0) if it is bookable now, else None:
    on the session grid of a window, not closed, past the notice and within the horizon."""
    day = starts_at.astimezone(tz).date()
    for slot in slots(rules, now, site_closures=site_closures, tz=tz, from_day=day, days=1):
        if slot.starts_at == starts_at:
            return slot
    return None

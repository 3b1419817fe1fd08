"""Is a site open now, and if not, when does it open? In local (Brussels) time.

Weekly hours, closures and exceptional days come from the site record. A range may run
past midnight ("20:00-02:00"), and wall-clock times are turned into real moments with
zoneinfo, so the daylight-saving change is handled: 09:00 is 09:00 on both sides of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from storage.site_schema import WEEKDAYS, SiteRecord, Stop, TimeRange

HORIZON_DAYS = 21  # how far ahead we look for the next opening


@dataclass(frozen=True)
class Status:
    known: bool  # False: the site has no opening hours on file
    open: bool = False
    until: datetime | None = None  # when open: closes at
    next_open: datetime | None = None  # when closed: opens again at (None: not soon)


def ranges_on(site: SiteRecord, day: date) -> tuple[TimeRange, ...]:
    """The opening ranges of one calendar day, after closures and exceptions."""
    if any(start <= day <= end for start, end in site.closures):
        return ()
    if day in site.exceptions:
        return site.exceptions[day]
    return site.hours.get(WEEKDAYS[day.weekday()], ())


def at(day: date, minutes: int, tz: tzinfo) -> datetime:
    """The real moment of a wall-clock time (minutes past `day`'s midnight, may exceed a day).

    A time that does not exist (skipped at the spring change) moves forward to the same
    wall-clock reading an hour later; a repeated one (autumn) means its first occurrence."""
    day = day + timedelta(days=minutes // 1440)
    local = datetime.combine(day, time((minutes % 1440) // 60, minutes % 60), tzinfo=tz)
    return local.astimezone(tz)  # round trip through UTC normalises a skipped time


def intervals(site: SiteRecord, day: date, tz: tzinfo) -> list[tuple[datetime, datetime]]:
    return [(at(day, r.start, tz), at(day, r.end, tz)) for r in ranges_on(site, day)]


def status(site: SiteRecord, now: datetime, tz: tzinfo) -> Status:
    if not site.hours and not site.exceptions:
        return Status(known=False)
    today = now.astimezone(tz).date()
    spans: list[tuple[datetime, datetime]] = []
    for offset in range(-1, HORIZON_DAYS):  # yesterday: a range may run past midnight
        spans += intervals(site, today + timedelta(days=offset), tz)
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:  # 09-12 and 12-17 close at 17
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    for start, end in merged:
        if start <= now < end:
            return Status(known=True, open=True, until=end)
        if start > now:
            return Status(known=True, next_open=start)
    return Status(known=True)


def next_stop(
    site: SiteRecord, now: datetime, tz: tzinfo
) -> tuple[Stop, datetime, datetime] | None:
    """A mobile point's next stop that has not ended yet: the stop, its start and its end."""
    today = now.astimezone(tz).date()
    upcoming = []
    for stop in site.stops:
        if stop.date is not None:
            days = [stop.date]
        else:
            weekday = WEEKDAYS.index(stop.day)
            first = today + timedelta(days=(weekday - today.weekday()) % 7)
            days = [first, first + timedelta(days=7), first + timedelta(days=14)]
        for day in days:
            if any(start <= day <= end for start, end in site.closures):
                continue
            start, end = at(day, stop.time.start, tz), at(day, stop.time.end, tz)
            if end > now:
                upcoming.append((start, end, stop))
    if not upcoming:
        return None
    start, end, stop = min(upcoming, key=lambda item: item[0])
    return stop, start, end

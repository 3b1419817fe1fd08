"""When can a citizen book coaching at a site? Pure computation: no I/O, no Telegram.

A site's coaching rules say, per weekday, the windows in which digibuddies coach and how
many people they coach at once; sessions start at a window's start and then every
`session_minutes`. Dates can be closed (ranges, the site's closures, Belgian public
holidays unless the rules say "open") or get their own windows ("extra" dates replace
that weekday's windows). A slot is offered from `notice_hours` ahead up to
`horizon_days` ahead, and only while places are left.

Times are wall-clock times in Brussels, turned into UTC with zoneinfo: a 10:00 session
is at 10:00 local on both sides of a daylight-saving change; a wall-clock time skipped in
spring is not offered, a repeated one in autumn means its first occurrence.

The file form (YAML, or YAML flow text in the CSV column) is described in
storage/site_schema.py; `parse_coaching` reads it, `format_coaching` writes it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import pairwise
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from storage.site_schema import (
    CLOSED,
    N_,
    WEEKDAYS,
    FieldError,
    decimal,
    format_closures,
    parse_closures,
    parse_date,
    parse_in_range,
    parse_ranges,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
OPEN = "open"
_ONE_DAY = timedelta(days=1)
_CAPACITY = re.compile(r"^(.*?)\s*[x×]\s*(\d+)\s*$")
_EXAMPLE = '{session: 30, hours: {tu: "13:00-16:00 x2"}}'
_KEYS = (
    "session",
    "notice_hours",
    "horizon_weeks",
    "horizon_days",
    "max_per_person",
    "hours",
    "closed",
    "extra",
    "public_holidays",
)
MAX_CAPACITY = 50


@dataclass(frozen=True, order=True, slots=True)
class Window:
    """One coaching period of a day, local wall-clock time, in minutes after midnight.
    No window runs past midnight (end <= 1440)."""

    start: int
    end: int
    capacity: int  # people coached at once (>= 1)

    def __str__(self) -> str:
        text = f"{_hhmm(self.start)}-{_hhmm(self.end)}"
        return text if self.capacity == 1 else f"{text} x{self.capacity}"


@dataclass(frozen=True)
class CoachingRules:
    session_minutes: int = 30
    notice_hours: float = 2.0
    horizon_days: int = 28
    max_upcoming: int = 2  # upcoming bookings a citizen may hold (checked by the booking flow)
    # Keys "mo".."su"; windows sorted and not overlapping. () = no coaching that weekday.
    weekly: Mapping[str, tuple[Window, ...]] = field(default_factory=dict)
    closed: tuple[tuple[date, date], ...] = ()  # inclusive ranges, no coaching
    # Replaces that date's weekly windows; () = closed that day.
    extra: Mapping[date, tuple[Window, ...]] = field(default_factory=dict)
    # False (the default): no coaching on Belgian public holidays. YAML: public_holidays: open
    open_on_public_holidays: bool = False


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


# --- the file form -----------------------------------------------------------------------


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@contextmanager
def _within(key: str) -> Iterator[None]:
    """Errors raised inside say which part of the coaching value they are about."""
    try:
        yield
    except FieldError as exc:
        exc.where = f"{key}.{exc.where}" if exc.where else key
        raise


def _whole(value: Any, low: int, high: int) -> int:
    return parse_in_range(value, low, high, int, N_("expected a whole number, got “{value}”"))


def _hours_count(value: Any, low: float, high: float) -> float:
    return parse_in_range(value, low, high, decimal, N_("expected a number, got “{value}”"))


def _windows(value: Any) -> tuple[Window, ...]:
    """'09:00-12:00 x2, 13:00-16:00' → windows; 'closed' or '' → none."""
    text = "" if value is None else str(value).strip()
    if text.lower() in ("", CLOSED):
        return ()
    windows = []
    for part in text.split(","):
        part = part.strip()
        match = _CAPACITY.match(part)
        times, capacity = (match.group(1), int(match.group(2))) if match else (part, 1)
        if not 1 <= capacity <= MAX_CAPACITY:
            raise FieldError(
                N_("people per session (x2, x3, …) must be from 1 to {high}, got {value}"),
                high=MAX_CAPACITY,
                value=capacity,
            )
        ranges = parse_ranges(times) if times.strip().lower() != CLOSED else ()
        if len(ranges) != 1:
            raise FieldError(N_("expected times like 09:00-12:00, got “{value}”"), value=part)
        if ranges[0].end > 1440:
            raise FieldError(N_("coaching cannot go on past midnight: “{value}”"), value=part)
        windows.append(Window(ranges[0].start, ranges[0].end, capacity))
    windows.sort()
    for first, second in pairwise(windows):
        if second.start < first.end:
            raise FieldError(
                N_("times overlap: {first} and {second}"), first=str(first), second=str(second)
            )
    return tuple(windows)


def _mapping(value: Any, key: str) -> dict[Any, Any]:
    if value is None or value == "":
        return {}
    if not isinstance(value, Mapping):
        raise FieldError(
            N_("“{key}” needs one line per day, like {example}"),
            key=key,
            example="tu: 13:00-16:00 x2" if key == "hours" else "2026-12-05: 10:00-12:00",
        )
    return dict(value)


def parse_coaching(value: Mapping[str, Any] | str | None) -> CoachingRules | None:
    """The coaching rules of a site from its file form; None (or {}, "") = no online booking.

    A str is YAML flow text (the CSV column). Errors are FieldError with an English msgid;
    `where` names the part at fault ("hours.tu", "extra.2026-12-05", …)."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            raise FieldError(
                N_("expected coaching rules like {example}, got “{value}”"),
                example=_EXAMPLE,
                value=value.strip(),
            ) from None
    if value is None or (isinstance(value, Mapping) and not value):
        return None
    if not isinstance(value, Mapping):
        raise FieldError(
            N_("expected coaching rules like {example}, got “{value}”"),
            example=_EXAMPLE,
            value=value,
        )
    for key in value:
        if key not in _KEYS:
            with _within(str(key)):
                raise FieldError(
                    N_("unknown value “{value}”; use: {allowed}"),
                    value=key,
                    allowed=", ".join(k for k in _KEYS if k != "horizon_days"),
                )
    with _within("session"):
        session = _whole(value.get("session", 30), 10, 240)
    with _within("notice_hours"):
        notice = _hours_count(value.get("notice_hours", 2), 0, 336)
    if "horizon_days" in value:
        with _within("horizon_days"):
            horizon = _whole(value["horizon_days"], 1, 182)
    else:
        with _within("horizon_weeks"):
            horizon = 7 * _whole(value.get("horizon_weeks", 4), 1, 26)
    with _within("max_per_person"):
        max_upcoming = _whole(value.get("max_per_person", 2), 1, 20)
    weekly: dict[str, tuple[Window, ...]] = {}
    with _within("hours"):
        for day, text in _mapping(value.get("hours"), "hours").items():
            with _within(str(day)):
                name = str(day).strip().lower()
                if name not in WEEKDAYS:
                    raise FieldError(
                        N_("unknown value “{value}”; use: {allowed}"),
                        value=day,
                        allowed=", ".join(WEEKDAYS),
                    )
                weekly[name] = _check_length(_windows(text), session)
    with _within("closed"):
        items = value.get("closed")
        items = [] if items in (None, "") else items if isinstance(items, list) else [items]
        closed = parse_closures([str(item) for item in items])
    extra: dict[date, tuple[Window, ...]] = {}
    with _within("extra"):
        for day, text in _mapping(value.get("extra"), "extra").items():
            with _within(str(day)):
                extra[parse_date(str(day))] = _check_length(_windows(text), session)
    with _within("public_holidays"):
        choice = str(value.get("public_holidays", CLOSED)).strip().lower()
        if choice not in (CLOSED, OPEN):
            raise FieldError(
                N_("unknown value “{value}”; use: {allowed}"),
                value=value.get("public_holidays"),
                allowed=f"{CLOSED}, {OPEN}",
            )
    if not any(weekly.values()) and not any(extra.values()):
        with _within("hours"):
            raise FieldError(
                N_("coaching needs hours, like {example}"), example='hours: {tu: "13:00-16:00 x2"}'
            )
    return CoachingRules(
        session_minutes=session,
        notice_hours=notice,
        horizon_days=horizon,
        max_upcoming=max_upcoming,
        weekly=dict(sorted(weekly.items(), key=lambda item: WEEKDAYS.index(item[0]))),
        closed=closed,
        extra=dict(sorted(extra.items())),
        open_on_public_holidays=choice == OPEN,
    )


def _check_length(windows: tuple[Window, ...], session: int) -> tuple[Window, ...]:
    for window in windows:
        if window.end - window.start < session:
            raise FieldError(
                N_("{window} is shorter than one session of {minutes} minutes"),
                window=str(window),
                minutes=session,
            )
    return windows


def _format_windows(windows: tuple[Window, ...]) -> str:
    return ", ".join(str(w) for w in windows) if windows else CLOSED


def format_coaching(rules: CoachingRules | None) -> dict[str, Any]:
    """The file (and database column) form of the rules: plain, JSON-able values;
    `parse_coaching` gives the same rules back. {} for None."""
    if rules is None:
        return {}
    notice = rules.notice_hours
    out: dict[str, Any] = {
        "session": rules.session_minutes,
        "notice_hours": int(notice) if float(notice).is_integer() else notice,
    }
    if rules.horizon_days % 7 == 0:
        out["horizon_weeks"] = rules.horizon_days // 7
    else:
        out["horizon_days"] = rules.horizon_days
    out["max_per_person"] = rules.max_upcoming
    out["hours"] = {
        day: _format_windows(rules.weekly[day]) for day in WEEKDAYS if day in rules.weekly
    }
    if rules.closed:
        out["closed"] = format_closures(rules.closed)
    if rules.extra:
        out["extra"] = {
            day.isoformat(): _format_windows(windows)
            for day, windows in sorted(rules.extra.items())
        }
    out["public_holidays"] = OPEN if rules.open_on_public_holidays else CLOSED
    return out

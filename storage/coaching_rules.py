"""A site's coaching rules: when digibuddies coach there, and how many people at once.

The `coaching:` mapping of the sites file (YAML, or YAML flow text in the CSV column) as
data: `parse_coaching` reads and checks it, `format_coaching` writes it back (the file
and the database column hold the same form). storage/site_schema.py describes the form
in full; flows/availability.py computes the bookable slots from the rules.

Per weekday, windows in which digibuddies coach and how many people they coach at once;
dates can be closed (ranges, Belgian public holidays unless the rules say "open") or get
their own windows ("extra" dates replace that weekday's windows). Every time in the rules
is a wall-clock time in Belgium (site_schema.BRUSSELS), by definition.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

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

OPEN = "open"
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

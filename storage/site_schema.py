"""Digibank sites as data: the record, its field formats, and their validation.

One format serves the YAML and CSV files organisers edit, and the database columns:
opening hours are "09:00-12:00, 13:00-17:00" per weekday ("20:00-02:00" runs past
midnight), closures are dates or "2026-12-24..2027-01-01" ranges, exceptional hours are
"2026-12-31: 09:00-12:00" (or "closed"), lists are separated by ";" in CSV. Every time
of day in it is a wall-clock time in Belgium (`BRUSSELS`), whatever zone times are shown in.

Coaching that citizens can book online is one mapping (read by storage/coaching_rules.py;
flows/availability.py computes the slots); left out, the site takes no online bookings:

    coaching:
      session: 30            # minutes per session (10..240)
      notice_hours: 2        # book at least this long ahead (default 2)
      horizon_weeks: 4       # and at most this far ahead (default 4; 1..26)
      max_per_person: 2      # upcoming bookings one citizen may hold (default 2)
      hours:
        tu: "13:00-16:00 x2" # " xN": N people coached at once (default 1)
        th: "09:00-12:00, 13:00-16:00"
      closed: ["2026-12-24..2027-01-01", "2027-02-03"]
      extra: {"2026-12-05": "10:00-12:00 x2", "2026-12-08": "closed"}  # replace that day
      public_holidays: closed   # default; "open" to coach on Belgian public holidays

Sessions start at a window's start and then every `session` minutes; a window cannot run
past midnight. In CSV the `coaching` column holds the same mapping as YAML flow text:
`{session: 30, hours: {tu: "13:00-16:00 x2"}}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sized
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from storage.coaching_rules import CoachingRules

BRUSSELS = ZoneInfo("Europe/Brussels")  # the zone of the hours in the file: the sites are Belgian
WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
KINDS = ("digipunt", "hub", "mobile")
SERVICES = ("walk_in", "coaching", "lending", "workshops")
TOPICS = (
    "taxonweb",
    "itsme",
    "eid",
    "ebanking",
    "burgerprofiel",
    "email",
    "smartphone",
    "jobs",
    "health",
    "other",
)
LANGUAGES = ("nl", "fr", "en", "ar", "tr", "uk", "de", "ru", "ro", "pl", "es", "fa", "ps", "ti")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")  # short enough for button data
_POSTCODE = re.compile(r"^\d{4}$")
CLOSED = "closed"

# The longest text a field may hold. Each is at most its column in storage/models.py
# (PostgreSQL refuses a longer VARCHAR with a traceback, SQLite keeps anything) and short
# enough for a site card on a phone and for the citizens' search by name.
MAX_LENGTH = {
    "digibank_name": 100,  # digibanks.name: 120
    "name": 120,  # sites.name: 160
    "street": 120,  # 160
    "municipality": 60,  # 80
    "phone": 30,  # 40
    "email": 100,  # 120
    "web": 200,  # 200
    "accessibility": 300,  # 400
    "notes": 400,  # 400
    "place": 120,  # a mobile point's stop (in a JSON column)
}
MAX_ITEMS = 100  # closures, exceptions or stops of one site


def N_(message: str) -> str:
    """Marks a message for translation (the flows translate it where they show it)."""
    return message


class FieldError(ValueError):
    """A value that cannot be used. `message` is an English msgid with {placeholders};
    `str()` gives it filled in, and the bot shows it translated."""

    def __init__(self, message: str, **params: object) -> None:
        self.message, self.params = message, params
        self.where = ""  # the part of a structured value at fault, e.g. "hours.tu" in coaching
        super().__init__(message.format(**params))


@dataclass(frozen=True, order=True)
class TimeRange:
    """Minutes after midnight; `end` past 1440 means the range runs into the next day."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end % 1440 if self.end != 1440 else 1440)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Stop:
    """A mobile point's stop: every week on a weekday, or on one date."""

    day: str  # "tu" or "2026-12-01"
    time: TimeRange
    place: str
    latitude: float
    longitude: float

    @property
    def date(self) -> date | None:
        return None if self.day in WEEKDAYS else date.fromisoformat(self.day)


@dataclass(frozen=True)
class SiteRecord:
    id: str
    digibank: str
    digibank_name: str
    name: str
    kind: str
    street: str
    postcode: str
    municipality: str
    latitude: float
    longitude: float
    verified: bool = False
    hours: dict[str, tuple[TimeRange, ...]] = field(default_factory=dict)
    closures: tuple[tuple[date, date], ...] = ()
    exceptions: dict[date, tuple[TimeRange, ...]] = field(default_factory=dict)
    services: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("nl",)
    phone: str = ""
    email: str = ""
    web: str = ""
    accessibility: str = ""
    notes: str = ""  # who it is for, how to get there: shown to citizens as is
    last_checked: date | None = None
    stops: tuple[Stop, ...] = ()
    coaching: CoachingRules | None = None  # None: no online booking at this site

    @property
    def address(self) -> str:
        return ", ".join(
            part for part in (self.street, f"{self.postcode} {self.municipality}") if part
        )


# --- parsing one field at a time ---------------------------------------------------------


def parse_ranges(text: str) -> tuple[TimeRange, ...]:
    """'09:00-12:00, 13:00-17:00' → ranges; '' or 'closed' → none."""
    text = (text or "").strip()
    if text.lower() in ("", CLOSED):
        return ()
    ranges = []
    for part in text.split(","):
        match = _RANGE.match(part)
        if not match:
            raise FieldError(
                N_("expected times like 09:00-12:00, got “{value}”"), value=part.strip()
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise FieldError(N_("not a time of day: “{value}”"), value=part.strip())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end == start:
            raise FieldError(N_("starts and ends at the same time: “{value}”"), value=part.strip())
        ranges.append(TimeRange(start, end if end > start else end + 1440))
    ranges.sort()
    for first, second in pairwise(ranges):
        if second.start < first.end:
            raise FieldError(N_("times overlap: {first} and {second}"), first=first, second=second)
    return tuple(ranges)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise FieldError(N_("expected a date like 2026-12-24, got “{value}”"), value=text) from None


def check_text(value: Any, what: str, required: bool = False) -> str:
    """A one-field text, trimmed, at most MAX_LENGTH[what] characters."""
    text = str(value or "").strip()
    if required and not text:
        raise FieldError(N_("required"))
    limit = MAX_LENGTH[what]
    if len(text) > limit:
        raise FieldError(
            N_("too long: at most {limit} characters, this has {length}"),
            limit=limit,
            length=len(text),
        )
    return text


Items = TypeVar("Items", bound=Sized)


def check_count(items: Items) -> Items:
    """A list or mapping of at most MAX_ITEMS entries."""
    if len(items) > MAX_ITEMS:
        raise FieldError(
            N_("too many: at most {limit}, this has {count}"), limit=MAX_ITEMS, count=len(items)
        )
    return items


def parse_closures(items: list[str]) -> tuple[tuple[date, date], ...]:
    closures = []
    for item in items:
        first, _, last = str(item).partition("..")
        start = parse_date(first)
        end = parse_date(last) if last else start
        if end < start:
            raise FieldError(N_("a closure ends before it starts: “{value}”"), value=item)
        closures.append((start, end))
    return tuple(sorted(closures))


def parse_exceptions(items: dict[str, str] | list[str]) -> dict[date, tuple[TimeRange, ...]]:
    """{'2026-12-31': '09:00-12:00'} or ['2026-12-31: 09:00-12:00'] (CSV)."""
    if isinstance(items, dict):
        pairs = list(items.items())
    else:
        pairs = []
        for item in items:
            day, sep, ranges = str(item).partition(" ")
            if not sep:
                raise FieldError(
                    N_("expected “2026-12-31 09:00-12:00” or “2026-12-31 closed”, got “{value}”"),
                    value=item,
                )
            pairs.append((day.rstrip(":"), ranges))
    return {parse_date(str(day)): parse_ranges(str(ranges)) for day, ranges in pairs}


def parse_choices(items: list[str], allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    chosen = []
    for item in items:
        value = str(item).strip().lower().replace("-", "_").replace(" ", "_")
        if value not in allowed:
            raise FieldError(
                N_("unknown value “{value}”; use: {allowed}"),
                value=item,
                allowed=", ".join(allowed),
            )
        if value not in chosen:
            chosen.append(value)
    return tuple(chosen)


def decimal(text: str) -> float:
    """'2,5' or '2.5' → 2.5: organisers write either."""
    return float(text.replace(",", "."))


Number = TypeVar("Number", int, float)


def parse_in_range(
    value: Any, low: Number, high: Number, convert: Callable[[str], Number], expected: str
) -> Number:
    """A number from low to high; `expected` (with {value}) says what was wanted when
    `value` is not a number at all."""
    if isinstance(value, bool) or value is None:
        raise FieldError(expected, value=value)
    try:
        number = convert(str(value).strip())
    except ValueError:
        raise FieldError(expected, value=value) from None
    if not low <= number <= high:  # also refuses nan
        raise FieldError(
            N_("must be between {low} and {high}, got {value}"), low=low, high=high, value=number
        )
    return number


def parse_coordinate(value: Any, low: float, high: float, what: str) -> float:
    if value is None or str(value).strip() == "":
        raise FieldError(N_("required"))
    return parse_in_range(
        value, low, high, decimal, N_("expected a number like 50.85, got “{value}”")
    )


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "ja", "1"):
        return True
    if text in ("false", "no", "nee", "0", ""):
        return False
    raise FieldError(N_("expected true or false, got “{value}”"), value=value)


def parse_stop(value: dict[str, Any] | str) -> Stop:
    """{'day': 'tu', 'time': '10:00-12:00', 'place': …, 'latitude': …, 'longitude': …},
    or in CSV: 'tu 10:00-12:00 @ Heers, Dorpsplein @ 50.7537 5.3030'."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split("@")]
        if len(parts) != 3 or " " not in parts[0] or len(parts[2].split()) != 2:
            raise FieldError(
                N_("expected “tu 10:00-12:00 @ Place @ 50.75 5.30”, got “{value}”"),
                value=value.strip(),
            )
        day, time_text = parts[0].split(None, 1)
        latitude, longitude = parts[2].split()
        value = {
            "day": day,
            "time": time_text,
            "place": parts[1],
            "latitude": latitude,
            "longitude": longitude,
        }
    day = str(value.get("day", "")).strip().lower()
    if day not in WEEKDAYS:
        parse_date(day)
    ranges = parse_ranges(str(value.get("time", "")))
    if len(ranges) != 1:
        raise FieldError(N_("a stop needs one time range, like 10:00-12:00"))
    place = str(value.get("place", "")).strip()
    if not place:
        raise FieldError(N_("a stop needs a place"))
    return Stop(
        day,
        ranges[0],
        place,
        parse_coordinate(value.get("latitude"), 49.0, 52.0, "latitude"),
        parse_coordinate(value.get("longitude"), 2.0, 7.0, "longitude"),
    )


def check_id(value: str, what: str) -> str:
    value = str(value or "").strip()
    if not _ID.match(value):
        raise FieldError(
            N_("an id is 2 to 40 lower-case letters, digits or “-”, got “{value}”"), value=value
        )
    return value


def check_postcode(value: Any) -> str:
    value = str(value or "").strip()
    if not _POSTCODE.match(value):
        raise FieldError(N_("expected a Belgian postcode of 4 digits, got “{value}”"), value=value)
    return value


# --- the textual forms the files and the database hold -------------------------------------


def format_ranges(ranges: tuple[TimeRange, ...]) -> str:
    return ", ".join(str(r) for r in ranges) if ranges else CLOSED


def format_closures(closures: tuple[tuple[date, date], ...]) -> list[str]:
    return [
        start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}"
        for start, end in closures
    ]


def format_stop(stop: Stop) -> dict[str, Any]:
    return {
        "day": stop.day,
        "time": str(stop.time),
        "place": stop.place,
        "latitude": stop.latitude,
        "longitude": stop.longitude,
    }

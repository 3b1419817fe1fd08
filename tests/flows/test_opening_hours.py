"""Opening hours in Brussels time: around midnight, closures, exceptions, daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from flows.opening_hours import next_stop, status
from storage.site_schema import SiteRecord, Stop, TimeRange, parse_closures, parse_ranges

BRUSSELS = ZoneInfo("Europe/Brussels")


def site(**fields) -> SiteRecord:
    base = dict(
        id="s1",
        digibank="d",
        digibank_name="D",
        name="S",
        kind="digipunt",
        street="",
        postcode="9000",
        municipality="Gent",
        latitude=51.05,
        longitude=3.72,
    )
    return SiteRecord(**{**base, **fields})


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BRUSSELS)


WEEKDAY_HOURS = {
    day: parse_ranges("09:00-12:00, 13:00-17:00") for day in ("mo", "tu", "we", "th", "fr")
}


def test_open_and_closing_time():
    state = status(site(hours=WEEKDAY_HOURS), local(2026, 11, 24, 10, 0), BRUSSELS)  # Tuesday
    assert state.open and state.until == local(2026, 11, 24, 12, 0)


def test_lunch_break_and_adjacent_ranges():
    state = status(site(hours=WEEKDAY_HOURS), local(2026, 11, 24, 12, 30), BRUSSELS)
    assert not state.open and state.next_open == local(2026, 11, 24, 13, 0)
    joined = {"mo": parse_ranges("09:00-12:00, 12:00-17:00")}
    state = status(site(hours=joined), local(2026, 11, 23, 11, 0), BRUSSELS)
    assert state.until == local(2026, 11, 23, 17, 0)  # one stretch, not "until 12:00"


def test_weekend_points_to_monday():
    state = status(site(hours=WEEKDAY_HOURS), local(2026, 11, 28, 15, 0), BRUSSELS)  # Saturday
    assert state.next_open == local(2026, 11, 30, 9, 0)


def test_range_past_midnight():
    late = site(hours={"fr": parse_ranges("20:00-02:00")})
    friday_night = status(late, local(2026, 11, 27, 23, 30), BRUSSELS)
    assert friday_night.open and friday_night.until == local(2026, 11, 28, 2, 0)
    saturday_early = status(late, local(2026, 11, 28, 1, 59), BRUSSELS)
    assert saturday_early.open  # still Friday's range
    saturday_late = status(late, local(2026, 11, 28, 2, 0), BRUSSELS)
    assert not saturday_late.open and saturday_late.next_open == local(2026, 12, 4, 20, 0)


def test_closed_at_midnight_opens_next_morning():
    state = status(site(hours=WEEKDAY_HOURS), local(2026, 11, 24, 0, 0), BRUSSELS)
    assert not state.open and state.next_open == local(2026, 11, 24, 9, 0)
    state = status(
        site(hours={"tu": parse_ranges("09:00-24:00")}), local(2026, 11, 24, 23, 59), BRUSSELS
    )
    assert state.open and state.until == local(2026, 11, 25, 0, 0)


def test_closure_day_and_exceptional_hours():
    christmas = site(
        hours=WEEKDAY_HOURS,
        closures=parse_closures(["2026-12-25", "2026-12-28..2026-12-31"]),
        exceptions={date(2026, 12, 24): parse_ranges("09:00-11:00")},
    )
    on_closure = status(christmas, local(2026, 12, 25, 10, 0), BRUSSELS)
    assert not on_closure.open and on_closure.next_open == local(2027, 1, 1, 9, 0)
    eve = status(christmas, local(2026, 12, 24, 10, 0), BRUSSELS)
    assert eve.until == local(2026, 12, 24, 11, 0)
    closed_exception = site(hours=WEEKDAY_HOURS, exceptions={date(2026, 11, 24): ()})
    assert not status(closed_exception, local(2026, 11, 24, 10, 0), BRUSSELS).open


def test_no_hours_on_file_is_unknown():
    assert not status(site(), local(2026, 11, 24, 10, 0), BRUSSELS).known


@pytest.mark.parametrize(
    ("now_utc", "expected_local_open"),
    [
        # Saturday 28 March 2026, 10:00 UTC = 11:00 CET; next opening Monday 30 March 09:00 CEST
        (datetime(2026, 3, 28, 10, 0, tzinfo=UTC), (2026, 3, 30, 9, 0)),
        # Saturday 24 October 2026, 10:00 UTC = 12:00 CEST; Monday 26 October 09:00 CET
        (datetime(2026, 10, 24, 10, 0, tzinfo=UTC), (2026, 10, 26, 9, 0)),
    ],
)
def test_daylight_saving_change_keeps_wall_clock_times(now_utc, expected_local_open):
    state = status(site(hours=WEEKDAY_HOURS), now_utc, BRUSSELS)
    assert state.next_open == local(*expected_local_open)
    assert state.next_open.astimezone(BRUSSELS).hour == 9


def test_night_of_the_spring_change():
    # 29 March 2026: 02:00 jumps to 03:00. A range 01:00-04:00 lasts two real hours.
    night = site(hours={"su": parse_ranges("01:00-04:00")})
    state = status(night, datetime(2026, 3, 29, 0, 30, tzinfo=UTC), BRUSSELS)  # 01:30 CET
    assert state.open
    assert (state.until - datetime(2026, 3, 29, 0, 0, tzinfo=UTC)).total_seconds() == 2 * 3600


def test_next_stop_of_a_mobile_point():
    bike = site(
        kind="mobile",
        stops=(
            Stop("tu", TimeRange(600, 720), "Heers, Dorpsplein", 50.75, 5.30),
            Stop("2026-11-26", TimeRange(840, 960), "Wellen, markt", 50.84, 5.34),
        ),
        closures=parse_closures(["2026-11-24"]),
    )
    stop, start, _end = next_stop(bike, local(2026, 11, 23, 8, 0), BRUSSELS)
    assert stop.place == "Wellen, markt"  # Tuesday's stop falls on a closure day
    assert start == local(2026, 11, 26, 14, 0)
    stop, start, _ = next_stop(bike, local(2026, 11, 26, 17, 0), BRUSSELS)
    assert stop.place == "Heers, Dorpsplein" and start == local(2026, 12, 1, 10, 0)

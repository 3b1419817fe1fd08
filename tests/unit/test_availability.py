"""Coaching slots from weekly rules: capacity, notice, horizon, closures, holidays, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.availability import Slot, is_public_holiday, slot_at, slots
from storage.coaching_rules import CoachingRules, Window, format_coaching, parse_coaching
from storage.site_schema import BRUSSELS, WEEKDAYS, FieldError


def local(day: date, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=BRUSSELS)


def utc(day: date, hhmm: str) -> datetime:
    return local(day, hhmm).astimezone(UTC)


def times_on(found: list[Slot], day: date) -> list[str]:
    return [s.local_start().strftime("%H:%M") for s in found if s.local_start().date() == day]


TUESDAYS = parse_coaching({"hours": {"tu": "13:00-16:00 x2"}})
MONDAY = date(2026, 11, 30)  # "now" in most tests: Monday 08:00 in Brussels
NOW = local(MONDAY, "08:00")
TUESDAY = date(2026, 12, 1)


def test_weekly_rule_gives_sessions_on_the_grid():
    found = slots(TUESDAYS, NOW)
    assert times_on(found, TUESDAY) == ["13:00", "13:30", "14:00", "14:30", "15:00", "15:30"]
    assert {s.local_start().weekday() for s in found} == {1}
    assert all(s.capacity == 2 and s.free == 2 and s.minutes == 30 for s in found)
    assert all(s.starts_at.utcoffset() == timedelta(0) for s in found)
    assert found == sorted(found)
    assert len(found) == 4 * 6  # four Tuesdays within the default horizon of 4 weeks


def test_several_windows_and_capacity_one_by_default():
    rules = parse_coaching({"session": 60, "hours": {"tu": "09:00-11:00, 13:00-14:30 x3"}})
    found = [s for s in slots(rules, NOW) if s.local_start().date() == TUESDAY]
    assert [(s.local_start().strftime("%H:%M"), s.capacity) for s in found] == [
        ("09:00", 1),
        ("10:00", 1),
        ("13:00", 3),
    ]


def test_taken_places_and_full_slots():
    first, second = utc(TUESDAY, "13:00"), utc(TUESDAY, "13:30")
    found = slots(TUESDAYS, NOW, {first: 1, second: 2})
    by_start = {s.starts_at: s for s in found}
    assert by_start[first].taken == 1 and by_start[first].free == 1
    assert second not in by_start  # full
    assert times_on(found, TUESDAY)[:2] == ["13:00", "14:00"]


def test_bookings_given_in_another_time_zone_still_count():
    found = slots(TUESDAYS, NOW, {local(TUESDAY, "13:00"): 2})
    assert times_on(found, TUESDAY)[0] == "13:30"


def test_notice():
    now = local(TUESDAY, "12:00")  # 13:00 is one hour ahead: too soon with 2 hours' notice
    assert times_on(slots(TUESDAYS, now), TUESDAY) == ["14:00", "14:30", "15:00", "15:30"]
    short = CoachingRules(notice_hours=0.5, weekly=TUESDAYS.weekly)
    assert times_on(slots(short, now), TUESDAY)[0] == "13:00"
    # At 14:00 the last session (15:30) is too soon: next week's first one comes first.
    first = slots(TUESDAYS, local(TUESDAY, "14:00"))[0]
    assert first.local_start() == local(TUESDAY + timedelta(days=7), "13:00")


def test_horizon():
    rules = parse_coaching({"horizon_weeks": 1, "hours": {"tu": "13:00-14:00"}})
    days = {s.local_start().date() for s in slots(rules, NOW)}
    assert days == {TUESDAY}
    # Today counts as the first day: on a Tuesday, the next Tuesday is out of a 7-day horizon.
    days = {s.local_start().date() for s in slots(rules, local(TUESDAY, "08:00"))}
    assert days == {TUESDAY}
    rules = parse_coaching({"horizon_days": 8, "hours": {"tu": "13:00-14:00"}})
    days = {s.local_start().date() for s in slots(rules, local(TUESDAY, "08:00"))}
    assert days == {TUESDAY, TUESDAY + timedelta(days=7)}


def test_closed_ranges_and_site_closures():
    rules = parse_coaching(
        {"hours": {"tu": "13:00-16:00 x2"}, "closed": ["2026-12-08..2026-12-10"]}
    )
    days = {s.local_start().date() for s in slots(rules, NOW)}
    assert days == {date(2026, 12, 1), date(2026, 12, 15), date(2026, 12, 22)}
    site_closed = ((date(2026, 12, 15), date(2026, 12, 15)),)
    days = {s.local_start().date() for s in slots(rules, NOW, site_closures=site_closed)}
    assert days == {date(2026, 12, 1), date(2026, 12, 22)}


def test_extra_dates_replace_the_weekly_rule():
    rules = parse_coaching(
        {
            "hours": {"tu": "13:00-16:00 x2"},
            "extra": {"2026-12-05": "10:00-11:00 x4", "2026-12-08": "closed"},
        }
    )
    found = slots(rules, NOW)
    assert times_on(found, date(2026, 12, 5)) == ["10:00", "10:30"]
    assert all(s.capacity == 4 for s in found if s.local_start().date() == date(2026, 12, 5))
    assert times_on(found, date(2026, 12, 8)) == []
    assert len(times_on(found, date(2026, 12, 15))) == 6


@pytest.mark.parametrize(
    ("day", "weekday"), [(date(2026, 12, 25), "fr"), (date(2027, 3, 29), "mo")]
)
def test_belgian_public_holidays_closed_unless_open(day, weekday):
    assert is_public_holiday(day)
    assert not is_public_holiday(day + timedelta(days=14))  # (a week after Christmas: 1 Jan)
    hours = {"hours": {weekday: "10:00-12:00"}}
    now = local(day - timedelta(days=3), "09:00")
    closed = slots(parse_coaching(hours), now)
    assert times_on(closed, day) == []
    assert len(times_on(closed, day + timedelta(days=14))) == 4
    opened = slots(parse_coaching({**hours, "public_holidays": "open"}), now)
    assert times_on(opened, day) == ["10:00", "10:30", "11:00", "11:30"]


def test_an_extra_date_on_a_public_holiday_is_open():
    rules = parse_coaching({"hours": {"mo": "10:00-11:00"}, "extra": {"2027-03-29": "14:00-15:00"}})
    found = slots(rules, local(date(2027, 3, 26), "09:00"))
    assert times_on(found, date(2027, 3, 29)) == ["14:00", "14:30"]


def test_spring_change_keeps_wall_clock_time():
    rules = parse_coaching({"hours": {"tu": "10:00-10:30"}})
    found = slots(rules, local(date(2027, 3, 20), "09:00"))
    before, after = (
        next(s for s in found if s.local_start().date() == day)
        for day in (date(2027, 3, 23), date(2027, 3, 30))
    )
    assert before.local_start().strftime("%H:%M") == after.local_start().strftime("%H:%M")
    assert before.starts_at == datetime(2027, 3, 23, 9, 0, tzinfo=UTC)
    assert after.starts_at == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)


def test_autumn_change_keeps_wall_clock_time():
    rules = parse_coaching({"hours": {"tu": "10:00-10:30"}})
    found = slots(rules, local(date(2027, 10, 20), "09:00"))
    before, after = (
        next(s for s in found if s.local_start().date() == day)
        for day in (date(2027, 10, 26), date(2027, 11, 2))
    )
    assert before.local_start().hour == after.local_start().hour == 10
    assert before.starts_at == datetime(2027, 10, 26, 8, 0, tzinfo=UTC)
    assert after.starts_at == datetime(2027, 11, 2, 9, 0, tzinfo=UTC)


def test_on_the_change_days_themselves():
    rules = parse_coaching({"hours": {"su": "01:00-04:00"}, "public_holidays": "open"})
    spring = slots(rules, local(date(2027, 3, 27), "09:00"), from_day=date(2027, 3, 28), days=1)
    # 02:00 and 02:30 do not exist that night: the clocks jump from 02:00 to 03:00.
    assert [s.local_start().strftime("%H:%M") for s in spring] == [
        "01:00",
        "01:30",
        "03:00",
        "03:30",
    ]
    autumn = slots(rules, local(date(2027, 10, 30), "09:00"), from_day=date(2027, 10, 31), days=1)
    # 02:00-03:00 happens twice: the first time (summer time) is meant.
    assert [s.starts_at.strftime("%H:%M") for s in autumn] == [
        "23:00",
        "23:30",
        "00:00",
        "00:30",
        "02:00",
        "02:30",
    ]


def test_from_day_and_days_page_through_the_horizon():
    everything = slots(TUESDAYS, NOW)
    second_week = slots(TUESDAYS, NOW, from_day=date(2026, 12, 7), days=7)
    assert second_week == [s for s in everything if s.local_start().date() == date(2026, 12, 8)]
    assert slots(TUESDAYS, NOW, from_day=date(2027, 6, 1), days=7) == []  # past the horizon
    assert slots(TUESDAYS, NOW, from_day=date(2026, 11, 1), days=31) == [
        s for s in everything if s.local_start().date() == TUESDAY
    ]


def test_slot_at():
    real = utc(TUESDAY, "13:30")
    assert slot_at(TUESDAYS, NOW, real) == Slot(real, 30, 2, 0)
    assert slot_at(TUESDAYS, NOW, local(TUESDAY, "13:30")) is not None  # any time zone
    assert slot_at(TUESDAYS, NOW, utc(TUESDAY, "13:15")) is None  # off the grid
    assert slot_at(TUESDAYS, NOW, utc(TUESDAY, "15:45")) is None  # would end after 16:00
    assert slot_at(TUESDAYS, NOW, utc(TUESDAY, "16:00")) is None
    assert slot_at(TUESDAYS, NOW, utc(MONDAY + timedelta(days=2), "13:30")) is None  # Wednesday
    closure = ((TUESDAY, TUESDAY),)
    assert slot_at(TUESDAYS, NOW, real, site_closures=closure) is None
    assert slot_at(TUESDAYS, local(TUESDAY, "12:00"), real) is None  # inside the notice
    assert slot_at(TUESDAYS, NOW, utc(date(2027, 1, 5), "13:30")) is None  # past the horizon


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"hours": {"tu": "13:00-16:60"}}, "hours.tu"),
        ({"hours": {"tu": "1pm-4pm"}}, "hours.tu"),
        ({"hours": {"tu": "13:00-16:00 x0"}}, "hours.tu"),
        ({"hours": {"tu": "22:00-01:00"}}, "hours.tu"),
        ({"hours": {"tu": "13:00-16:00, 15:00-17:00"}}, "hours.tu"),
        ({"hours": {"tu": "13:00-13:15"}}, "hours.tu"),
        ({"hours": {"tuesday": "13:00-16:00"}}, "hours.tuesday"),
        ({"hours": "13:00-16:00"}, "hours"),
        ({"hours": {}}, "hours"),
        ({"session": 0, "hours": {"tu": "13:00-16:00"}}, "session"),
        ({"session": "half an hour", "hours": {"tu": "13:00-16:00"}}, "session"),
        ({"notice_hours": -1, "hours": {"tu": "13:00-16:00"}}, "notice_hours"),
        ({"horizon_weeks": 27, "hours": {"tu": "13:00-16:00"}}, "horizon_weeks"),
        ({"max_per_person": 0, "hours": {"tu": "13:00-16:00"}}, "max_per_person"),
        ({"closed": ["2027-02-30"], "hours": {"tu": "13:00-16:00"}}, "closed"),
        ({"extra": {"soon": "10:00-12:00"}, "hours": {"tu": "13:00-16:00"}}, "extra.soon"),
        ({"public_holidays": "maybe", "hours": {"tu": "13:00-16:00"}}, "public_holidays"),
        ({"capacity": 2, "hours": {"tu": "13:00-16:00"}}, "capacity"),
        ("{session: 30, hours: {tu: ", ""),
        ("just text", ""),
    ],
)
def test_parse_errors(value, where):
    with pytest.raises(FieldError) as caught:
        parse_coaching(value)
    assert caught.value.where == where
    assert str(caught.value) == caught.value.message.format(**caught.value.params)


def test_nothing_means_no_online_booking():
    assert parse_coaching(None) is None
    assert parse_coaching({}) is None
    assert parse_coaching("") is None
    assert format_coaching(None) == {}


def test_defaults_and_file_form():
    rules = parse_coaching('{hours: {tu: "13:00-16:00 x2"}}')
    assert rules == CoachingRules(weekly={"tu": (Window(780, 960, 2),)})
    assert (rules.session_minutes, rules.notice_hours, rules.horizon_days) == (30, 2.0, 28)
    assert rules.max_upcoming == 2 and not rules.open_on_public_holidays
    assert format_coaching(rules) == {
        "session": 30,
        "notice_hours": 2,
        "horizon_weeks": 4,
        "max_per_person": 2,
        "hours": {"tu": "13:00-16:00 x2"},
        "public_holidays": "closed",
    }


FULL = {
    "session": 45,
    "notice_hours": 1.5,
    "horizon_weeks": 13,
    "max_per_person": 3,
    "hours": {"mo": "closed", "tu": "09:00-12:00 x2, 13:00-16:00", "sa": "10:00-24:00 x5"},
    "closed": ["2026-12-24..2027-01-01", "2027-02-03"],
    "extra": {"2026-12-05": "10:00-12:00 x2", "2026-12-08": "closed"},
    "public_holidays": "open",
}


def test_round_trip():
    rules = parse_coaching(FULL)
    assert format_coaching(rules) == FULL
    assert parse_coaching(format_coaching(rules)) == rules
    odd = CoachingRules(horizon_days=10, notice_hours=0.25, weekly={"we": (Window(0, 60, 1),)})
    assert parse_coaching(format_coaching(odd)) == odd


# --- properties --------------------------------------------------------------------------


def _reference(rules: CoachingRules, now: datetime) -> list[tuple[datetime, int]]:
    """Every wall-clock time converted on its own: slow, obviously right."""
    today = now.astimezone(BRUSSELS).date()
    found = []
    for offset in range(rules.horizon_days):
        day = today + timedelta(days=offset)
        if any(a <= day <= b for a, b in rules.closed):
            continue
        if day in rules.extra:
            windows = rules.extra[day]
        elif not rules.open_on_public_holidays and is_public_holiday(day):
            continue
        else:
            windows = rules.weekly.get(WEEKDAYS[day.weekday()], ())
        for window in windows:
            for at in range(
                window.start, window.end - rules.session_minutes + 1, rules.session_minutes
            ):
                wall = datetime.combine(day, time(at // 60, at % 60))
                starts = wall.replace(tzinfo=BRUSSELS).astimezone(UTC)
                if starts.astimezone(BRUSSELS).replace(tzinfo=None) != wall:
                    continue
                if starts >= now + timedelta(hours=rules.notice_hours):
                    found.append((starts, window.capacity))
    return sorted(found)


@st.composite
def windows(draw: st.DrawFn) -> tuple[Window, ...]:
    points = sorted(draw(st.sets(st.integers(0, 288).map(lambda n: n * 5), max_size=6)))
    capacities = draw(st.lists(st.integers(1, 4), min_size=3, max_size=3))
    bounds = points[: len(points) // 2 * 2]
    pairs = zip(bounds[::2], bounds[1::2], strict=True)
    return tuple(Window(a, b, c) for (a, b), c in zip(pairs, capacities, strict=False))


@st.composite
def coaching_rules(draw: st.DrawFn) -> CoachingRules:
    start = date(2026, 1, 1)
    some_day = st.integers(0, 1100).map(lambda n: start + timedelta(days=n))
    closed = []
    for first in draw(st.lists(some_day, max_size=3)):
        closed.append((first, first + timedelta(days=draw(st.integers(0, 10)))))
    return CoachingRules(
        session_minutes=draw(st.sampled_from([10, 15, 20, 30, 45, 60, 90])),
        notice_hours=draw(st.sampled_from([0, 0.5, 2, 24, 49.25])),
        horizon_days=draw(st.integers(1, 60)),
        weekly=draw(st.dictionaries(st.sampled_from(WEEKDAYS), windows(), max_size=7)),
        closed=tuple(sorted(closed)),
        extra=draw(st.dictionaries(some_day, windows(), max_size=4)),
        open_on_public_holidays=draw(st.booleans()),
    )


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(rules=coaching_rules(), now=moments, data=st.data())
def test_every_slot_is_real_and_bookable(rules, now, data):
    everything = slots(rules, now)
    assert [(s.starts_at, s.capacity) for s in everything] == _reference(rules, now)
    booked = {s.starts_at: data.draw(st.integers(0, s.capacity), label="taken") for s in everything}
    found = slots(rules, now, booked)
    today = now.astimezone(BRUSSELS).date()
    for slot in found:
        start = slot.local_start()
        day, minute = start.date(), start.hour * 60 + start.minute
        if day in rules.extra:
            day_windows = rules.extra[day]
        else:
            day_windows = rules.weekly[WEEKDAYS[day.weekday()]]
            assert rules.open_on_public_holidays or not is_public_holiday(day)
        assert any(
            w.start <= minute
            and minute + rules.session_minutes <= w.end
            and (minute - w.start) % rules.session_minutes == 0
            and w.capacity == slot.capacity
            for w in day_windows
        )
        assert not any(a <= day <= b for a, b in rules.closed)
        assert today <= day < today + timedelta(days=rules.horizon_days)
        assert slot.starts_at >= now + timedelta(hours=rules.notice_hours)
        assert slot.free > 0 and slot.taken == booked[slot.starts_at]
        assert slot_at(rules, now, slot.starts_at) == Slot(
            slot.starts_at, slot.minutes, slot.capacity
        )
    assert [s.starts_at for s in found] == sorted({s.starts_at for s in found})
    assert len(found) == sum(s.capacity > booked[s.starts_at] for s in everything)

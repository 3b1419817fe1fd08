"""Book coaching: the dialogue, the confirmation with its calendar file, reminders, cancel,
move, a full slot, a closure day, daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from flows.actions import Notify, SendDocument, SendVenue
from flows.booking import reminder_due
from storage.models import Booking, Site
from storage.seeding import load_seed_if_empty
from storage.site_schema import BRUSSELS
from tests.flows.harness import Chat

SITE = "leuven-stad"
# Monday 1 March 2027, 09:00 in Brussels (CET, UTC+1).
MONDAY = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
RULES = {"session": 30, "hours": {"tu": "13:00-14:00", "th": "09:00-10:00 x2"}}


async def with_coaching(db, rules: dict = RULES, site_id: str = SITE) -> None:
    await load_seed_if_empty(db)
    async with db.transaction() as session:
        site = await session.get(Site, site_id)
        site.coaching = rules
        site.topics = []


async def citizen(db, user_id: int = 200, language: str = "Nederlands", code: str = "nl") -> Chat:
    chat = Chat(db, user_id=user_id, language_code=code)
    chat.now = MONDAY
    await chat.onboard(language)
    return chat


async def book_first_time(chat: Chat, topic_emoji: str = "🔑") -> None:
    """Topic → where (postcode 3000) → the Leuven site → first day → first time → yes."""
    await chat.command("book")
    await chat.press(topic_emoji)
    await chat.text("3000")
    await chat.press("Leuven")
    day = chat.buttons()[0]
    await chat.press(day.label)
    await chat.press(chat.buttons()[0].label)
    await chat.press("✅")


def reminders(chat: Chat) -> list[Notify]:
    return [a for a in chat.actions if isinstance(a, Notify) and a.later is not None]


async def bookings(db) -> list[Booking]:
    async with db.transaction() as session:
        return list(await session.scalars(select(Booking).order_by(Booking.id)))


async def test_booking_in_dutch_gives_a_confirmation_a_map_pin_and_a_calendar_file(sqlite_db):
    await with_coaching(sqlite_db)
    ann = await citizen(sqlite_db)
    await book_first_time(ann)

    [booking] = await bookings(sqlite_db)
    # Tuesday 2 March 2027 13:00 in Brussels = 12:00 UTC.
    assert booking.starts_at == datetime(2027, 3, 2, 12, 0, tzinfo=UTC)
    assert booking.status == "booked" and booking.locale == "nl"
    text = ann.joined()
    assert "dinsdag 2 maart" in text and "13:00" in text
    assert "eID" in text  # what to bring for itsme
    assert any(isinstance(a, SendVenue) for a in ann.actions)
    [document] = [a for a in ann.actions if isinstance(a, SendDocument)]
    assert document.file_name.endswith(".ics")
    calendar = Calendar.from_ical(document.content)
    [event] = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start == datetime(2027, 3, 2, 13, 0, tzinfo=BRUSSELS)
    assert str(start.tzinfo) == "Europe/Brussels"
    assert event.decoded("dtend") - start == timedelta(minutes=30)
    assert calendar.walk("VTIMEZONE"), "the file carries its time zone"
    assert "Leuven" in str(event.get("location"))

    due = sorted(r.later.at for r in reminders(ann))
    assert due == [booking.starts_at - timedelta(hours=24), booking.starts_at - timedelta(hours=2)]
    assert all(r.chat_id == ann.sender.user_id for r in reminders(ann))
    assert all(r.later.not_after == booking.starts_at for r in reminders(ann))


async def test_booking_in_french(sqlite_db):
    await with_coaching(sqlite_db)
    marie = await citizen(sqlite_db, 201, "Français", "fr")
    await book_first_time(marie, "🏦")
    [booking] = await bookings(sqlite_db)
    assert booking.locale == "fr" and booking.topic == "ebanking"
    text = marie.joined()
    assert "mardi 2 mars" in text and "13:00" in text


async def test_a_full_slot_is_not_offered_and_a_late_tap_gets_other_times(sqlite_db):
    await with_coaching(sqlite_db)
    ann = await citizen(sqlite_db, 200)
    bob = await citizen(sqlite_db, 201)
    # Both reach the confirmation of Tuesday 13:00 (capacity 1).
    for chat in (ann, bob):
        await chat.command("book")
        await chat.press("🔑")
        await chat.text("3000")
        await chat.press("Leuven")
        await chat.press(chat.buttons()[0].label)
        await chat.press("13:00")
    await ann.press("✅")
    await bob.press("✅")
    assert len(await bookings(sqlite_db)) == 1
    assert "😕" in bob.joined()  # sorry, taken: choose another time
    assert bob.buttons(), "other days are offered"
    # Tuesday 13:00 is no longer offered; 13:30 still is.
    await bob.press(bob.buttons()[0].label)
    labels = [b.label for b in bob.buttons()]
    assert "13:00" not in labels and "13:30" in labels


async def test_cancel_frees_the_place_and_tells_on_duty_staff(sqlite_db, admin):
    from tests.flows.test_cases import staff_member

    await with_coaching(sqlite_db)
    sara = await staff_member(admin, sqlite_db, 10, "Sara", bank="leuven")
    ann = await citizen(sqlite_db)
    await book_first_time(ann)
    [booking] = await bookings(sqlite_db)
    await ann.command("appointments")
    assert "13:00" in ann.joined()
    await ann.press("❌")
    assert (await bookings(sqlite_db))[0].status == "cancelled"
    told = [a for a in ann.actions if isinstance(a, Notify) and a.chat_id == sara.sender.user_id]
    assert told and "2 March" in told[0].text  # Sara reads English
    # The time is free at once for somebody else.
    bob = await citizen(sqlite_db, 201)
    await bob.command("book")
    await bob.press("🔑")
    await bob.text("3000")
    await bob.press("Leuven")
    await bob.press(bob.buttons()[0].label)
    assert "13:00" in [b.label for b in bob.buttons()]
    # A cancelled booking's buttons are stale.
    await ann.press_data(f"1:bk:*:cancel.{booking.id}")
    assert "⌛" in " ".join(ann.toasts())


async def test_move_books_the_new_time_then_frees_the_old_one(sqlite_db, admin):
    from tests.flows.test_cases import staff_member

    await with_coaching(sqlite_db)
    sara = await staff_member(admin, sqlite_db, 10, "Sara", bank="leuven")
    ann = await citizen(sqlite_db)
    await book_first_time(ann)
    [old] = await bookings(sqlite_db)
    await ann.press_data(f"1:bk:*:move.{old.id}")
    await ann.press(ann.buttons()[1].label)  # the second day: Thursday
    await ann.press("09:30")
    await ann.press("✅")
    first, second = await bookings(sqlite_db)
    assert first.status == "cancelled"
    assert second.status == "booked"
    assert second.starts_at.astimezone(BRUSSELS).strftime("%a %H:%M") == "Thu 09:30"
    assert len(reminders(ann)) == 2
    [told] = [a for a in ann.actions if isinstance(a, Notify) and a.chat_id == sara.sender.user_id]
    assert "Moved" in told.text and "from Tuesday 2 March" in told.text
    assert "to Thursday 4 March at 9:30" in told.text


async def test_at_most_two_upcoming_bookings(sqlite_db):
    await with_coaching(sqlite_db)
    ann = await citizen(sqlite_db)
    await book_first_time(ann)
    await book_first_time(ann)
    await book_first_time(ann)
    assert len([b for b in await bookings(sqlite_db) if b.status == "booked"]) == 2
    assert "📅" in ann.joined()


async def test_a_closure_day_offers_no_time(sqlite_db):
    rules = {**RULES, "closed": ["2027-03-02"]}
    await with_coaching(sqlite_db, rules)
    ann = await citizen(sqlite_db)
    await ann.command("book")
    await ann.press("🔑")
    await ann.text("3000")
    await ann.press("Leuven")
    days = [b.label for b in ann.buttons()]
    assert not any("2 maart" in d for d in days)
    assert any("4 maart" in d for d in days)


async def test_booking_across_the_clock_change_reminds_at_the_right_local_times(sqlite_db):
    """Clocks go forward on Sunday 28 March 2027. A Monday 29 March 09:00 booking: the
    day-before reminder at Sunday 09:00 local (CEST), the 2-hour one at 07:00 local.
    (29 March 2027 is Easter Monday: this site coaches on public holidays.)"""
    rules = {"session": 30, "hours": {"mo": "09:00-10:00"}, "public_holidays": "open"}
    await with_coaching(sqlite_db, rules)
    ann = await citizen(sqlite_db)
    ann.now = datetime(2027, 3, 26, 12, 0, tzinfo=UTC)  # Friday before
    await ann.command("book")
    await ann.press("🔑")
    await ann.text("3000")
    await ann.press("Leuven")
    await ann.press("29 maart")
    await ann.press("09:00")
    await ann.press("✅")
    [booking] = await bookings(sqlite_db)
    assert booking.starts_at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 CEST
    local = sorted(r.later.at.astimezone(BRUSSELS) for r in reminders(ann))
    assert [(d.day, d.hour) for d in local] == [(28, 9), (29, 7)]


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Autumn: clocks go back on Sunday 31 October 2027 (03:00 CEST → 02:00 CET).
        (datetime(2027, 11, 1, 9, 0, tzinfo=UTC), 24, datetime(2027, 10, 31, 9, 0, tzinfo=UTC)),
        (datetime(2027, 11, 1, 9, 0, tzinfo=UTC), 2, datetime(2027, 11, 1, 7, 0, tzinfo=UTC)),
        # An ordinary week: 24 hours.
        (datetime(2027, 3, 2, 12, 0, tzinfo=UTC), 24, datetime(2027, 3, 1, 12, 0, tzinfo=UTC)),
    ],
)
def test_reminder_times(start, hours, expected):
    assert reminder_due(start, hours, BRUSSELS) == expected


async def test_no_reminder_that_would_already_be_due(sqlite_db):
    await with_coaching(sqlite_db)
    ann = await citizen(sqlite_db)
    ann.now = datetime(2027, 3, 2, 8, 0, tzinfo=UTC)  # Tuesday 09:00; the slot is 13:00
    await book_first_time(ann)
    [booking] = await bookings(sqlite_db)
    assert [r.later.at for r in reminders(ann)] == [booking.starts_at - timedelta(hours=2)]


async def test_a_site_without_online_booking_is_not_offered(sqlite_db):
    await load_seed_if_empty(sqlite_db)
    ann = await citizen(sqlite_db)
    await ann.command("book")
    await ann.press("🔑")
    await ann.text("3000")
    assert not any("Leuven" in b.label for b in ann.buttons())
    assert "😕" in ann.joined()

"""TIMEZONE is one display zone, handed to the flows in their settings: every screen shows
times in it. The coaching rules stay Brussels wall-clock times (the sites are Belgian):
Tuesday 13:00 in Brussels is 12:00 in London, on every screen of a London-set bot."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from flows.actions import SendDocument
from tests.flows.harness import Chat
from tests.flows.test_booking import MONDAY, bookings, citizen, reminders, with_coaching
from tests.flows.test_cases import staff_member

LONDON = "Europe/London"


def in_london(chat: Chat) -> Chat:
    chat.settings = replace(chat.settings, timezone=LONDON)
    return chat


async def test_booking_agenda_and_calendar_file_show_the_configured_zone(admin, sqlite_db):
    await with_coaching(sqlite_db)  # Tuesdays 13:00-14:00, Brussels time
    in_london(admin)
    sara = in_london(await staff_member(admin, sqlite_db, 10, "Sara"))
    ann = in_london(await citizen(sqlite_db))
    await ann.command("book")
    await ann.press("🔑")
    await ann.text("3000")
    await ann.press("Leuven")
    await ann.press(ann.buttons()[0].label)  # Tuesday
    labels = [b.label for b in ann.buttons()]
    assert "12:00" in labels and "13:00" not in labels
    await ann.press("12:00")
    assert "12:00" in ann.joined()  # the summary to confirm
    await ann.press("✅")

    [booking] = await bookings(sqlite_db)
    assert booking.starts_at == datetime(2027, 3, 2, 12, 0, tzinfo=UTC)  # 13:00 in Brussels
    assert "12:00" in ann.joined() and "13:00" not in ann.joined()
    assert all("12:00" in r.text for r in reminders(ann))
    [document] = [a for a in ann.actions if isinstance(a, SendDocument)]
    [event] = Calendar.from_ical(document.content).walk("VEVENT")
    start = event.decoded("dtstart")
    assert (str(start.tzinfo), start.hour) == (LONDON, 12)

    sara.now = MONDAY + timedelta(days=1)  # Tuesday: today's agenda
    await sara.command("agenda")
    assert "12:00" in sara.joined() and "13:00" not in sara.joined()


async def test_an_invite_expires_in_the_configured_zone(admin):
    admin.now = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    await admin.command("invite", "digibuddy leuven")
    assert "9:00:00" in admin.joined()  # Brussels, by default
    in_london(admin)
    await admin.command("invite", "digibuddy leuven")
    assert "8:00:00" in admin.joined()

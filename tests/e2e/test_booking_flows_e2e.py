"""Booking coaching end to end, the flows a citizen goes through: booking in French with its
calendar file read back by a calendar library, moving and cancelling from "my appointments",
two people tapping the last place at once, a closure day, and a booking across the spring
clock change with its reminders at the right local times.

The real bot (BotService) talks HTTP to the Bot API emulator; the dialogue itself is tested
without Telegram in tests/flows/test_booking.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from flows.availability import BRUSSELS
from tests.e2e.conftest import Citizen, settled, texts
from tests.e2e.test_booking_e2e import (
    SLOT,
    START,
    Clock,
    booked,
    prepare,
    reminders_seen,
    rows,
)
from tests.flows.test_booking import bookings, with_coaching

ADDRESS = "Professor Van Overstraetenplein 1, 3000 Leuven"  # the Leuven site, from the seed
Message = dict[str, Any]


async def choose_site(citizen: Citizen, topic: str = "🔑") -> list[Message]:
    """/book, a topic, postcode 3000, the Leuven site: the answer is the day question."""
    await citizen.say("/book")
    await citizen.tap(topic)
    await citizen.say("3000", count=2)  # "thank you", then the sites near 3000
    return await citizen.tap("Leuven")


async def choose_time(
    citizen: Citizen, day: str, time: str = "13:00", topic: str = "🔑"
) -> list[Message]:
    """Up to the question "Is this right?" for that day and time."""
    await choose_site(citizen, topic)
    await citizen.tap(day)
    return await citizen.tap(time)


def labels(messages: list[Message]) -> list[str]:
    """The inline buttons the citizen sees under these messages."""
    return [
        button["text"]
        for message in messages
        for row in (message["reply_markup"] or {}).get("inline_keyboard", [])
        for button in row
    ]


def calendar_file(confirmation: list[Message]) -> Calendar:
    """The .ics document of a confirmation, parsed back from the bytes the emulator kept."""
    [document] = [m["document"] for m in confirmation if m["document"]]
    assert document["file_name"].endswith(".ics")
    return Calendar.from_ical(document["data"])


def starts_in_brussels(calendar: Calendar) -> datetime:
    """DTSTART of the one event, checked to be Brussels wall-clock time with its VTIMEZONE."""
    [event] = calendar.walk("VEVENT")
    assert event["dtstart"].params["TZID"] == "Europe/Brussels"
    zones = [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")]
    assert zones == ["Europe/Brussels"], "a phone in another zone must still place it right"
    return event.decoded("dtstart")


async def test_booking_in_french_with_a_calendar_file_that_reads_back(
    emu, start_bot, database_url, db
):
    await prepare(database_url)
    await start_bot(clock=Clock(START))
    marie = Citizen(emu, "Marie", language="fr")
    await marie.onboard("Français")

    # The postcode search is the same in French; days and times are French.
    question = await choose_time(marie, "mardi 2 mars", topic="🏦")
    assert "mardi 2 mars à 13:00" in texts(question)
    assert "Banque en ligne" in texts(question)
    confirmation = await marie.tap("✅", count=3)  # the text, the map pin, the .ics file
    assert "C'est réservé" in texts(confirmation)
    assert "mardi 2 mars à 13:00" in texts(confirmation)
    assert "📅 Mes rendez-vous" in labels(confirmation)  # the buttons are French too
    assert [m["venue"] for m in confirmation if m["venue"]], "a map pin of the site"

    calendar = calendar_file(confirmation)
    [event] = calendar.walk("VEVENT")
    start = starts_in_brussels(calendar)
    assert start == datetime(2027, 3, 2, 13, 0, tzinfo=BRUSSELS)
    assert start.utcoffset() == timedelta(hours=1)  # winter time
    assert event.decoded("dtend") - start == timedelta(minutes=30)
    summary = str(event["summary"])
    assert summary.startswith("Digibank") and summary.endswith("🏦 Banque en ligne")  # with a NBSP
    assert ADDRESS in str(event["location"])

    [booking] = await bookings(db)
    assert (booking.locale, booking.topic, booking.starts_at) == ("fr", "ebanking", SLOT)


async def test_move_from_my_appointments_keeps_one_booking_and_one_set_of_reminders(
    emu, start_bot, database_url, db
):
    _service, _clock, ann = await booked(emu, start_bot, database_url)
    listing = await ann.say("/appointments", count=3)  # title, the appointment, "anything else"
    assert "dinsdag 2 maart om 13:00" in texts(listing)

    await ann.tap("🔁 Verplaatsen")
    times = await ann.tap("dinsdag 2 maart")
    assert "13:00" not in labels(times)  # her own place: one person per session here
    await ann.tap("13:30")
    moved = await ann.tap("✅", count=3)
    assert "dinsdag 2 maart om 13:30" in texts(moved)

    old, new = await bookings(db)
    assert (old.status, old.starts_at) == ("cancelled", SLOT)
    assert (new.status, new.starts_at) == ("booked", SLOT + timedelta(minutes=30))
    reminders = await rows(database_url)
    # The old booking's reminders went with it: only the new one's two are waiting.
    assert {r.booking_id for r in reminders} == {new.id}
    assert sorted(r.next_attempt_at for r in reminders) == [
        new.starts_at - timedelta(hours=24),
        new.starts_at - timedelta(hours=2),
    ]
    assert all(r.sent_at is None for r in reminders)

    listing = await ann.say("/appointments", count=3)
    assert "13:30" in texts(listing) and "13:00" not in texts(listing)


async def test_cancel_from_my_appointments_frees_the_place(emu, start_bot, database_url, db):
    service, clock, ann = await booked(emu, start_bot, database_url)
    await ann.say("/appointments", count=3)
    cancelled = await ann.tap("❌ Afzeggen")
    assert "Je afspraak is afgezegd" in texts(cancelled)
    [booking] = await bookings(db)
    assert booking.status == "cancelled"
    assert await rows(database_url) == []  # no reminder left to send

    # Somebody else can take that very time now (one place per session).
    bob = Citizen(emu, "Bob")
    await bob.onboard()
    await choose_time(bob, "dinsdag 2 maart", "13:00")
    await bob.tap("✅", count=3)
    _ann_booking, bob_booking = await bookings(db)
    assert (bob_booking.citizen_id, bob_booking.starts_at) == (bob.id, SLOT)
    assert bob_booking.status == "booked" and bob_booking.place == 1

    clock.now = SLOT - timedelta(hours=1)
    await service.outbox.drain()
    assert reminders_seen(emu, ann) == []


async def test_two_people_tap_the_last_place_at_once(emu, start_bot, database_url, db):
    await with_coaching(db, {"session": 30, "hours": {"tu": "13:00-13:30"}})
    await start_bot(clock=Clock(START))
    pair = [Citizen(emu, "Ann"), Citizen(emu, "Bob")]
    for citizen in pair:
        await citizen.onboard()
        await choose_time(citizen, "dinsdag 2 maart")
    yes = [citizen.find_button("✅") for citizen in pair]

    await asyncio.gather(
        *(emu.press_button(citizen.id, *button) for citizen, button in zip(pair, yes, strict=True))
    )
    answers = [await citizen.replies(2) for citizen in pair]
    won = [i for i, answer in enumerate(answers) if "Afgesproken" in texts(answer)]
    assert len(won) == 1, [texts(answer) for answer in answers]
    winner = pair[won[0]]
    lost = answers[1 - won[0]]
    assert "iemand nam net dat uur" in texts(lost)
    assert "Welke dag past jou?" in texts(lost)
    days = labels(lost)
    assert "dinsdag 2 maart" not in days and "dinsdag 9 maart" in days  # other days offered

    [booking] = await bookings(db)
    assert (booking.citizen_id, booking.status, booking.starts_at) == (winner.id, "booked", SLOT)
    assert all(r.chat_id == winner.id for r in await rows(database_url))


async def test_a_closure_day_is_not_offered(emu, start_bot, database_url, db):
    rules = {
        "session": 30,
        "hours": {"tu": "13:00-14:00", "th": "09:00-10:00"},
        "closed": ["2027-03-02"],
    }
    await with_coaching(db, rules)
    await start_bot(clock=Clock(START))
    ann = Citizen(emu)
    await ann.onboard()
    days = labels(await choose_site(ann))
    assert not [day for day in days if "2 maart" in day]
    assert "donderdag 4 maart" in days
    assert "dinsdag 9 maart" in days  # only that one Tuesday is closed


# Friday 26 March 2027, 10:00 in Brussels (CET). Clocks go forward on Sunday 28 March at
# 02:00; 29 March is Easter Monday, so this site opens on public holidays.
FRIDAY = datetime(2027, 3, 26, 9, 0, tzinfo=UTC)
SPRING_RULES = {
    "session": 30,
    "hours": {"mo": "09:00-10:00", "su": "09:00-10:00"},
    "public_holidays": "open",
}


@pytest.mark.parametrize(
    ("day", "starts_at", "day_before", "two_hours"),
    [
        # Monday 09:00 CEST; the day before is Sunday 09:00 CEST, the 2-hour one 07:00 CEST.
        (
            "maandag 29 maart",
            datetime(2027, 3, 29, 7, 0, tzinfo=UTC),
            datetime(2027, 3, 28, 7, 0, tzinfo=UTC),
            datetime(2027, 3, 29, 5, 0, tzinfo=UTC),
        ),
        # Sunday 09:00 CEST, the day of the change: the day before is Saturday 09:00 CET,
        # not 24 hours back (08:00 CET); the 2-hour one is 07:00 CEST.
        (
            "zondag 28 maart",
            datetime(2027, 3, 28, 7, 0, tzinfo=UTC),
            datetime(2027, 3, 27, 8, 0, tzinfo=UTC),
            datetime(2027, 3, 28, 5, 0, tzinfo=UTC),
        ),
    ],
)
async def test_reminders_across_the_spring_clock_change_come_at_local_times(
    emu, start_bot, database_url, db, day, starts_at, day_before, two_hours
):
    await with_coaching(db, SPRING_RULES)
    clock = Clock(FRIDAY)
    service = await start_bot(clock=clock)
    ann = Citizen(emu)
    await ann.onboard()
    await choose_time(ann, day, "09:00")
    confirmation = await ann.tap("✅", count=3)
    assert f"{day} om 09:00" in texts(confirmation)
    start = starts_in_brussels(calendar_file(confirmation))
    assert (start.hour, start.utcoffset()) == (9, timedelta(hours=2))  # summer time
    [booking] = await bookings(db)
    assert booking.starts_at == starts_at

    for seen, due in enumerate((day_before, two_hours)):
        # A minute early: nothing, neither from this drain nor from the periodic one.
        clock.now = due - timedelta(minutes=1)
        await service.outbox.drain()
        await settled(emu, service)  # nothing due: the periodic drain sends nothing either
        assert len(reminders_seen(emu, ann)) == seen
        clock.now = due
        await service.outbox.drain()
        [reminder] = await ann.replies()
        assert reminder["text"].startswith("🔔") and f"{day} om 09:00" in reminder["text"]
    assert all(r.sent_at is not None for r in await rows(database_url))

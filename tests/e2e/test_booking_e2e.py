"""Bookings end to end: the real bot on the emulator, reminders from the outbox across a
restart, never twice, never after the appointment, none once cancelled, and a user who
blocked the bot recorded once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.service import BotService
from storage.db import Database
from storage.models import Booking, OutboxMessage, Site
from storage.seeding import load_seed_if_empty
from tests.e2e.conftest import Citizen, texts

# Monday 1 March 2027, 09:00 in Brussels; the site coaches on Tuesdays 13:00-14:00.
START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
SLOT = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)  # Tuesday 13:00 CET


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def prepare(database_url: str) -> None:
    db = Database(database_url)
    try:
        await load_seed_if_empty(db)
        async with db.transaction() as session:
            site = await session.get(Site, "leuven-stad")
            site.coaching = {"session": 30, "hours": {"tu": "13:00-14:00"}}
    finally:
        await db.dispose()


async def book(ann: Citizen) -> None:
    await ann.say("/book")
    await ann.tap("🔑")
    await ann.say("3000", count=2)
    await ann.tap("Leuven")
    await ann.tap("dinsdag")
    await ann.tap("13:00")
    confirmation = await ann.tap("✅", count=3)  # the text, the map pin, the .ics file
    assert "13:00" in texts(confirmation)


async def booked(emu, start_bot, database_url: str) -> tuple[BotService, Clock, Citizen]:
    """A running bot at START and a citizen who booked Tuesday 13:00."""
    await prepare(database_url)
    clock = Clock(START)
    service = await start_bot(clock=clock)
    ann = Citizen(emu)
    await ann.onboard()
    await book(ann)
    return service, clock, ann


async def rows(database_url: str) -> list[OutboxMessage]:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            found = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.booking_id.is_not(None))
            )
            return list(found)
    finally:
        await db.dispose()


async def answer_of_booking(database_url: str) -> str | None:
    """The recorded answer, once the tap has been handled (polled: it is asynchronous)."""
    db = Database(database_url)
    try:
        for _ in range(100):
            async with db.transaction() as session:
                answer = (await session.scalars(select(Booking.answer))).one()
            if answer is not None:
                return answer
            await asyncio.sleep(0.05)
        return None
    finally:
        await db.dispose()


def reminders_seen(emu, ann: Citizen) -> list[str]:
    return [m["text"] for m in emu.bot_messages(ann.id) if (m["text"] or "").startswith("🔔")]


async def test_restart_between_booking_and_reminder_sends_it_once(emu, start_bot, database_url):
    service, clock, ann = await booked(emu, start_bot, database_url)
    assert len(await rows(database_url)) == 2
    await service.stop()

    # Down while the day-before reminder fell due (Monday 13:00); up again at 14:00.
    clock.now = SLOT - timedelta(hours=23)
    service = await start_bot(clock=clock)
    await service.outbox.drain()
    await service.outbox.drain()  # a second pass sends nothing again
    assert len(reminders_seen(emu, ann)) == 1
    assert "13:00" in reminders_seen(emu, ann)[0]

    # Down again past the 2-hour reminder and past the appointment: too late, not sent.
    await service.stop()
    clock.now = SLOT + timedelta(minutes=5)
    service = await start_bot(clock=clock)
    await service.outbox.drain()
    assert len(reminders_seen(emu, ann)) == 1
    late = [r for r in await rows(database_url) if r.sent_at is None]
    assert len(late) == 1 and late[0].failed_at is not None


async def test_reminder_answer_is_recorded_and_cancel_drops_the_rest(emu, start_bot, database_url):
    service, clock, ann = await booked(emu, start_bot, database_url)
    clock.now = SLOT - timedelta(hours=24)
    await service.outbox.drain()
    await ann.replies(1)
    assert "👍" in texts(await ann.tap("👍"))
    assert await answer_of_booking(database_url) == "coming"

    assert "❌" in texts(await ann.tap("❌"))
    clock.now = SLOT - timedelta(hours=1)
    await service.outbox.drain()
    assert len(reminders_seen(emu, ann)) == 1  # the 2-hour one was dropped with the booking
    assert [r.sent_at is not None for r in await rows(database_url)] == [True]


async def test_a_user_who_blocked_the_bot_is_recorded_once(emu, start_bot, database_url):
    service, clock, ann = await booked(emu, start_bot, database_url)
    emu.block(ann.id)
    clock.now = SLOT - timedelta(hours=1)  # both reminders due at once
    await service.outbox.drain()
    await service.outbox.drain()
    refused = [c for c in emu.failed_calls if c["method"] == "sendMessage"]
    assert len(refused) == 1  # one refusal, no retry storm
    left = await rows(database_url)
    assert all(r.failed_at is not None and r.error == "blocked" for r in left)

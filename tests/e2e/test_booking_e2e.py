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
    clock.now = SLOT - timedelta(hours=23)  # the day-before one is due, the other later
    await service.outbox.drain()
    clock.now = SLOT - timedelta(hours=1)
    await service.outbox.drain()
    refused = [c for c in emu.failed_calls if c["method"] == "sendMessage"]
    assert len(refused) == 1  # one refusal, no retry storm
    left = await rows(database_url)
    assert all(r.failed_at is not None and r.error == "blocked" for r in left)


async def test_a_backlog_of_reminders_goes_out_within_telegrams_limits(
    emu, start_bot, database_url
):
    """70 reminders fall due at once; with Telegram's flood limits on in the emulator
    (30 a second for the bot), the send limiter spaces them: all arrive, no 429."""
    from bot.outbox import queue_actions
    from flows import booking as booking_flow
    from flows.context import Context, FlowSettings
    from flows.site_index import site_index
    from storage.models import DialogueState
    from storage.repositories import Repositories

    await prepare(database_url)
    people = range(7_000_001, 7_000_071)
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            repos = Repositories(session)
            site = (await site_index(repos)).by_id("leuven-stad")
            settings = FlowSettings(reminder_hours=(2,))
            for place, user_id in enumerate(people, start=1):
                user = await repos.users.touch(user_id, START)
                user.locale, user.consent_at = "nl", START
                made = await repos.bookings.book(
                    user_id, site.id, "email", "nl", SLOT, 30, len(people), START
                )
                assert made is not None and made.place == place
                ctx = Context(repos, user, DialogueState(chat_id=user_id), settings, START)
                await queue_actions(repos, booking_flow.reminders(ctx, made, site), START)
    finally:
        await db.dispose()
    for user_id in people:
        emu.add_user("Burger", user_id=user_id)
        emu.state.private_chat(user_id)  # they wrote to the bot when they booked
    emu.rate_limit(per_chat_per_second=1, global_per_second=30)

    await start_bot(clock=Clock(SLOT - timedelta(hours=1)))  # the scheduler wakes the sender
    for user_id in people:
        [reminder] = await emu.wait_for_bot_messages(user_id, timeout=15)
        assert reminder["text"].startswith("🔔")
    assert [c for c in emu.failed_calls if c["status"] == 429] == []
    assert all(row.sent_at is not None for row in await rows(database_url))


async def test_a_digibuddy_offers_a_booking_inside_a_case(emu, start_bot, database_url):
    """/offer in a question: the citizen gets a button, books Tuesday 13:00 at the
    digibank's site for the question's topic; the digibuddy hears of it."""
    from tests.e2e.test_cases_e2e import digibuddy, make_admin, open_case

    await prepare(database_url)
    await start_bot(clock=Clock(START))
    sara = await digibuddy(await make_admin(emu), "Sara", 5001)
    ann = Citizen(emu)
    await ann.onboard()
    await open_case(ann)
    await sara.replies()  # the card
    await sara.tap("Take", count=2)
    await ann.replies()  # "Sara helps you now"
    [sent] = await sara.say("/offer")
    assert "#1" in sent["text"]
    [offer] = await ann.replies()
    assert "Wil je een tijdstip kiezen?" in offer["text"]
    days = await ann.tap("Kies een tijdstip")  # one Leuven site takes bookings: its days
    assert "Welke dag" in texts(days)
    await ann.tap("dinsdag 2 maart")
    await ann.tap("13:00")
    confirmation = await ann.tap("✅", count=3)
    assert "itsme" in texts(confirmation)
    [told] = await sara.replies()
    assert "Question #1 booked" in told["text"] and "1:00" in told["text"]


async def test_down_past_both_reminders_only_the_later_one_is_sent(emu, start_bot, database_url):
    service, clock, ann = await booked(emu, start_bot, database_url)
    await service.stop()
    clock.now = SLOT - timedelta(hours=1)  # both the 24-hour and the 2-hour one are due
    service = await start_bot(clock=clock)
    await service.outbox.drain()
    await service.outbox.drain()
    assert len(reminders_seen(emu, ann)) == 1
    day_before, two_hours = sorted(await rows(database_url), key=lambda r: r.id)
    assert day_before.sent_at is None and day_before.error == "no longer needed"
    assert two_hours.sent_at is not None

"""Telegram misbehaves: answers after our read timeout (the call did happen), 429 and 5xx
storms. Relayed messages arrive at least once; reminders at most once."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import func, select

from bot.emulator import Fault
from storage.db import Database
from storage.models import OutboxMessage, utcnow
from storage.repositories import Repositories
from tests.e2e.test_cases_e2e import take_case
from tests.faults.conftest import Tally, arrived, tokens

TIMEOUT = "2"  # TELEGRAM_TIMEOUT of the bot under test
# The emulator answers this late: after the bot gave up waiting.
LATE = float(os.environ.get("FAULT_LATE_SECONDS", "3"))
LATE_CALLS = 3


def storm(chat_id: int) -> list[Fault]:
    return [
        Fault(method="sendMessage", status=200, late=LATE, chat_id=chat_id, times=LATE_CALLS),
        Fault(method="sendMessage", status=429, retry_after=1, chat_id=chat_id, times=4),
        Fault(method="sendMessage", status=502, chat_id=chat_id, times=4),
    ]


async def test_late_answers_429_and_5xx_lose_no_relayed_message(emu, bot_process):
    bot = await bot_process(TELEGRAM_TIMEOUT=TIMEOUT)
    ann, sara = await take_case(emu)
    for fault in storm(sara.id) + storm(ann.id):
        emu.inject(fault)
    to_sara = [f"msg-{n:03d}" for n in range(30)]
    to_ann = [f"msg-{n:03d}" for n in range(100, 115)]
    for ann_says, sara_says in zip(to_sara, to_ann + [None] * 15, strict=True):
        await emu.send_text(ann.id, f"{ann_says} mijn kaartlezer")
        if sara_says:
            await emu.send_text(sara.id, f"{sara_says} probeer het opnieuw")
        await asyncio.sleep(0.05)
    await arrived(emu, {sara.id: to_sara, ann.id: to_ann}, timeout=90)
    for name, sent, chat in (
        ("late answers, 429s and 502s: citizen to digibuddy", to_sara, sara.id),
        ("late answers, 429s and 502s: digibuddy to citizen", to_ann, ann.id),
    ):
        tally = Tally.of(name, sent, emu, chat)
        assert tally.lost == [] and tally.out_of_order == 0
        # At least once: only a call answered too late is made again.
        assert tally.extra <= LATE_CALLS
    assert "Traceback" not in bot.log()


async def test_reminders_answered_late_are_not_sent_twice(emu, bot_process, database_url):
    people = [emu.add_user(f"P{n}", language_code="nl").id for n in range(20)]
    await bot_process(TELEGRAM_TIMEOUT=TIMEOUT)
    for person in people:  # a bot may write only to people who started a chat with it
        await emu.send_text(person, "/start")
        await emu.wait_for_bot_messages(person, 1)
    sent = [f"msg-{n:03d}" for n in range(20)]
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            repos = Repositories(session)
            for person, token in zip(people, sent, strict=True):
                payload = {"type": "text", "text": f"⏰ {token} Morgen om 10:00", "buttons": []}
                await repos.outbox.add(person, payload, utcnow(), at_most_once=True)
                emu.inject(Fault(method="sendMessage", status=200, late=LATE, chat_id=person))

        async def unsettled() -> int:
            async with db.transaction() as session:
                return await session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
                )

        for _ in range(300):  # the bot's periodic drain sends them
            if await unsettled() == 0:
                break
            await asyncio.sleep(0.2)
        assert await unsettled() == 0
    finally:
        await db.dispose()
    received = [token for person in people for token in tokens(emu.bot_messages(person))]
    tally = Tally("reminders answered late (at most once)", sent, received)
    tally.report()
    assert tally.doubled == {}
    assert tally.lost == []  # each call did happen: each reminder arrived, once

"""Reminders: the outbox sender draining a backlog of due reminders with Telegram's limits on.

    .venv/bin/python bench/reminders.py [--reminders 10000] [--baseline 2000] [--postgres URL]

Set-up (not in the results): a Bot API emulator on 127.0.0.1 with Telegram's flood limits
on (a sliding one-second window: 1 message per chat, 30 for the whole bot; more is answered
429), a fresh database (a temporary SQLite file, or a scratch PostgreSQL database), the seed
sites, and --reminders citizens in six languages who each booked coaching at one site in two
hours: their 2-hour reminders are outbox rows, written the way the booking dialogue writes
them (``flows.booking.reminders``), and all fell due a minute ago.

Measured: our BotService starts (as after a restart); APScheduler wakes the outbox sender,
which sends every reminder (text and buttons, in the citizen's language) through PTB and the
send limiter (SEND_RATE, default 28 a second). We time each message the emulator stores.

Baseline, in the same run: a bare PTB bot with the same limiter sends --baseline messages
to as many chats from one loop, no database: the rate the limiter and HTTP alone allow.

Prints the achieved rate (first to last send, and from start-up), its share of Telegram's 30
messages a second, the ratio to the baseline, the busiest one-second window and the number of
429 answers. Numbers only, no assertion; emulator, bot and driver share one process.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from telegram.constants import ParseMode
from telegram.ext import Application

sys.path.insert(0, str(Path(__file__).resolve().parent))
from relay import BotMessageTap, Stopwatch, bench_settings, scratch_database

from bot.config import Settings
from bot.emulator import BotApiEmulator
from bot.outbox import queue_actions
from bot.service import BotService, Tuning, send_limiter
from flows import booking
from flows.context import Context, FlowSettings
from flows.i18n import SUPPORTED_LOCALES, use_locale
from flows.site_index import site_index
from storage.db import Database, upgrade_async
from storage.models import Booking, DialogueState, OutboxMessage, User, utcnow
from storage.repositories import Repositories
from storage.seeding import load_seed_if_empty

TELEGRAM_RATE = 30  # messages a second to different chats (Telegram's flood limit)
FIRST_CHAT = 5_000_000
BATCH = 1000  # citizens written per transaction in the set-up


@dataclass(frozen=True)
class Result:
    label: str
    sent: int
    started: float  # perf_counter when the run began (start-up, or the first call)
    times: list[float]  # perf_counter of each stored message, sorted
    refused: int  # 429 answers during the run

    @property
    def rate(self) -> float:
        """Messages a second from the first send to the last."""
        span = self.times[-1] - self.times[0] if len(self.times) > 1 else 0.0
        return (len(self.times) - 1) / span if span else 0.0

    @property
    def overall(self) -> float:
        """Messages a second from the start of the run (wake-up included)."""
        return len(self.times) / (self.times[-1] - self.started) if self.times else 0.0

    @property
    def busiest_second(self) -> int:
        """The most messages stored in any one-second window."""
        times = self.times
        return max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


async def write_due_reminders(database_url: str, count: int) -> str:
    """``count`` citizens, each with a booking two hours from now whose 2-hour reminder
    fell due a minute ago; written as the booking dialogue writes it. Returns the site."""
    db = Database(database_url)
    now = utcnow()
    starts_at = (now + timedelta(hours=2) - timedelta(minutes=1)).replace(microsecond=0)
    booked_at = now - timedelta(hours=3)  # when they booked: the reminder was in the future
    settings = FlowSettings(reminder_hours=(2,))
    try:
        await load_seed_if_empty(db)
        async with db.transaction() as session:
            site = (await site_index(Repositories(session))).sites[0]
        for first in range(0, count, BATCH):
            async with db.transaction() as session:
                repos = Repositories(session)
                people = []
                for number in range(first, min(first + BATCH, count)):
                    locale = SUPPORTED_LOCALES[number % len(SUPPORTED_LOCALES)]
                    user = User(
                        id=FIRST_CHAT + number, locale=locale, consent_at=booked_at, role="citizen"
                    )
                    appointment = Booking(
                        citizen_id=user.id,
                        site_id=site.id,
                        topic="itsme",
                        locale=locale,
                        starts_at=starts_at,
                        minutes=30,
                        place=number + 1,
                        status="booked",
                        created_at=booked_at,
                    )
                    people.append((user, appointment))
                session.add_all([user for user, _ in people])
                await session.flush()
                session.add_all([appointment for _, appointment in people])
                await session.flush()
                actions = []
                for user, appointment in people:
                    ctx = Context(repos, user, DialogueState(chat_id=user.id), settings, booked_at)
                    with use_locale(user.locale):
                        actions += booking.reminders(ctx, appointment, site)
                await queue_actions(repos, actions, booked_at)
    finally:
        await db.dispose()
    return site.name


async def count_unsent(database_url: str) -> int:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return (
                await session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None)))
                or 0
            )
    finally:
        await db.dispose()


def arrivals_since(tap: BotMessageTap, first_chat: int, count: int) -> list[float]:
    return sorted(
        arrival.at
        for chat_id in range(first_chat, first_chat + count)
        for arrival in tap.by_chat.get(chat_id, ())
    )


async def wait_for(tap: BotMessageTap, first_chat: int, count: int, timeout: float) -> None:  # noqa: ASYNC109
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if sum(1 for c in range(first_chat, first_chat + count) if tap.by_chat.get(c)) >= count:
            return
        await asyncio.sleep(0.5)
    raise TimeoutError(f"not every reminder arrived within {timeout:.0f} s")


def refusals(emu: BotApiEmulator, since: int) -> int:
    return sum(1 for call in emu.failed_calls[since:] if call["status"] == 429)


async def measure_bot(
    emu: BotApiEmulator, tap: BotMessageTap, database_url: str, count: int, rate: int
) -> Result:
    settings = bench_settings(emu, database_url, send_rate=rate, reminder_hours=(2,))
    tuning = Tuning(host="127.0.0.1", run_scheduler=False, publish_commands=False)
    failed_before = len(emu.failed_calls)
    started = time.perf_counter()
    service = BotService(settings, tuning)
    await service.start()
    try:
        await wait_for(tap, FIRST_CHAT, count, timeout=count / rate * 3 + 60)
    finally:
        await service.stop()
    times = arrivals_since(tap, FIRST_CHAT, count)
    return Result("our sender", len(times), started, times, refusals(emu, failed_before))


async def measure_baseline(
    emu: BotApiEmulator, tap: BotMessageTap, count: int, rate: int
) -> Result:
    """A bare PTB bot with the same limiter: one message to each of ``count`` chats, 16 at
    a time like the outbox sender, no database."""
    first_chat = FIRST_CHAT * 2
    for number in range(count):
        emu.add_user(f"Base{number}", language_code="nl", user_id=first_chat + number)
        emu.state.private_chat(first_chat + number)
    app = (
        Application.builder()
        .token(emu.token)
        .base_url(f"{emu.base_url}/bot")
        .rate_limiter(send_limiter(rate))
        .build()
    )
    await app.initialize()
    failed_before = len(emu.failed_calls)
    gate = asyncio.Semaphore(16)

    async def send(chat_id: int) -> None:
        async with gate:
            await app.bot.send_message(chat_id, "🔔 <b>Herinnering</b>", parse_mode=ParseMode.HTML)

    started = time.perf_counter()
    try:
        await asyncio.gather(*(send(first_chat + n) for n in range(count)))
    finally:
        await app.shutdown()
    times = arrivals_since(tap, first_chat, count)
    return Result("bare PTB + limiter", len(times), started, times, refusals(emu, failed_before))


def report(result: Result) -> None:
    span = result.times[-1] - result.times[0] if result.times else 0.0
    print(
        f"{result.label:>20}: {result.sent} sent in {span:.1f} s · "
        f"{result.rate:.2f} msg/s ({result.rate / TELEGRAM_RATE:.1%} of {TELEGRAM_RATE}/s) · "
        f"from start {result.overall:.2f} msg/s · busiest second {result.busiest_second} · "
        f"429 answers {result.refused}"
    )


async def run(count: int, baseline: int, rate: int, postgres: str | None) -> None:
    watch = Stopwatch()
    emu = BotApiEmulator()
    tap = BotMessageTap(emu)
    await emu.start("127.0.0.1")
    try:
        async with scratch_database(postgres) as (database_url, backend):
            await watch.lap(f"migrate a fresh {backend} database", upgrade_async(database_url))
            site = await watch.lap(
                f"{count} bookings with a due reminder", write_due_reminders(database_url, count)
            )
            for number in range(count):
                locale = SUPPORTED_LOCALES[number % len(SUPPORTED_LOCALES)]
                emu.add_user(f"Burger{number}", language_code=locale, user_id=FIRST_CHAT + number)
                emu.state.private_chat(FIRST_CHAT + number)  # they wrote to us when booking
            emu.rate_limit(per_chat_per_second=1, global_per_second=TELEGRAM_RATE)
            ours = await watch.lap(
                f"drain {count} reminders", measure_bot(emu, tap, database_url, count, rate)
            )
            unsent = await count_unsent(database_url)
        bare = await watch.lap(
            f"baseline: {baseline} messages", measure_baseline(emu, tap, baseline, rate)
        )
    finally:
        await emu.stop()
    print(f"\n{backend}, site {site!r}, SEND_RATE {rate}/s, emulator limits 1/chat/s and 30/s")
    report(ours)
    report(bare)
    print(f"{'ratio':>20}: {ours.rate / bare.rate:.3f} of the baseline rate · unsent rows {unsent}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=2_000)
    parser.add_argument("--rate", type=int, default=Settings().send_rate, help="SEND_RATE")
    parser.add_argument("--postgres", help="a PostgreSQL server URL: use a scratch database")
    args = parser.parse_args()
    asyncio.run(run(args.reminders, args.baseline, args.rate, args.postgres))


if __name__ == "__main__":
    main()

"""Talk to a person: relay latency of many open cases at once, against a bare echo bot.

    .venv/bin/python bench/relay.py [--cases 200] [--messages 5] [--quick] [--probes 20]
                                    [--outbox-seconds S] [--postgres URL]

Set-up (not in the results): one Bot API emulator on 127.0.0.1 with rate limits off, our
BotService on a temporary SQLite file (or a scratch PostgreSQL database), an admin who
invites enough digibuddies (three open cases each), citizens who each open a case (/human,
"Iedereen Digitaal", "itsme") and digibuddies who take them with "✋ Take" from /queue.

Burst: every citizen sends --messages texts at once, all citizens together. For each text we
take the time from ``send_text`` (the update queued in the emulator) to the moment the
emulator stores the relayed copy ("💬 #ID: text") in the digibuddy's chat. Then the same
burst against a bare echo bot (PTB long polling on the same emulator and the same users,
one handler that sends the text back with the same update processor) gives the baseline.

After each burst, --probes messages go one at a time (each a moment after the previous copy
arrived): the latency without a backlog. Prints p50, p99 and max latency, throughput, the
ratios and the difference (the added relay latency). Numbers only, no assertion: compare
runs on the same machine. Emulator, bot and this driver share one process and event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import html
import math
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.config import Settings
from bot.emulator import BotApiEmulator
from bot.ordering import ChatLocks, ChatOrderedProcessor
from bot.service import ALLOWED_UPDATES, BotService, Tuning
from storage.db import upgrade_async
from storage.models import Case

ADMIN_ID = 1_999_999
CAPACITY = 3  # open cases a digibuddy may hold (StaffProfile.capacity's default)
QUEUE_PAGE = 10  # cards /queue shows at most
POLL_TIMEOUT = 1.0
PROBE_PAUSE = 0.25  # seconds between the one-at-a-time messages
STEP_TIMEOUT = 120.0  # seconds one set-up step may take with everyone at once


# --- what the bot sends, with the moment it is stored ------------------------------------------


@dataclass
class Arrival:
    chat_id: int
    text: str | None
    at: float  # time.perf_counter()
    message: Any  # the emulator's StoredMessage (its view() is its current state)


class BotMessageTap:
    """Records each message the bot sends, the instant the emulator stores it.

    Wraps ``emu.state.add_message`` on this emulator instance only (no project code changes).
    Waiting for a chat's messages is O(1) per message, unlike ``wait_for_bot_messages``
    which re-scans the chat for every waiter on every change of the emulator.
    """

    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self.by_chat: dict[int, list[Arrival]] = {}
        self._waiters: dict[int, list[tuple[int, asyncio.Future[None]]]] = {}
        self.listener: Callable[[Arrival], None] | None = None
        state = emu.state
        original = state.add_message

        def add_message(chat: Any, sender: str, *args: Any, **kwargs: Any) -> Any:
            message = original(chat, sender, *args, **kwargs)
            if sender == "bot":
                self._record(Arrival(message.chat_id, message.text, time.perf_counter(), message))
            return message

        state.add_message = add_message  # type: ignore[method-assign]

    def _record(self, arrival: Arrival) -> None:
        arrived = self.by_chat.setdefault(arrival.chat_id, [])
        arrived.append(arrival)
        if self.listener is not None:
            self.listener(arrival)
        waiters = self._waiters.get(arrival.chat_id)
        if waiters:
            still = []
            for count, future in waiters:
                if len(arrived) >= count:
                    if not future.done():
                        future.set_result(None)
                else:
                    still.append((count, future))
            self._waiters[arrival.chat_id] = still

    async def wait_count(self, chat_id: int, count: int, timeout: float) -> list[Arrival]:  # noqa: ASYNC109
        """Wait until the chat holds at least ``count`` bot messages; returns them all."""
        arrived = self.by_chat.setdefault(chat_id, [])
        if len(arrived) < count:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(chat_id, []).append((count, future))
            try:
                await asyncio.wait_for(future, timeout)
            except TimeoutError:
                raise TimeoutError(
                    f"waited {timeout}s for {count} bot message(s) in chat {chat_id}, got "
                    f"{len(arrived)}\n{self.emu.describe_chat(chat_id)}"
                ) from None
        return arrived


class Person:
    """A user of the emulator who reads the bot's replies in order (like the e2e Citizen)."""

    def __init__(
        self,
        emu: BotApiEmulator,
        tap: BotMessageTap,
        first_name: str,
        language: str,
        user_id: int | None = None,
    ) -> None:
        self.emu = emu
        self.tap = tap
        self.id = emu.add_user(first_name, language_code=language, user_id=user_id).id
        self.seen = 0  # how many of the bot's messages in this chat were read

    async def replies(self, count: int = 1, timeout: float = STEP_TIMEOUT) -> list[dict[str, Any]]:  # noqa: ASYNC109
        arrived = await self.tap.wait_count(self.id, self.seen + count, timeout)
        new = arrived[self.seen : self.seen + count]
        self.seen += count
        return [a.message.view() for a in new]

    async def say(self, text: str, count: int = 1) -> list[dict[str, Any]]:
        await self.emu.send_text(self.id, text)
        return await self.replies(count)

    async def press(self, message: dict[str, Any], label_part: str, count: int = 1) -> list[dict]:
        for row in (message["reply_markup"] or {}).get("inline_keyboard", []):
            for button in row:
                if label_part in button["text"] and "callback_data" in button:
                    await self.emu.press_button(
                        self.id, message["message_id"], button["callback_data"]
                    )
                    return await self.replies(count)
        raise AssertionError(f"no button {label_part!r}\n{self.emu.describe_chat(self.id)}")

    async def tap_button(self, label_part: str, count: int = 1) -> list[dict[str, Any]]:
        """Press a button of the newest message that has it."""
        for arrival in reversed(self.tap.by_chat.get(self.id, [])):
            view = arrival.message.view()
            for row in (view["reply_markup"] or {}).get("inline_keyboard", []):
                if any(label_part in b["text"] and "callback_data" in b for b in row):
                    return await self.press(view, label_part, count)
        raise AssertionError(f"no button {label_part!r}\n{self.emu.describe_chat(self.id)}")

    async def onboard(self, language: str, payload: str = "") -> list[dict[str, Any]]:
        """/start (a deep-link payload is answered first), language, OK; the first replies."""
        first = await self.say(f"/start {payload}".strip(), count=2 if payload else 1)
        await self.tap_button(language)
        await self.tap_button("✅")
        return first


def texts(messages: Iterable[dict[str, Any]]) -> str:
    return "\n".join(m["text"] or "" for m in messages)


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# --- set-up ---------------------------------------------------------------------------------


class Stopwatch:
    def __init__(self) -> None:
        self.laps: list[tuple[str, float]] = []

    async def lap(self, label: str, work: Awaitable[Any]) -> Any:
        start = time.perf_counter()
        result = await work
        self.laps.append((label, time.perf_counter() - start))
        return result


async def invite_links(admin: Person, count: int) -> list[str]:
    """The admin asks for ``count`` single-use links at once (answered in order)."""
    for _ in range(count):
        await admin.emu.send_text(admin.id, "/invite digibuddy leuven")
    links = await admin.replies(count)
    return [link["text"].split("start=")[1].split()[0] for link in links]


async def join_as_digibuddy(buddy: Person, code: str) -> None:
    first = await buddy.onboard("English", payload=code)
    if "Welcome to the team" not in texts(first):
        raise AssertionError(f"invite not redeemed\n{buddy.emu.describe_chat(buddy.id)}")


async def open_case(citizen: Person) -> None:
    await citizen.say("/human")
    await citizen.tap_button("Iedereen Digitaal")
    [queued] = await citizen.tap_button("itsme")
    if not (queued["text"] or "").startswith("✅"):
        raise AssertionError(f"no case opened\n{citizen.emu.describe_chat(citizen.id)}")


async def take_all(buddies: list[Person], cases: int) -> None:
    """Digibuddies go on duty and take the waiting cases from /queue, three each.

    Cases are opened while nobody is on duty, so no alert cards go out (200 cases x 67
    digibuddies would be 13,400 cards). Three digibuddies at a time read the same /queue
    page (nothing is taken meanwhile) and each takes three different cards from it.
    """
    waiting = cases
    for batch in chunks(buddies, CAPACITY):
        await asyncio.gather(*(b.say("/duty on") for b in batch))
        page = min(QUEUE_PAGE, waiting)
        listings = await asyncio.gather(*(b.say("/queue", count=page) for b in batch))
        order = [m["reply_markup"]["inline_keyboard"][0][0]["callback_data"] for m in listings[0]]
        jobs = []
        for j, (buddy, listing) in enumerate(zip(batch, listings, strict=True)):
            wanted = order[j * CAPACITY : (j + 1) * CAPACITY]
            cards = {
                m["reply_markup"]["inline_keyboard"][0][0]["callback_data"]: m for m in listing
            }
            jobs.append(take_cards(buddy, [cards[data] for data in wanted]))
            waiting -= len(wanted)
        await asyncio.gather(*jobs)
        if waiting <= 0:
            return


async def take_cards(buddy: Person, cards: list[dict[str, Any]]) -> None:
    for card in cards:
        answer = await buddy.press(card, "Take", count=2)
        if "You help with question" not in texts(answer):
            raise AssertionError(f"take failed\n{buddy.emu.describe_chat(buddy.id)}")


async def routes_from_database(service: BotService, cases: int) -> dict[int, int]:
    """citizen id -> digibuddy id of every active case, checked against what we set up."""
    async with service.db.transaction() as session:
        rows = (await session.execute(select(Case.citizen_id, Case.assignee_id, Case.status))).all()
    routes = {citizen: buddy for citizen, buddy, status in rows if status == "active"}
    load: dict[int, int] = {}
    for buddy in routes.values():
        load[buddy] = load.get(buddy, 0) + 1
    if len(rows) != cases or len(routes) != cases or max(load.values()) > CAPACITY:
        raise AssertionError(f"expected {cases} active cases, got {len(routes)} of {len(rows)}")
    return routes


# --- the burst ------------------------------------------------------------------------------


@dataclass
class BurstResult:
    sent: int
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    misrouted: int = 0

    @property
    def lost(self) -> int:
        return self.sent - len(self.latencies_ms) - self.misrouted

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    @property
    def maximum(self) -> float:
        return max(self.latencies_ms, default=math.nan)

    def percentile(self, p: int) -> float:
        values = self.latencies_ms
        if len(values) < 2:
            return values[0] if values else math.nan
        return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


async def burst(
    emu: BotApiEmulator,
    tap: BotMessageTap,
    routes: dict[int, int],
    messages: int,
    label: str,
    timeout: float,  # noqa: ASYNC109
) -> BurstResult:
    """Every sender writes ``messages`` texts at once; each must arrive in ``routes[sender]``.

    A text ends with a unique tag, so its copy is recognised whatever header the bot adds.
    Sending is round-robin (everyone's first message, then everyone's second…), all queued
    before the bot gets to run.
    """
    expected: dict[str, tuple[int, float]] = {}  # tag -> (destination chat, time sent)
    result = BurstResult(sent=len(routes) * messages)
    arrivals: list[float] = []
    done = asyncio.get_running_loop().create_future()
    seen: set[str] = set()

    def on_bot_message(arrival: Arrival) -> None:
        tag = (arrival.text or "").rsplit(" ", 1)[-1]
        if tag not in expected or tag in seen:
            return
        seen.add(tag)
        chat, sent_at = expected[tag]
        if arrival.chat_id == chat:
            result.latencies_ms.append((arrival.at - sent_at) * 1000)
            arrivals.append(arrival.at)
        else:
            result.misrouted += 1
        if len(seen) == result.sent and not done.done():
            done.set_result(None)

    tap.listener = on_bot_message
    start = time.perf_counter()
    try:
        for k in range(messages):
            for sender, destination in routes.items():
                tag = f"[{label}{sender}.{k}]"
                expected[tag] = (destination, time.perf_counter())
                await emu.send_text(sender, f"Mijn itsme-app zegt 'fout', wat nu? {tag}")
        with contextlib.suppress(TimeoutError):  # what is missing is reported as lost
            await asyncio.wait_for(done, timeout)
    finally:
        tap.listener = None
    result.seconds = (max(arrivals) - start) if arrivals else 0.0
    return result


# --- the bots -------------------------------------------------------------------------------


def bench_settings(emu: BotApiEmulator, database_url: str, **overrides: Any) -> Settings:
    """Our bot on this emulator and database, on a free port."""
    settings = Settings(
        bot_token=emu.token, api_base_url=emu.base_url, database_url=database_url, port=0
    )
    return dataclasses.replace(settings, **overrides)


async def start_bot_service(
    emu: BotApiEmulator, database_url: str, outbox_seconds: float | None
) -> BotService:
    # Limits are off in the emulator; the echo baseline has no send limiter either.
    settings = bench_settings(emu, database_url, admin_ids=frozenset({ADMIN_ID}), send_rate=0)
    tuning = Tuning(
        poll_timeout=POLL_TIMEOUT, host="127.0.0.1", run_scheduler=False, publish_commands=False
    )
    if outbox_seconds is not None:
        tuning = dataclasses.replace(tuning, outbox_seconds=outbox_seconds)
    service = BotService(settings, tuning)
    await service.start()
    return service


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    # Same call shape as the relay (HTML, escaped), so the emulator does the same work.
    await context.bot.send_message(
        message.chat_id, html.escape(message.text), parse_mode=ParseMode.HTML
    )


async def start_echo_bot(emu: BotApiEmulator) -> Application:
    """Bare PTB: long polling and one handler; same update processor as the BotService
    (256 concurrent, in order within a chat), so only the pipeline differs."""
    app = (
        Application.builder()
        .token(emu.token)
        .base_url(f"{emu.base_url}/bot")
        .base_file_url(f"{emu.base_url}/file/bot")
        .concurrent_updates(ChatOrderedProcessor(ChatLocks()))
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await app.initialize()
    await app.start()
    await app.updater.start_polling(
        timeout=timedelta(seconds=POLL_TIMEOUT),
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=True,
    )
    return app


async def stop_echo_bot(app: Application) -> None:
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


# --- run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    cases: int
    messages: int
    warmup: int  # messages (one per citizen) each bot handles before its burst
    probes: int  # messages sent one at a time, each after the previous copy arrived
    outbox_seconds: float | None  # None: the production default of Tuning
    postgres: str | None  # a server URL: measure on a fresh database there, not on SQLite


@contextlib.asynccontextmanager
async def scratch_database(postgres: str | None) -> AsyncIterator[tuple[str, str]]:
    """A fresh database URL and its label: a temporary SQLite file, or a new PostgreSQL
    database on the given server (dropped afterwards)."""
    if postgres is None:
        with tempfile.TemporaryDirectory(prefix="bench-relay-") as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", "SQLite"
        return
    import asyncpg

    server = make_url(postgres).set(drivername="postgresql", database="postgres")
    name = f"bench_relay_{os.getpid()}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(server.render_as_string(hide_password=False))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    await admin(f'CREATE DATABASE "{name}"')
    try:
        url = server.set(drivername="postgresql+asyncpg", database=name)
        yield url.render_as_string(hide_password=False), "PostgreSQL"
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def one_at_a_time(
    emu: BotApiEmulator, tap: BotMessageTap, routes: dict[int, int], count: int, label: str
) -> BurstResult:
    """Latency without a backlog: one message, wait for its copy and a pause, the next
    citizen. The pause lets the bot finish its bookkeeping after the send."""
    senders = list(routes)
    total = BurstResult(sent=0)
    await asyncio.sleep(1.0)
    for i in range(count):
        await asyncio.sleep(PROBE_PAUSE)
        sender = senders[i % len(senders)]
        one = await burst(emu, tap, {sender: routes[sender]}, 1, f"{label}{i}-", 30.0)
        total.sent += one.sent
        total.latencies_ms += one.latencies_ms
        total.misrouted += one.misrouted
        total.seconds += one.seconds
    return total


async def measure(
    emu: BotApiEmulator, tap: BotMessageTap, routes: dict[int, int], options: Options, label: str
) -> tuple[BurstResult, BurstResult]:
    """Warm up, then the burst, then the one-at-a-time probes."""
    timeout = max(60.0, len(routes) * options.messages * 0.1)
    await burst(emu, tap, dict(list(routes.items())[: options.warmup]), 1, f"{label}w", 60.0)
    loaded = await burst(emu, tap, routes, options.messages, label, timeout)
    return loaded, await one_at_a_time(emu, tap, routes, options.probes, f"{label}p")


async def run(options: Options) -> None:
    cases = options.cases
    watch = Stopwatch()
    emu = BotApiEmulator()
    tap = BotMessageTap(emu)
    await emu.start("127.0.0.1")
    emu.rate_limit(None, None)
    async with scratch_database(options.postgres) as (database_url, backend):
        service: BotService | None = None
        try:
            await watch.lap(f"migrate a fresh {backend} database", upgrade_async(database_url))
            service = await watch.lap(
                "start emulator + BotService",
                start_bot_service(emu, database_url, options.outbox_seconds),
            )
            tuning = service.tuning
            admin = Person(emu, tap, "Boss", "en", user_id=ADMIN_ID)
            buddy_count = math.ceil(cases / CAPACITY)
            buddies = [Person(emu, tap, f"Buddy{i}", "en") for i in range(buddy_count)]
            citizens = [Person(emu, tap, f"Burger{i}", "nl") for i in range(cases)]

            await watch.lap("admin onboarded", admin.onboard("English"))
            codes = await watch.lap(
                f"{buddy_count} invite links (/invite digibuddy leuven)",
                invite_links(admin, buddy_count),
            )
            await watch.lap(
                f"{buddy_count} digibuddies joined (concurrently)",
                asyncio.gather(
                    *(join_as_digibuddy(b, c) for b, c in zip(buddies, codes, strict=True))
                ),
            )
            await watch.lap(
                f"{cases} citizens onboarded (concurrently)",
                asyncio.gather(*(c.onboard("Nederlands") for c in citizens)),
            )
            await watch.lap(
                f"{cases} cases opened (concurrently)",
                asyncio.gather(*(open_case(c) for c in citizens)),
            )
            await watch.lap(
                f"{cases} cases taken (/duty on, /queue, Take)", take_all(buddies, cases)
            )
            routes = await routes_from_database(service, cases)
            relay, relay_idle = await measure(emu, tap, routes, options, "r")
            failed_calls = len(emu.failed_calls)

            await watch.lap("stop BotService", service.stop())
            service = None
            app = await watch.lap("start echo bot", start_echo_bot(emu))
            try:
                echo_routes = {citizen: citizen for citizen in routes}
                echo, echo_idle = await measure(emu, tap, echo_routes, options, "e")
            finally:
                await stop_echo_bot(app)
        finally:
            if service is not None:
                await service.stop()
            await emu.stop()

    knobs = f"poll timeout {tuning.poll_timeout:g} s"
    if hasattr(tuning, "outbox_seconds"):
        knobs += f", outbox retry job every {tuning.outbox_seconds:g} s"
    print(
        f"{cases} open cases, {buddy_count} digibuddies; one process (emulator + bot), "
        f"rate limits off, {backend}; {knobs}"
    )
    print("\nset-up (not measured below)")
    for label, seconds in watch.laps:
        print(f"  {label:<52} {seconds:7.2f} s")
    print(
        f"\nburst: {cases} citizens x {options.messages} messages = {cases * options.messages} "
        f"at once (after {options.warmup} warm-up message(s) per bot)"
    )
    report(relay, echo)
    print(
        f"\none at a time: {options.probes} messages, each {PROBE_PAUSE:g} s after the "
        "previous copy arrived"
    )
    report(relay_idle, echo_idle, throughput=False)
    print(
        f"\nburst took: relay {relay.seconds:.2f} s, echo {echo.seconds:.2f} s; "
        f"Bot API calls refused during set-up and relay: {failed_calls}"
    )


def ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def report(relay: BurstResult, echo: BurstResult, throughput: bool = True) -> None:
    rate = (lambda r: f"{r.per_second:9.1f}") if throughput else (lambda r: f"{'-':>9}")
    header = f"{'':<26} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9} {'msg/s':>9}"
    print(f"{header} {'lost':>5} {'misrouted':>9}")
    for name, r in (("relay (BotService)", relay), ("echo bot (baseline)", echo)):
        print(
            f"{name:<26} {r.percentile(50):9.1f} {r.percentile(99):9.1f} {r.maximum:9.1f} "
            f"{rate(r)} {r.lost:5d} {r.misrouted:9d}"
        )
    speed = ratio(relay.per_second, echo.per_second) if throughput else math.nan
    print(
        f"{'ratio relay / echo':<26} {ratio(relay.percentile(50), echo.percentile(50)):9.2f} "
        f"{ratio(relay.percentile(99), echo.percentile(99)):9.2f} "
        f"{ratio(relay.maximum, echo.maximum):9.2f} "
        + (f"{speed:9.2f}" if throughput else f"{'-':>9}")
    )
    print(
        f"{'added relay latency':<26} {relay.percentile(50) - echo.percentile(50):+9.1f} "
        f"{relay.percentile(99) - echo.percentile(99):+9.1f} "
        f"{relay.maximum - echo.maximum:+9.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="open cases at once")
    parser.add_argument("--messages", type=int, default=5, help="messages per citizen")
    parser.add_argument("--quick", action="store_true", help="smoke run: 10 cases, 2 messages")
    parser.add_argument(
        "--probes", type=int, default=20, help="messages sent one at a time after the burst"
    )
    parser.add_argument(
        "--outbox-seconds",
        type=float,
        help="Tuning.outbox_seconds (default: the production value)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="measure on PostgreSQL: a server URL (e.g. $TEST_POSTGRES_URL); a scratch "
        "database is created there and dropped afterwards (default: a temporary SQLite file)",
    )
    args = parser.parse_args()
    cases, messages = (10, 2) if args.quick else (args.cases, args.messages)
    if cases < 1 or messages < 1 or args.probes < 0:
        parser.error("--cases and --messages must be at least 1, --probes at least 0")
    if args.outbox_seconds is not None and "outbox_seconds" not in {
        f.name for f in dataclasses.fields(Tuning)
    }:
        parser.error("--outbox-seconds: this version of Tuning has no outbox_seconds")
    options = Options(
        cases, messages, min(5, cases), args.probes, args.outbox_seconds, args.postgres
    )
    asyncio.run(run(options))


if __name__ == "__main__":
    main()

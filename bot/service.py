"""Wires everything that runs: PTB application, pipeline, web server, scheduler.

Three modes, chosen by the settings:
- polling (a token, no WEBHOOK_URL),
- webhook (a token and WEBHOOK_URL: our aiohttp server receives Telegram's POSTs),
- playground (no token: the Bot API emulator and a chat page on 127.0.0.1, offline).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram.ext import AIORateLimiter, Application

from bot import chores, commands
from bot.bot_calls import BotCalls
from bot.config import Settings, settings_for_flows
from bot.delivery import RetryPolicy
from bot.ordering import ChatLocks
from bot.outbox import Destination, OutboxSender
from bot.pipeline import UpdatePipeline
from bot.polling import Poller
from bot.web import build_web_app, webhook_route
from flows import actions as act
from flows import cases
from storage.db import Database
from storage.models import utcnow
from storage.repositories import Repositories
from storage.seeding import load_seed_if_empty

log = logging.getLogger(__name__)
# PTB's limiter logs a 429 with a traceback before handing it to us; we log and retry it.
logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
SLACK = 1.5  # messages the send limiter's bucket holds (see send_limiter)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


@dataclass(frozen=True)
class Tuning:
    """Knobs the tests turn to run fast; production uses the defaults."""

    poll_timeout: float = 10.0
    retry: RetryPolicy = RetryPolicy()  # noqa: RUF009 (frozen, shared safely)
    host: str = "0.0.0.0"
    run_scheduler: bool = True  # the daily retention job
    publish_commands: bool = True
    outbox_seconds: float = 5.0  # how often refused messages to other chats are retried


def send_limiter(per_second: int) -> AIORateLimiter:
    """Every Bot API call to a chat waits its turn, evenly spaced, so a backlog (10,000
    reminders) goes out at the rate without a 429 from Telegram's sliding one-second
    window. The bucket holds one and a half messages: a wake-up that came late (the event
    loop was busy) is made up for at the next message, so the average stays at
    `per_second`, yet at most half a message goes out ahead of the even pace. Groups keep
    PTB's 20 a minute. A 429 that still comes is left to our own retry (max_retries=0)."""
    return AIORateLimiter(
        overall_max_rate=SLACK, overall_time_period=SLACK / per_second, max_retries=0
    )


async def route_relay(repos: Repositories, relay: act.Relay) -> Destination | None:
    """The outbox asks when a relayed message's turn comes (see `act.Relay`): one put off
    goes only while its case still waits; one for the case's topic goes into that topic
    (into the group itself when the case is gone)."""
    if relay.after_seconds and not await repos.relays.waiting(relay.case_id):
        return None
    return Destination(await repos.relays.topic_thread(relay.case_id) if relay.in_topic else None)


async def topic_opened(repos: Repositories, action: act.CreateTopic, thread_id: int) -> None:
    """The forum topic of a case was created: its relayed messages go there from now on."""
    await repos.relays.set_topic_thread(action.case_id, thread_id)


class BotService:
    def __init__(
        self,
        settings: Settings,
        tuning: Tuning = Tuning(),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.tuning = tuning
        self.clock = clock  # tests move time (reminders); production: the real UTC now
        self.db = Database(settings.database_url)
        self.locks = ChatLocks()
        self.emulator = None
        self.application: Application | None = None
        self.pipeline: UpdatePipeline | None = None
        self.outbox: OutboxSender | None = None
        self.poller: Poller | None = None
        self._runner: web.AppRunner | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self.web_url: str | None = None
        self._webhook_calls = 0  # webhook POSTs being handled

    async def start(self) -> None:
        settings = self.settings
        await load_seed_if_empty(self.db, playground=settings.playground)
        web_app = build_web_app(self.db)
        token, base_url, host = settings.bot_token, settings.api_base_url, self.tuning.host
        if settings.playground:
            from bot.emulator import BotApiEmulator
            from bot.playground.page import install_playground_page, install_playground_roles

            self.emulator = BotApiEmulator()
            async with self.db.transaction() as session:  # a restart goes on, never over
                repos = Repositories(session)
                self.emulator.continue_after(
                    await repos.updates.highest(), await repos.users.highest_id()
                )
            self.emulator.install(web_app)
            install_playground_page(web_app)
            install_playground_roles(  # simulated users become staff in one click
                web_app,
                self.db,
                self.emulator,
                lambda: self.pipeline.delivery if self.pipeline else None,
                settings.default_locale,
            )
            token, host = self.emulator.token, "127.0.0.1"  # the playground is local only
        webhook = settings.webhook_url is not None and not settings.playground
        if webhook:
            path = urlsplit(settings.webhook_url).path or "/"
            route = webhook_route(lambda: self.pipeline, self.locks, settings.webhook_secret or "")
            web_app.router.add_post(path, self._counted(route))
        await self._serve(web_app, host)
        if self.emulator is not None:
            base_url = self.web_url
            self.emulator.set_base_url(base_url)

        builder = (
            Application.builder()
            .token(token)
            .base_url(f"{base_url}/bot")
            .base_file_url(f"{base_url}/file/bot")
            .updater(None)  # our Poller confirms only what is stored (bot.polling)
            .read_timeout(settings.telegram_timeout)  # long: ambiguous sends stay rare
            .write_timeout(settings.telegram_timeout)
        )
        if settings.send_rate:
            builder = builder.rate_limiter(send_limiter(settings.send_rate))
        self.application = builder.build()
        await self.application.initialize()
        bot = self.application.bot
        flow_settings = settings_for_flows(settings, bot.username)
        self.outbox = OutboxSender(
            self.db,
            bot,
            functools.partial(cases.recipient_blocked, settings=flow_settings),
            self.clock,
            functools.partial(cases.undeliverable, settings=flow_settings),
            route=route_relay,
            on_topic=topic_opened,
        )
        self.pipeline = UpdatePipeline(
            self.db,
            BotCalls(bot, self.tuning.retry),
            self.outbox,
            flow_settings,
            self.clock,
            inbox=not webhook,
        )
        await self.outbox.heartbeat()  # before anything is claimed (takes over on SQLite)
        if self.tuning.publish_commands:
            await commands.publish(bot, settings.default_locale)
        await self.application.start()

        if webhook:
            await bot.set_webhook(
                settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("webhook mode: Telegram posts to our web server")
        else:
            await bot.delete_webhook()
            self.poller = Poller(
                self.db,
                bot,
                self.pipeline.process,
                self.locks,
                self.clock,
                self.tuning.poll_timeout,
                ALLOWED_UPDATES,
            )
            await self.poller.start()
            log.info("long polling started")
        retention = (settings.retention_days, settings.case_retention_days)
        self._scheduler = chores.start_scheduler(
            self.db,
            settings.timezone,
            retention if self.tuning.run_scheduler else None,
            self.outbox.wake,
            self.tuning.outbox_seconds,
            self.outbox.heartbeat,
            functools.partial(
                chores.apply_queue_rules, self.db, flow_settings, self.outbox, clock=self.clock
            ),
        )

    def _counted(self, route: Handler) -> Handler:
        async def counted(request: web.Request) -> web.StreamResponse:
            self._webhook_calls += 1
            try:
                return await route(request)
            finally:
                self._webhook_calls -= 1

        return counted

    async def idle(self) -> bool:
        """Is the bot quiet? No update being handled (polled or posted to the webhook),
        and the outbox has nothing due and no call under way. The emulator cannot see
        the bot's database: tests wait for this and for the emulator to be idle before
        they assert that something did not happen (tests/e2e/conftest.py `settled`)."""
        if self._webhook_calls or len(self.locks):
            return False
        if self.poller is not None and self.poller.busy:
            return False
        return self.outbox is None or await self.outbox.idle()

    async def _serve(self, web_app: web.Application, host: str) -> None:
        self._runner = web.AppRunner(web_app, access_log=None)  # access logs could hold ids
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, self.settings.port)
        await site.start()
        port = self._runner.addresses[0][1]
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "127.0.0.1") else host
        self.web_url = f"http://{shown_host}:{port}"

    async def stop(self) -> None:
        """Stop everything that runs; calling it twice is harmless."""
        if self.poller is not None:
            await self.poller.stop()
            self.poller = None
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self.outbox is not None:
            await self.outbox.close()
        if self.application is not None:
            if self.application.running:
                await self.application.stop()
            await self.application.shutdown()
            self.application = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.emulator is not None:
            await self.emulator.stop()
            self.emulator = None
        await self.db.dispose()

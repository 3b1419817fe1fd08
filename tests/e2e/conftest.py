"""End-to-end: the real PTB application (our BotService) against the Bot API emulator."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest

from bot.config import Settings
from bot.delivery import RetryPolicy
from bot.emulator import BotApiEmulator
from bot.service import BotService, Tuning
from storage.models import utcnow

ADMIN_ID = 1_999_999
FAST = Tuning(
    poll_timeout=1.0,
    retry=RetryPolicy(attempts=4, first_backoff=0.05, max_backoff=0.2),
    host="127.0.0.1",
    run_scheduler=False,
    outbox_seconds=0.2,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


StartBot = Callable[..., Awaitable[BotService]]


@pytest.fixture
async def start_bot(emu: BotApiEmulator, database_url: str) -> AsyncIterator[StartBot]:
    """Start a bot service on the emulator; several may be started (a restart) in one test."""
    running: list[BotService] = []

    async def start(clock: Callable[[], datetime] | None = None, **overrides: Any) -> BotService:
        settings = Settings(
            bot_token=emu.token,
            api_base_url=emu.base_url,
            database_url=database_url,
            port=0,
            admin_ids=frozenset({ADMIN_ID}),
        )
        service = BotService(dataclasses.replace(settings, **overrides), FAST, clock or utcnow)
        await service.start()
        running.append(service)
        return service

    yield start
    for service in running:
        await service.stop()


class Citizen:
    """A user of the emulator, with helpers to talk and tap like a person would."""

    def __init__(
        self,
        emu: BotApiEmulator,
        first_name: str = "Ann",
        language: str | None = "nl",
        user_id: int | None = None,
    ) -> None:
        self.emu = emu
        self.id = emu.add_user(first_name, language_code=language, user_id=user_id).id
        self.seen = 0  # newest bot message id already read

    async def replies(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:  # noqa: ASYNC109
        messages = await self.emu.wait_for_bot_messages(
            self.id, count, after=self.seen, timeout=timeout
        )
        self.seen = max(m["message_id"] for m in messages)
        return messages

    async def say(self, text: str, count: int = 1) -> list[dict[str, Any]]:
        await self.emu.send_text(self.id, text)
        return await self.replies(count)

    def find_button(self, label_part: str) -> tuple[int, str]:
        for message in reversed(self.emu.bot_messages(self.id)):
            markup = message["reply_markup"] or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if label_part in button["text"] and "callback_data" in button:
                        return message["message_id"], button["callback_data"]
        raise AssertionError(f"no button {label_part!r}\n{self.emu.describe_chat(self.id)}")

    async def tap(self, label_part: str, count: int = 1) -> list[dict[str, Any]]:
        message_id, data = self.find_button(label_part)
        await self.emu.press_button(self.id, message_id, data)
        return await self.replies(count)

    async def onboard(self, language: str = "Nederlands", payload: str = "") -> list[dict]:
        """/start (with a deep-link payload, answered first), language, OK; the first replies."""
        first = await self.say(f"/start {payload}".strip(), count=2 if payload else 1)
        await self.tap(language)
        await self.tap("✅")
        return first


async def settled(emu: BotApiEmulator, *services: BotService, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until nothing is under way: the emulator has no update waiting and no call
    being answered, and each bot has no update being handled and nothing due in its
    outbox, all at the same moment. Then a test may assert that something did NOT
    happen (a sleep instead passes on a slow machine while the message is on its way)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        left = deadline - loop.time()
        if left <= 0:
            busy = [service for service in services if not await service.idle()]
            raise TimeoutError(
                f"not settled after {timeout}s: emulator idle {emu.idle}, {len(busy)} busy bots"
            )
        await emu.wait_idle(timeout=left)
        before = emu.activity
        quiet = [await service.idle() for service in services]
        if all(quiet) and emu.idle and emu.activity == before:
            return
        await asyncio.sleep(0.01)


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] or "" for m in messages)

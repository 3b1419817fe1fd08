"""Fixtures: a running emulator and a real python-telegram-bot client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import telegram

from bot.emulator import BotApiEmulator


def make_bot(emu: BotApiEmulator, token: str | None = None) -> telegram.Bot:
    return telegram.Bot(
        token or emu.token,
        base_url=f"{emu.base_url}/bot",
        base_file_url=f"{emu.base_url}/file/bot",
    )


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    async with make_bot(emu) as client:
        yield client


@pytest.fixture
async def http(emu: BotApiEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=emu.base_url) as session:
        yield session


@pytest.fixture
async def user_chat(emu: BotApiEmulator) -> int:
    """A user who has said /start, so the bot may write to them; returns the chat id."""
    user = emu.add_user("Ann")
    await emu.send_text(user.id, "/start")
    return user.id

"""Injected failures surface in python-telegram-bot as the exceptions Telegram would cause."""

from __future__ import annotations

import asyncio
import time

import pytest
import telegram
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.emulator import BotApiEmulator, Fault

# python-telegram-bot warns that RetryAfter.retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_429_becomes_retry_after_and_has_no_effect(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int
) -> None:
    emu.inject(Fault(method="sendMessage", status=429, retry_after=7, times=1))
    with pytest.raises(RetryAfter) as error:
        await bot.send_message(user_chat, "eerste poging")
    retry_after = error.value.retry_after  # a timedelta when PTB_TIMEDELTA is set
    assert getattr(retry_after, "total_seconds", lambda: retry_after)() == 7
    assert emu.bot_messages(user_chat) == []
    await bot.send_message(user_chat, "tweede poging")  # the fault was used up
    assert [m["text"] for m in emu.bot_messages(user_chat)] == ["tweede poging"]
    assert [p["text"] for p in emu.calls_to("sendMessage")] == ["eerste poging", "tweede poging"]


async def test_blocked_user_gives_forbidden(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int
) -> None:
    emu.block(user_chat)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user_chat, "hallo?")
    emu.unblock(user_chat)
    await bot.send_message(user_chat, "hallo!")
    emu.block(user_chat)
    await emu.send_text(user_chat, "/start")  # writing to the bot unblocks it
    await bot.send_message(user_chat, "welkom terug")
    assert [m["text"] for m in emu.bot_messages(user_chat)] == ["hallo!", "welkom terug"]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_become_network_errors(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int, status: int
) -> None:
    emu.inject(Fault(status=status, times=2))  # any method
    with pytest.raises(NetworkError) as error:
        await bot.send_message(user_chat, "x")
    assert not isinstance(error.value, TimedOut)
    with pytest.raises(NetworkError):
        await bot.get_me()
    await bot.get_me()
    assert emu.bot_messages(user_chat) == []


async def test_fault_limited_to_one_chat_and_custom_description(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    ann, bob = emu.add_user("Ann"), emu.add_user("Bob")
    await emu.send_text(ann.id, "/start")
    await emu.send_text(bob.id, "/start")
    emu.inject(
        Fault(method="sendmessage", status=400, description="PEER_ID_INVALID", chat_id=bob.id)
    )
    await bot.send_message(ann.id, "voor Ann")
    with pytest.raises(BadRequest, match="Peer_id_invalid"):
        await bot.send_message(bob.id, "voor Bob")
    assert emu.failed_calls[-1]["description"] == "Bad Request: PEER_ID_INVALID"
    await bot.send_message(bob.id, "voor Bob")
    assert len(emu.bot_messages(bob.id)) == 1


async def test_delay_makes_calls_slow(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int
) -> None:
    emu.set_delay("sendMessage", 0.3)
    started = time.monotonic()
    await asyncio.gather(bot.get_me(), bot.send_message(user_chat, "traag"))
    assert time.monotonic() - started >= 0.3
    emu.set_delay("sendMessage", 0)
    started = time.monotonic()
    await bot.send_message(user_chat, "snel")
    assert time.monotonic() - started < 0.3


async def test_rate_limit_per_chat(emu: BotApiEmulator, bot: telegram.Bot, user_chat: int) -> None:
    emu.rate_limit(per_chat_per_second=2, global_per_second=None)
    await bot.send_message(user_chat, "1")
    await bot.send_message(user_chat, "2")
    with pytest.raises(RetryAfter):
        await bot.send_message(user_chat, "3")
    emu.rate_limit(None, None)
    await bot.send_message(user_chat, "4")
    assert [m["text"] for m in emu.bot_messages(user_chat)] == ["1", "2", "4"]

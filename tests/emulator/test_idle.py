"""The emulator's idle signal: tests wait for it before they assert that nothing came."""

from __future__ import annotations

import asyncio

import telegram

from bot.emulator import BotApiEmulator


async def test_idle_until_updates_are_confirmed_and_calls_answered(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    assert emu.idle
    user = emu.add_user("Ann")
    await emu.send_text(user.id, "/start")
    assert not emu.idle  # waiting to be fetched
    [update] = await bot.get_updates(timeout=0)
    assert not emu.idle  # fetched, but not confirmed: it would be fetched again
    await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert emu.idle

    emu.set_delay("sendMessage", 0.3)
    before = emu.activity
    call = asyncio.create_task(bot.send_message(user.id, "hallo"))
    await emu.wait_until(lambda: not emu.idle, what="the call under way")
    await emu.wait_idle()
    assert (await call).text == "hallo"
    assert emu.activity != before


async def test_a_long_poll_waiting_for_updates_is_no_work(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    user = emu.add_user("Ann")
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), what="the long poll")
    assert emu.idle
    await emu.send_text(user.id, "hallo")
    assert len(await poll) == 1
    assert not emu.idle  # until the next offset confirms it

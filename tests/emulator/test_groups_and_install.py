"""Groups, forum topics, and serving the emulator inside another aiohttp application."""

from __future__ import annotations

import aiohttp
import telegram
from aiohttp import web

from bot.emulator import BotApiEmulator

from .conftest import make_bot


async def test_group_messages_and_topics(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    ann = emu.add_user("Ann")
    group = emu.add_group("Digibuddies")
    forum = emu.add_group("Helpdesk", is_forum=True)
    assert group < 0 and forum < 0 and group != forum
    await emu.send_text_in_group(group, ann.id, "/help@digibank_test_bot")
    topic = await emu.create_topic(forum, ann.id, "Vragen")
    await emu.send_text_in_group(forum, ann.id, "vraag", message_thread_id=topic)
    group_update, _topic_created, forum_update = await bot.get_updates()
    assert group_update.message is not None
    assert group_update.message.chat.type == "group"
    assert group_update.message.chat.title == "Digibuddies"
    assert group_update.message.entities[0].type == "bot_command"
    assert forum_update.message is not None and forum_update.message.chat.is_forum
    assert forum_update.message.message_thread_id == topic

    answer = await bot.send_message(forum, "antwoord", message_thread_id=topic)
    assert answer.message_thread_id == topic and answer.is_topic_message
    assert emu.bot_messages(forum)[0]["message_thread_id"] == topic


async def test_allowed_updates_filter_what_polling_returns(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    user = emu.add_user()
    await emu.send_text(user.id, "tekst")
    await emu.send_raw_update({"message_reaction": {"chat": {"id": user.id, "type": "private"}}})
    assert [u.update_id for u in await bot.get_updates()] == [1]  # reactions: opt-in only
    await emu.send_text(user.id, "nog een tekst")
    assert await bot.get_updates(offset=2, allowed_updates=["callback_query"]) == ()


async def test_install_into_an_existing_app() -> None:
    emu = BotApiEmulator(bot_username="playground_bot")

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="chat page")

    app = web.Application()
    app.router.add_get("/", page)
    emu.install(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    emu.set_base_url(f"http://127.0.0.1:{runner.addresses[0][1]}/")
    try:
        async with make_bot(emu) as bot:
            assert (await bot.get_me()).username == "playground_bot"
        async with aiohttp.ClientSession(base_url=emu.base_url) as http:
            async with http.get("/") as response:
                assert await response.text() == "chat page"
            async with http.get("/_emulator/bot") as response:
                assert (await response.json())["username"] == "playground_bot"
    finally:
        await runner.cleanup()

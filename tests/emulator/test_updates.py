"""Users' actions reaching the bot: getUpdates long polling, duplicates, webhooks."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram
from aiohttp import web
from telegram.error import BadRequest, Conflict
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.emulator import BotApiEmulator


async def test_long_poll_returns_an_update_sent_meanwhile(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    user = emu.add_user("Ann", language_code="fr")

    async def user_writes_later() -> None:
        await asyncio.sleep(0.2)
        await emu.send_text(user.id, "/start@digibank_test_bot hallo")

    writer = asyncio.create_task(user_writes_later())
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    await writer
    assert 0.15 < time.monotonic() - started < 2
    assert len(updates) == 1
    update = updates[0]
    assert update.update_id == 1
    assert update.effective_user is not None and update.effective_user.language_code == "fr"
    message = update.message
    assert message is not None and message.text == "/start@digibank_test_bot hallo"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 24
    assert message.chat.id == user.id


async def test_offset_confirms_updates(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    user = emu.add_user()
    for text in ("een", "twee", "drie"):
        await emu.send_text(user.id, text)
    first = await bot.get_updates(limit=2)
    assert [u.update_id for u in first] == [1, 2]
    rest = await bot.get_updates(offset=3)
    assert [u.message.text for u in rest if u.message] == ["drie"]
    assert await bot.get_updates(offset=4) == ()


async def test_user_actions_become_real_updates(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    user = emu.add_user("Ann")
    await emu.send_text(user.id, "hallo")
    await emu.send_location(user.id, 50.88, 4.70)
    await emu.send_contact(user.id, "+32470000000")
    await emu.send_sticker(user.id)
    await emu.send_photo(user.id, caption="foto")
    await emu.send_document(user.id, "brief.pdf", b"%PDF-1.4")
    await emu.send_voice(user.id)
    await emu.edit_text(user.id, 1, "hallo!")
    updates = await bot.get_updates()
    messages = [u.message for u in updates if u.message]
    assert messages[1].location.latitude == 50.88
    assert messages[2].contact.user_id == user.id
    assert messages[3].sticker.emoji == "👍"
    assert messages[4].photo[-1].width == 1 and messages[4].caption == "foto"
    assert messages[5].document.file_name == "brief.pdf"
    assert messages[5].document.mime_type == "application/pdf"
    assert messages[6].voice is not None
    assert updates[-1].edited_message is not None
    assert updates[-1].edited_message.text == "hallo!"


async def test_button_press_and_callback_answer(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    user = emu.add_user()
    await emu.send_text(user.id, "/start")
    keyboard = telegram.InlineKeyboardMarkup(
        [[telegram.InlineKeyboardButton("NL", callback_data="1:onb:lang:nl")]]
    )
    sent = await bot.send_message(user.id, "Taal?", reply_markup=keyboard)
    query_id = await emu.press_button(user.id, sent.message_id, "1:onb:lang:nl")
    updates = await bot.get_updates(offset=2)
    query = updates[0].callback_query
    assert query is not None and query.id == query_id
    assert query.data == "1:onb:lang:nl" and query.from_user.id == user.id
    assert query.message is not None and query.message.reply_markup == keyboard
    assert await query.answer("Opgeslagen", show_alert=True)
    assert emu.callback_answers == [
        {
            "callback_query_id": query_id,
            "text": "Opgeslagen",
            "show_alert": True,
            "url": None,
            "cache_time": None,
        }
    ]
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)


async def test_duplicate_delivery_in_polling(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    user = emu.add_user()
    emu.duplicate_next_updates(1)
    await emu.send_text(user.id, "dubbel")
    await emu.send_text(user.id, "enkel")
    first = await bot.get_updates()
    assert [u.update_id for u in first] == [1, 2]
    # Confirmed once, but Telegram hands the duplicated one out again.
    again = await bot.get_updates(offset=3)
    assert [u.update_id for u in again] == [1]
    assert again[0].message is not None and again[0].message.text == "dubbel"
    assert await bot.get_updates(offset=3) == ()


async def test_new_get_updates_terminates_the_previous_one(
    emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    # Two bot instances polling at once (python-telegram-bot itself never overlaps polls).
    url = f"/bot{emu.token}/getUpdates"

    async def poll(seconds: int) -> tuple[int, dict[str, Any]]:
        async with http.post(url, json={"timeout": seconds}) as response:
            return response.status, await response.json()

    first = asyncio.create_task(poll(5))
    await asyncio.sleep(0.1)
    assert await poll(0) == (200, {"ok": True, "result": []})
    status, body = await first
    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")


async def test_stop_releases_pending_long_polls() -> None:
    emu = BotApiEmulator()
    await emu.start()
    try:
        async with telegram.Bot(emu.token, base_url=f"{emu.base_url}/bot") as other:
            poll = asyncio.create_task(other.get_updates(timeout=30, read_timeout=40))
            await asyncio.sleep(0.1)
            started = time.monotonic()
            await emu.stop()
            assert await poll == ()
            assert time.monotonic() - started < 2
    finally:
        await emu.stop()


async def test_a_real_application_polls_and_answers(emu: BotApiEmulator) -> None:
    async def start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html("<b>Welkom</b> bij de digibank")

    app = (
        Application.builder()
        .token(emu.token)
        .base_url(f"{emu.base_url}/bot")
        .base_file_url(f"{emu.base_url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    user = emu.add_user("Ann")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await emu.send_text(user.id, "/start")
        replies = await emu.wait_for_bot_messages(user.id, 1)
        await app.updater.stop()
        await app.stop()
    assert replies[0]["text"] == "Welkom bij de digibank"
    assert replies[0]["html"] == "<b>Welkom</b> bij de digibank"


async def test_wait_for_bot_messages_times_out_with_a_transcript(emu: BotApiEmulator) -> None:
    user = emu.add_user()
    await emu.send_text(user.id, "is er iemand?")
    with pytest.raises(TimeoutError) as error:
        await emu.wait_for_bot_messages(user.id, timeout=0.05)
    assert "#1 user: 'is er iemand?'" in str(error.value)


# --- webhook --------------------------------------------------------------------------------


class WebhookReceiver:
    """A small aiohttp server standing in for the bot's webhook endpoint."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, Any], dict[str, str]]] = []
        self.failures_left = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.json(), dict(request.headers)))
        if self.failures_left > 0:
            self.failures_left -= 1
            return web.Response(status=500)
        return web.Response(text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    server = WebhookReceiver()
    await server.start()
    yield server
    await server.stop()


async def test_webhook_delivery_with_secret_and_retries(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: WebhookReceiver
) -> None:
    user = emu.add_user()
    await emu.send_text(user.id, "al in de wachtrij")
    assert await bot.set_webhook(receiver.url, secret_token="s3cr3t_token")
    await emu.wait_until(lambda: len(receiver.received) == 1, what="pending update delivered")
    update, headers = receiver.received[0]
    assert update["message"]["text"] == "al in de wachtrij"
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cr3t_token"
    assert headers["Content-Type"] == "application/json"

    receiver.failures_left = 2
    await emu.send_text(user.id, "na twee fouten")
    await emu.wait_until(lambda: len(receiver.received) == 4, what="retried delivery")
    assert [u["update_id"] for u, _ in receiver.received] == [1, 2, 2, 2]
    assert [(d["update_id"], d["attempt"], d["status"]) for d in emu.webhook_deliveries] == [
        (1, 1, 200), (2, 1, 500), (2, 2, 500), (2, 3, 200),
    ]  # fmt: skip
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"

    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()


async def test_webhook_gives_up_after_the_last_attempt(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: WebhookReceiver
) -> None:
    user = emu.add_user()
    await bot.set_webhook(receiver.url)
    receiver.failures_left = 3
    await emu.send_text(user.id, "verloren")
    await emu.send_text(user.id, "aangekomen")
    await emu.wait_until(lambda: len(receiver.received) == 4, what="deliveries")
    texts = [u["message"]["text"] for u, _ in receiver.received]
    assert texts == ["verloren"] * 3 + ["aangekomen"]  # in order, per chat


async def test_webhook_duplicates_and_delete_webhook(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: WebhookReceiver
) -> None:
    user = emu.add_user()
    await bot.set_webhook(receiver.url)
    emu.duplicate_next_updates(1)
    await emu.send_text(user.id, "twee keer")
    await emu.wait_until(lambda: len(receiver.received) == 2, what="duplicate POST")
    assert receiver.received[0][0] == receiver.received[1][0]
    assert "X-Telegram-Bot-Api-Secret-Token" not in receiver.received[0][1]

    assert await bot.delete_webhook()
    await emu.send_text(user.id, "terug naar polling")
    await emu.send_text(user.id, "weg")
    assert [u.update_id for u in await bot.get_updates()] == [2, 3]
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


async def test_webhook_connection_failure_is_recorded(
    emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    user = emu.add_user()
    url = f"/bot{emu.token}/setWebhook"
    async with http.post(url, json={"url": "http://127.0.0.1:9/nowhere"}) as response:
        body = await response.json()
    assert body == {"ok": True, "result": True, "description": "Webhook was set"}
    await emu.send_text(user.id, "niemand thuis")
    await emu.wait_until(lambda: len(emu.webhook_deliveries) == 3, what="3 attempts")
    assert {d["status"] for d in emu.webhook_deliveries} == {None}
    assert json.dumps(emu.webhook_deliveries[0]["error"]) == '"Connection refused"'

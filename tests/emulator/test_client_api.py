"""The /_emulator JSON API of the playground chat page."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import telegram

from bot.emulator import BotApiEmulator


async def test_create_and_list_users(http: aiohttp.ClientSession) -> None:
    async with http.post("/_emulator/users", json={"first_name": "Ann"}) as response:
        assert response.status == 201
        ann = await response.json()
    assert ann["id"] == 1000001 and ann["first_name"] == "Ann" and ann["language_code"] == "nl"
    async with http.post("/_emulator/users", json={"language_code": "en"}) as response:
        second = await response.json()
    assert second["id"] == 1000002 and second["language_code"] == "en"
    async with http.get("/_emulator/users") as response:
        users = (await response.json())["users"]
    assert [u["id"] for u in users] == [1000001, 1000002]


async def test_messages_and_button_presses_become_updates(
    emu: BotApiEmulator, bot: telegram.Bot, http: aiohttp.ClientSession
) -> None:
    user = emu.add_user("Ann")
    base = f"/_emulator/users/{user.id}"
    async with http.post(f"{base}/messages", json={"text": "/start"}) as response:
        assert response.status == 201
        assert await response.json() == {"message_id": 1, "update_id": 1}
    location = {"location": {"latitude": 50.88, "longitude": 4.70}}
    async with http.post(f"{base}/messages", json=location) as response:
        assert (await response.json())["update_id"] == 2
    contact = {"contact": {"phone_number": "+32470000000", "first_name": "Ann"}}
    async with http.post(f"{base}/messages", json=contact) as response:
        assert response.status == 201
    async with http.post(f"{base}/messages", json={"sticker": "👍"}) as response:
        assert response.status == 201
    sent = await bot.send_message(user.id, "Taal?")
    press = {"message_id": sent.message_id, "data": "1:onb:lang:nl"}
    async with http.post(f"{base}/callback", json=press) as response:
        assert response.status == 201
        answer = await response.json()
    assert answer["update_id"] == 5

    updates = await bot.get_updates()
    assert updates[0].message is not None and updates[0].message.text == "/start"
    assert updates[1].message is not None and updates[1].message.location is not None
    assert updates[2].message is not None and updates[2].message.contact is not None
    assert updates[2].message.contact.user_id == user.id
    assert updates[3].message is not None and updates[3].message.sticker is not None
    assert updates[4].callback_query is not None
    assert updates[4].callback_query.id == answer["callback_query_id"]
    assert updates[4].callback_query.data == "1:onb:lang:nl"


async def test_bad_requests_get_json_errors(
    emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.post("/_emulator/users/42/messages", json={"text": "x"}) as response:
        assert response.status == 404
        assert "error" in await response.json()
    user = emu.add_user()
    async with http.post(f"/_emulator/users/{user.id}/messages", json={"video": 1}) as response:
        assert response.status == 400
    async with http.post(f"/_emulator/users/{user.id}/messages", data=b"[1]") as response:
        assert response.status == 400
    callback = {"message_id": 99, "data": "x"}
    async with http.post(f"/_emulator/users/{user.id}/callback", json=callback) as response:
        assert response.status == 404
    async with http.get("/_emulator/files/nope") as response:
        assert response.status == 404


async def test_events_long_poll(
    emu: BotApiEmulator, bot: telegram.Bot, http: aiohttp.ClientSession, user_chat: int
) -> None:
    events_url = f"/_emulator/chats/{user_chat}/events"
    async with http.get(events_url, params={"after": 0, "wait": 0}) as response:
        body = await response.json()
    assert [(e["kind"], e["sender"], e["text"]) for e in body["events"]] == [
        ("message", "user", "/start")
    ]
    last = body["last"]

    async def bot_answers_later() -> None:
        await asyncio.sleep(0.2)
        keyboard = telegram.InlineKeyboardMarkup(
            [[telegram.InlineKeyboardButton("OK", callback_data="ok")]]
        )
        await bot.send_message(user_chat, "<b>Hallo</b>", parse_mode="HTML", reply_markup=keyboard)

    task = asyncio.create_task(bot_answers_later())
    started = time.monotonic()
    async with http.get(events_url, params={"after": last, "wait": 5}) as response:
        body = await response.json()
    await task
    assert 0.15 < time.monotonic() - started < 2
    (event,) = body["events"]
    assert event["seq"] == last + 1 == body["last"]
    assert event["kind"] == "message" and event["sender"] == "bot"
    assert event["text"] == "Hallo" and event["html"] == "<b>Hallo</b>"
    assert event["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ok"
    assert event["document"] is None and event["location"] is None

    query_id = await emu.press_button(user_chat, event["message_id"], "ok")
    await bot.answer_callback_query(query_id, "Gelukt")
    await bot.edit_message_text("Klaar", chat_id=user_chat, message_id=event["message_id"])
    await bot.send_document(user_chat, telegram.InputFile(b"data", filename="a.txt"))
    await bot.delete_message(user_chat, event["message_id"])
    async with http.get(events_url, params={"after": body["last"]}) as response:
        events = (await response.json())["events"]
    assert [e["kind"] for e in events] == ["callback_answer", "edit", "message", "delete"]
    answer, edit, document, delete = events
    assert answer["text"] == "Gelukt" and answer["message_id"] is None
    assert edit["text"] == "Klaar" and edit["html"] is None and edit["reply_markup"] is None
    assert document["document"]["file_name"] == "a.txt"
    async with http.get(document["document"]["url"]) as response:
        assert await response.read() == b"data"
    assert delete["message_id"] == event["message_id"] and delete["text"] is None


async def test_events_poll_returns_empty_after_wait(
    http: aiohttp.ClientSession, user_chat: int
) -> None:
    started = time.monotonic()
    async with http.get(
        f"/_emulator/chats/{user_chat}/events", params={"after": 100, "wait": 0.2}
    ) as response:
        assert await response.json() == {"events": [], "last": 100}
    assert time.monotonic() - started >= 0.2

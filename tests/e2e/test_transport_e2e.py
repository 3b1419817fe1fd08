"""Webhook mode, ordering and what Telegram does to a bot: 429, 5xx, 403, failures."""

from __future__ import annotations

import asyncio

import aiohttp
from sqlalchemy.exc import OperationalError

from bot.emulator import Fault
from storage.models import User
from storage.repositories import UpdateLog
from tests.e2e.conftest import Citizen, free_port, settled, texts


async def _webhook_bot(start_bot):
    port = free_port()
    service = await start_bot(
        port=port, webhook_url=f"http://127.0.0.1:{port}/telegram", webhook_secret="s3cret-x"
    )
    return service, f"http://127.0.0.1:{port}/telegram"


async def test_webhook_mode_handles_updates_and_refuses_a_wrong_secret(emu, start_bot):
    service, url = await _webhook_bot(start_bot)
    ann = Citizen(emu)
    await ann.onboard()  # delivered by the emulator's webhook POSTs
    assert emu.webhook_deliveries and all(d["status"] == 200 for d in emu.webhook_deliveries)
    assert emu.calls_to("getUpdates") == []
    update = {
        "update_id": 999_999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": ann.id, "type": "private"},
            "text": "/help",
        },
    }
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(url, json=update, headers=headers) as answer:
                assert answer.status == 403
        async with http.post(
            url, data=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-x"}
        ) as answer:
            assert answer.status == 400
    await settled(emu, service)
    assert [m for m in emu.bot_messages(ann.id) if m["message_id"] > ann.seen] == []


async def test_webhook_answers_500_until_the_update_is_committed(emu, start_bot, monkeypatch):
    await _webhook_bot(start_bot)
    ann = Citizen(emu)
    await ann.onboard()
    real_claim = UpdateLog.claim
    failures = {"left": 1}  # the database is unreachable for the first delivery

    async def flaky_claim(self, update_id, now=None):
        if failures["left"] > 0:
            failures["left"] -= 1
            raise OperationalError("SELECT 1", {}, Exception("database went away"))
        return await real_claim(self, update_id, now)

    monkeypatch.setattr(UpdateLog, "claim", flaky_claim)
    [answer] = await ann.say("/help")
    assert "Hulp" in answer["text"]
    last = emu.last_update_id

    def statuses() -> list[int]:
        return [d["status"] for d in emu.webhook_deliveries if d["update_id"] == last]

    await emu.wait_until(lambda: len(statuses()) == 2, what="the redelivery")
    assert statuses() == [500, 200]


async def test_flood_limit_and_server_errors_are_retried(emu, start_bot):
    await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    emu.inject(Fault(method="sendMessage", status=429, retry_after=1, chat_id=ann.id))
    [answer] = await ann.say("/help")
    assert "Hulp" in answer["text"]
    emu.inject(Fault(method="sendMessage", status=502, times=2, chat_id=ann.id))
    [answer] = await ann.say("/privacy")
    assert "privacy" in answer["text"].lower()
    statuses = [c["status"] for c in emu.failed_calls if c["method"] == "sendMessage"]
    assert statuses == [429, 502, 502]


async def test_user_who_blocked_the_bot_is_marked_inactive(emu, start_bot):
    service = await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    emu.inject(
        Fault(
            method="sendMessage",
            status=403,
            chat_id=ann.id,
            description="Forbidden: bot was blocked by the user",
        )
    )
    await emu.send_text(ann.id, "/help")

    async def blocked() -> bool:
        async with service.db.transaction() as session:
            return (await session.get(User, ann.id)).blocked_at is not None

    for _ in range(50):
        if await blocked():
            break
        await asyncio.sleep(0.05)
    assert await blocked()
    [answer] = await ann.say("/menu")  # writing again means they unblocked us
    assert "Menu" in answer["text"]
    assert not await blocked()


async def test_blocking_reported_by_telegram_marks_the_user(emu, start_bot):
    service = await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    user = {"id": ann.id, "is_bot": False, "first_name": "Ann"}
    await emu.send_raw_update(
        {
            "my_chat_member": {
                "chat": {"id": ann.id, "type": "private"},
                "from": user,
                "date": 0,
                "old_chat_member": {"status": "member", "user": user},
                "new_chat_member": {"status": "kicked", "user": user, "until_date": 0},
            }
        }
    )
    for _ in range(50):
        async with service.db.transaction() as session:
            if (await session.get(User, ann.id)).blocked_at is not None:
                break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("my_chat_member 'kicked' did not mark the user")


async def test_a_failing_step_rolls_back_and_apologises(emu, start_bot, monkeypatch):
    from flows import router

    await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    real_handle = router.handle

    async def broken(event, ctx):
        if getattr(event, "text", "") == "boom":
            ctx.user.locale = "fr"  # a change that must be rolled back
            raise RuntimeError("a bug in a flow")
        return await real_handle(event, ctx)

    monkeypatch.setattr(router, "handle", broken)
    [sorry] = await ann.say("boom")
    assert "er ging bij ons iets mis" in sorry["text"]
    assert "Traceback" not in sorry["text"] and "RuntimeError" not in sorry["text"]
    assert sorry["reply_markup"]["inline_keyboard"]  # the way back
    [menu] = await ann.say("/menu")
    assert "Waarmee kan ik je helpen" in menu["text"]  # still Dutch: the change was undone


async def test_updates_of_one_chat_are_answered_in_order(emu, start_bot):
    await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    emu.set_delay("sendMessage", 0.05)
    for command in ("/help", "/privacy", "/whoami", "/menu"):
        await emu.send_text(ann.id, command)
    replies = await ann.replies(4)
    order = ["Hulp", "privacy", "Je bent", "Waarmee"]
    assert [next(i for i, w in enumerate(order) if w in (m["text"] or "")) for m in replies] == [
        0,
        1,
        2,
        3,
    ], texts(replies)


async def test_many_citizens_at_once(emu, start_bot):
    await start_bot()
    people = [Citizen(emu, f"P{i}", language="fr") for i in range(12)]
    await asyncio.gather(*(p.say("/start") for p in people))
    await asyncio.gather(*(p.tap("Français") for p in people))
    menus = await asyncio.gather(*(p.tap("✅") for p in people))
    assert all(len(m) == 1 for m in menus)


async def test_an_answer_telegram_refuses_is_replaced_by_an_apology(emu, start_bot):
    await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    emu.inject(
        Fault(
            method="sendMessage",
            status=400,
            chat_id=ann.id,
            description="Bad Request: can't parse entities: unexpected",
        )
    )
    [sorry] = await ann.say("/help")
    assert "er ging bij ons iets mis" in sorry["text"]


async def test_logs_hold_no_message_text(emu, start_bot, caplog):
    import logging

    from bot.cli import quiet_third_party_loggers

    caplog.set_level(logging.INFO)
    quiet_third_party_loggers()  # as `digibank run` sets them
    await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    await ann.say("mijn pincode is 4321 en mijn nummer +32470123456")
    await emu.send_contact(ann.id, "+32470123456", "Ann")
    await ann.replies()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "4321" not in logged and "+32470123456" not in logged and "pincode" not in logged

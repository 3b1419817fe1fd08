"""Webhook mode: a POST with the right secret but a body that is no Telegram update gets
400 and one log line (no traceback, nothing of the body), and the bot goes on working."""

from __future__ import annotations

import json
import logging

import aiohttp
import pytest

from bot.service import BotService
from tests.e2e.conftest import Citizen, free_port, settled

SECRET = "s3cret-x"
CANARY = "canary-7f3a"  # in every body: it must never reach the log


def message(**fields: object) -> dict:
    return {"message_id": 1, "date": 0, "text": CANARY, **fields}


GARBAGE = {
    "null": b"null",
    "a list": b"[]",
    "a number": b"1",
    "a string": json.dumps(CANARY).encode(),
    "an empty object": b"{}",
    "a message without chat": json.dumps({"update_id": 5, "message": message()}).encode(),
    "a message with a chat of the wrong type": json.dumps(
        {"update_id": 6, "message": message(chat=CANARY)}
    ).encode(),
    "nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "nested inside an update": json.dumps(
        {"update_id": 7, "message": message(chat={"id": 1, "type": "private"})}
    )
    .replace('"text"', '"reply_to_message": ' + "[" * 5_000 + "]" * 5_000 + ', "text"')
    .encode(),
    "not UTF-8": b'{"update_id": 8, "x": "\xff\xfe' + CANARY.encode() + b'"}',
    "not JSON": CANARY.encode(),
    "update_id too big": json.dumps({"update_id": 2**63, "x": CANARY}).encode(),
    "update_id 2**31": json.dumps({"update_id": 2**31, "x": CANARY}).encode(),
    "update_id negative": json.dumps({"update_id": -1, "x": CANARY}).encode(),
    "update_id a string": json.dumps({"update_id": "abc", "x": CANARY}).encode(),
    "update_id true": json.dumps({"update_id": True, "x": CANARY}).encode(),
    "update_id a float": json.dumps({"update_id": 1.5, "x": CANARY}).encode(),
    "update_id huge digits": b'{"update_id": ' + b"9" * 5_000 + b"}",
}


@pytest.fixture
async def webhook(start_bot) -> tuple[str, BotService]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    return url, await start_bot(port=port, webhook_url=url, webhook_secret=SECRET)


async def test_garbage_gets_400_and_one_log_line_and_the_bot_goes_on(
    emu, webhook, caplog: pytest.LogCaptureFixture
):
    url, service = webhook
    ann = Citizen(emu)
    await ann.onboard()
    await settled(emu, service)  # the last answers of the onboarding are out
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as http:
        for what, body in GARBAGE.items():
            caplog.clear()
            with caplog.at_level(logging.DEBUG):
                async with http.post(url, data=body, headers=headers) as answer:
                    assert answer.status == 400, what
            ours = [r for r in caplog.records if not r.name.startswith("httpx")]
            assert [r.name for r in ours] == ["bot.web"], (what, [r.getMessage() for r in ours])
            [line] = ours
            assert line.levelno == logging.WARNING and line.exc_info is None, what
            assert "webhook call refused" in line.getMessage(), what
            assert not [r for r in caplog.records if CANARY in r.getMessage()], what

    # A real update afterwards is handled as always: 200 and an answer.
    [answer] = await ann.say("/help")
    assert "Hulp" in answer["text"]
    assert emu.webhook_deliveries[-1]["status"] == 200

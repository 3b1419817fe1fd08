"""Uploading files, getFile, and downloading them again."""

from __future__ import annotations

import aiohttp
import pytest
import telegram
from telegram.error import BadRequest

from bot.emulator import BotApiEmulator

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


async def test_send_document_upload_and_download(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int, http: aiohttp.ClientSession
) -> None:
    sent = await bot.send_document(
        user_chat,
        telegram.InputFile(ICS, filename="afspraak.ics"),
        caption="Je <b>afspraak</b>",
        parse_mode="HTML",
    )
    assert sent.document is not None
    assert sent.document.file_name == "afspraak.ics"
    assert sent.document.mime_type == "text/calendar"
    assert sent.document.file_size == len(ICS)
    assert sent.caption == "Je afspraak"

    stored = emu.last_bot_message(user_chat)
    assert stored is not None
    assert stored["document"]["file_name"] == "afspraak.ics"
    assert stored["document"]["data"] == ICS
    assert stored["html"] == "Je <b>afspraak</b>"

    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == ICS

    # Sending it again by file_id reuses the stored bytes.
    again = await bot.send_document(user_chat, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id

    async with http.get(f"/_emulator/files/{sent.document.file_id}") as response:
        assert response.status == 200
        assert await response.read() == ICS
        assert 'filename="afspraak.ics"' in response.headers["Content-Disposition"]


async def test_user_photo_can_be_downloaded_by_the_bot(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    user = emu.add_user()
    await emu.send_photo(user.id, b"\xff\xd8fake-jpeg")
    (update,) = await bot.get_updates()
    assert update.message is not None
    photo = update.message.photo[-1]
    file = await photo.get_file()
    assert bytes(await file.download_as_bytearray()) == b"\xff\xd8fake-jpeg"


async def test_send_photo_and_bad_file_ids(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int
) -> None:
    sent = await bot.send_photo(user_chat, b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)
    assert sent.photo and sent.photo[-1].file_size == 38
    assert emu.last_bot_message(user_chat)["photo"]["data"].startswith(b"\x89PNG")  # type: ignore[index]
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_document(user_chat, "no-such-file-id")
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("no-such-file-id")

"""Downloading a file a user sent: never more than the limit + 1 bytes, with or without
the size Telegram may give."""

from __future__ import annotations

import telegram

from bot.emulator import BotApiEmulator
from bot.telegram_files import TelegramFiles


async def test_a_download_stops_one_byte_past_the_limit(emu: BotApiEmulator) -> None:
    user = emu.add_user("Olga")
    await emu.send_document(user.id, "sites.yaml", b"x" * 300_000)
    async with telegram.Bot(
        emu.token, base_url=f"{emu.base_url}/bot", base_file_url=f"{emu.base_url}/file/bot"
    ) as bot:
        (update,) = await bot.get_updates()
        file_id = update.message.document.file_id
        assert await TelegramFiles(bot, max_bytes=100).read(file_id) == b"x" * 101
        assert await TelegramFiles(bot, max_bytes=300_000).read(file_id) == b"x" * 300_000
        assert len(await TelegramFiles(bot).read(file_id)) == 300_000  # 1 MB by default

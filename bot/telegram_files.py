"""The flows' FileStore on Telegram: downloads a file a user sent, through the Bot API."""

from __future__ import annotations

from telegram import Bot

from bot.delivery import call_api


class TelegramFiles:
    """The flows' FileStore: downloads a file a user sent, through the Bot API."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def read(self, file_ref: str) -> bytes:
        file = await call_api(self.bot.get_file, file_ref)
        return bytes(await file.download_as_bytearray())

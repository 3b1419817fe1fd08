"""The flows' FileStore on Telegram: downloads a file a user sent, through the Bot API.

A download stops after `max_bytes` + 1 bytes: Telegram does not always give a file's size,
and a flow must be able to tell a file is too big without holding all of it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from telegram import Bot
from telegram.error import NetworkError

from bot.delivery import call_api
from storage.site_files import MAX_FILE_BYTES

_TIMEOUT = httpx.Timeout(30.0)


class TelegramFiles:
    """The flows' FileStore: downloads a file a user sent, through the Bot API."""

    def __init__(self, bot: Bot, max_bytes: int = MAX_FILE_BYTES) -> None:
        self.bot = bot
        self.max_bytes = max_bytes

    async def read(self, file_ref: str) -> bytes:
        """The file's bytes; a longer file is cut after `max_bytes` + 1 of them."""
        file = await call_api(self.bot.get_file, file_ref)
        if not file.file_path:
            raise NetworkError("Telegram gave no path for the file")
        limit = self.max_bytes + 1
        if urlsplit(file.file_path).scheme not in ("http", "https"):  # a local Bot API server
            return await asyncio.to_thread(_read_local, Path(file.file_path), limit)
        try:
            return await _download(file.file_path, limit)
        except httpx.HTTPError:
            # Not chained: the error's text holds the URL, and the URL holds the token.
            raise NetworkError("the file could not be downloaded") from None


def _read_local(path: Path, limit: int) -> bytes:
    with path.open("rb") as handle:
        return handle.read(limit)


async def _download(url: str, limit: int) -> bytes:
    received = bytearray()
    async with (
        httpx.AsyncClient(timeout=_TIMEOUT) as client,
        client.stream("GET", url) as response,
    ):
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            received += chunk[: limit - len(received)]
            if len(received) >= limit:
                break  # leaving the stream closes the connection: the rest is never read
    return bytes(received)

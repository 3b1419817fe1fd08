"""Long polling that loses nothing: an update is confirmed to Telegram only once it is
stored in the inbox table, and leaves the inbox in the transaction that handles it.

PTB's own Updater confirms updates (the next getUpdates offset) as soon as they are
queued in memory, so a killed process lost them. Here:

1. getUpdates(offset) fetches a batch; the batch is written to `inbox` in one statement;
   only then does the offset move past it. While the database is down nothing is stored,
   the offset stays, and Telegram keeps the updates (for up to a day): we try again with
   back-off and catch up in order.
2. Each stored update is handled like a webhook's: in order per chat, chats side by side;
   the handling transaction deletes the inbox row. A handling that failed because the
   database is unreachable is tried again, in its place in the chat's line.
3. At start-up, what a previous run stored but did not handle is handled first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError

from bot.delivery import backoff_delays
from bot.ordering import ChatLocks, chat_of
from storage.db import Database, is_outage
from storage.repositories import Repositories

log = logging.getLogger(__name__)

Handle = Callable[[Update], Awaitable[bool]]  # True once committed (UpdatePipeline.process)
MAX_BACKOFF = 10.0
MAX_WAITING = 2000  # updates in memory before we stop fetching more (a slow database)


class Poller:
    def __init__(
        self,
        db: Database,
        bot: Bot,
        handle: Handle,
        locks: ChatLocks,
        clock: Callable[[], Any],
        timeout: float,
        allowed_updates: list[str],
        max_concurrent: int = 256,
    ) -> None:
        self.db = db
        self.bot = bot
        self.handle = handle
        self.locks = locks
        self.clock = clock
        self.timeout = timeout
        self.allowed_updates = allowed_updates
        self._gate = asyncio.Semaphore(max_concurrent)
        self._tasks: set[asyncio.Task[None]] = set()
        self._queued: set[int] = set()  # update ids handed out and not yet handled
        self._loop: asyncio.Task[None] | None = None
        self._drained = asyncio.Event()

    async def start(self) -> None:
        """Handle what a previous run left in the inbox, then poll."""
        self._loop = asyncio.create_task(self._run(), name="poller")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop fetching; let updates being handled finish (they are in the inbox anyway)."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        if self._tasks:
            _done, pending = await asyncio.wait(list(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    @property
    def waiting(self) -> int:
        return len(self._queued)

    @property
    def busy(self) -> bool:
        """An update stored is not handled yet (or its answers are still going out)."""
        return bool(self._queued or self._tasks)

    async def _run(self) -> None:
        await self._resume()
        offset: int | None = None
        delays = backoff_delays(top=MAX_BACKOFF)
        while True:
            if len(self._queued) >= MAX_WAITING:
                self._drained.clear()
                await self._drained.wait()
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=self.timeout, allowed_updates=self.allowed_updates
                )
            except InvalidToken:
                log.error("polling: Telegram refused the token; polling stopped")
                return
            except TelegramError as exc:
                log.warning("polling: getUpdates failed (%s)", type(exc).__name__)
                await asyncio.sleep(next(delays))
                continue
            if not updates:
                delays = backoff_delays(top=MAX_BACKOFF)
                continue
            if not await self._store(updates):
                await asyncio.sleep(next(delays))  # offset unchanged: fetched again later
                continue
            delays = backoff_delays(top=MAX_BACKOFF)
            offset = updates[-1].update_id + 1
            for update in updates:
                self._dispatch(update)

    async def _resume(self) -> None:
        """Updates a previous run stored and did not handle (killed, database gone)."""
        for delay in backoff_delays(top=MAX_BACKOFF):
            try:
                async with self.db.transaction() as session:
                    stored = await Repositories(session).inbox.waiting()
                break
            except Exception as exc:
                if not is_outage(exc):
                    raise
                log.warning("polling: database unreachable, inbox not read yet")
                await asyncio.sleep(delay)
        if stored:
            log.info("polling: %d updates from the previous run handled first", len(stored))
        for payload in stored:
            update = Update.de_json(payload, self.bot)
            if update is not None:
                self._dispatch(update)

    async def _store(self, updates: tuple[Update, ...]) -> bool:
        try:
            async with self.db.transaction() as session:
                await Repositories(session).inbox.store(
                    [u.to_dict() for u in updates], self.clock()
                )
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("polling: database unreachable; %d updates wait in Telegram", len(updates))
            return False
        return True

    def _dispatch(self, update: Update) -> None:
        if update.update_id in self._queued:
            return
        self._queued.add(update.update_id)
        task = asyncio.create_task(self._handle_in_line(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle_in_line(self, update: Update) -> None:
        """In the chat's line (FIFO); again, in the same place, while the database is down."""
        try:
            async with self.locks.hold(chat_of(update)), self._gate:
                for delay in backoff_delays(top=MAX_BACKOFF):
                    try:
                        if await self.handle(update):
                            return
                    except Exception as exc:  # after the commit (a reply failed): handled
                        log.error(
                            "update %s: %s after handling", update.update_id, type(exc).__name__
                        )
                        return
                    log.warning("update %s waits for the database", update.update_id)
                    await asyncio.sleep(delay)
        finally:
            self._queued.discard(update.update_id)
            if len(self._queued) < MAX_WAITING // 2:
                self._drained.set()

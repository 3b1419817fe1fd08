"""Pushing updates to the bot's webhook, the way Telegram does it.

Updates of one chat are delivered one after another, in order; different chats in parallel
up to ``max_connections``. A delivery that doesn't get a 2xx answer is retried a few times
and then dropped, and every attempt is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .notifier import ChangeNotifier

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def update_chat_key(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to; the unit of in-order delivery."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return int(chat["id"])
        sender = value.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return int(sender["id"])
    return None


class WebhookSender:
    def __init__(
        self,
        config: WebhookConfig,
        *,
        attempts: int,
        retry_delay: float,
        timeout: float,
        notifier: ChangeNotifier,
        record: Callable[[dict[str, Any]], None],
    ) -> None:
        self.config = config
        self._attempts = max(1, attempts)
        self._retry_delay = retry_delay
        self._timeout = timeout
        self._notifier = notifier
        self._record = record
        self._queues: dict[int | None, deque[dict[str, Any]]] = {}
        self._workers: dict[int | None, asyncio.Task[None]] = {}
        self._connections = asyncio.Semaphore(max(1, config.max_connections))
        self._session: aiohttp.ClientSession | None = None

    @property
    def pending_count(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    def submit(self, update: dict[str, Any]) -> None:
        key = update_chat_key(update)
        self._queues.setdefault(key, deque()).append(update)
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._work(key))

    async def close(self) -> list[dict[str, Any]]:
        """Stop delivering; returns the updates that were not delivered yet."""
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._workers.clear()
        undelivered = [update for queue in self._queues.values() for update in queue]
        self._queues.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
        return undelivered

    async def _work(self, key: int | None) -> None:
        queue = self._queues[key]
        try:
            while queue:
                await self._deliver(queue[0])
                queue.popleft()
        finally:
            if self._workers.get(key) is asyncio.current_task():
                del self._workers[key]
                if not queue:
                    self._queues.pop(key, None)

    async def _deliver(self, update: dict[str, Any]) -> None:
        for attempt in range(1, self._attempts + 1):
            async with self._connections:
                status, error = await self._post(update)
            ok = status is not None and 200 <= status < 300
            self._record(
                {
                    "update_id": update["update_id"],
                    "attempt": attempt,
                    "status": status,
                    "ok": ok,
                    "error": error,
                }
            )
            self._notifier.notify()
            if ok:
                return
            self.config.last_error_date = int(time.time())
            self.config.last_error_message = error
            log.debug("webhook delivery of update %s failed: %s", update["update_id"], error)
            if attempt < self._attempts:
                await self._notifier.sleep(self._retry_delay)

    async def _post(self, update: dict[str, Any]) -> tuple[int | None, str | None]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"Content-Type": "application/json"}
        if self.config.secret_token:
            headers[SECRET_HEADER] = self.config.secret_token
        try:
            async with self._session.post(
                self.config.url,
                data=json.dumps(update).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return response.status, None
                reason = f"{response.status} {response.reason or ''}".strip()
                return response.status, f"Wrong response from the webhook: {reason}"
        except TimeoutError:
            return None, "Read timeout expired"
        except aiohttp.ClientConnectionError:
            return None, "Connection refused"
        except aiohttp.ClientError as exc:
            return None, f"Failed to deliver: {type(exc).__name__}"

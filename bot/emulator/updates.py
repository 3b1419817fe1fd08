"""Delivering updates to the bot: the getUpdates queue or the webhook."""

from __future__ import annotations

import copy
from typing import Any

from .errors import ApiError
from .notifier import ChangeNotifier
from .webhook import WebhookConfig, WebhookSender

# What Telegram sends when allowed_updates was never set (or set to an empty list).
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


def update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


def is_allowed(update: dict[str, Any], allowed: list[str] | None) -> bool:
    kind = update_type(update)
    if not allowed:
        return kind not in DEFAULT_EXCLUDED_UPDATES
    return kind in allowed


class UpdateHub:
    def __init__(
        self,
        notifier: ChangeNotifier,
        *,
        webhook_attempts: int = 3,
        webhook_retry_delay: float = 0.2,
        webhook_timeout: float = 10.0,
    ) -> None:
        self._notifier = notifier
        self.webhook_attempts = webhook_attempts
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.last_update_id = 0
        self.allowed_updates: list[str] | None = None  # for getUpdates
        self.webhook_deliveries: list[dict[str, Any]] = []
        self._queue: list[dict[str, Any]] = []  # not yet confirmed through getUpdates' offset
        self._redeliver: list[dict[str, Any]] = []  # confirmed, but to be delivered once more
        self._duplicate_ids: set[int] = set()
        self._duplicate_next = 0
        self._poll_generation = 0
        self._sender: WebhookSender | None = None

    @property
    def webhook(self) -> WebhookConfig | None:
        return self._sender.config if self._sender else None

    def duplicate_next(self, count: int) -> None:
        self._duplicate_next += count

    def publish(self, payload: dict[str, Any]) -> int:
        """Number and deliver an update; the payload is copied so later edits don't leak in."""
        self.last_update_id += 1
        update = {"update_id": self.last_update_id, **copy.deepcopy(payload)}
        duplicate = self._duplicate_next > 0
        if duplicate:
            self._duplicate_next -= 1
        if self._sender is not None:
            if is_allowed(update, self._sender.config.allowed_updates):
                self._sender.submit(update)
                if duplicate:
                    self._sender.submit(update)
        else:
            self._queue.append(update)
            if duplicate:
                self._duplicate_ids.add(update["update_id"])
        self._notifier.notify()
        return update["update_id"]

    # --- getUpdates -------------------------------------------------------------------------

    async def get_updates(
        self, offset: int | None, limit: int, wait: float, allowed_updates: list[str] | None
    ) -> list[dict[str, Any]]:
        if self._sender is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        if allowed_updates is not None:
            self.allowed_updates = list(allowed_updates)
        # A newer getUpdates call ends the previous one, like on Telegram's servers.
        self._poll_generation += 1
        generation = self._poll_generation
        self._notifier.notify()
        self._confirm(offset)
        await self._notifier.wait_for(
            lambda: (
                bool(self._available())
                or generation != self._poll_generation
                or self._sender is not None
            ),
            wait,
        )
        if generation != self._poll_generation:
            raise ApiError(409, POLL_CONFLICT)
        if self._sender is not None:
            return []
        redelivered = self._redeliver[:limit]
        del self._redeliver[: len(redelivered)]
        # Redelivered (older) updates first, so the client's next offset doesn't go backwards.
        return copy.deepcopy(redelivered + self._available()[: limit - len(redelivered)])

    def _available(self) -> list[dict[str, Any]]:
        self._queue = [u for u in self._queue if is_allowed(u, self.allowed_updates)]
        return self._redeliver + self._queue if self._redeliver else self._queue

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset < 0:
            confirmed, self._queue = self._queue[:offset], self._queue[offset:]
        else:
            confirmed = [u for u in self._queue if u["update_id"] < offset]
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        for update in confirmed:
            if update["update_id"] in self._duplicate_ids:
                self._duplicate_ids.discard(update["update_id"])
                self._redeliver.append(update)

    @property
    def pending_count(self) -> int:
        if self._sender is not None:
            return self._sender.pending_count
        return len(self._queue) + len(self._redeliver)

    # --- webhook ----------------------------------------------------------------------------

    async def set_webhook(self, config: WebhookConfig, *, drop_pending_updates: bool) -> None:
        pending = await self._take_all_pending()
        self._sender = WebhookSender(
            config,
            attempts=self.webhook_attempts,
            retry_delay=self.webhook_retry_delay,
            timeout=self.webhook_timeout,
            notifier=self._notifier,
            record=self.webhook_deliveries.append,
        )
        if not drop_pending_updates:
            for update in pending:
                if is_allowed(update, config.allowed_updates):
                    self._sender.submit(update)
        self._notifier.notify()  # ends getUpdates calls waiting in vain

    async def delete_webhook(self, *, drop_pending_updates: bool) -> bool:
        had_webhook = self._sender is not None
        pending = await self._take_all_pending()
        if not drop_pending_updates:
            self._queue = pending
        return had_webhook

    async def _take_all_pending(self) -> list[dict[str, Any]]:
        """Remove and return every undelivered update, in order, duplicates dropped."""
        pending = self._redeliver + self._queue
        self._redeliver, self._queue = [], []
        self._duplicate_ids.clear()
        if self._sender is not None:
            sender, self._sender = self._sender, None
            pending += await sender.close()
        unique = {update["update_id"]: update for update in pending}
        return [unique[key] for key in sorted(unique)]

    async def close(self) -> None:
        if self._sender is not None:
            await self._sender.close()

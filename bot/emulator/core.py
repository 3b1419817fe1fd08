"""The emulated server's shared parts, as seen by the Bot API method handlers."""

from __future__ import annotations

from typing import Any

from .faults import FaultInjector
from .state import EmulatorState
from .updates import UpdateHub


class EmulatorCore:
    def __init__(
        self,
        *,
        token: str,
        bot_id: int,
        bot_username: str,
        bot_first_name: str,
        webhook_attempts: int,
        webhook_retry_delay: float,
        webhook_timeout: float,
    ) -> None:
        self.token = token
        self.state = EmulatorState(
            bot_id=bot_id, bot_username=bot_username, bot_first_name=bot_first_name
        )
        self.updates = UpdateHub(
            self.state.notifier,
            webhook_attempts=webhook_attempts,
            webhook_retry_delay=webhook_retry_delay,
            webhook_timeout=webhook_timeout,
        )
        self.faults = FaultInjector()
        # Every Bot API call received (after the token check), in order.
        self.calls: list[tuple[str, dict[str, Any]]] = []
        # The calls that got an error answer: method, params, status, description.
        self.failed_calls: list[dict[str, Any]] = []
        # Bot API calls received and not answered yet; a long poll waiting for updates
        # (getUpdates) is not work under way and is not counted.
        self.calls_under_way = 0
        self.calls_answered = 0

    @property
    def idle(self) -> bool:
        """Nothing under way here: no update waiting to be fetched and confirmed (the
        next getUpdates offset) or delivered by webhook, and no Bot API call being
        answered. What the bot does between calls it cannot see: see `BotService.idle`."""
        return self.calls_under_way == 0 and self.updates.pending_count == 0

    @property
    def activity(self) -> tuple[int, int]:
        """Changes whenever an update is published or a Bot API call (other than a long
        poll) is answered: equal before and after a check, nothing happened during it."""
        return self.updates.last_update_id, self.calls_answered

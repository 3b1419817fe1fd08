"""Misbehaviour on demand: the errors, blocks, slowness and rate limits Telegram inflicts."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, for_status, forbidden, too_many_requests


@dataclass
class Fault:
    """The next ``times`` calls matching ``method`` (any method when None) and ``chat_id``
    (any chat when None) fail with ``status``. A failed call has no effect.

    ``description`` replaces Telegram's default wording (for 400 write the whole text, e.g.
    ``"Bad Request: message to edit not found"``); ``retry_after`` is used for 429.

    ``status=200`` with ``late`` seconds: the call is carried out, but the answer comes
    that much later (past a client's read timeout: the client cannot know it happened).
    """

    method: str | None = None
    status: int = 500
    retry_after: int | None = None
    times: int = 1
    chat_id: int | str | None = None
    description: str | None = None
    late: float = 0.0

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)

    def error(self) -> ApiError:
        if self.status == 429:
            error = too_many_requests(self.retry_after if self.retry_after is not None else 1)
            if self.description:
                error.description = self.description
            return error
        if self.status == 400 and self.description and not self.description.startswith("Bad"):
            return ApiError(400, f"Bad Request: {self.description}")
        return for_status(self.status, self.description)


# Methods that put something in a chat: blocked users and rate limits apply to them.
def sends_to_chat(method: str) -> bool:
    return method.startswith(("send", "edit", "copy", "forward")) and method != "sendChatAction"


def counts_for_rate_limit(method: str) -> bool:
    return method.startswith(("send", "copy", "forward")) and method != "sendChatAction"


class RateLimiter:
    """Telegram's flood limits: a sliding one-second window per chat and for the whole bot."""

    def __init__(self, per_chat_per_second: float | None, global_per_second: float | None) -> None:
        self.per_chat = per_chat_per_second
        self.global_ = global_per_second
        self._chat_sends: dict[str, deque[float]] = {}
        self._all_sends: deque[float] = deque()

    def check(self, chat_id: Any) -> ApiError | None:
        now = time.monotonic()
        chat_sends = self._chat_sends.setdefault(str(chat_id), deque())
        for sends in (chat_sends, self._all_sends):
            while sends and now - sends[0] >= 1.0:
                sends.popleft()
        if self.per_chat is not None and len(chat_sends) >= self.per_chat:
            return too_many_requests(1)
        if self.global_ is not None and len(self._all_sends) >= self.global_:
            return too_many_requests(1)
        chat_sends.append(now)
        self._all_sends.append(now)
        return None


class FaultInjector:
    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.blocked: set[int] = set()
        self.delays: dict[str | None, float] = {}
        self.rate_limiter: RateLimiter | None = None

    def inject(self, fault: Fault) -> None:
        if fault.times > 0:
            self.faults.append(fault)

    def delay_for(self, method: str) -> float:
        """``method`` and the keys of ``delays`` are Telegram's camelCase names."""
        return self.delays.get(method, self.delays.get(None, 0.0))

    def late_answer(self, method: str, params: dict[str, Any]) -> float:
        """Seconds to hold back the answer of a call that was carried out (consumed)."""
        for fault in self.faults:
            if fault.status == 200 and fault.matches(method, params):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault.late
        return 0.0

    def check(self, method: str, params: dict[str, Any]) -> ApiError | None:
        """The error this call must fail with, if any (consuming an injected fault)."""
        for fault in self.faults:
            if fault.status != 200 and fault.matches(method, params):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault.error()
        chat_id = params.get("chat_id")
        if sends_to_chat(method) and chat_id is not None:
            if str(chat_id) in {str(user_id) for user_id in self.blocked}:
                return forbidden("bot was blocked by the user")
            if self.rate_limiter is not None and counts_for_rate_limit(method):
                return self.rate_limiter.check(chat_id)
        return None

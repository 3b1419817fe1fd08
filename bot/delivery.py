"""Bot API calls with Telegram's failure modes handled (`bot.bot_calls` turns actions
into calls; this decides what happens when Telegram refuses one).

429 waits `retry_after`; timeouts and 5xx are retried with backoff; 403 means the user
blocked the bot (reported to the caller, never retried); anything else is raised after
being logged without message text. A call that may have been carried out although no
answer came (a read timeout, a connection dropped mid-answer) is ambiguous: retried by
default (at least once), reported as `AmbiguousSend` under an at-most-once policy.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

log = logging.getLogger(__name__)
T = TypeVar("T")


class UserBlockedBot(Exception):
    def __init__(self, chat_id: int) -> None:
        super().__init__(f"chat {chat_id} blocked the bot")
        self.chat_id = chat_id


class AmbiguousSend(Exception):
    """Telegram may have carried out the call: no answer came."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    first_backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0  # longer waits are not worth holding an update for
    at_most_once: bool = False  # an ambiguous failure raises AmbiguousSend, no retry


# Failures that prove the request never reached Telegram.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def may_have_happened(exc: NetworkError) -> bool:
    """A network failure after the request went out. An HTTP error status (5xx) is an
    answer: Telegram did not carry it out."""
    cause = exc.__cause__
    return isinstance(cause, httpx.HTTPError) and not isinstance(cause, _NOT_SENT)


def backoff_delays(first: float = 0.2, top: float = 10.0) -> Iterator[float]:
    """0.2, 0.4, 0.8 … seconds, then `top` for ever: waits while something is down."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, top)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def call_api(
    method: Callable[..., Awaitable[T]],
    *args: Any,
    policy: RetryPolicy = RetryPolicy(),
    **kwargs: Any,
) -> T:
    """Call one Bot API method, retrying what Telegram asks us to retry. A 403 for a call
    with a `chat_id` becomes `UserBlockedBot`."""
    chat_id = kwargs.get("chat_id")
    backoff = policy.first_backoff
    for attempt in range(1, policy.attempts + 1):
        try:
            return await method(*args, **kwargs)
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            if wait > policy.max_retry_after or attempt == policy.attempts:
                raise
            log.warning("flood limit on %s, waiting %.1f s", method.__name__, wait)
            await asyncio.sleep(wait)
        except Forbidden:
            if not isinstance(chat_id, int):
                raise
            raise UserBlockedBot(chat_id) from None
        except BadRequest:
            raise
        except NetworkError as exc:  # timeouts and 5xx
            if policy.at_most_once and may_have_happened(exc):
                raise AmbiguousSend(method.__name__) from exc
            if attempt == policy.attempts:
                raise
            log.warning("%s failed (%s), retry %d", method.__name__, type(exc).__name__, attempt)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, policy.max_backoff)
    raise AssertionError("unreachable")

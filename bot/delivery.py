"""Flow actions → Bot API calls, with Telegram's failure modes handled.

429 waits `retry_after`; timeouts and 5xx are retried with backoff; 403 means the user
blocked the bot (reported to the caller, never retried); anything else is raised after
being logged without message text. A call that may have been carried out although no
answer came (a read timeout, a connection dropped mid-answer) is ambiguous: retried by
default (at least once), reported as `AmbiguousSend` under an at-most-once policy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from flows import actions as act

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


def inline_markup(rows: tuple[tuple[act.Button | act.UrlButton, ...], ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if isinstance(b, act.UrlButton)
                else InlineKeyboardButton(b.label, callback_data=b.data)
                for b in row
            ]
            for row in rows
        ]
    )


def _reply_markup(reply: act.Reply) -> Any:
    if reply.buttons:
        return inline_markup(reply.buttons)
    if reply.keyboard:
        rows = [
            [KeyboardButton(k.label, request_location=k.request_location or None) for k in row]
            for row in reply.keyboard
        ]
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


class Delivery:
    """Carries out the actions of one update for one chat."""

    def __init__(self, bot: Bot, policy: RetryPolicy = RetryPolicy()) -> None:
        self.bot = bot
        self.policy = policy

    async def send(
        self,
        chat_id: int,
        action: act.Action,
        callback_query_id: str | None,
        thread_id: int | None = None,
    ) -> None:
        """`thread_id`: the forum topic of a staff group the answer belongs in."""
        bot, policy = self.bot, self.policy
        match action:
            case act.Reply():
                await self._text(chat_id, action.text, _reply_markup(action), thread_id)
            case act.Notify():
                markup = inline_markup(action.buttons) if action.buttons else None
                await self._text(action.chat_id, action.text, markup)
            case act.Toast():
                if callback_query_id is not None:
                    await call_api(
                        bot.answer_callback_query,
                        callback_query_id,
                        policy=policy,
                        text=action.text,
                        show_alert=action.alert,
                    )
            case act.SendVenue():
                await call_api(
                    bot.send_venue,
                    chat_id=chat_id,
                    policy=policy,
                    latitude=action.latitude,
                    longitude=action.longitude,
                    title=action.title,
                    address=action.address,
                )
            case act.CopyMessage():
                await call_api(
                    bot.copy_message,
                    chat_id=action.chat_id,
                    policy=policy,
                    from_chat_id=action.from_chat_id,
                    message_id=action.message_id,
                    caption=action.caption,
                    parse_mode=ParseMode.HTML if action.caption else None,
                )
            case act.SetCommands():
                await self._commands(action)
            case act.SendDocument():
                await call_api(
                    bot.send_document,
                    chat_id=chat_id,
                    policy=policy,
                    document=InputFile(action.content, filename=action.file_name),
                    caption=action.caption or None,
                    parse_mode=ParseMode.HTML,
                )

    async def _text(
        self, chat_id: int, text: str, markup: Any, thread_id: int | None = None
    ) -> None:
        await call_api(
            self.bot.send_message,
            chat_id=chat_id,
            policy=self.policy,
            text=text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            message_thread_id=thread_id,
        )

    async def _commands(self, action: act.SetCommands) -> None:
        """Cosmetic: a failure is logged, never shown to anyone."""
        scope = BotCommandScopeChat(action.chat_id)
        commands = [BotCommand(name, text) for name, text in action.commands]
        try:
            if commands:
                await call_api(self.bot.set_my_commands, commands, policy=self.policy, scope=scope)
            else:
                await call_api(self.bot.delete_my_commands, policy=self.policy, scope=scope)
        except TelegramError as exc:
            log.warning("could not set a chat's commands: %s", type(exc).__name__)

    async def answer_press(self, callback_query_id: str) -> None:
        """Stop the button's spinner when the flow had nothing to say about it."""
        await call_api(self.bot.answer_callback_query, callback_query_id, policy=self.policy)

    async def close_keyboard(self, chat_id: int, message_id: int) -> None:
        """Take the buttons off a message once tapped: one question at a time."""
        # BadRequest: already without buttons, or too old to edit: nothing to take off.
        with contextlib.suppress(BadRequest):
            await call_api(
                self.bot.edit_message_reply_markup,
                chat_id=chat_id,
                policy=self.policy,
                message_id=message_id,
                reply_markup=None,
            )

"""Flow actions → Bot API calls: the one translator, for every way an action goes out.

Direct replies (the answers of an update, after its commit) and outbox rows (messages
to other chats, rebuilt from their stored payload, see `bot.outbox`) go through the same
`BotCalls.carry_out`, one method per kind of action. What differs between them is only
the retry policy (`bot.delivery.RetryPolicy`), chosen by the caller, and what is known
when the call is made: the chat of the update and the button pressed (direct), or the
forum topic a relayed message goes to (resolved when its turn comes).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

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
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.delivery import RetryPolicy, call_api
from flows import actions as act

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Where:
    """What the action itself does not say, known only when it is carried out."""

    chat_id: int | None = None  # the chat of the update (for answers to it)
    thread_id: int | None = None  # the forum topic the message belongs in
    callback_query_id: str | None = None  # the button press being answered


@dataclass(frozen=True)
class Sent:
    """What a call made: a message (its id, for links between relayed copies), a forum
    topic (its thread id), or nothing to remember."""

    message_id: int | None = None
    thread_id: int | None = None


NOTHING = Sent()


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


def _answering(relay: act.Relay | None) -> ReplyParameters | None:
    """A relayed message that answers one in the target chat (sent anyway if that one
    is gone)."""
    if relay is None or not relay.reply_to:
        return None
    return ReplyParameters(relay.reply_to, allow_sending_without_reply=True)


def _chat(where: Where) -> int:
    if where.chat_id is None:
        raise ValueError("an answer needs the chat of the update")
    return where.chat_id


class BotCalls:
    """Carries out actions with one retry policy."""

    def __init__(self, bot: Bot, policy: RetryPolicy) -> None:
        self.bot = bot
        self.policy = policy

    async def carry_out(self, action: act.Action, where: Where = Where()) -> Sent:
        """The Bot API call of one action (none for a toast without a button press)."""
        call = _CALLS.get(type(action))
        if call is None:
            raise TypeError(f"not an action: {type(action).__name__}")
        return await call(self, action, where)

    async def _text(
        self, chat_id: int, text: str, markup: Any, thread_id: int | None, reply: Any = None
    ) -> Sent:
        message = await call_api(
            self.bot.send_message,
            chat_id=chat_id,
            policy=self.policy,
            text=text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            reply_parameters=reply,
            message_thread_id=thread_id,
        )
        return Sent(message.message_id)

    async def reply(self, action: act.Reply, where: Where) -> Sent:
        """An answer in the chat of the update (in its topic, in a staff group)."""
        return await self._text(_chat(where), action.text, _reply_markup(action), where.thread_id)

    async def notify(self, action: act.Notify, where: Where) -> Sent:
        """A message to another chat; `where.thread_id`: the topic it was routed to."""
        markup = inline_markup(action.buttons) if action.buttons else None
        reply = _answering(action.relay)
        return await self._text(action.chat_id, action.text, markup, where.thread_id, reply)

    async def copy(self, action: act.CopyMessage, where: Where) -> Sent:
        message = await call_api(
            self.bot.copy_message,
            chat_id=action.chat_id,
            policy=self.policy,
            from_chat_id=action.from_chat_id,
            message_id=action.message_id,
            caption=action.caption,
            parse_mode=ParseMode.HTML if action.caption else None,
            reply_parameters=_answering(action.relay),
            message_thread_id=where.thread_id,
        )
        return Sent(message.message_id)

    async def edit_relayed(self, action: act.EditRelayed, _where: Where) -> Sent:
        """Edit a relayed copy: its media caption, or its text."""
        edit, field = (
            (self.bot.edit_message_caption, "caption")
            if action.caption
            else (self.bot.edit_message_text, "text")
        )
        await call_api(
            edit,
            chat_id=action.chat_id,
            policy=self.policy,
            message_id=action.message_id,
            parse_mode=ParseMode.HTML,
            **{field: action.text},
        )
        return NOTHING

    async def create_topic(self, action: act.CreateTopic, _where: Where) -> Sent:
        create = self.bot.create_forum_topic
        topic = await call_api(create, chat_id=action.chat_id, policy=self.policy, name=action.name)
        return Sent(thread_id=topic.message_thread_id)

    async def toast(self, action: act.Toast, where: Where) -> Sent:
        if where.callback_query_id is not None:
            await call_api(
                self.bot.answer_callback_query,
                where.callback_query_id,
                policy=self.policy,
                text=action.text,
                show_alert=action.alert,
            )
        return NOTHING

    async def venue(self, action: act.SendVenue, where: Where) -> Sent:
        message = await call_api(
            self.bot.send_venue,
            chat_id=_chat(where),
            policy=self.policy,
            latitude=action.latitude,
            longitude=action.longitude,
            title=action.title,
            address=action.address,
        )
        return Sent(message.message_id)

    async def document(self, action: act.SendDocument, where: Where) -> Sent:
        message = await call_api(
            self.bot.send_document,
            chat_id=_chat(where),
            policy=self.policy,
            document=InputFile(action.content, filename=action.file_name),
            caption=action.caption or None,
            parse_mode=ParseMode.HTML,
        )
        return Sent(message.message_id)

    async def set_commands(self, action: act.SetCommands, _where: Where) -> Sent:
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
        return NOTHING

    async def answer_press(self, callback_query_id: str) -> None:
        """Stop the button's spinner when the flow had nothing to say about it."""
        await call_api(self.bot.answer_callback_query, callback_query_id, policy=self.policy)

    async def close_keyboard(self, chat_id: int, message_id: int) -> None:
        """Take the buttons off a message once tapped: one question at a time. Only for a
        message that still has them: an edit that changes nothing is refused (400)."""
        # BadRequest: too old to edit, or deleted meanwhile: nothing to take off.
        with contextlib.suppress(BadRequest):
            await call_api(
                self.bot.edit_message_reply_markup,
                chat_id=chat_id,
                policy=self.policy,
                message_id=message_id,
                reply_markup=None,
            )


# One method a kind of action: what `BotCalls.carry_out` calls.
_CALLS: dict[type, Callable[[BotCalls, Any, Where], Awaitable[Sent]]] = {
    act.Reply: BotCalls.reply,
    act.Notify: BotCalls.notify,
    act.CopyMessage: BotCalls.copy,
    act.EditRelayed: BotCalls.edit_relayed,
    act.CreateTopic: BotCalls.create_topic,
    act.Toast: BotCalls.toast,
    act.SendVenue: BotCalls.venue,
    act.SendDocument: BotCalls.document,
    act.SetCommands: BotCalls.set_commands,
}

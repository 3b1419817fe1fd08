"""Everything the emulated Telegram server remembers: users, chats, messages, settings."""

from __future__ import annotations

import itertools
import time
from typing import Any

from .errors import bad_request, forbidden
from .events import EventLog, message_event
from .files import FileStore
from .formatting import FormattedText
from .models import EmuChat, EmuUser, Sender, StoredMessage
from .notifier import ChangeNotifier

FIRST_USER_ID = 1_000_001
_BASIC_GROUP_BASE = -4_000_000_000
_SUPERGROUP_BASE = -1_000_000_000_000


def now() -> int:
    return int(time.time())


def scope_key(scope: dict[str, Any] | str | None) -> str:
    """A hashable key for a ``BotCommandScope`` (absent means the default scope)."""
    if scope is None:
        return "default"
    if isinstance(scope, str):
        return scope
    parts = [str(scope.get("type", "default"))]
    parts += [f"{key}={scope[key]}" for key in ("chat_id", "user_id") if key in scope]
    return ":".join(parts)


class EmulatorState:
    def __init__(self, *, bot_id: int, bot_username: str, bot_first_name: str) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.notifier = ChangeNotifier()
        self.events = EventLog(self.notifier)
        self.files = FileStore()
        self.users: dict[int, EmuUser] = {}
        self.chats: dict[int, EmuChat] = {}
        self.messages: dict[int, dict[int, StoredMessage]] = {}
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self._user_ids = itertools.count(FIRST_USER_ID)
        self._group_numbers = itertools.count(1)
        self._query_numbers = itertools.count(1)

    # --- identities -------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def add_user(
        self,
        first_name: str,
        *,
        language_code: str | None,
        user_id: int | None,
        username: str | None,
        last_name: str | None,
    ) -> EmuUser:
        if user_id is None:
            user_id = next(self._user_ids)
            while user_id in self.users:
                user_id = next(self._user_ids)
        elif user_id in self.users:
            raise ValueError(f"user {user_id} already exists")
        user = EmuUser(user_id, first_name, language_code, username, last_name)
        self.users[user_id] = user
        self.notifier.notify()
        return user

    def user(self, user_id: int) -> EmuUser:
        try:
            return self.users[user_id]
        except KeyError:
            raise ValueError(f"unknown user {user_id}; create it with add_user()") from None

    def private_chat(self, user_id: int) -> EmuChat:
        """The private chat with a user, created when the user first writes to the bot."""
        chat = self.chats.get(user_id)
        if chat is None:
            chat = EmuChat(id=user_id, type="private", user=self.user(user_id))
            self.chats[user_id] = chat
            self.messages[user_id] = {}
        return chat

    def add_group(self, title: str, *, is_forum: bool) -> EmuChat:
        number = next(self._group_numbers)
        if is_forum:
            chat = EmuChat(id=_SUPERGROUP_BASE - number, type="supergroup", title=title)
            chat.is_forum = True
        else:
            chat = EmuChat(id=_BASIC_GROUP_BASE - number, type="group", title=title)
        self.chats[chat.id] = chat
        self.messages[chat.id] = {}
        return chat

    def chat_for_bot(self, chat_id: int | str) -> EmuChat:
        """The chat a Bot API call addresses, with Telegram's errors when it can't be used."""
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            if isinstance(chat_id, int) and chat_id in self.users:
                raise forbidden("bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        return chat

    # --- messages ---------------------------------------------------------------------------

    def add_message(
        self,
        chat: EmuChat,
        sender: Sender,
        fields: dict[str, Any],
        *,
        from_user: EmuUser | None = None,
        formatted: FormattedText | None = None,
        reply_markup: dict[str, Any] | None = None,
        file: Any = None,
        options: dict[str, Any] | None = None,
    ) -> StoredMessage:
        """Store a new message with the next id of its chat and publish it as an event."""
        if sender == "bot":
            author = self.bot_user()
        else:
            user = from_user or chat.user
            if user is None:
                raise ValueError("a user message needs its author")
            author = user.to_api()
        message_id = chat.next_message_id()
        api = {
            "message_id": message_id,
            "from": author,
            "chat": chat.to_api(),
            "date": now(),
            **fields,
        }
        message = StoredMessage(
            chat_id=chat.id,
            message_id=message_id,
            sender=sender,
            api=api,
            formatted=formatted,
            reply_markup=reply_markup,
            file=file,
            options=options or {},
        )
        self.messages.setdefault(chat.id, {})[message_id] = message
        self.events.add(chat.id, message_event("message", message))
        return message

    def message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        message = self.messages.get(chat_id, {}).get(message_id)
        return None if message is None or message.deleted else message

    def record_edit(self, message: StoredMessage) -> None:
        message.edited = True
        message.api["edit_date"] = now()
        self.events.add(message.chat_id, message_event("edit", message))

    def record_delete(self, message: StoredMessage) -> None:
        message.deleted = True
        self.events.add(message.chat_id, message_event("delete", message))

    def chat_messages(self, chat_id: int, sender: Sender | None = None) -> list[StoredMessage]:
        messages = self.messages.get(chat_id, {}).values()
        return [m for m in messages if sender is None or m.sender == sender]

    # --- callback queries -------------------------------------------------------------------

    def new_callback_query(self, user_id: int, message: StoredMessage, data: str) -> str:
        query_id = f"{self.bot_id}{next(self._query_numbers):08d}"
        self.callback_queries[query_id] = {
            "user_id": user_id,
            "chat_id": message.chat_id,
            "message_id": message.message_id,
            "data": data,
            "answered": False,
        }
        return query_id

"""Everything the emulated Telegram server remembers: users, chats, messages, settings."""

from __future__ import annotations

import itertools
import time
from typing import Any

from .errors import bad_request, forbidden
from .events import EventLog, message_event
from .files import FileStore
from .formatting import FormattedText
from .models import EmuChat, EmuTopic, EmuUser, MemberStatus, Sender, StoredMessage
from .notifier import ChangeNotifier

FIRST_USER_ID = 1_000_001
_BASIC_GROUP_BASE = -4_000_000_000
_SUPERGROUP_BASE = -1_000_000_000_000
# The colours Telegram allows for topic icons; the first is what it picks when none is given.
TOPIC_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)
MAX_TOPIC_NAME = 128
THREAD_NOT_FOUND = "message thread not found"


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

    def continue_user_ids(self, after: int) -> None:
        """New users get ids above `after` (a bot's database already knows those)."""
        self._user_ids = itertools.count(max(FIRST_USER_ID, after + 1))

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
        chat.statuses[self.bot_id] = "administrator"  # the bot set the group up
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

    def member_status(self, chat: EmuChat, user_id: int) -> str:
        """``creator``, ``administrator``, ``member`` or ``left``."""
        if chat.type == "private":
            return "member" if user_id in (chat.id, self.bot_id) else "left"
        if user_id in chat.statuses:
            return chat.statuses[user_id]
        return "member" if user_id in chat.members else "left"

    def set_member_status(self, chat: EmuChat, user_id: int, status: MemberStatus) -> None:
        if status == "member":
            chat.statuses.pop(user_id, None)
        else:
            chat.statuses[user_id] = status
        if user_id != self.bot_id:
            chat.members.add(user_id)

    def chat_member(self, chat: EmuChat, user_id: int) -> dict[str, Any]:
        """The Bot API ``ChatMember`` object for a user (or the bot) in a chat."""
        user = self.bot_user() if user_id == self.bot_id else self.users[user_id].to_api()
        status = self.member_status(chat, user_id)
        if status == "creator":
            return {"user": user, "status": "creator", "is_anonymous": False}
        if status != "administrator":
            return {"user": user, "status": status}
        rights: dict[str, Any] = {
            "user": user,
            "status": "administrator",
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": True,
            "can_manage_video_chats": True,
            "can_restrict_members": True,
            "can_promote_members": False,
            "can_change_info": True,
            "can_invite_users": True,
            "can_post_stories": True,
            "can_edit_stories": True,
            "can_delete_stories": True,
            "can_pin_messages": True,
        }
        if chat.type == "supergroup":
            rights["can_manage_topics"] = True
        return rights

    # --- forum topics -----------------------------------------------------------------------

    def create_topic(
        self,
        chat: EmuChat,
        name: str,
        *,
        icon_color: int | None = None,
        icon_custom_emoji_id: str | None = None,
        from_user: EmuUser | None = None,
    ) -> tuple[EmuTopic, StoredMessage]:
        """Open a topic with its ``forum_topic_created`` service message, sent by the bot unless
        ``from_user``. The caller has checked the chat is a forum and the name is valid."""
        thread_id = chat.last_message_id + 1  # the id of the service message below
        topic = EmuTopic(
            thread_id, name, TOPIC_COLORS[0] if icon_color is None else icon_color,
            icon_custom_emoji_id or None,
        )  # fmt: skip
        created: dict[str, Any] = {"name": topic.name, "icon_color": topic.icon_color}
        if topic.icon_custom_emoji_id:
            created["icon_custom_emoji_id"] = topic.icon_custom_emoji_id
        chat.topics[thread_id] = topic
        fields = {
            "message_thread_id": thread_id,
            "forum_topic_created": created,
            "is_topic_message": True,
        }
        message = self.add_message(
            chat, "user" if from_user else "bot", fields, from_user=from_user
        )
        assert message.message_id == thread_id
        return topic, message

    def topic(self, chat: EmuChat, thread_id: int) -> EmuTopic:
        """A topic the Bot API may address, with Telegram's errors."""
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        topic = chat.topics.get(thread_id)
        if topic is None or topic.deleted:
            raise bad_request(THREAD_NOT_FOUND)
        return topic

    def thread_fields(
        self, chat: EmuChat, thread_id: int | None, reply_to: StoredMessage | None
    ) -> dict[str, Any]:
        """Where a new message goes: its ``message_thread_id`` and ``is_topic_message``, and,
        in a forum topic, the implicit reply to the topic's first message that Telegram adds
        to every message of a topic that replies to nothing else."""
        if thread_id is not None:
            topic = chat.topics.get(thread_id) if chat.is_forum else None
            if topic is None or topic.deleted:
                raise bad_request(THREAD_NOT_FOUND)
            fields: dict[str, Any] = {"message_thread_id": thread_id, "is_topic_message": True}
            opener = self.message(chat.id, thread_id)
            if reply_to is None and opener is not None:
                fields["reply_to_message"] = opener.quoted()
            return fields
        if reply_to is None or chat.type != "supergroup":
            return {}
        if reply_to.api.get("is_topic_message"):
            # A reply goes to the topic of the message it answers.
            return {
                "message_thread_id": reply_to.api["message_thread_id"],
                "is_topic_message": True,
            }
        # Outside topics a reply belongs to the reply thread started by its first message.
        return {"message_thread_id": reply_to.api.get("message_thread_id", reply_to.message_id)}

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

"""The users, chats and messages the emulator knows about."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from .files import StoredFile
from .formatting import FormattedText


def flat_venue(venue: dict[str, Any] | None) -> dict[str, Any] | None:
    """``{"latitude", "longitude", "title", "address", ...}`` instead of Telegram's nesting."""
    if not venue:
        return None
    flat = {key: value for key, value in venue.items() if key != "location"}
    return {**venue.get("location", {}), **flat}


Sender = Literal["bot", "user"]
MemberStatus = Literal["creator", "administrator", "member"]

# The kinds of content a message can have (service messages have none of these).
CONTENT_KINDS = (
    "text", "photo", "document", "voice", "sticker", "venue", "location", "contact",
)  # fmt: skip
# Content that takes a caption.
CAPTIONED_KINDS = frozenset({"photo", "document", "voice"})
# Service messages about forum topics.
SERVICE_KINDS = (
    "forum_topic_created", "forum_topic_edited", "forum_topic_closed", "forum_topic_reopened",
)  # fmt: skip


@dataclass
class EmuUser:
    """A fake Telegram user (a citizen talking to the bot)."""

    id: int
    first_name: str
    language_code: str | None = "nl"
    username: str | None = None
    last_name: str | None = None

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``User`` object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def to_json(self) -> dict[str, Any]:
        """The playground's view of a user."""
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }


@dataclass
class EmuTopic:
    """A forum topic; its id is the id of the ``forum_topic_created`` message opening it."""

    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``ForumTopic`` object."""
        topic: dict[str, Any] = {
            "message_thread_id": self.message_thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic

    def view(self) -> dict[str, Any]:
        """The test-facing description (see ``BotApiEmulator.topics``)."""
        return {**self.to_api(), "closed": self.closed, "deleted": self.deleted}


@dataclass
class EmuChat:
    id: int
    type: Literal["private", "group", "supergroup"]
    title: str | None = None
    user: EmuUser | None = None  # the other side of a private chat
    is_forum: bool = False
    members: set[int] = field(default_factory=set)
    # Members with more than the member status (the bot itself is not listed).
    statuses: dict[int, MemberStatus] = field(default_factory=dict)
    topics: dict[int, EmuTopic] = field(default_factory=dict)
    last_message_id: int = 0

    @property
    def chat_instance(self) -> str:
        """Stable per chat, like Telegram's ``callback_query.chat_instance``."""
        return str((self.id * 2654435761) % 10**19)

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``Chat`` object embedded in messages."""
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            chat["first_name"] = self.user.first_name
            if self.user.last_name:
                chat["last_name"] = self.user.last_name
            if self.user.username:
                chat["username"] = self.user.username
        else:
            chat["title"] = self.title
            if self.is_forum:
                chat["is_forum"] = True
        return chat

    def full_info(self) -> dict[str, Any]:
        """The Bot API ``ChatFullInfo`` object getChat answers with."""
        return {
            **self.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }


@dataclass
class StoredMessage:
    """A message in a chat, either side; ``api`` is its current Bot API JSON."""

    chat_id: int
    message_id: int
    sender: Sender
    api: dict[str, Any]
    formatted: FormattedText | None = None  # the text or caption as the bot sent it
    reply_markup: dict[str, Any] | None = None  # as sent, reply keyboards included
    file: StoredFile | None = None
    options: dict[str, Any] = field(default_factory=dict)
    edited: bool = False
    deleted: bool = False

    @property
    def text(self) -> str | None:
        """What a user sees: the text, the caption, or a sticker's emoji."""
        if "text" in self.api:
            return self.api["text"]
        if "caption" in self.api:
            return self.api["caption"]
        sticker = self.api.get("sticker")
        return sticker.get("emoji") if sticker else None

    @property
    def service(self) -> str | None:
        """The kind of service message this is (e.g. ``forum_topic_created``), if it is one."""
        return next((kind for kind in SERVICE_KINDS if kind in self.api), None)

    @property
    def content_kind(self) -> str | None:
        """What the message holds: ``text``, ``photo``, ``venue``… (None for service messages)."""
        return next((kind for kind in CONTENT_KINDS if kind in self.api), None)

    def quoted(self) -> dict[str, Any]:
        """The message as embedded in ``reply_to_message`` (Telegram doesn't nest further)."""
        quoted = copy.deepcopy(self.api)
        quoted.pop("reply_to_message", None)
        return quoted

    def view(self) -> dict[str, Any]:
        """The test-facing description of the message (see ``BotApiEmulator.bot_messages``)."""
        api = self.api
        formatted = self.formatted
        document = api.get("document")
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "sender": self.sender,
            "date": api.get("date"),
            "text": self.text,
            "caption": api.get("caption"),
            "html": formatted.html if formatted else None,
            "raw_text": formatted.raw if formatted else self.text,
            "parse_mode": formatted.parse_mode if formatted else None,
            "entities": api.get("entities") or api.get("caption_entities") or [],
            "reply_markup": copy.deepcopy(self.reply_markup),
            "reply_to_message_id": (api.get("reply_to_message") or {}).get("message_id"),
            "message_thread_id": api.get("message_thread_id"),
            "is_topic_message": bool(api.get("is_topic_message")),
            "forward_origin": copy.deepcopy(api.get("forward_origin")),
            "service": self.service,
            "location": api.get("location"),
            "venue": flat_venue(api.get("venue")),
            "contact": api.get("contact"),
            "sticker": (api.get("sticker") or {}).get("emoji"),
            "document": ({**document, "data": self.file.data} if document and self.file else None),
            "photo": (
                {"file_id": self.file.file_id, "data": self.file.data}
                if "photo" in api and self.file
                else None
            ),
            "voice": api.get("voice"),
            "edited": self.edited,
            "deleted": self.deleted,
            "disable_notification": bool(self.options.get("disable_notification")),
            "link_preview_options": self.options.get("link_preview_options"),
            "api": copy.deepcopy(api),
        }

"""Telegram updates → neutral flow events."""

from __future__ import annotations

import re

from telegram import Chat, Message, Update

from flows import events

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+(.*))?$", re.DOTALL)
_MEDIA_KINDS = (
    "photo",
    "document",
    "voice",
    "audio",
    "video",
    "video_note",
    "sticker",
    "animation",
    "poll",
    "dice",
    "venue",
    "game",
    "story",
)


def _sender(chat: Chat, user: object, message: Message | None = None) -> events.Sender:
    user_id = getattr(user, "id", chat.id)
    answered = message.reply_to_message if message is not None else None
    if answered is not None and answered.forum_topic_created is not None:
        answered = None  # in a topic every message "answers" the topic's first message
    in_group = chat.type in (Chat.GROUP, Chat.SUPERGROUP)
    topic = message is not None and message.is_topic_message and in_group
    return events.Sender(
        chat.id,
        user_id,
        getattr(user, "language_code", None),
        getattr(user, "first_name", "") or "",
        message.message_id if message is not None else None,
        answered.message_id if answered is not None else None,
        in_group,
        message.message_thread_id if topic else None,
    )


_HANDLED_CHATS = (Chat.PRIVATE, Chat.SUPERGROUP)


def _message_event(message: Message, sender: events.Sender, bot_username: str) -> events.Event:
    if message.text is not None:
        match = _COMMAND.match(message.text.strip())
        if match and (match.group(2) is None or match.group(2).lower() == bot_username.lower()):
            return events.Command(sender, match.group(1).lower(), (match.group(3) or "").strip())
        return events.Text(sender, message.text)
    if message.location is not None and message.venue is None:
        return events.Location(sender, message.location.latitude, message.location.longitude)
    if message.document is not None:
        document = message.document
        return events.Document(
            sender, document.file_name or "file", document.file_size or 0, document.file_id
        )
    if message.contact is not None:
        own = message.contact.user_id is not None and message.contact.user_id == sender.user_id
        return events.Contact(sender, own)
    kind = next((k for k in _MEDIA_KINDS if getattr(message, k, None)), "other")
    return events.Media(sender, kind)


def to_event(update: Update, bot_username: str = "") -> events.Event | None:
    """The event for a private-chat update, or None for what the dialogues do not handle."""
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        if message is None or message.chat.type not in _HANDLED_CHATS:
            return None
        shown = message if isinstance(message, Message) else None  # None: too old to see
        sender = _sender(message.chat, query.from_user, shown)
        has_keyboard = shown is not None and shown.reply_markup is not None
        return events.ButtonPress(sender, query.data or "", message.message_id, has_keyboard)
    if update.edited_message is not None:
        edited = update.edited_message
        if edited.chat.type not in _HANDLED_CHATS:
            return None
        return events.Edited(
            _sender(edited.chat, edited.from_user, edited),
            edited.text if edited.text is not None else edited.caption,
            caption=edited.text is None,
        )
    message = update.message
    if message is None or message.chat.type not in _HANDLED_CHATS:
        return None
    if message.forum_topic_created or message.new_chat_members or message.left_chat_member:
        return None  # service messages
    sender = _sender(message.chat, message.from_user, message)
    return _message_event(message, sender, bot_username)

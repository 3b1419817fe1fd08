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


def _sender(chat_id: int, user: object, message: Message | None = None) -> events.Sender:
    user_id = getattr(user, "id", chat_id)
    answered = message.reply_to_message if message is not None else None
    return events.Sender(
        chat_id,
        user_id,
        getattr(user, "language_code", None),
        getattr(user, "first_name", "") or "",
        message.message_id if message is not None else None,
        answered.message_id if answered is not None else None,
    )


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
        chat_id = message.chat.id if message is not None else query.from_user.id
        if message is not None and message.chat.type != Chat.PRIVATE:
            return None
        return events.ButtonPress(
            _sender(chat_id, query.from_user),
            query.data or "",
            message.message_id if message is not None else None,
        )
    if update.edited_message is not None:
        edited = update.edited_message
        if edited.chat.type != Chat.PRIVATE:
            return None
        return events.Edited(
            _sender(edited.chat.id, edited.from_user, edited),
            edited.text if edited.text is not None else edited.caption,
            caption=edited.text is None,
        )
    message = update.message
    if message is None or message.chat.type != Chat.PRIVATE:
        return None
    sender = _sender(message.chat.id, message.from_user, message)
    return _message_event(message, sender, bot_username)

"""Bot API methods that put, change or remove things in chats."""

from __future__ import annotations

import copy
from typing import Any

from .core import EmulatorCore
from .errors import ApiError, bad_request
from .events import callback_answer_event
from .files import StoredFile
from .formatting import FormattedText, format_text
from .models import CAPTIONED_KINDS, EmuChat, StoredMessage
from .params import Params, UploadedFile
from .registry import bot_method
from .reply_markup import parse_reply_markup

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
MAX_CALLBACK_ANSWER = 200


# TDLib's names for kinds of files, in its errors about a file used as another kind.
_TDLIB_FILE_TYPES = {
    "photo": "Photo", "document": "Document", "voice": "VoiceNote", "sticker": "Sticker",
}  # fmt: skip
# Kinds TDLib stores as documents: a file_id of one can be sent as another.
_DOCUMENT_LIKE = frozenset({"document", "voice", "sticker"})
# What copyMessage and forwardMessage carry over from the original message.
_CONTENT_FIELDS = (
    "text", "entities", "photo", "document", "voice", "sticker", "venue", "location",
    "contact", "caption", "caption_entities", "show_caption_above_media", "has_media_spoiler",
)  # fmt: skip


def _reply_to(core: EmulatorCore, chat: EmuChat, p: Params) -> StoredMessage | None:
    parameters = p.get("reply_parameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise bad_request("can't parse reply parameters JSON object")
    parameters = parameters or {}
    message_id = parameters.get("message_id", p.get_int("reply_to_message_id"))
    if message_id is None:
        return None
    allow_missing = parameters.get(
        "allow_sending_without_reply", p.get_bool("allow_sending_without_reply")
    )
    target = core.state.message(chat.id, int(message_id))
    if target is None and not allow_missing:
        raise bad_request("message to be replied not found")
    return target


def _input_file(
    core: EmulatorCore, value: Any, kind: str, *, meta: dict[str, Any] | None = None
) -> StoredFile:
    """An uploaded file, or one sent before (by its file_id); ``meta`` describes an upload."""
    if isinstance(value, UploadedFile):
        mime = value.mime_type if value.mime_type != "application/octet-stream" else None
        if mime is None and kind == "voice":
            mime = "audio/ogg"
        return core.state.files.add(
            value.data, kind=kind, file_name=value.file_name, mime_type=mime, meta=meta
        )
    if isinstance(value, str) and value:
        if value.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        stored = core.state.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind and not {stored.kind, kind} <= _DOCUMENT_LIKE:
            raise bad_request(
                f"can't use file of type {_TDLIB_FILE_TYPES.get(stored.kind, 'Document')} "
                f"as {_TDLIB_FILE_TYPES[kind]}"
            )
        return stored
    raise bad_request(f"there is no {kind} in the request")


def _send(
    core: EmulatorCore,
    chat: EmuChat,
    p: Params,
    fields: dict[str, Any],
    *,
    formatted: FormattedText | None = None,
    file: StoredFile | None = None,
) -> dict[str, Any]:
    """Store a bot message after the checks every send method shares; returns its JSON."""
    reply_markup = parse_reply_markup(p.get("reply_markup"))
    target = _reply_to(core, chat, p)
    fields.update(core.state.thread_fields(chat, p.get_int("message_thread_id"), target))
    if target is not None:
        fields["reply_to_message"] = target.quoted()
    if p.get_bool("protect_content"):
        fields["has_protected_content"] = True
    if reply_markup is not None and "inline_keyboard" in reply_markup:
        # Only inline keyboards belong to a message; reply keyboards are a chat setting.
        fields["reply_markup"] = reply_markup
    options = {
        name: p.get(name)
        for name in ("disable_notification", "protect_content", "link_preview_options")
        if p.has(name)
    }
    message = core.state.add_message(
        chat, "bot", fields, formatted=formatted, reply_markup=reply_markup, file=file,
        options=options,
    )  # fmt: skip
    return copy.deepcopy(message.api)


def _text_fields(formatted: FormattedText | None, *, caption: bool) -> dict[str, Any]:
    if formatted is None:
        return {}
    key, entities_key = ("caption", "caption_entities") if caption else ("text", "entities")
    fields: dict[str, Any] = {key: formatted.text}
    if formatted.entities:
        fields[entities_key] = formatted.entities
    return fields


def _caption(p: Params) -> FormattedText | None:
    return format_text(
        p.get_str("caption"), p.get_str("parse_mode"), p.get("caption_entities"), is_caption=True
    )


@bot_method("sendMessage")
async def send_message(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat_id = p.chat_id()
    formatted = format_text(p.get_str("text"), p.get_str("parse_mode"), p.get("entities"))
    chat = core.state.chat_for_bot(chat_id)
    return _send(core, chat, p, _text_fields(formatted, caption=False), formatted=formatted)


def _coordinates(p: Params) -> dict[str, float]:
    latitude = p.get_float("latitude", required=True)
    longitude = p.get_float("longitude", required=True)
    assert latitude is not None and longitude is not None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong location specified")
    return {"latitude": latitude, "longitude": longitude}


@bot_method("sendLocation")
async def send_location(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat = core.state.chat_for_bot(p.chat_id())
    return _send(core, chat, p, {"location": _coordinates(p)})


@bot_method("sendVenue")
async def send_venue(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat = core.state.chat_for_bot(p.chat_id())
    location = _coordinates(p)
    venue: dict[str, Any] = {
        "location": location,
        "title": p.get_str("title", required=True),
        "address": p.get_str("address", required=True),
    }
    for optional in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if p.has(optional):
            venue[optional] = p.get_str(optional)
    return _send(core, chat, p, {"location": location, "venue": venue})


def _send_file(
    core: EmulatorCore, p: Params, kind: str, meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    """sendDocument, sendPhoto, sendVoice: the file under `kind`, with an optional caption."""
    chat = core.state.chat_for_bot(p.chat_id())
    caption = _caption(p)
    stored = _input_file(core, p.get(kind), kind, meta=meta)
    described = getattr(stored, f"{kind}_json")()
    fields = {kind: described, **_text_fields(caption, caption=True)}
    return _send(core, chat, p, fields, formatted=caption, file=stored)


@bot_method("sendDocument")
async def send_document(core: EmulatorCore, p: Params) -> dict[str, Any]:
    return _send_file(core, p, "document")


@bot_method("sendPhoto")
async def send_photo(core: EmulatorCore, p: Params) -> dict[str, Any]:
    return _send_file(core, p, "photo")


@bot_method("sendVoice")
async def send_voice(core: EmulatorCore, p: Params) -> dict[str, Any]:
    return _send_file(core, p, "voice", meta={"duration": p.get_int("duration") or 0})


@bot_method("sendSticker")
async def send_sticker(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat = core.state.chat_for_bot(p.chat_id())
    stored = _input_file(core, p.get("sticker"), "sticker", meta={"emoji": p.get_str("emoji")})
    return _send(core, chat, p, {"sticker": stored.sticker_json()}, file=stored)


@bot_method("sendContact")
async def send_contact(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat = core.state.chat_for_bot(p.chat_id())
    contact: dict[str, Any] = {
        "phone_number": p.get_str("phone_number", required=True),
        "first_name": p.get_str("first_name", required=True),
    }
    for optional in ("last_name", "vcard"):
        if p.has(optional):
            contact[optional] = p.get_str(optional)
    return _send(core, chat, p, {"contact": contact})


def _original(core: EmulatorCore, p: Params, verb: str) -> StoredMessage:
    """The message copyMessage or forwardMessage (``verb``: "copy"/"forward") takes."""
    from_chat_id = p.get("from_chat_id")
    if from_chat_id is None or from_chat_id == "":
        raise bad_request("from_chat_id is empty")
    chat = core.state.chats.get(from_chat_id) if isinstance(from_chat_id, int) else None
    if chat is None:
        raise bad_request("chat not found")
    message_id = p.get_int("message_id", required=True) or 0
    message = core.state.message(chat.id, message_id)
    if message is None:
        raise bad_request(f"message to {verb} not found")
    if message.service is not None or message.api.get("has_protected_content"):
        raise bad_request(f"message can't be {'copied' if verb == 'copy' else 'forwarded'}")
    return message


def _content(message: StoredMessage) -> dict[str, Any]:
    return {key: copy.deepcopy(message.api[key]) for key in _CONTENT_FIELDS if key in message.api}


@bot_method("copyMessage")
async def copy_message(core: EmulatorCore, p: Params) -> dict[str, int]:
    """A new message with the content of another, without a link to it: returns a MessageId."""
    chat = core.state.chat_for_bot(p.chat_id())
    original = _original(core, p, "copy")
    fields = _content(original)
    formatted = original.formatted
    if p.has("caption") and original.content_kind in CAPTIONED_KINDS:
        # A new caption (an empty one removes it); texts and the like have none to replace.
        formatted = _caption(p)
        fields.pop("caption", None)
        fields.pop("caption_entities", None)
        fields.update(_text_fields(formatted, caption=True))
    if p.has("show_caption_above_media"):
        fields.pop("show_caption_above_media", None)
        if p.get_bool("show_caption_above_media") and "caption" in fields:
            fields["show_caption_above_media"] = True
    sent = _send(core, chat, p, fields, formatted=formatted, file=original.file)
    return {"message_id": sent["message_id"]}


def _origin(message: StoredMessage) -> dict[str, Any]:
    """The ``MessageOrigin`` of a message forwarded for the first time."""
    return {
        "type": "user",
        "sender_user": copy.deepcopy(message.api["from"]),
        "date": message.api["date"],
    }


@bot_method("forwardMessage")
async def forward_message(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat = core.state.chat_for_bot(p.chat_id())
    original = _original(core, p, "forward")
    fields = _content(original)
    # A forwarded forward keeps the first origin.
    origin = copy.deepcopy(original.api.get("forward_origin")) or _origin(original)
    fields["forward_origin"] = origin
    # The fields forward_origin replaced in Bot API 7.0; Telegram still sends them.
    if origin["type"] == "user":
        fields["forward_from"] = copy.deepcopy(origin["sender_user"])
    fields["forward_date"] = origin["date"]
    return _send(core, chat, p, fields, formatted=original.formatted, file=original.file)


@bot_method("sendChatAction")
async def send_chat_action(core: EmulatorCore, p: Params) -> bool:
    core.state.chat_for_bot(p.chat_id())
    if p.get_str("action", required=True) not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


def _message_to_edit(core: EmulatorCore, p: Params) -> StoredMessage:
    if p.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = core.state.chat_for_bot(p.chat_id())
    message = core.state.message(chat.id, p.get_int("message_id", required=True) or 0)
    if message is None:
        raise bad_request("message to edit not found")
    if message.sender != "bot":
        raise bad_request("message can't be edited")
    return message


def _inline_markup(p: Params) -> dict[str, Any] | None:
    markup = parse_reply_markup(p.get("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("can't parse inline keyboard markup JSON object")
    return markup


def _apply_edit(
    core: EmulatorCore,
    message: StoredMessage,
    fields: dict[str, Any],
    formatted: FormattedText | None,
    markup: dict[str, Any] | None,
    *,
    text_key: str | None,
) -> dict[str, Any]:
    """Apply an edit unless it changes nothing (Telegram refuses those)."""
    api = message.api
    before = {key: api.get(key) for key in fields} | {"reply_markup": api.get("reply_markup")}
    after = {**fields, "reply_markup": markup}
    if before == after:
        raise bad_request(NOT_MODIFIED)
    for key, value in after.items():
        if value is None or value == []:
            api.pop(key, None)
        else:
            api[key] = copy.deepcopy(value)
    if text_key is not None:
        message.formatted = formatted
    if message.reply_markup is None or "inline_keyboard" in message.reply_markup:
        message.reply_markup = markup  # a reply keyboard belongs to the chat, edits keep it
    core.state.record_edit(message)
    return copy.deepcopy(api)


@bot_method("editMessageText")
async def edit_message_text(core: EmulatorCore, p: Params) -> dict[str, Any]:
    formatted = format_text(p.get_str("text"), p.get_str("parse_mode"), p.get("entities"))
    markup = _inline_markup(p)
    message = _message_to_edit(core, p)
    if "text" not in message.api:
        raise bad_request("there is no text in the message to edit")
    assert formatted is not None
    fields = {"text": formatted.text, "entities": formatted.entities or None}
    if p.has("link_preview_options"):
        message.options["link_preview_options"] = p.get("link_preview_options")
    return _apply_edit(core, message, fields, formatted, markup, text_key="text")


@bot_method("editMessageCaption")
async def edit_message_caption(core: EmulatorCore, p: Params) -> dict[str, Any]:
    caption = _caption(p)
    markup = _inline_markup(p)
    message = _message_to_edit(core, p)
    if not any(kind in message.api for kind in ("document", "photo", "voice")):
        raise bad_request("there is no caption in the message to edit")
    fields = {
        "caption": caption.text if caption else None,
        "caption_entities": (caption.entities or None) if caption else None,
    }
    return _apply_edit(core, message, fields, caption, markup, text_key="caption")


@bot_method("editMessageReplyMarkup")
async def edit_message_reply_markup(core: EmulatorCore, p: Params) -> dict[str, Any]:
    markup = _inline_markup(p)
    message = _message_to_edit(core, p)
    return _apply_edit(core, message, {}, None, markup, text_key=None)


@bot_method("deleteMessage")
async def delete_message(core: EmulatorCore, p: Params) -> bool:
    chat = core.state.chat_for_bot(p.chat_id())
    message = core.state.message(chat.id, p.get_int("message_id", required=True) or 0)
    if message is None:
        raise bad_request("message to delete not found")
    core.state.record_delete(message)
    return True


@bot_method("answerCallbackQuery")
async def answer_callback_query(core: EmulatorCore, p: Params) -> bool:
    query_id = p.get_str("callback_query_id", required=True) or ""
    query = core.state.callback_queries.get(query_id)
    if query is None or query["answered"]:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.get_str("text")
    if text is not None and len(text) > MAX_CALLBACK_ANSWER:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
    query["answered"] = True
    show_alert = p.get_bool("show_alert")
    core.state.callback_answers.append(
        {
            "callback_query_id": query_id,
            "text": text,
            "show_alert": show_alert,
            "url": p.get_str("url"),
            "cache_time": p.get_int("cache_time"),
        }
    )
    core.state.events.add(query["chat_id"], callback_answer_event(text, show_alert))
    return True

"""Bot API methods about group chats: their members and forum topics."""

from __future__ import annotations

from typing import Any

from .core import EmulatorCore
from .errors import bad_request
from .models import EmuChat, EmuTopic
from .params import Params
from .registry import bot_method
from .state import MAX_TOPIC_NAME, TOPIC_COLORS

TOPIC_NOT_MODIFIED = "TOPIC_NOT_MODIFIED"


def _known_chat(core: EmulatorCore, p: Params) -> EmuChat:
    chat_id = p.chat_id()
    chat = core.state.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise bad_request("chat not found")
    return chat


# --- members ----------------------------------------------------------------------------------


@bot_method("getChatMember")
async def get_chat_member(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat = _known_chat(core, p)
    user_id = p.get_int("user_id", required=True)
    assert user_id is not None
    if user_id != core.state.bot_id and user_id not in core.state.users:
        raise bad_request("user not found")
    return core.state.chat_member(chat, user_id)


@bot_method("getChatAdministrators")
async def get_chat_administrators(core: EmulatorCore, p: Params) -> list[dict[str, Any]]:
    chat = _known_chat(core, p)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    ranked = sorted(
        (user_id for user_id, status in chat.statuses.items() if status != "member"),
        key=lambda user_id: chat.statuses[user_id] != "creator",
    )
    return [core.state.chat_member(chat, user_id) for user_id in ranked]


@bot_method("getChatMemberCount")
async def get_chat_member_count(core: EmulatorCore, p: Params) -> int:
    chat = _known_chat(core, p)
    if chat.type == "private":
        return 2
    return len(chat.members - {core.state.bot_id}) + 1


# --- forum topics -----------------------------------------------------------------------------


def _forum(core: EmulatorCore, p: Params) -> EmuChat:
    """The forum a topic method addresses; the bot must be allowed to manage its topics."""
    chat = core.state.chat_for_bot(p.chat_id())
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    if core.state.member_status(chat, core.state.bot_id) not in ("creator", "administrator"):
        raise bad_request("not enough rights to manage forum topics")
    return chat


def _topic(core: EmulatorCore, p: Params) -> tuple[EmuChat, EmuTopic]:
    chat = _forum(core, p)
    thread_id = p.get_int("message_thread_id", required=True)
    assert thread_id is not None
    return chat, core.state.topic(chat, thread_id)


def _topic_name(name: str | None) -> str:
    """Telegram trims a topic name (line breaks become spaces) and cuts it at 128 characters."""
    cleaned = (name or "").replace("\r", " ").replace("\n", " ").strip()
    return cleaned[:MAX_TOPIC_NAME].rstrip()


def _service_message(
    core: EmulatorCore, chat: EmuChat, topic: EmuTopic, kind: str, body: dict[str, Any]
) -> None:
    fields = core.state.thread_fields(chat, topic.message_thread_id, None)
    core.state.add_message(chat, "bot", {**fields, kind: body})


@bot_method("createForumTopic")
async def create_forum_topic(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat = _forum(core, p)
    name = _topic_name(p.get_str("name"))
    if not name:
        raise bad_request("title must be non-empty")
    icon_color = p.get_int("icon_color")
    if icon_color is not None and icon_color not in TOPIC_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")
    topic, _ = core.state.create_topic(
        chat, name, icon_color=icon_color, icon_custom_emoji_id=p.get_str("icon_custom_emoji_id")
    )
    return topic.to_api()


@bot_method("editForumTopic")
async def edit_forum_topic(core: EmulatorCore, p: Params) -> bool:
    chat, topic = _topic(core, p)
    changes: dict[str, Any] = {}
    name = _topic_name(p.get_str("name"))  # empty: keep the name
    if name:
        changes["name"] = name
    if p.has("icon_custom_emoji_id"):  # an empty string removes the icon
        changes["icon_custom_emoji_id"] = p.get_str("icon_custom_emoji_id") or ""
    if not changes:
        return True
    if changes.get("name", topic.name) == topic.name and changes.get(
        "icon_custom_emoji_id", topic.icon_custom_emoji_id or ""
    ) == (topic.icon_custom_emoji_id or ""):
        raise bad_request(TOPIC_NOT_MODIFIED)
    topic.name = changes.get("name", topic.name)
    if "icon_custom_emoji_id" in changes:
        topic.icon_custom_emoji_id = changes["icon_custom_emoji_id"] or None
    _service_message(core, chat, topic, "forum_topic_edited", changes)
    return True


async def _set_closed(core: EmulatorCore, p: Params, closed: bool) -> bool:
    chat, topic = _topic(core, p)
    if topic.closed == closed:
        raise bad_request(TOPIC_NOT_MODIFIED)
    topic.closed = closed
    kind = "forum_topic_closed" if closed else "forum_topic_reopened"
    _service_message(core, chat, topic, kind, {})
    return True


@bot_method("closeForumTopic")
async def close_forum_topic(core: EmulatorCore, p: Params) -> bool:
    return await _set_closed(core, p, True)


@bot_method("reopenForumTopic")
async def reopen_forum_topic(core: EmulatorCore, p: Params) -> bool:
    return await _set_closed(core, p, False)


@bot_method("deleteForumTopic")
async def delete_forum_topic(core: EmulatorCore, p: Params) -> bool:
    """Deletes the topic with all its messages."""
    chat, topic = _topic(core, p)
    topic.deleted = True
    for message in core.state.chat_messages(chat.id):
        api = message.api
        in_topic = (
            api.get("is_topic_message") and api["message_thread_id"] == topic.message_thread_id
        )
        if in_topic and not message.deleted:
            core.state.record_delete(message)
    return True

"""Bot API methods about the bot itself: identity, commands, descriptions, chats, files."""

from __future__ import annotations

import re
from typing import Any

from .core import EmulatorCore
from .errors import bad_request
from .params import Params
from .registry import bot_method
from .state import scope_key

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SCOPE_TYPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
        "chat", "chat_administrators", "chat_member",
    }
)  # fmt: skip
_LANGUAGE = re.compile(r"[a-z]{2}")
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120


@bot_method("getMe")
async def get_me(core: EmulatorCore, p: Params) -> dict[str, Any]:
    return {
        **core.state.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@bot_method("logOut")
async def log_out(core: EmulatorCore, p: Params) -> bool:
    return True


@bot_method("close")
async def close(core: EmulatorCore, p: Params) -> bool:
    return True


def _scope(p: Params) -> str:
    scope = p.get("scope")
    if scope is None:
        return scope_key(None)
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    if scope["type"] in ("chat", "chat_administrators", "chat_member") and "chat_id" not in scope:
        raise bad_request("chat_id is empty")
    return scope_key(scope)


def _language(p: Params) -> str:
    language = p.get_str("language_code") or ""
    if language and not _LANGUAGE.fullmatch(language):
        raise bad_request("invalid language code specified")
    return language


@bot_method("setMyCommands")
async def set_my_commands(core: EmulatorCore, p: Params) -> bool:
    commands = p.get("commands")
    if commands is None:
        raise bad_request('parameter "commands" is required')
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands")
    cleaned = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": name, "description": description})
    key = (_scope(p), _language(p))
    if cleaned:
        core.state.commands[key] = cleaned
    else:
        core.state.commands.pop(key, None)
    return True


@bot_method("getMyCommands")
async def get_my_commands(core: EmulatorCore, p: Params) -> list[dict[str, Any]]:
    return list(core.state.commands.get((_scope(p), _language(p)), []))


@bot_method("deleteMyCommands")
async def delete_my_commands(core: EmulatorCore, p: Params) -> bool:
    core.state.commands.pop((_scope(p), _language(p)), None)
    return True


def _set_text(store: dict[str, str], p: Params, field: str, limit: int) -> bool:
    value = p.get_str(field) or ""
    if len(value) > limit:
        raise bad_request(f"{field.replace('_', ' ')} is too long")
    language = _language(p)
    if value:
        store[language] = value
    else:
        store.pop(language, None)
    return True


@bot_method("setMyDescription")
async def set_my_description(core: EmulatorCore, p: Params) -> bool:
    return _set_text(core.state.descriptions, p, "description", MAX_DESCRIPTION)


@bot_method("getMyDescription")
async def get_my_description(core: EmulatorCore, p: Params) -> dict[str, str]:
    return {"description": core.state.descriptions.get(_language(p), "")}


@bot_method("setMyShortDescription")
async def set_my_short_description(core: EmulatorCore, p: Params) -> bool:
    return _set_text(core.state.short_descriptions, p, "short_description", MAX_SHORT_DESCRIPTION)


@bot_method("getMyShortDescription")
async def get_my_short_description(core: EmulatorCore, p: Params) -> dict[str, str]:
    return {"short_description": core.state.short_descriptions.get(_language(p), "")}


def _menu_chat(core: EmulatorCore, p: Params) -> int | None:
    chat_id = p.optional_chat_id()
    if chat_id is None:
        return None
    return core.state.chat_for_bot(chat_id).id


@bot_method("setChatMenuButton")
async def set_chat_menu_button(core: EmulatorCore, p: Params) -> bool:
    button = p.get("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
        raise bad_request("can't parse MenuButton JSON object")
    if button["type"] == "web_app" and not (
        button.get("text") and isinstance(button.get("web_app"), dict)
    ):
        raise bad_request("can't parse MenuButton JSON object")
    core.state.menu_buttons[_menu_chat(core, p)] = button
    return True


@bot_method("getChatMenuButton")
async def get_chat_menu_button(core: EmulatorCore, p: Params) -> dict[str, Any]:
    buttons = core.state.menu_buttons
    button = buttons.get(_menu_chat(core, p)) or buttons.get(None) or {"type": "default"}
    return button if button["type"] != "default" else {"type": "commands"}


@bot_method("getChat")
async def get_chat(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat_id = p.chat_id()
    chat = core.state.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise bad_request("chat not found")
    return chat.full_info()


@bot_method("getFile")
async def get_file(core: EmulatorCore, p: Params) -> dict[str, Any]:
    file_id = p.get_str("file_id", required=True)
    stored = core.state.files.get(file_id or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.file_json()

"""Reading Bot API call parameters from any encoding Telegram accepts.

Query string, ``application/x-www-form-urlencoded``, ``application/json`` and
``multipart/form-data`` are merged into one dict. In form encodings every value is a string
and nested objects arrive JSON-encoded (that is how python-telegram-bot sends them), so known
fields are converted to their real type; the result looks like a JSON request body.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import bad_request

# Fields that hold a JSON object or array.
JSON_FIELDS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "reply_parameters",
        "link_preview_options", "allowed_updates", "commands", "scope", "menu_button",
        "media", "results", "permissions",
    }
)  # fmt: skip
INT_FIELDS = frozenset(
    {
        "message_id", "reply_to_message_id", "message_thread_id", "offset", "limit",
        "max_connections", "cache_time", "live_period", "heading",
        "proximity_alert_radius", "duration", "width", "height", "user_id",
        "from_chat_id", "icon_color",
    }
)  # fmt: skip
FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
NUMBER_FIELDS = frozenset({"timeout"})  # an int, but a float is tolerated
BOOL_FIELDS = frozenset(
    {
        "disable_notification", "protect_content", "allow_sending_without_reply",
        "show_alert", "drop_pending_updates", "disable_web_page_preview",
        "has_spoiler", "show_caption_above_media", "disable_content_type_detection",
        "allow_paid_broadcast", "for_channels",
    }
)  # fmt: skip
_INTEGER = re.compile(r"-?\d+")


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    file_name: str
    mime_type: str | None
    data: bytes

    def __repr__(self) -> str:
        return f"UploadedFile(file_name={self.file_name!r}, size={len(self.data)})"


async def read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.body_exists:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON object")
            params.update(body)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = UploadedFile(
                        value.filename or key, value.content_type, value.file.read()
                    )
                else:
                    params[key] = value
    _resolve_attachments(params)
    return {key: _convert(key, value) for key, value in params.items()}


def _resolve_attachments(params: dict[str, Any]) -> None:
    """Replace ``attach://name`` references by the uploaded part they point to."""
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = params.get(value[len("attach://") :])
            if isinstance(part, UploadedFile):
                params[key] = part


def _convert(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {key} JSON object") from None
    if key in INT_FIELDS:
        if not _INTEGER.fullmatch(value.strip()):
            raise bad_request(f'field "{key}" must be of type Integer')
        return int(value)
    if key in NUMBER_FIELDS and _INTEGER.fullmatch(value.strip()):
        return int(value)
    if key in FLOAT_FIELDS or key in NUMBER_FIELDS:
        try:
            return float(value)
        except ValueError:
            raise bad_request(f'field "{key}" must be of type Float') from None
    if key in BOOL_FIELDS:
        return value.strip().lower() in ("true", "1")
    if key == "chat_id" and _INTEGER.fullmatch(value.strip()):
        return int(value)
    return value


class Params:
    """Typed, validated access to the parameters of one call."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None

    def get_str(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise bad_request(f'field "{name}" must be of type String')
        return value

    def get_int(
        self, name: str, *, required: bool = False, default: int | None = None
    ) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and _INTEGER.fullmatch(value):
                return int(value)
            raise bad_request(f'field "{name}" must be of type Integer')
        return value

    def get_float(self, name: str, *, required: bool = False) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad_request(f'field "{name}" must be of type Float')
        return float(value)

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def chat_id(self) -> int | str:
        chat_id = self.optional_chat_id()
        if chat_id is None:
            raise bad_request("chat_id is empty")
        return chat_id

    def optional_chat_id(self) -> int | str | None:
        value = self.values.get("chat_id")
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise bad_request('field "chat_id" must be of type Integer or String')
        return value

"""The ``/_emulator`` JSON API the playground chat page uses to act as users.

Errors are ``{"error": "..."}`` with status 400 (bad input) or 404 (unknown user, message
or file). Event long polls are released when the emulator stops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .formatting import user_text_fields

if TYPE_CHECKING:
    from .emulator import BotApiEmulator

MAX_EVENT_WAIT = 30.0
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # what a bot may download from Telegram
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")


class ClientError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _json_body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ClientError(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ClientError(400, "the body must be a JSON object")
    return body


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ClientError(400, f"{name} must be an integer") from None


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ClientError(400, f"{name} must be a number")
    return float(value)


def _optional_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ClientError(400, f"{name} must be a string")
    return value


def client_api_routes(emu: BotApiEmulator) -> list[web.RouteDef]:
    def known_user(request: web.Request) -> int:
        user_id = _int(request.match_info["user_id"], "user_id")
        if user_id not in emu.state.users:
            raise ClientError(404, f"unknown user {user_id}")
        return user_id

    def handles_errors(handler: Any) -> Any:
        async def wrapper(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except ClientError as exc:
                return _error(exc.status, str(exc))

        return wrapper

    @handles_errors
    async def bot_info(request: web.Request) -> web.Response:
        return web.json_response(emu.state.bot_user())

    @handles_errors
    async def list_users(request: web.Request) -> web.Response:
        return web.json_response({"users": [user.to_json() for user in emu.users]})

    @handles_errors
    async def create_user(request: web.Request) -> web.Response:
        body = await _json_body(request)
        first_name = _optional_str(body, "first_name") or "Test"
        language_code = _optional_str(body, "language_code") if "language_code" in body else "nl"
        user = emu.add_user(
            first_name,
            language_code=language_code,
            username=_optional_str(body, "username"),
            last_name=_optional_str(body, "last_name"),
        )
        return web.json_response(user.to_json(), status=201)

    @handles_errors
    async def send_message(request: web.Request) -> web.Response:
        user_id = known_user(request)
        body = await _json_body(request)
        fields = _message_fields(emu, user_id, body)
        reply_to = body.get("reply_to")
        try:
            message, update_id = emu.user_message(
                user_id,
                fields,
                reply_to=None if reply_to is None else _int(reply_to, "reply_to"),
            )
        except ValueError as exc:
            raise ClientError(404, str(exc)) from None
        return web.json_response(
            {"message_id": message.message_id, "update_id": update_id}, status=201
        )

    @handles_errors
    async def press_button(request: web.Request) -> web.Response:
        user_id = known_user(request)
        body = await _json_body(request)
        data = body.get("data")
        if not isinstance(data, str) or not data:
            raise ClientError(400, "data must be a non-empty string")
        message_id = _int(body.get("message_id"), "message_id")
        try:
            query_id, update_id = emu.user_callback(user_id, message_id, data)
        except ValueError as exc:
            raise ClientError(404, str(exc)) from None
        return web.json_response(
            {"callback_query_id": query_id, "update_id": update_id}, status=201
        )

    @handles_errors
    async def send_file(request: web.Request) -> web.Response:
        """The user sends a photo or a document: the raw file is the body; ``kind``
        (photo or document), ``name`` and ``caption`` are query parameters."""
        user_id = known_user(request)
        kind = request.query.get("kind", "document")
        if kind not in ("photo", "document"):
            raise ClientError(400, "kind must be photo or document")
        data = await _read_upload(request)
        if not data:
            raise ClientError(400, "the file is empty")
        mime_type = request.content_type or "application/octet-stream"
        caption = request.query.get("caption") or None
        if caption is not None and len(caption) > 1024:
            raise ClientError(400, "a caption has at most 1024 characters")
        if kind == "photo":
            if mime_type not in PHOTO_TYPES:
                raise ClientError(400, "a photo must be a JPEG, PNG, WebP or GIF image")
            stored = emu.state.files.add(data, kind="photo", mime_type=mime_type)
            fields: dict[str, Any] = {"photo": stored.photo_json()}
        else:
            name = (request.query.get("name") or "document").replace("/", "_")[:255]
            stored = emu.state.files.add(data, kind="document", file_name=name, mime_type=mime_type)
            fields = {"document": stored.document_json()}
        if caption:
            fields["caption"] = caption
        message, update_id = emu.user_message(user_id, fields, file=stored)
        return web.json_response(
            {"message_id": message.message_id, "update_id": update_id}, status=201
        )

    @handles_errors
    async def user_commands(request: web.Request) -> web.Response:
        """The bot's "/" menu as this user's Telegram app shows it in their private chat:
        the most specific scope that has commands (the chat, all private chats, the
        default), each first in the user's language, then for all languages."""
        user_id = known_user(request)
        language = emu.state.users[user_id].language_code or ""
        scopes = ({"type": "chat", "chat_id": user_id}, "all_private_chats", "default")
        for scope in scopes:
            for code in (language, None) if language else (None,):
                found = emu.commands(code, scope)
                if found:
                    return web.json_response({"commands": found})
        return web.json_response({"commands": []})

    @handles_errors
    async def chat_events(request: web.Request) -> web.Response:
        chat_id = _int(request.match_info["chat_id"], "chat_id")
        after = _int(request.query.get("after", "0"), "after")
        try:
            wait = min(max(float(request.query.get("wait", "0")), 0.0), MAX_EVENT_WAIT)
        except ValueError:
            raise ClientError(400, "wait must be a number") from None
        await emu.state.notifier.wait_for(
            lambda: bool(emu.state.events.after(chat_id, after)), wait
        )
        events = emu.state.events.after(chat_id, after)
        last = events[-1]["seq"] if events else after
        return web.json_response({"events": events, "last": last})

    @handles_errors
    async def download(request: web.Request) -> web.Response:
        stored = emu.state.files.get(request.match_info["file_id"])
        if stored is None:
            raise ClientError(404, "unknown file")
        disposition = "inline" if stored.kind in ("photo", "sticker") else "attachment"
        safe_name = stored.file_name.replace('"', "")
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type,
            headers={"Content-Disposition": f'{disposition}; filename="{safe_name}"'},
        )

    return [
        web.get("/_emulator/bot", bot_info),
        web.get("/_emulator/users", list_users),
        web.post("/_emulator/users", create_user),
        web.post("/_emulator/users/{user_id}/messages", send_message),
        web.post("/_emulator/users/{user_id}/callback", press_button),
        web.post("/_emulator/users/{user_id}/files", send_file),
        web.get("/_emulator/users/{user_id}/commands", user_commands),
        web.get("/_emulator/chats/{chat_id}/events", chat_events),
        web.get("/_emulator/files/{file_id}", download),
    ]


async def _read_upload(request: web.Request) -> bytes:
    """The body, read in chunks so that a file may exceed the app's JSON size limit."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise ClientError(400, "the file is larger than 20 MB")
        chunks.append(chunk)
    return b"".join(chunks)


def _message_fields(emu: BotApiEmulator, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """The Bot API fields of the message a playground user sends."""
    if "text" in body:
        text = body["text"]
        if not isinstance(text, str) or not text.strip():
            raise ClientError(400, "text must be a non-empty string")
        try:
            return user_text_fields(text)
        except ValueError as exc:
            raise ClientError(400, str(exc)) from None
    if "location" in body:
        location = body["location"]
        if not isinstance(location, dict):
            raise ClientError(400, "location must be an object")
        latitude = _number(location.get("latitude"), "latitude")
        longitude = _number(location.get("longitude"), "longitude")
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ClientError(400, "latitude/longitude out of range")
        return {"location": {"latitude": latitude, "longitude": longitude}}
    if "contact" in body:
        contact = body["contact"]
        if not isinstance(contact, dict) or not isinstance(contact.get("phone_number"), str):
            raise ClientError(400, "contact needs a phone_number")
        first_name = contact.get("first_name") or emu.state.users[user_id].first_name
        # Shared through a request_contact button: it's the user's own number.
        return {
            "contact": {
                "phone_number": contact["phone_number"],
                "first_name": str(first_name),
                "user_id": user_id,
            }
        }
    if "sticker" in body:
        emoji = body["sticker"]
        if not isinstance(emoji, str) or not emoji:
            raise ClientError(400, "sticker must be an emoji")
        return {"sticker": emu.sticker_fields(emoji)}
    raise ClientError(400, "send one of: text, location, contact, sticker")

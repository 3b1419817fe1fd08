"""``BotApiEmulator``: a fake Telegram Bot API server plus a remote control for tests.

The bot under test talks HTTP to it exactly as to api.telegram.org; tests (and the
playground chat page) act as users through the Python methods below or the JSON API in
``client_api``, and read back what the bot did.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .bot_api import bot_api_routes
from .client_api import client_api_routes
from .core import EmulatorCore
from .errors import ApiError
from .faults import Fault, RateLimiter
from .files import tiny_png
from .formatting import user_text_fields
from .models import CAPTIONED_KINDS, EmuChat, EmuUser, MemberStatus, StoredMessage
from .registry import canonical_name
from .state import MAX_TOPIC_NAME, scope_key

DEFAULT_TOKEN = "123456:TEST-emulator-token-abcdefghijk"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # Telegram's limit for files bots upload


class BotApiEmulator(EmulatorCore):
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "digibank_test_bot",
        bot_id: int | None = None,
        *,
        bot_first_name: str = "Digibank Test Bot",
        webhook_attempts: int = 3,
        webhook_retry_delay: float = 0.2,
        webhook_timeout: float = 10.0,
    ) -> None:
        if bot_id is None:
            prefix = token.split(":", 1)[0]
            bot_id = int(prefix) if prefix.isdigit() else 123456
        super().__init__(
            token=token,
            bot_id=bot_id,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            webhook_attempts=webhook_attempts,
            webhook_retry_delay=webhook_retry_delay,
            webhook_timeout=webhook_timeout,
        )
        self.base_url = ""  # set by start() or set_base_url()
        self._runner: web.AppRunner | None = None

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve the emulator on its own aiohttp server; returns ``base_url``."""
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        self.state.notifier.reopen()
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        self.install(app)
        runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound_port = runner.addresses[0][1]
        self.set_base_url(f"http://{host}:{bound_port}")
        return self.base_url

    async def stop(self) -> None:
        """Release pending long polls, stop webhook deliveries and the server."""
        await self._shutdown()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def install(self, app: web.Application) -> None:
        """Add the Bot API and the ``/_emulator`` JSON API to an existing aiohttp app.

        The caller then sets ``base_url`` with :meth:`set_base_url`. Uploads are limited by the
        app's ``client_max_size``.
        """
        app.add_routes(bot_api_routes(self))
        app.add_routes(client_api_routes(self))
        app.on_shutdown.append(self._on_app_shutdown)

    def set_base_url(self, url: str) -> None:
        self.base_url = url.rstrip("/")

    async def _on_app_shutdown(self, app: web.Application) -> None:
        await self._shutdown()

    async def _shutdown(self) -> None:
        self.state.notifier.close()
        await self.updates.close()

    # --- fault injection --------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        """Make the next matching Bot API calls fail (see :class:`Fault`)."""
        if fault.method is not None:
            fault.method = canonical_name(fault.method)
        self.faults.inject(fault)

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to their chat answer 403 until unblocked (or until
        the user writes again, as a Telegram client unblocks on sending)."""
        self.faults.blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self.faults.blocked.discard(user_id)

    def set_delay(self, method: str | None, seconds: float) -> None:
        """Answer ``method`` (every method when None) only after ``seconds``; the call is still
        carried out if the client gave up meanwhile, as can happen with Telegram."""
        key = canonical_name(method) if method else None
        if seconds > 0:
            self.faults.delays[key] = seconds
        else:
            self.faults.delays.pop(key, None)

    def duplicate_next_updates(self, count: int) -> None:
        """Deliver each of the next ``count`` updates twice, with the same update_id."""
        self.updates.duplicate_next(count)

    def rate_limit(
        self, per_chat_per_second: float | None = 1, global_per_second: float | None = 30
    ) -> None:
        """Answer 429 like Telegram's flood control; ``rate_limit(None, None)`` turns it off."""
        if per_chat_per_second is None and global_per_second is None:
            self.faults.rate_limiter = None
        else:
            self.faults.rate_limiter = RateLimiter(per_chat_per_second, global_per_second)

    # --- users and what they do -------------------------------------------------------------

    def add_user(
        self,
        first_name: str = "Test",
        *,
        language_code: str | None = "nl",
        user_id: int | None = None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> EmuUser:
        """A new fake user (ids from 1000001). Their private chat (id == user id) exists once
        they first write to the bot; until then the bot gets 403 when it writes to them."""
        return self.state.add_user(
            first_name,
            language_code=language_code,
            user_id=user_id,
            username=username,
            last_name=last_name,
        )

    def continue_after(self, update_id: int, user_id: int) -> None:
        """Go on where an earlier emulator stopped, for a bot whose database remembers it:
        update ids above `update_id` (lower ones would be skipped as duplicates), new users
        above `user_id` (a new user must never take over an old user's rows)."""
        self.updates.last_update_id = max(self.updates.last_update_id, update_id)
        self.state.continue_user_ids(user_id)

    @property
    def users(self) -> list[EmuUser]:
        return list(self.state.users.values())

    def add_group(self, title: str, *, is_forum: bool = False) -> int:
        """A group (a forum supergroup when ``is_forum``); returns its (negative) chat id."""
        return self.state.add_group(title, is_forum=is_forum).id

    @property
    def last_update_id(self) -> int:
        return self.updates.last_update_id

    async def send_text(self, user_id: int, text: str, *, reply_to: int | None = None) -> int:
        """The user sends a text in their private chat; returns the message id."""
        message, _ = self.user_message(user_id, user_text_fields(text), reply_to=reply_to)
        return message.message_id

    async def send_location(self, user_id: int, latitude: float, longitude: float) -> int:
        fields = {"location": {"latitude": latitude, "longitude": longitude}}
        return self.user_message(user_id, fields)[0].message_id

    async def send_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        own: bool = True,
    ) -> int:
        """Share a contact; ``own`` (the default) means the user shares their own number, as
        with a ``request_contact`` button, so ``contact.user_id`` is the sender's id."""
        user = self.state.user(user_id)
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or user.first_name,
        }
        if last_name:
            contact["last_name"] = last_name
        if own:
            contact["user_id"] = user_id
        return self.user_message(user_id, {"contact": contact})[0].message_id

    async def send_sticker(self, user_id: int, emoji: str = "👍") -> int:
        return self.user_message(user_id, {"sticker": self.sticker_fields(emoji)})[0].message_id

    def sticker_fields(self, emoji: str) -> dict[str, Any]:
        """A Bot API ``Sticker`` showing ``emoji``."""
        stored = self.state.files.add(
            b"RIFF\x00\x00\x00\x00WEBP", kind="sticker", meta={"emoji": emoji}
        )
        return stored.sticker_json()

    async def send_photo(
        self, user_id: int, data: bytes | None = None, caption: str | None = None
    ) -> int:
        stored = self.state.files.add(data or tiny_png(), kind="photo", mime_type="image/jpeg")
        fields: dict[str, Any] = {"photo": stored.photo_json()}
        if caption:
            fields["caption"] = caption
        return self.user_message(user_id, fields, file=stored)[0].message_id

    async def send_document(
        self,
        user_id: int,
        file_name: str,
        data: bytes,
        caption: str | None = None,
        *,
        mime_type: str | None = None,
    ) -> int:
        stored = self.state.files.add(
            data, kind="document", file_name=file_name, mime_type=mime_type
        )
        fields: dict[str, Any] = {"document": stored.document_json()}
        if caption:
            fields["caption"] = caption
        return self.user_message(user_id, fields, file=stored)[0].message_id

    async def send_voice(self, user_id: int, data: bytes = b"OggS-voice", duration: int = 1) -> int:
        stored = self.state.files.add(
            data, kind="voice", mime_type="audio/ogg", meta={"duration": duration}
        )
        return self.user_message(user_id, {"voice": stored.voice_json()}, file=stored)[0].message_id

    async def edit_text(
        self, user_id: int, message_id: int, new_text: str, *, chat_id: int | None = None
    ) -> int:
        """The user edits one of their texts, in their private chat unless ``chat_id`` (an
        ``edited_message`` update); returns the update id."""
        message = self._own_message(user_id, message_id, chat_id)
        if message is None or "text" not in message.api:
            raise ValueError(f"user {user_id} has no text message {message_id} to edit")
        message.api.pop("entities", None)
        message.api.update(user_text_fields(new_text))
        self.state.record_edit(message)
        return self.updates.publish({"edited_message": message.api})

    async def edit_caption(
        self, user_id: int, message_id: int, new_caption: str, *, chat_id: int | None = None
    ) -> int:
        """The user changes the caption of their photo, document or voice note (an empty one
        removes it), in their private chat unless ``chat_id``; returns the update id."""
        message = self._own_message(user_id, message_id, chat_id)
        if message is None or message.content_kind not in CAPTIONED_KINDS:
            raise ValueError(f"user {user_id} has no photo/document/voice {message_id} to edit")
        if len(new_caption) > 1024:
            raise ValueError("a caption has at most 1024 characters")
        message.api.pop("caption_entities", None)
        if new_caption:
            message.api["caption"] = new_caption
        else:
            message.api.pop("caption", None)
        self.state.record_edit(message)
        return self.updates.publish({"edited_message": message.api})

    def _own_message(
        self, user_id: int, message_id: int, chat_id: int | None
    ) -> StoredMessage | None:
        message = self.state.message(user_id if chat_id is None else chat_id, message_id)
        if message is None or message.sender != "user" or message.api["from"]["id"] != user_id:
            return None
        return message

    async def press_button(
        self, user_id: int, message_id: int, callback_data: str, *, chat_id: int | None = None
    ) -> str:
        """The user presses an inline button of a message (in their private chat unless
        ``chat_id``); returns the callback query id. Whether the message really has such a
        button is not checked, so tests can send stale or forged data."""
        return self.user_callback(user_id, message_id, callback_data, chat_id=chat_id)[0]

    async def send_raw_update(self, update: dict[str, Any]) -> int:
        """Deliver any update as given (``update_id`` is filled in); returns the update id."""
        payload = {key: value for key, value in update.items() if key != "update_id"}
        return self.updates.publish(payload)

    # --- groups and forum topics -----------------------------------------------------------

    def _group(self, chat_id: int) -> EmuChat:
        chat = self.state.chats.get(chat_id)
        if chat is None or chat.type == "private":
            raise ValueError(f"unknown group {chat_id}; create it with add_group()")
        return chat

    async def send_text_in_group(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        message_thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """The user writes in a group (and so becomes a member), in a forum topic when
        ``message_thread_id``; a reply goes to the topic of the message it answers. Returns the
        message id."""
        return self.group_message(
            chat_id, user_id, user_text_fields(text),
            message_thread_id=message_thread_id, reply_to=reply_to,
        ).message_id  # fmt: skip

    async def send_photo_in_group(
        self,
        chat_id: int,
        user_id: int,
        data: bytes | None = None,
        caption: str | None = None,
        *,
        message_thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        stored = self.state.files.add(data or tiny_png(), kind="photo", mime_type="image/jpeg")
        fields: dict[str, Any] = {"photo": stored.photo_json()}
        if caption:
            fields["caption"] = caption
        return self.group_message(
            chat_id, user_id, fields,
            message_thread_id=message_thread_id, reply_to=reply_to, file=stored,
        ).message_id  # fmt: skip

    def group_message(
        self,
        chat_id: int,
        user_id: int,
        fields: dict[str, Any],
        *,
        message_thread_id: int | None = None,
        reply_to: int | None = None,
        file: Any = None,
    ) -> StoredMessage:
        """Any message of a user in a group (``fields`` are its Bot API content fields)."""
        chat = self._group(chat_id)
        self.state.user(user_id)
        chat.members.add(user_id)
        message, _ = self.user_message(
            user_id, fields, chat=chat, reply_to=reply_to, file=file,
            message_thread_id=message_thread_id,
        )  # fmt: skip
        return message

    async def create_topic(
        self, chat_id: int, user_id: int, name: str, *, icon_color: int | None = None
    ) -> int:
        """A member (made an administrator if needed) opens a forum topic: the bot gets its
        ``forum_topic_created`` message. Returns the topic's message_thread_id."""
        chat = self._group(chat_id)
        if not chat.is_forum:
            raise ValueError(f"chat {chat_id} is not a forum; use add_group(..., is_forum=True)")
        if not 1 <= len(name) <= MAX_TOPIC_NAME:
            raise ValueError("a topic name has 1 to 128 characters")
        user = self.state.user(user_id)
        if self.state.member_status(chat, user_id) not in ("creator", "administrator"):
            self.state.set_member_status(chat, user_id, "administrator")
        topic, message = self.state.create_topic(chat, name, icon_color=icon_color, from_user=user)
        self.updates.publish({"message": message.api})
        return topic.message_thread_id

    def topics(self, chat_id: int) -> list[dict[str, Any]]:
        """The forum's topics, in order of creation: ``message_thread_id``, ``name``,
        ``icon_color`` (``icon_custom_emoji_id``), ``closed``, ``deleted``."""
        chat = self.state.chats.get(chat_id)
        return [topic.view() for topic in chat.topics.values()] if chat else []

    def set_member(self, chat_id: int, user_id: int, status: MemberStatus = "member") -> None:
        """Make a user a member, administrator or creator of a group, as getChatMember reports;
        ``user_id`` may be the bot's id, e.g. to demote it to a plain member (it can then no
        longer manage topics)."""
        chat = self._group(chat_id)
        if user_id != self.state.bot_id:
            self.state.user(user_id)
        self.state.set_member_status(chat, user_id, status)

    # Building blocks shared with the JSON client API (they also return the update id).

    def user_message(
        self,
        user_id: int,
        fields: dict[str, Any],
        *,
        chat: EmuChat | None = None,
        reply_to: int | None = None,
        file: Any = None,
        message_thread_id: int | None = None,
    ) -> tuple[StoredMessage, int]:
        user = self.state.user(user_id)
        chat = chat or self.state.private_chat(user_id)
        if chat.type == "private":
            self.faults.blocked.discard(user_id)
        target = None
        if reply_to is not None:
            target = self.state.message(chat.id, reply_to)
            if target is None:
                raise ValueError(f"no message {reply_to} in chat {chat.id} to reply to")
        try:
            where = self.state.thread_fields(chat, message_thread_id, target)
        except ApiError as exc:
            raise ValueError(
                f"no topic {message_thread_id} in chat {chat.id} ({exc.description}); "
                "open one with create_topic() or createForumTopic"
            ) from None
        self._check_topic_open(chat, user_id, where)
        fields = {**fields, **where}
        if target is not None:
            fields["reply_to_message"] = target.quoted()
        message = self.state.add_message(chat, "user", fields, from_user=user, file=file)
        update_id = self.updates.publish({"message": message.api})
        return message, update_id

    def _check_topic_open(self, chat: EmuChat, user_id: int, where: dict[str, Any]) -> None:
        """Only administrators write in a closed topic."""
        if not where.get("is_topic_message"):
            return
        topic = chat.topics[where["message_thread_id"]]
        admin = self.state.member_status(chat, user_id) in ("creator", "administrator")
        if topic.closed and not admin:
            raise ValueError(f"topic {topic.message_thread_id} is closed to members")

    def user_callback(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> tuple[str, int]:
        user = self.state.user(user_id)
        chat = self.state.chats.get(user_id if chat_id is None else chat_id)
        message = self.state.message(chat.id, message_id) if chat else None
        if chat is None or message is None:
            raise ValueError(f"no message {message_id} in chat {chat_id or user_id}")
        query_id = self.state.new_callback_query(user_id, message, data)
        update_id = self.updates.publish(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_api(),
                    "message": message.api,
                    "chat_instance": chat.chat_instance,
                    "data": data,
                }
            }
        )
        return query_id, update_id

    # --- what the bot did -------------------------------------------------------------------

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat, in their current state (edited/deleted flagged)."""
        return [m.view() for m in self.state.chat_messages(chat_id, "bot")]

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Both sides of a chat; each view has ``sender`` "bot" or "user"."""
        return [m.view() for m in self.state.chat_messages(chat_id)]

    def last_bot_message(self, chat_id: int) -> dict[str, Any] | None:
        messages = self.state.chat_messages(chat_id, "bot")
        return messages[-1].view() if messages else None

    async def wait_for_bot_messages(
        self,
        chat_id: int,
        count: int = 1,
        *,
        after: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        """Wait until the bot has sent at least ``count`` messages with id > ``after`` to the
        chat; returns all of them. Raises ``TimeoutError`` describing the chat."""

        def newer() -> list[StoredMessage]:
            return [m for m in self.state.chat_messages(chat_id, "bot") if m.message_id > after]

        if not await self.state.notifier.wait_for(lambda: len(newer()) >= count, timeout):
            raise TimeoutError(
                f"waited {timeout}s for {count} bot message(s) with message_id > {after} in "
                f"chat {chat_id}, got {len(newer())}.\n{self.describe_chat(chat_id)}"
            )
        return [m.view() for m in newer()]

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Wait until ``predicate()`` holds, re-checking whenever the emulator's state changes
        (a message, a call answered, a webhook delivery…)."""
        if not await self.state.notifier.wait_for(predicate, timeout):
            raise TimeoutError(f"waited {timeout}s for {what}")

    async def wait_idle(self, *, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until nothing is under way in the emulator (see `EmulatorCore.idle`)."""
        await self.wait_until(lambda: self.idle, timeout=timeout, what="the emulator to be idle")

    def describe_chat(self, chat_id: int) -> str:
        """A transcript of the chat and the bot's failed calls for it, for error messages."""
        lines = [f"chat {chat_id}:"]
        for message in self.state.chat_messages(chat_id):
            flags = "".join(
                flag
                for flag, on in ((" (edited)", message.edited), (" (deleted)", message.deleted))
                if on
            )
            content = message.text
            if content is None:
                kind = message.content_kind or message.service
                content = f"<{kind}>" if kind else "<?>"
            keyboard = " [keyboard]" if message.reply_markup else ""
            where = ""
            if message.api.get("is_topic_message"):
                where = f" [topic {message.api['message_thread_id']}]"
            lines.append(
                f"  #{message.message_id} {message.sender}{where}: {content[:120]!r}"
                f"{keyboard}{flags}"
            )
        if len(lines) == 1:
            lines.append("  (no messages)")
        failures = [
            f"  {call['method']} -> {call['status']} {call['description']}"
            for call in self.failed_calls
            if str(call["params"].get("chat_id")) == str(chat_id)
        ]
        if failures:
            lines += ["failed Bot API calls for this chat:", *failures[-10:]]
        return "\n".join(lines)

    @property
    def callback_answers(self) -> list[dict[str, Any]]:
        return self.state.callback_answers

    @property
    def webhook_deliveries(self) -> list[dict[str, Any]]:
        return self.updates.webhook_deliveries

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of one method, in order."""
        name = canonical_name(method)
        return [params for called, params in self.calls if called == name]

    def commands(
        self, language_code: str | None = None, scope: dict[str, Any] | str | None = None
    ) -> list[dict[str, Any]]:
        """The commands set for exactly this scope and language (no fallback, like
        getMyCommands); ``scope`` is a BotCommandScope dict or just its type."""
        key = (scope_key(scope), language_code or "")
        return copy.deepcopy(self.state.commands.get(key, []))

    def description(self, language_code: str | None = None) -> str:
        return self.state.descriptions.get(language_code or "", "")

    def short_description(self, language_code: str | None = None) -> str:
        return self.state.short_descriptions.get(language_code or "", "")

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any] | None:
        return copy.deepcopy(self.state.menu_buttons.get(chat_id))

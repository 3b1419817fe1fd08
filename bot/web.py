"""Our aiohttp server: GET /healthz and, in webhook mode, Telegram's POSTs."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import text
from telegram import Bot, Update

from bot.ordering import ChatLocks, chat_of
from bot.pipeline import UpdatePipeline
from bot.updates import to_event
from storage.db import Database

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_ID = 2**31  # Telegram's update ids are positive 32-bit numbers


class Malformed(Exception):
    """A webhook body that is no Telegram update; the text says why, never what it held."""


def health_route(db: Database) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def healthz(_request: web.Request) -> web.Response:
        try:
            async with db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            log.error("health check: database unreachable (%s)", type(exc).__name__)
            return web.json_response({"status": "database unreachable"}, status=503)
        return web.json_response({"status": "ok"})

    return healthz


def webhook_route(
    pipeline: Callable[[], UpdatePipeline | None], locks: ChatLocks, secret: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The route is registered before the server starts; the pipeline exists a bit later."""
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, expected):  # constant time
            log.warning("webhook call with a wrong secret refused")
            return web.Response(status=403)
        current = pipeline()
        if current is None:
            return web.Response(status=503)  # still starting: Telegram will try again
        try:
            update = parse_update(await request.read(), current.delivery.bot)
        except Malformed as exc:
            log.warning("webhook call refused: %s", exc)
            return web.Response(status=400)
        async with locks.hold(chat_of(update)):
            committed = await current.process(update)
        # 200 only once committed: otherwise Telegram delivers the update again.
        return web.Response(status=200 if committed else 500)

    return receive


def parse_update(body: bytes, bot: Bot) -> Update:
    """The update in a webhook body, checked before PTB sees it: PTB trusts its input and
    raises almost anything (or nothing) on a body that is not what Telegram sends."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise Malformed("the body is not UTF-8") from None
    except RecursionError:
        raise Malformed("the body is nested too deeply") from None
    except ValueError:
        raise Malformed("the body is not JSON") from None
    if not isinstance(data, dict):
        raise Malformed("the body is not a JSON object")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise Malformed("update_id is not a number")
    if not 0 <= update_id < MAX_UPDATE_ID:
        raise Malformed("update_id is out of range")
    try:
        update = Update.de_json(data, bot)
        # The pipeline turns the update into an event before its own error handling; an
        # update it cannot turn (a message without a chat) is refused here instead.
        to_event(update)
        chat_of(update)
    except Exception as exc:  # PTB raises KeyError, TypeError, AttributeError, …
        raise Malformed(f"not an update ({type(exc).__name__})") from None
    return update


def build_web_app(db: Database) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", health_route(db))
    return app

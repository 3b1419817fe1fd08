"""Our aiohttp server: GET /healthz and, in webhook mode, Telegram's POSTs."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import text
from telegram import Update

from bot.ordering import ChatLocks, chat_of
from bot.pipeline import UpdatePipeline
from storage.db import Database

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


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
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):  # constant time
            log.warning("webhook call with a wrong secret refused")
            return web.Response(status=403)
        current = pipeline()
        if current is None:
            return web.Response(status=503)  # still starting: Telegram will try again
        try:
            update = Update.de_json(await request.json(), current.delivery.bot)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        async with locks.hold(chat_of(update)):
            committed = await current.process(update)
        # 200 only once committed: otherwise Telegram delivers the update again.
        return web.Response(status=200 if committed else 500)

    return receive


def build_web_app(db: Database) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", health_route(db))
    return app

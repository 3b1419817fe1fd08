"""The HTTP side of the Bot API: ``/bot{token}/{method}`` and ``/file/bot{token}/{path}``."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

# Importing the method modules registers their handlers in METHODS.
from . import methods_bot, methods_chats, methods_messages, methods_updates  # noqa: F401
from .core import EmulatorCore
from .errors import ApiError
from .params import Params, read_params
from .registry import METHODS, WithDescription

log = logging.getLogger(__name__)


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.to_json(), status=error.status)


def bot_api_routes(core: EmulatorCore) -> list[web.RouteDef]:
    async def call_method(request: web.Request) -> web.Response:
        if request.match_info["token"] != core.token:
            return _error_response(ApiError(401, "Unauthorized"))
        entry = METHODS.get(request.match_info["method"].lower())
        if entry is None:
            core.calls.append((request.match_info["method"], {}))
            return _error_response(ApiError(404, "Not Found"))
        name, handler = entry
        try:
            values = await read_params(request)
        except ApiError as error:
            core.calls.append((name, {}))
            return _failed(name, {}, error)
        core.calls.append((name, values))
        if name == "getUpdates":  # a long poll waits for work; it is none itself
            return await _answer(name, handler, values)
        core.calls_under_way += 1
        core.state.notifier.notify()
        try:
            return await _answer(name, handler, values)
        finally:
            core.calls_under_way -= 1
            core.calls_answered += 1
            core.state.notifier.notify()

    async def _answer(name: str, handler: Any, values: dict[str, Any]) -> web.Response:
        delay = core.faults.delay_for(name)
        if delay > 0:
            await core.state.notifier.sleep(delay)
        try:
            injected = core.faults.check(name, values)
            if injected is not None:
                raise injected
            result = await handler(core, Params(values))
        except ApiError as error:
            return _failed(name, values, error)
        late = core.faults.late_answer(name, values)
        if late > 0:  # done, but the client hears of it only after this
            await core.state.notifier.sleep(late)
        body: dict[str, Any] = {"ok": True, "result": result}
        if isinstance(result, WithDescription):
            body = {"ok": True, "result": result.result, "description": result.description}
        log.debug("bot api %s: ok", name)
        return web.json_response(body)

    def _failed(name: str, values: dict[str, Any], error: ApiError) -> web.Response:
        core.failed_calls.append(
            {
                "method": name,
                "params": values,
                "status": error.status,
                "description": error.description,
            }
        )
        log.debug("bot api %s: %s %s", name, error.status, error.description)
        return _error_response(error)

    async def download_file(request: web.Request) -> web.Response:
        if request.match_info["token"] != core.token:
            return _error_response(ApiError(401, "Unauthorized"))
        stored = core.state.files.by_path(request.match_info["file_path"])
        if stored is None:
            return _error_response(ApiError(404, "Not Found"))
        return web.Response(body=stored.data, content_type=stored.mime_type)

    return [
        web.route("*", "/bot{token}/{method}", call_method),
        web.get("/file/bot{token}/{file_path:.+}", download_file),
    ]

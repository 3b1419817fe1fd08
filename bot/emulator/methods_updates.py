"""Bot API methods for receiving updates: getUpdates and the webhook."""

from __future__ import annotations

import re
from typing import Any

from .core import EmulatorCore
from .errors import bad_request
from .params import Params
from .registry import WithDescription, bot_method
from .webhook import WebhookConfig

MAX_POLL_TIMEOUT = 50.0
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _allowed_updates(p: Params) -> list[str] | None:
    allowed = p.get("allowed_updates")
    if allowed is None:
        return None
    if not isinstance(allowed, list) or not all(isinstance(kind, str) for kind in allowed):
        raise bad_request("can't parse allowed_updates JSON array")
    return allowed


@bot_method("getUpdates")
async def get_updates(core: EmulatorCore, p: Params) -> list[dict[str, Any]]:
    limit = min(max(p.get_int("limit", default=100) or 100, 1), 100)
    timeout = p.get("timeout") or 0
    if not isinstance(timeout, int | float):
        raise bad_request('field "timeout" must be of type Integer')
    return await core.updates.get_updates(
        p.get_int("offset"),
        limit,
        min(max(float(timeout), 0.0), MAX_POLL_TIMEOUT),
        _allowed_updates(p),
    )


@bot_method("setWebhook")
async def set_webhook(core: EmulatorCore, p: Params) -> WithDescription:
    url = p.get_str("url") or ""
    drop = p.get_bool("drop_pending_updates")
    if not url:
        return await delete_webhook(core, p)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.get_str("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.get_int("max_connections", default=40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = _allowed_updates(p)
    current = core.updates.webhook
    if allowed is None and current is not None:
        allowed = current.allowed_updates  # kept when not given, like Telegram
    config = WebhookConfig(
        url=url, secret_token=secret, max_connections=max_connections, allowed_updates=allowed
    )
    if (
        current is not None
        and not drop
        and (current.url, current.secret_token, current.max_connections, current.allowed_updates)
        == (url, secret, max_connections, allowed)
    ):
        return WithDescription(True, "Webhook is already set")
    await core.updates.set_webhook(config, drop_pending_updates=drop)
    return WithDescription(True, "Webhook was set")


@bot_method("deleteWebhook")
async def delete_webhook(core: EmulatorCore, p: Params) -> WithDescription:
    had_webhook = await core.updates.delete_webhook(
        drop_pending_updates=p.get_bool("drop_pending_updates")
    )
    return WithDescription(
        True, "Webhook was deleted" if had_webhook else "Webhook is already deleted"
    )


@bot_method("getWebhookInfo")
async def get_webhook_info(core: EmulatorCore, p: Params) -> dict[str, Any]:
    config = core.updates.webhook
    info: dict[str, Any] = {
        "url": config.url if config else "",
        "has_custom_certificate": False,
        "pending_update_count": core.updates.pending_count,
    }
    if config is not None:
        info["max_connections"] = config.max_connections
        info["ip_address"] = "127.0.0.1"
        if config.allowed_updates:
            info["allowed_updates"] = config.allowed_updates
        if config.last_error_date is not None:
            info["last_error_date"] = config.last_error_date
            info["last_error_message"] = config.last_error_message
    return info

"""aiohttp wiring for the playground chat page (`GET /` and its static assets), and the
playground-only `/_playground` role switch (`install_playground_roles`).

The page itself is plain HTML/CSS/JS in ``static/``; it talks to the emulator's
``/_emulator`` JSON API on the same origin using relative URLs only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from flows.i18n import use_locale
from flows.staff import command_menu
from storage.models import utcnow
from storage.repositories import Repositories
from storage.vocabulary import STAFF_ROLES, Role

if TYPE_CHECKING:
    from bot.bot_calls import BotCalls
    from bot.emulator import BotApiEmulator
    from storage.db import Database

STATIC_DIR = Path(__file__).with_name("static")
ASSET_ROUTE = "/static/playground/{name}"

# Only these (text) suffixes are served; anything else under static/ stays private.
_CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}

# Defence in depth next to the page's own safe HTML renderer: no inline scripts,
# no third-party requests, so nothing typed here can leave this computer.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Files are small and edited during development: always revalidate.
    "Cache-Control": "no-cache",
}


def install_playground_page(app: web.Application) -> None:
    """Add ``GET /`` (the chat page) and ``GET /static/playground/{name}`` to ``app``."""
    app.router.add_get("/", _serve_index, name="playground_index")
    app.router.add_get(ASSET_ROUTE, _serve_asset, name="playground_asset")


def _asset_path(name: str) -> Path | None:
    """Resolve an asset name to a file directly inside STATIC_DIR, or None."""
    if not name or name.startswith(".") or "/" in name or "\\" in name:
        return None
    path = STATIC_DIR / name
    if path.suffix not in _CONTENT_TYPES or not path.is_file():
        return None
    return path


def _file_response(path: Path) -> web.FileResponse:
    headers = {**_PAGE_HEADERS, "Content-Type": f"{_CONTENT_TYPES[path.suffix]}; charset=utf-8"}
    return web.FileResponse(path, headers=headers)


async def _serve_index(request: web.Request) -> web.StreamResponse:
    return _file_response(STATIC_DIR / "index.html")


async def _serve_asset(request: web.Request) -> web.StreamResponse:
    path = _asset_path(request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound(text="no such playground asset")
    return _file_response(path)


# ---------------------------------------------------------------- roles (playground only)

PLAYGROUND_ROLES = (Role.CITIZEN, Role.DIGIBUDDY, Role.ORGANISER, Role.ADMIN)


def install_playground_roles(
    app: web.Application,
    db: Database,
    emulator: BotApiEmulator,
    bot_calls: Callable[[], BotCalls | None],
    default_locale: str,
) -> None:
    """Playground only (never with a real token; `BotService.start` installs it in the
    playground branch): make a simulated user citizen, digibuddy, organiser or admin in one
    click, and list the digibanks to choose from.

    The role and the digibank are written as `/invite` redemption writes them
    (`flows.staff.redeem`): the user's stored role, a membership, a staff profile, an audit
    entry. An admin is a stored role `admin` too: `Context.role` takes the stored role for
    anyone outside ADMIN_TELEGRAM_IDS, so nothing else changes, and it survives a restart
    like the rest of the playground's database. Then the user's "/" menu is set for the
    new role, in their language, as after `/start`.
    """

    def error(status: int, message: str) -> web.Response:
        return web.json_response({"error": message}, status=status)

    async def digibanks(request: web.Request) -> web.Response:
        async with db.transaction() as session:
            banks = await Repositories(session).sites.digibanks()
        return web.json_response({"digibanks": [{"id": b.id, "name": b.name} for b in banks]})

    def known_user(request: web.Request) -> int | None:
        try:
            user_id = int(request.match_info["user_id"])
        except ValueError:
            return None
        return user_id if user_id in emulator.state.users else None

    async def current_role(request: web.Request) -> web.Response:
        user_id = known_user(request)
        if user_id is None:
            return error(404, "unknown user")
        async with db.transaction() as session:
            repos = Repositories(session)
            user = await repos.users.get(user_id)
            banks = await repos.memberships.of(user_id)
        role = user.role if user else Role.CITIZEN
        return web.json_response({"role": str(role), "digibanks": banks})

    async def set_role(request: web.Request) -> web.Response:
        user_id = known_user(request)
        if user_id is None:
            return error(404, "unknown user")
        try:
            body = await request.json()
        except ValueError:
            return error(400, "the body must be a JSON object")
        if not isinstance(body, dict) or body.get("role") not in PLAYGROUND_ROLES:
            return error(400, "role must be one of: " + ", ".join(PLAYGROUND_ROLES))
        role = Role(body["role"])
        bank_id = body.get("digibank")
        needs_bank = role in (Role.DIGIBUDDY, Role.ORGANISER)
        first_name = emulator.state.users[user_id].first_name or "Digibuddy"
        async with db.transaction() as session:
            repos = Repositories(session)
            if needs_bank and (
                not isinstance(bank_id, str) or await repos.sites.digibank(bank_id) is None
            ):
                return error(400, "a digibuddy or organiser needs a known digibank")
            user = await repos.users.touch(user_id, utcnow())
            user.role = role
            await repos.memberships.remove_all(user_id)
            if needs_bank:
                await repos.memberships.add(user_id, bank_id)
            if role in STAFF_ROLES:
                await repos.staff.ensure_profile(user_id, first_name)
            await repos.audit.record(
                user_id, "playground.role", target_id=user_id, detail=f"{role} {bank_id or ''}"
            )
            locale = user.locale or default_locale
        calls = bot_calls()
        if calls is not None:
            with use_locale(locale):
                menu = command_menu(user_id, role)
            await calls.carry_out(menu)
        return web.json_response({"role": str(role), "digibanks": [bank_id] if needs_bank else []})

    app.router.add_get("/_playground/digibanks", digibanks)
    app.router.add_get("/_playground/users/{user_id}/role", current_role)
    app.router.add_post("/_playground/users/{user_id}/role", set_role)

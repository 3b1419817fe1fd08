"""aiohttp wiring for the playground chat page (`GET /` and its static assets).

The page itself is plain HTML/CSS/JS in ``static/``; it talks to the emulator's
``/_emulator`` JSON API on the same origin using relative URLs only.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

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

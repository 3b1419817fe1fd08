"""Fixtures for the playground page tests: a served page, a headless Chromium, and a FAKE
of the emulator's client API (``/_emulator/...``) with a scripted bot.

The fake exists so the page can be tested on its own; the bot's real end-to-end tests
use the real emulator in ``bot/emulator``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from pathlib import Path
from typing import Any, ClassVar

import pytest
import pytest_asyncio
from aiohttp import web

from bot.emulator.events import empty_event
from bot.playground import install_playground_page

HERE = Path(__file__).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 375, "height": 720}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run this folder's async tests in the module's event loop, beside its shared Chromium."""
    for item in items:
        function = getattr(item, "function", None)
        if item.path.parent == HERE and inspect.iscoroutinefunction(function):
            # Prepended, so it wins over the function-loop mark of asyncio_mode=auto.
            item.add_marker(pytest.mark.asyncio(loop_scope="module"), append=False)


def require_browser() -> None:
    """Skip when Playwright or Chromium is missing, but fail in CI where both must exist."""
    missing = []
    if importlib.util.find_spec("playwright") is None:
        missing.append("the Python package 'playwright' (pip install playwright)")
    if not CHROMIUM.exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if not missing:
        return
    reason = "browser tests need " + " and ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


class FakeEmulatorClientApi:
    """Fake of the emulator's client API used by the playground page, with a scripted bot.

    Records what the page sent in ``received`` so tests can assert on it.
    """

    LEUVEN_VENUE: ClassVar[dict[str, Any]] = {
        "latitude": 50.8798,
        "longitude": 4.7005,
        "title": "Digibank Leuven",
        "address": "Bondgenotenlaan 1, 3000 Leuven",
    }
    INVITE_LINK = "https://t.me/digibank_test_bot?start=inv_Abc-123"
    DIGIBANKS: ClassVar[list[dict[str, str]]] = [
        {"id": "gent-ocmw", "name": "Digibank OCMW Gent"},
        {"id": "leuven", "name": "Digibank Leuven"},
    ]
    HOSTILE_HTML = (
        "<script>window.__pwned = 1</script>"
        '<img src="x" onerror="window.__pwned = 2">'
        "Safe <b>bold</b> text"
    )
    ARABIC_TEXT = "مرحبا! كيف يمكننا مساعدتك اليوم؟"
    # Lines that start with Arabic, and one that starts with a Latin name (a site's name).
    ARABIC_LINES = "أقرب ديجيبنك:\nDigibank Gent, Kortrijksesteenweg 1\nمفتوح الآن"
    ARABIC_LINES_HTML = "<b>أقرب ديجيبنك:</b>\nDigibank Gent, Kortrijksesteenweg 1\nمفتوح الآن"

    def __init__(self) -> None:
        self.users: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.poll_requests: list[tuple[int, int]] = []
        self.fail_next_polls = 0  # answer this many polls with HTTP 500
        self.replay_next_poll = False  # answer the next poll from seq 0, ignoring `after`
        self.roles: dict[int, dict[str, Any]] = {}  # set through the playground's roles
        self.files: list[dict[str, Any]] = []  # files the page sent
        self._events: dict[int, list[dict[str, Any]]] = {}
        self._next_message_id: dict[int, int] = {}
        self._seq = 0
        self._changed = asyncio.Event()
        self._waiting: dict[int, web.Request] = {}  # polls held with nothing new for them

    def install(self, app: web.Application) -> None:
        app.router.add_post("/_emulator/users", self._create_user)
        app.router.add_get("/_emulator/users", self._list_users)
        app.router.add_post("/_emulator/users/{user_id}/messages", self._user_message)
        app.router.add_post("/_emulator/users/{user_id}/callback", self._user_callback)
        app.router.add_get("/_emulator/chats/{chat_id}/events", self._chat_events)
        app.router.add_post("/_emulator/users/{user_id}/files", self._user_file)
        app.router.add_get("/_emulator/users/{user_id}/commands", self._user_commands)
        app.router.add_get("/_playground/digibanks", self._digibanks)
        app.router.add_get("/_playground/users/{user_id}/role", self._get_role)
        app.router.add_post("/_playground/users/{user_id}/role", self._set_role)

    def events(self, chat_id: int) -> list[dict[str, Any]]:
        return self._events.get(chat_id, [])

    @property
    def waiting_polls(self) -> int:
        """Polls held here with nothing new for their chat, from pages still listening
        (an aborted poll's connection is gone)."""
        return sum(
            1
            for request in self._waiting.values()
            if request.transport is not None and not request.transport.is_closing()
        )

    # -- the event log ----------------------------------------------------------

    def _emit(self, chat_id: int, kind: str, **fields: Any) -> dict[str, Any]:
        self._seq += 1
        event = {"seq": self._seq, **empty_event(kind, "bot"), **fields}
        self._events.setdefault(chat_id, []).append(event)
        # Wake every waiting long poll; each re-checks its own chat.
        self._changed.set()
        self._changed = asyncio.Event()
        return event

    def _new_message(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return self._emit(chat_id, "message", message_id=message_id, **fields)

    def _bot_says(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        return self._new_message(chat_id, sender="bot", **fields)

    # -- the scripted bot -----------------------------------------------------------

    def _bot_reacts_to_message(self, chat_id: int, message_id: int, body: dict[str, Any]) -> None:
        text = body.get("text")
        if text == "/start":
            self._bot_says(
                chat_id,
                text="Welkom bij de digibank-helpdesk!\nKies je taal:",
                html="<b>Welkom</b> bij de digibank-helpdesk!\nKies je taal:",
                reply_markup={
                    "inline_keyboard": [
                        [
                            {"text": "Nederlands", "callback_data": "lang:nl"},
                            {"text": "Français", "callback_data": "lang:fr"},
                        ],
                        [
                            {"text": "English", "callback_data": "lang:en"},
                            {"text": "Website", "url": "https://www.digibanken.be"},
                        ],
                    ]
                },
            )
        elif text == "hostile":
            self._bot_says(chat_id, html=self.HOSTILE_HTML)
        elif text == "arabic":
            self._bot_says(chat_id, text=self.ARABIC_TEXT)
        elif text == "arabic lines":
            self._bot_says(chat_id, text=self.ARABIC_LINES, html=self.ARABIC_LINES_HTML)
        elif text == "invite":
            self._bot_says(
                chat_id,
                text=f"🔗 Invite link for a digibuddy:\n{self.INVITE_LINK}\n\nWorks once.",
                html=f"🔗 Invite link for a <b>digibuddy</b>:\n{self.INVITE_LINK}\n\nWorks once.",
            )
        elif text == "ask":  # a question with a tall reply keyboard that stays open
            self._bot_says(
                chat_id,
                text="Which topic is it about?",
                reply_markup={
                    "keyboard": [[{"text": f"Topic {n}"}] for n in range(1, 6)],
                    "resize_keyboard": True,
                },
            )
        elif "location" in body:
            self._bot_says(chat_id, venue=self.LEUVEN_VENUE, location=None)
            self._bot_says(
                chat_id,
                text="This is the nearest digibank.",
                reply_markup={"remove_keyboard": True},
            )
        elif "contact" in body:
            self._bot_says(chat_id, text="Thanks, a digibuddy will call you back.")
        elif text is not None:
            self._bot_says(chat_id, text=f"You said: {text}", reply_to_message_id=message_id)

    def _bot_reacts_to_callback(self, chat_id: int, message_id: int, data: str) -> None:
        language = data.removeprefix("lang:")
        self._emit(chat_id, "callback_answer", text=f"Language: {language}", show_alert=False)
        original = next(e for e in self.events(chat_id) if e["message_id"] == message_id)
        self._emit(
            chat_id,
            "edit",
            message_id=message_id,
            text=original["text"],
            html=original["html"],
            reply_markup=None,
        )
        self._bot_says(
            chat_id,
            text="Share your location to find the nearest digibank.",
            reply_markup={
                "keyboard": [
                    [{"text": "📍 Share my location", "request_location": True}],
                    [{"text": "📞 Call me back", "request_contact": True}, {"text": "Help"}],
                ],
                "one_time_keyboard": True,
                "resize_keyboard": True,
            },
        )

    # -- HTTP handlers ----------------------------------------------------------------

    def _user(self, request: web.Request) -> dict[str, Any]:
        user_id = int(request.match_info["user_id"])
        for user in self.users:
            if user["id"] == user_id:
                return user
        raise web.HTTPNotFound(text="unknown user")

    async def _create_user(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        user = {
            "id": 1000001 + len(self.users),
            "first_name": body.get("first_name") or f"Citizen {len(self.users) + 1}",
            "language_code": body.get("language_code") or "nl",
        }
        self.users.append(user)
        return web.json_response(user, status=201)

    async def _list_users(self, request: web.Request) -> web.Response:
        return web.json_response({"users": self.users})

    async def _user_message(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await request.json()
        kinds = {"text", "location", "contact", "sticker"} & body.keys()
        if len(kinds) != 1:
            raise web.HTTPBadRequest(text="send exactly one of text, location, contact, sticker")
        self.received.append({"endpoint": "messages", "user_id": user["id"], **body})
        chat_id = user["id"]
        event = self._new_message(
            chat_id,
            sender="user",
            text=body.get("text"),
            location=body.get("location"),
            contact=body.get("contact"),
            sticker=body.get("sticker"),
        )
        self._bot_reacts_to_message(chat_id, event["message_id"], body)
        return web.json_response(
            {"message_id": event["message_id"], "update_id": event["seq"]}, status=201
        )

    async def _user_callback(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await request.json()
        self.received.append({"endpoint": "callback", "user_id": user["id"], **body})
        self._bot_reacts_to_callback(user["id"], body["message_id"], body["data"])
        return web.json_response(
            {"callback_query_id": f"cb-{self._seq}", "update_id": self._seq}, status=201
        )

    async def _user_file(self, request: web.Request) -> web.Response:
        user = self._user(request)
        kind = request.query["kind"]
        data = await request.read()
        self.files.append(
            {
                "user_id": user["id"],
                "kind": kind,
                "name": request.query.get("name"),
                "content_type": request.content_type,
                "data": data,
            }
        )
        url = f"/_emulator/files/fake{len(self.files)}"
        media = (
            {"photo": {"url": url}}
            if kind == "photo"
            else {"document": {"file_name": request.query.get("name"), "url": url}}
        )
        event = self._new_message(user["id"], sender="user", **media)
        return web.json_response(
            {"message_id": event["message_id"], "update_id": event["seq"]}, status=201
        )

    async def _user_commands(self, request: web.Request) -> web.Response:
        user = self._user(request)
        commands = [{"command": "menu", "description": "Main menu"}]
        if self.roles.get(user["id"], {}).get("role") in ("digibuddy", "organiser", "admin"):
            commands = [{"command": "agenda", "description": "Appointments"}, *commands]
        return web.json_response({"commands": commands})

    async def _digibanks(self, request: web.Request) -> web.Response:
        return web.json_response({"digibanks": self.DIGIBANKS})

    async def _get_role(self, request: web.Request) -> web.Response:
        user = self._user(request)
        return web.json_response(self.roles.get(user["id"], {"role": "citizen", "digibanks": []}))

    async def _set_role(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await request.json()
        self.received.append({"endpoint": "role", "user_id": user["id"], **body})
        banks = [body["digibank"]] if body.get("digibank") else []
        self.roles[user["id"]] = {"role": body["role"], "digibanks": banks}
        return web.json_response(self.roles[user["id"]])

    async def _chat_events(self, request: web.Request) -> web.Response:
        chat_id = int(request.match_info["chat_id"])
        after = int(request.query.get("after", "0"))
        wait = min(float(request.query.get("wait", "0")), 25.0)
        self.poll_requests.append((chat_id, after))
        if self.fail_next_polls > 0:
            self.fail_next_polls -= 1
            raise web.HTTPInternalServerError(text="fake outage")
        if self.replay_next_poll:
            self.replay_next_poll = False
            after = 0
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            fresh = [e for e in self.events(chat_id) if e["seq"] > after]
            remaining = deadline - asyncio.get_running_loop().time()
            if fresh or remaining <= 0:
                break
            changed = self._changed
            self._waiting[id(request)] = request
            try:
                with suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)
            finally:
                del self._waiting[id(request)]
        return web.json_response({"events": fresh, "last": self._seq})


async def page_settled(page: Any, api: FakeEmulatorClientApi, timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait until nothing more is on its way to the page's screen: none of its poll loops
    is at work (showing an answer, waiting to retry), and each poll it waits on is held by
    the API with nothing new for it. Then a test may check that something did NOT appear
    (a sleep instead passes on a slow machine while the event is on its way)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    agreed = 0
    while agreed < 2:  # twice in a row: a poll answered in between would differ
        if loop.time() > deadline:
            raise TimeoutError(f"the page did not settle in {timeout}s")
        busy, waiting = await page.evaluate(
            "() => [document.body.dataset.pollsBusy, document.body.dataset.pollsWaiting]"
            ".map(Number)"
        )
        quiet = busy == 0 and waiting >= 1 and waiting == api.waiting_polls
        agreed = agreed + 1 if quiet else 0
        await asyncio.sleep(0.02)


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 with a free port; yield its base URL."""
    # Short shutdown: long polls still waiting when a test ends are simply dropped.
    runner = web.AppRunner(app, shutdown_timeout=0.2)
    await runner.setup()
    sock = free_socket()
    port = sock.getsockname()[1]
    await web.SockSite(runner, sock).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


@pytest.fixture
def serve_app() -> Callable[[web.Application], AbstractAsyncContextManager[str]]:
    """`async with serve_app(app) as url:` for tests that build their own app."""
    return serve


@pytest.fixture
def fake_api() -> FakeEmulatorClientApi:
    return FakeEmulatorClientApi()


# One Chromium for the whole module (launching it costs ~0.5 s); every async fixture and test
# of this folder shares the module's event loop so they can talk to each other.
@pytest_asyncio.fixture(loop_scope="module")
async def base_url(fake_api: FakeEmulatorClientApi) -> AsyncIterator[str]:
    """The page and the fake API on one app, next to an unrelated route like the bot's."""
    app = web.Application()
    app.router.add_get("/healthz", _healthz)
    fake_api.install(app)
    install_playground_page(app)
    async with serve(app) as url:
        yield url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    require_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Any) -> AsyncIterator[Any]:
    """A phone-sized page whose browser language is French (Belgium); fails on JS errors."""
    context = await browser.new_context(viewport=PHONE_VIEWPORT, locale="fr-BE")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        await context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"

"""The playground's shop window (issue 12), through the real bot in playground mode: the
SAMPLE coaching hours (never in production), roles in one click, the "/" menu as the
user's app shows it, invite links, and files sent from the page."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from bot.config import Settings
from bot.service import BotService
from storage.repositories import Repositories
from storage.vocabulary import Role
from tests.e2e.conftest import FAST, Citizen, settled, texts


@pytest.fixture
async def playground(database_url: str):
    service = BotService(Settings(bot_token=None, database_url=database_url, port=0), FAST)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def bookable_sites(service: BotService) -> list[str]:
    async with service.db.transaction() as session:
        return [site.id for site in await Repositories(session).sites.all() if site.coaching]


async def test_the_playground_has_bookable_sample_sites(playground: BotService) -> None:
    bookable = await bookable_sites(playground)
    assert "leuven-stad" in bookable and len(bookable) >= 3


async def test_a_production_start_loads_no_sample_data(start_bot: Any) -> None:
    service = await start_bot()
    assert await bookable_sites(service) == []


async def call(
    http: aiohttp.ClientSession, method: str, url: str, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, url, json=body) as response:
        return response.status, await response.json()


async def test_roles_in_one_click_menu_and_invite_links(playground: BotService) -> None:
    emu = playground.emulator
    assert emu is not None
    base = playground.web_url
    sara = Citizen(emu, "Sara", language="en")
    await sara.onboard("English")
    async with aiohttp.ClientSession() as http:
        status, banks = await call(http, "GET", f"{base}/_playground/digibanks")
        assert status == 200
        assert "leuven" in [bank["id"] for bank in banks["digibanks"]]
        citizen_menu = (await call(http, "GET", f"{base}/_emulator/users/{sara.id}/commands"))[1]
        names = [c["command"] for c in citizen_menu["commands"]]
        assert "menu" in names and "agenda" not in names

        # Bad input changes nothing.
        role_url = f"{base}/_playground/users/{sara.id}/role"
        assert (await call(http, "POST", role_url, {"role": "organiser"}))[0] == 400
        assert (await call(http, "POST", role_url, {"role": "king"}))[0] == 400
        assert (await call(http, "POST", f"{base}/_playground/users/5/role", {}))[0] == 404

        status, answer = await call(
            http, "POST", role_url, {"role": "organiser", "digibank": "leuven"}
        )
        assert (status, answer) == (200, {"role": "organiser", "digibanks": ["leuven"]})
        assert (await call(http, "GET", role_url))[1] == answer
        organiser_menu = (await call(http, "GET", f"{base}/_emulator/users/{sara.id}/commands"))[1]
        names = [c["command"] for c in organiser_menu["commands"]]
        assert {"agenda", "stats", "sites", "whoami"} <= set(names)
        assert "invite" not in names
        [whoami] = await sara.say("/whoami")
        assert "organiser" in whoami["text"] and "Leuven" in whoami["text"]

        # An admin invites; the link, opened by a new user, makes them a digibuddy.
        await call(http, "POST", role_url, {"role": "admin"})
        admin_menu = (await call(http, "GET", f"{base}/_emulator/users/{sara.id}/commands"))[1]
        assert "invite" in [c["command"] for c in admin_menu["commands"]]
        [invite] = await sara.say("/invite digibuddy leuven")
        link = re.search(r"https://t\.me/\w+\?start=(inv_[A-Za-z0-9_-]+)", invite["text"])
        assert link is not None, invite["text"]
        tom = Citizen(emu, "Tom", language="en")
        first = await tom.onboard("English", payload=link.group(1))
        assert "Welcome to the team" in texts(first)
        async with playground.db.transaction() as session:
            repos = Repositories(session)
            stored = await repos.users.get(tom.id)
            assert stored is not None and stored.role == Role.DIGIBUDDY
            assert await repos.memberships.of(tom.id) == ["leuven"]

        # Back to citizen: no staff commands, no digibank.
        await call(http, "POST", role_url, {"role": "citizen"})
        assert (await call(http, "GET", role_url))[1] == {"role": "citizen", "digibanks": []}
        [refused] = await sara.say("/invite")
        assert "only for digibank staff" in refused["text"]
    await settled(emu, playground)


async def test_the_page_sends_photos_and_documents(playground: BotService) -> None:
    emu = playground.emulator
    assert emu is not None
    ann = Citizen(emu, "Ann", language="en")
    await ann.onboard("English")
    files = f"{playground.web_url}/_emulator/users/{ann.id}/files"
    async with aiohttp.ClientSession() as http:
        sent = {"kind": "document", "name": "sites.yaml"}
        async with http.post(
            files, params=sent, data=b"digibanks: []\n", headers={"Content-Type": "text/yaml"}
        ) as response:
            assert response.status == 201
            document_id = (await response.json())["message_id"]
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
        async with http.post(
            files, params={"kind": "photo"}, data=png, headers={"Content-Type": "image/png"}
        ) as response:
            assert response.status == 201
        async with http.post(
            files, params={"kind": "photo"}, data=b"x", headers={"Content-Type": "text/plain"}
        ) as response:
            assert response.status == 400
        async with http.get(f"{playground.web_url}/_emulator/chats/{ann.id}/events") as response:
            events = (await response.json())["events"]
    mine = [e for e in events if e["kind"] == "message" and e["sender"] == "user"]
    document = next(e for e in mine if e["message_id"] == document_id)
    assert document["document"]["file_name"] == "sites.yaml"
    assert any(e["photo"] for e in mine)
    await settled(emu, playground)

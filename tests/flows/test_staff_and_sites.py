"""Staff roles per digibank, and organisers updating their sites from Telegram."""

from __future__ import annotations

from sqlalchemy import select

from flows.actions import SendDocument, SetCommands
from storage.models import AuditEntry, User
from storage.repositories import Repositories
from storage.site_files import read_yaml
from tests.flows.harness import Chat


async def invite_link(admin: Chat, role: str, bank_label: str) -> str:
    await admin.command("invite")
    await admin.press(role.capitalize())
    await admin.press(bank_label)
    return admin.joined().split("start=")[1].split()[0]


async def join(db, user_id: int, code: str) -> Chat:
    chat = Chat(db, user_id=user_id, language_code="en")
    await chat.command("start", code)
    await chat.press("English")
    await chat.press("✅")
    return chat


async def test_invite_asks_role_then_digibank_and_grants_both(admin, sqlite_db):
    code = await invite_link(admin, "organiser", "Digibank Kortrijk")
    olga = await join(sqlite_db, 2, code)
    await olga.command("whoami")
    assert "organiser" in olga.joined() and "Digibank Kortrijk" in olga.joined()


async def test_organiser_gets_only_their_sites_as_a_file(admin, sqlite_db):
    olga = await join(sqlite_db, 2, await invite_link(admin, "organiser", "Digibank Kortrijk"))
    await olga.command("sites")
    [document] = [a for a in olga.actions if isinstance(a, SendDocument)]
    records = read_yaml(document.content.decode())
    assert {r.digibank for r in records} == {"kortrijk"}


async def test_organiser_sends_back_a_changed_file(admin, sqlite_db):
    olga = await join(sqlite_db, 2, await invite_link(admin, "organiser", "Digibank Kortrijk"))
    await olga.command("sites")
    [document] = [a for a in olga.actions if isinstance(a, SendDocument)]
    changed = document.content.decode().replace("verified: false", "verified: true")
    changed = changed.replace(
        "street: Leiestraat", "street: Leiestraat 21\n    phone: 056 27 74 00"
    )
    await olga.upload("digibank-sites.yaml", changed.encode())
    assert "1 changed" in olga.joined()
    async with sqlite_db.transaction() as session:
        [site] = [s for s in await Repositories(session).sites.all() if s.digibank == "kortrijk"]
        assert site.verified and site.street == "Leiestraat 21"
        actions = [a.action for a in await session.scalars(select(AuditEntry))]
        assert "sites.import" in actions


async def test_a_file_with_errors_lists_them_and_changes_nothing(admin, sqlite_db):
    olga = await join(sqlite_db, 2, await invite_link(admin, "organiser", "Digibank Kortrijk"))
    await olga.command("sites")
    [document] = [a for a in olga.actions if isinstance(a, SendDocument)]
    broken = document.content.decode().replace("postcode: '8500'", "postcode: '85'")
    await olga.upload("digibank-sites.yaml", broken.encode())
    text = olga.joined()
    assert "Nothing was changed" in text and "postcode" in text and "&lt;" not in text
    async with sqlite_db.transaction() as session:
        [site] = [s for s in await Repositories(session).sites.all() if s.digibank == "kortrijk"]
        assert site.postcode == "8500"


async def test_organiser_cannot_change_another_digibank(admin, sqlite_db):
    olga = await join(sqlite_db, 2, await invite_link(admin, "organiser", "Digibank Kortrijk"))
    await admin.command("sites")
    [everything] = [a for a in admin.actions if isinstance(a, SendDocument)]
    await olga.command("sites")
    await olga.upload("all.yaml", everything.content)
    assert "You can only change the sites of" in olga.joined()


async def test_citizens_and_digibuddies_cannot_manage_sites(admin, sqlite_db):
    sara = await join(sqlite_db, 3, await invite_link(admin, "digibuddy", "Digibank Kortrijk"))
    await sara.command("sites")
    assert "only for digibank staff" in sara.joined()
    citizen = Chat(sqlite_db, user_id=4, language_code="en")
    await citizen.onboard("English")
    await citizen.upload("sites.yaml", b"digibanks: []")
    assert "only read text and buttons" in citizen.joined()


async def test_removing_staff_removes_their_digibanks(admin, sqlite_db):
    await join(sqlite_db, 2, await invite_link(admin, "organiser", "Digibank Kortrijk"))
    await admin.command("staff")
    await admin.press("Remove 2")
    async with sqlite_db.transaction() as session:
        repos = Repositories(session)
        assert (await session.get(User, 2)).role == "citizen"
        assert await repos.memberships.of(2) == []


def command_list(chat: Chat, chat_id: int) -> list[str] | None:
    """The command names the last step set for that chat's "/" list, if it set one."""
    found = [a for a in chat.actions if isinstance(a, SetCommands) and a.chat_id == chat_id]
    return [name for name, _text in found[-1].commands] if found else None


async def test_staff_get_their_commands_in_the_chat_menu_and_lose_them_when_removed(
    admin, sqlite_db
):
    code = await invite_link(admin, "digibuddy", "Digibank Kortrijk")
    sara = Chat(sqlite_db, user_id=3, language_code="fr")
    await sara.command("start", code)  # joins before choosing a language
    assert "agenda" in command_list(sara, 3)
    await sara.press("Français")  # the list again, now in French
    [menu] = [a for a in sara.actions if isinstance(a, SetCommands)]
    assert ("agenda", "Rendez-vous d'aujourd'hui et de demain") in menu.commands
    assert "stats" not in command_list(sara, 3) and "invite" not in command_list(sara, 3)
    await sara.press("✅")

    olga = await join(sqlite_db, 2, await invite_link(admin, "organiser", "Digibank Kortrijk"))
    await olga.command("start")  # /start refreshes it
    assert {"agenda", "stats", "sites", "menu", "whoami"} <= set(command_list(olga, 2))
    assert "invite" not in command_list(olga, 2)
    await admin.command("start")
    assert {"invite", "staff", "stats", "agenda"} <= set(command_list(admin, 1))

    await admin.command("staff")
    await admin.press("Remove 3")
    assert command_list(admin, 3) == []  # back to the list everybody sees
    citizen = Chat(sqlite_db, user_id=4)
    await citizen.onboard()
    await citizen.command("start")
    assert command_list(citizen, 4) is None

"""Staff roles per digibank, and organisers updating their sites from Telegram."""

from __future__ import annotations

from sqlalchemy import select

from flows.actions import SendDocument
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

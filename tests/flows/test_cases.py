"""Talk to a person: opening a case, taking it, relaying both ways, closing and rating."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from sqlalchemy import func, select

from flows import events
from flows.actions import CopyMessage, Notify, Reply
from storage.models import Case, CaseMessage
from storage.repositories import Repositories
from tests.flows.harness import Chat


async def staff_member(admin: Chat, db, user_id: int, name: str, bank: str = "leuven") -> Chat:
    await admin.command("invite", f"digibuddy {bank}")
    code = admin.joined().split("start=")[1].split()[0]
    chat = Chat(db, user_id=user_id, language_code="en")
    chat.sender = replace(chat.sender, first_name=name)
    await chat.command("start", code)
    await chat.press("English")
    await chat.press("✅")
    await chat.command("duty", "on")
    return chat


async def open_case(citizen: Chat, bank_label: str = "Iedereen Digitaal") -> None:
    await citizen.command("human")
    await citizen.press(bank_label)
    await citizen.press("itsme")


def notices(chat: Chat, to: int) -> list[str]:
    return [a.text for a in chat.actions if isinstance(a, Notify) and a.chat_id == to]


async def test_citizen_opens_a_case_and_on_duty_staff_are_alerted(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    ann = Chat(sqlite_db, user_id=100)
    await ann.onboard()
    await open_case(ann)
    assert "nummer 1" in ann.joined()
    [alert] = [a for a in ann.actions if isinstance(a, Notify) and a.chat_id == sara.sender.user_id]
    assert "itsme" in alert.text and alert.buttons[0][0].label.startswith("✋")


async def test_one_open_case_per_citizen(admin, sqlite_db):
    ann = Chat(sqlite_db, user_id=100)
    await ann.onboard()
    await open_case(ann)
    await ann.command("human")
    assert "al een vraag" in ann.joined()
    async with sqlite_db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1


async def test_the_database_refuses_a_second_open_case(admin, sqlite_db):
    async def race() -> None:
        async with sqlite_db.transaction() as session:
            await Repositories(session).cases.open(100, "leuven", "itsme", "nl", admin.now)

    async with sqlite_db.transaction() as session:
        await Repositories(session).users.touch(100, admin.now)
    await asyncio.gather(race(), race(), return_exceptions=True)
    async with sqlite_db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1


async def test_take_relay_close_and_rate(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    ann = Chat(sqlite_db, user_id=100)
    await ann.onboard()
    await open_case(ann)
    await ann.text("Mijn itsme werkt niet <meer>")
    case_id = int(
        next(a for a in ann.actions if isinstance(a, Reply)).buttons[0][0].data.split(".")[1]
    )
    await sara.press_data(f"1:case:*:take.{case_id}")
    assert "Mijn itsme werkt niet &lt;meer&gt;" in sara.joined()  # escaped for staff
    assert "Sara" in notices(sara, 100)[0]
    await sara.text("Hoi! Welke foutmelding zie je?")
    assert notices(sara, 100) == ["👤 <b>Sara</b>: Hoi! Welke foutmelding zie je?"]
    await ann.send(events.Media(replace(ann.sender, message_id=55), "photo"))
    label, copy = ann.actions  # the label first; the copy keeps the photo's own caption
    assert isinstance(label, Notify) and label.text == "💬 <b>#1</b>:"
    assert isinstance(copy, CopyMessage) and copy.chat_id == 10 and copy.message_id == 55
    assert copy.caption is None
    await sara.command("close")
    stars = next(a for a in sara.actions if isinstance(a, Notify) and a.chat_id == 100).buttons
    await ann.press_data(stars[1][1].data)  # five stars
    async with sqlite_db.transaction() as session:
        case = await session.get(Case, case_id)
        assert (case.status, case.rating, case.closed_by) == ("closed", 5, "staff")
        kinds = [m.kind for m in await session.scalars(select(CaseMessage))]
        assert kinds == ["text", "text", "photo"]


async def test_two_digibuddies_take_at_once_one_wins(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    tom = await staff_member(admin, sqlite_db, 11, "Tom")
    ann = Chat(sqlite_db, user_id=100)
    await ann.onboard()
    await open_case(ann)
    data = "1:case:*:take.1"
    await asyncio.gather(sara.press_data(data), tom.press_data(data))
    texts = [sara.joined(), tom.joined()]
    assert sum("You help with question #1" in t for t in texts) == 1
    assert sum("already took" in t or "just took" in t for t in texts) == 1


async def test_staff_of_another_digibank_cannot_take(admin, sqlite_db):
    kim = await staff_member(admin, sqlite_db, 12, "Kim", bank="kortrijk")
    ann = Chat(sqlite_db, user_id=100)
    await ann.onboard()
    await open_case(ann)
    assert not notices(ann, 12)  # not alerted
    await kim.command("queue")
    assert "Nobody is waiting" in kim.joined()
    await kim.press_data("1:case:*:take.1")
    assert "another digibank" in kim.joined()


async def test_citizen_closes_and_release_and_note(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    ann = Chat(sqlite_db, user_id=100)
    await ann.onboard()
    await open_case(ann)
    await sara.press_data("1:case:*:take.1")
    await sara.command("note", "belt maandag terug")
    assert not notices(sara, 100)
    await sara.command("release")
    assert "back in line" not in sara.joined()  # that text goes to the citizen, in Dutch
    assert notices(sara, 100)
    await ann.press_data("1:case:*:done.1")
    assert any(isinstance(a, Notify) and a.buttons for a in ann.actions)  # rating stars


async def test_forget_in_the_middle_of_a_case(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    ann = Chat(sqlite_db, user_id=100)
    await ann.onboard()
    await open_case(ann)
    await ann.text("hallo")
    await sara.press_data("1:case:*:take.1")
    await ann.command("forget")
    await ann.press("🗑️")
    assert "deleted their data" in notices(ann, 10)[0]  # Sara is told
    async with sqlite_db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 0
        assert await session.scalar(select(func.count()).select_from(CaseMessage)) == 0
    await sara.text("Ben je er nog?")
    assert "not helping anyone" in sara.joined()


async def test_capacity_is_respected(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    for n in range(4):
        citizen = Chat(sqlite_db, user_id=200 + n)
        await citizen.onboard()
        await open_case(citizen)
    for case_id in range(1, 5):
        await sara.press_data(f"1:case:*:take.{case_id}")
    assert "already help 3 people" in sara.joined()


async def test_transfer_to_another_digibuddy_and_to_another_digibank(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    tom = await staff_member(admin, sqlite_db, 11, "Tom")
    kim = await staff_member(admin, sqlite_db, 12, "Kim", bank="kortrijk")
    ann = Chat(sqlite_db, user_id=100)
    await ann.onboard()
    await open_case(ann)
    await sara.press_data("1:case:*:take.1")
    await sara.command("transfer")
    assert {b.label for b in sara.buttons()} >= {
        "👤 Tom",
        "🏢 Digibank Kortrijk (Allemaal Digitaal)",
    }
    await sara.press("Tom")
    assert "now with Tom" in sara.joined()
    assert "Tom" in notices(sara, 100)[0]  # the citizen hears who helps now
    assert any("You help with question #1" in t for t in notices(sara, 11))
    await tom.text("Hallo, ik neem het over")
    assert notices(tom, 100) == ["👤 <b>Tom</b>: Hallo, ik neem het over"]
    await tom.command("transfer")
    await tom.press("Digibank Kortrijk")
    assert "Kortrijk" in notices(tom, 100)[0] and "nummer 1" in notices(tom, 100)[0]
    assert notices(tom, 12)  # Kim, on duty in Kortrijk, gets the card
    await kim.press_data("1:case:*:take.1")
    assert "You help with question #1" in kim.joined()


async def test_out_of_hours_says_when_the_team_is_back(admin, sqlite_db):
    from datetime import timedelta

    from storage.site_files import read_yaml, write_yaml
    from storage.site_schema import BRUSSELS

    tomorrow = (admin.now.astimezone(BRUSSELS) + timedelta(days=1)).strftime("%a").lower()[:2]
    async with sqlite_db.transaction() as session:
        repos = Repositories(session)
        leuven = [s for s in await repos.sites.all() if s.digibank == "leuven"]
        text = write_yaml(leuven).replace(
            "verified: false", f"verified: false\n    hours: {{{tomorrow}: '09:00-10:00'}}"
        )
        await repos.sites.upsert(read_yaml(text))
    ann = Chat(sqlite_db, user_id=100)
    await ann.onboard()
    await open_case(ann)
    assert "Het team is er nu niet. Ze zijn terug morgen om 09:00" in ann.joined()


async def test_queue_rules_remind_escalate_and_close_quiet_cases(admin, sqlite_db):
    from datetime import timedelta

    from flows.cases import apply_queue_rules
    from flows.context import Context

    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    await admin.command("invite", "organiser leuven")
    code = admin.joined().split("start=")[1].split()[0]
    olga = Chat(sqlite_db, user_id=20, language_code="en")
    await olga.command("start", code)
    ann = Chat(sqlite_db, user_id=100)
    await ann.onboard()
    await open_case(ann)

    async def rules(minutes: float) -> list:
        async with sqlite_db.transaction() as session:
            ctx = Context.system(
                Repositories(session), ann.settings, ann.now + timedelta(minutes=minutes)
            )
            return await apply_queue_rules(ctx)

    assert await rules(5) == []
    reminded = await rules(16)
    assert [a.chat_id for a in reminded] == [sara.sender.user_id]
    assert "still waiting" in reminded[0].text
    assert await rules(20) == []  # once
    escalated = await rules(61)
    assert [a.chat_id for a in escalated] == [20] and escalated[0].text.startswith("🚨")
    closed = await rules(8 * 24 * 60)
    assert [a.chat_id for a in closed] == [100] and "7 dagen" in closed[0].text
    async with sqlite_db.transaction() as session:
        case = await session.get(Case, 1)
        assert (case.status, case.closed_by) == ("closed", "inactivity")


async def test_staff_speaking_the_language_are_alerted_first(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    tom = await staff_member(admin, sqlite_db, 11, "Tom")
    await tom.command("languages", "nl fr")
    layla = Chat(sqlite_db, user_id=100)
    await layla.onboard()  # Dutch
    await open_case(layla)
    alerts = {a.chat_id: a for a in layla.actions if isinstance(a, Notify)}
    assert alerts[11].relay.after_seconds == 0  # Tom speaks Dutch: at once
    assert alerts[10].relay.after_seconds == 120  # Sara: two minutes later, if still waiting
    assert sara.sender.user_id == 10


async def test_anonymous_digibank_hides_first_names(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    await admin.command("anonymous", "on leuven")
    assert "a digibuddy" in admin.joined()
    ann = Chat(sqlite_db, user_id=100)
    await ann.onboard()
    await open_case(ann)
    await sara.press_data("1:case:*:take.1")
    assert all("Sara" not in text for text in notices(sara, 100))
    await sara.text("Hallo")
    assert notices(sara, 100) == ["👤 <b>Digibuddy</b>: Hallo"]


async def test_a_flood_of_messages_is_kept_and_slowed_politely(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    ann = Chat(sqlite_db, user_id=100)
    await ann.onboard()
    await open_case(ann)
    await sara.press_data("1:case:*:take.1")
    told = 0
    for n in range(25):
        await ann.text(f"bericht {n}")
        assert any(isinstance(a, Notify) and a.chat_id == 10 for a in ann.actions)  # relayed
        told += any(isinstance(a, Reply) and "🐢" in a.text for a in ann.actions)
    assert told == 1
    async with sqlite_db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(CaseMessage)) == 25

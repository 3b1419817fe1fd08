"""A staff group works the cases of one digibank: its commands obey the same rule as in a
private chat, so a digibuddy of another digibank who is a member of the group cannot
close or offer anything there."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows.actions import Notify, Reply
from storage.models import Case
from tests.flows.harness import Chat
from tests.flows.test_booking import with_coaching
from tests.flows.test_cases import open_case, staff_member

GROUP = -100_777
THREAD = 77
CITIZEN = 100
REFUSED = "Only digibuddies of this digibank can answer here"


def in_group(chat: Chat, thread_id: int | None = THREAD) -> Chat:
    """The same person, writing in the staff group (in the case's topic)."""
    member = Chat(chat.db, user_id=chat.sender.user_id, settings=chat.settings)
    member.now = chat.now
    member.sender = replace(chat.sender, chat_id=GROUP, in_group=True, thread_id=thread_id)
    return member


async def leuven_case_in_its_group(admin: Chat, db) -> tuple[Chat, Chat, Chat]:
    """Leuven's staff group with Ann's waiting case in topic THREAD; Sara of Leuven and
    Alex of Antwerpen are both members of the group."""
    await with_coaching(db)  # Leuven takes bookings, so /offer has something to offer
    sara = await staff_member(admin, db, 10, "Sara")
    alex = await staff_member(admin, db, 20, "Alex", bank="antwerpen")
    await in_group(admin, None).command("linkgroup", "leuven")
    ann = Chat(db, user_id=CITIZEN)
    await ann.onboard()
    await open_case(ann)
    await ann.text("Mijn itsme werkt niet")
    async with db.transaction() as session:
        case = await session.get(Case, 1)
        assert case.digibank_id == "leuven"
        case.topic_thread_id = THREAD  # what the outbox records once the topic exists
    return sara, alex, ann


async def case_row(db) -> Case:
    async with db.transaction() as session:
        return await session.get(Case, 1)


def to_citizen(chat: Chat) -> list[Notify]:
    return [a for a in chat.actions if isinstance(a, Notify) and a.chat_id == CITIZEN]


@pytest.mark.parametrize("command", ["close", "offer"])
async def test_a_digibuddy_of_another_digibank_is_refused_in_the_topic(admin, sqlite_db, command):
    _sara, alex, _ann = await leuven_case_in_its_group(admin, sqlite_db)
    before = await case_row(sqlite_db)
    stranger = in_group(alex)
    await stranger.command(command)
    assert any(REFUSED in text for text in stranger.texts())
    assert to_citizen(stranger) == []  # no rating question, no booking button
    after = await case_row(sqlite_db)
    assert (after.status, after.assignee_id, after.closed_by, after.closed_at) == (
        before.status,
        before.assignee_id,
        before.closed_by,
        before.closed_at,
    )


async def test_plain_text_of_another_digibank_is_refused_too(admin, sqlite_db):
    _sara, alex, _ann = await leuven_case_in_its_group(admin, sqlite_db)
    stranger = in_group(alex)
    await stranger.text("Ik sluit dit wel af")
    assert any(REFUSED in text for text in stranger.texts()) and to_citizen(stranger) == []


async def test_someone_without_a_staff_role_is_refused(admin, sqlite_db):
    await leuven_case_in_its_group(admin, sqlite_db)
    citizen = Chat(sqlite_db, user_id=300, language_code="en")
    await citizen.onboard("English")
    outsider = in_group(citizen)
    await outsider.command("close")
    assert any(REFUSED in text for text in outsider.texts())
    assert (await case_row(sqlite_db)).status == "waiting"


async def test_a_leuven_digibuddy_offers_and_closes_in_the_topic(admin, sqlite_db):
    sara, _alex, _ann = await leuven_case_in_its_group(admin, sqlite_db)
    member = in_group(sara)
    await member.command("offer")
    [offer] = to_citizen(member)
    assert offer.buttons and "Sent to question #1" in member.joined()
    await member.command("close")
    [stars] = to_citizen(member)
    assert len([b for row in stars.buttons for b in row]) == 5
    assert (await case_row(sqlite_db)).status == "closed"


async def test_commands_outside_a_case_topic_stay_quiet(admin, sqlite_db):
    _sara, alex, _ann = await leuven_case_in_its_group(admin, sqlite_db)
    for chat in (in_group(alex, None), in_group(alex, 999)):  # the general topic, chatter
        await chat.command("close")
        assert chat.actions == [] or all(not isinstance(a, Reply) for a in chat.actions)

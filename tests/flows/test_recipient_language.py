"""Every message to another person is in that person's language, not the sender's.

The citizen reads Dutch, the digibuddies English and Ukrainian, the organiser French, a
digibuddy of another digibank Turkish. For each kind of message that goes to somebody
other than the one who acted, the recipient's text must be the recipient's translation.
Periodic and outbox notices have no sender: they run here while Arabic is the current
language, which none of the recipients reads.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from flows.actions import Action, Notify
from flows.cases import apply_queue_rules, recipient_blocked, undeliverable
from flows.context import Context
from flows.i18n import _, language_name, use_locale
from storage.repositories import Repositories
from tests.flows.harness import Chat
from tests.flows.test_booking import MONDAY, with_coaching

ANN, SARA, KIM, OLGA, TARIK = 100, 10, 11, 20, 30
NOBODYS = "ar"  # the current language while a periodic or outbox notice is made
# Messages that several kinds of events send.
CARD = "🆕 <b>Question #{id}</b>\n🏢 {digibank}\n📋 {topic}\n🌐 {language}\n⏱️ {minutes} min"
HELLO = "👤 <b>{name}</b> from {digibank} is helping you now."
BACK_IN_LINE = "⏳ Your question is back in line. Another digibuddy will help you soon."
BRIEFING = (
    "✋ You help with question #{id} now.\n"
    "What you write here goes to the person. /close when the question is answered."
)
OFFERED = (
    "📅 Your digibuddy suggests help in person: one to one, at the digibank, "
    "for free.\nDo you want to choose a time?"
)


def piece(locale: str, msgid: str) -> str:
    """The longest stretch of the msgid's translation without placeholders or tags."""
    with use_locale(locale):
        text = _(msgid)
    return max(re.split(r"\{[^}]*\}|<[^>]*>", text), key=len).strip()


def reads(actions: list[Action], chat_id: int) -> str:
    return "\n".join(a.text for a in actions if isinstance(a, Notify) and a.chat_id == chat_id)


def assert_in_language(text: str, msgid: str, reader: str, writer: str) -> None:
    theirs, senders = piece(reader, msgid), piece(writer, msgid)
    assert theirs != senders, f"{msgid!r} reads the same in {reader} and {writer}"
    assert theirs in text, f"expected {reader} ({theirs!r}), got: {text!r}"
    assert senders not in text, f"in the sender's language {writer}: {text!r}"


async def member(
    admin: Chat, db, user_id: int, name: str, locale: str, role: str = "digibuddy", bank="leuven"
) -> Chat:
    await admin.command("invite", f"{role} {bank}")
    code = admin.joined().split("start=")[1].split()[0]
    chat = Chat(db, user_id=user_id, language_code=locale)
    chat.sender = replace(chat.sender, first_name=name)
    await chat.command("start", code)
    await chat.press(language_name(locale))
    await chat.press("✅")
    if role == "digibuddy":
        await chat.command("duty", "on")
    return chat


@pytest.fixture
async def people(admin, sqlite_db) -> dict[str, Chat]:
    """Ann (citizen, nl) with a question at Leuven that Sara (en) took; Kim (uk) is on
    duty in Leuven too, Olga (fr) is its organiser, Tarik (tr) on duty in Kortrijk."""
    sara = await member(admin, sqlite_db, SARA, "Sara", "en")
    kim = await member(admin, sqlite_db, KIM, "Kim", "uk")
    olga = await member(admin, sqlite_db, OLGA, "Olga", "fr", role="organiser")
    tarik = await member(admin, sqlite_db, TARIK, "Tarik", "tr", bank="kortrijk")
    ann = Chat(sqlite_db, user_id=ANN)
    await ann.onboard("Nederlands")
    await ann.command("human")
    await ann.press("Iedereen Digitaal")
    await ann.press("itsme")
    return {"ann": ann, "sara": sara, "kim": kim, "olga": olga, "tarik": tarik}


async def test_new_case_alerts_are_in_each_digibuddys_language(people):
    ann = people["ann"]
    assert_in_language(reads(ann.actions, SARA), CARD, "en", "nl")
    assert_in_language(reads(ann.actions, KIM), CARD, "uk", "nl")
    take = "✋ Take #{id}"
    [sara_alert] = [a for a in ann.actions if isinstance(a, Notify) and a.chat_id == SARA]
    assert piece("en", take) in sara_alert.buttons[0][0].label


async def test_take_notice_and_relay_labels_are_the_readers(people):
    ann, sara = people["ann"], people["sara"]
    await sara.press_data("1:case:*:take.1")
    assert_in_language(reads(sara.actions, ANN), HELLO, "nl", "en")
    await sara.text("Hello Ann")
    assert reads(sara.actions, ANN) == "👤 <b>Sara</b>: Hello Ann"  # no words of Sara's
    await ann.text("Dag Sara")
    assert reads(ann.actions, SARA) == "💬 <b>#1</b>: Dag Sara"


async def test_close_notices_both_ways(people):
    ann, sara = people["ann"], people["sara"]
    await sara.press_data("1:case:*:take.1")
    await ann.press_data("1:case:*:done.1")  # the citizen closes
    closed_by_person = "✅ Question #{id} was closed by the person."
    assert_in_language(reads(ann.actions, SARA), closed_by_person, "en", "nl")

    await ann.command("human")
    await ann.press("Iedereen Digitaal")
    await ann.press("itsme")
    await sara.press_data("1:case:*:take.2")
    await sara.command("close")  # the digibuddy closes
    rate = "✅ Your question is closed.\n⭐ How well did we help you?"
    assert_in_language(reads(sara.actions, ANN), rate, "nl", "en")


async def test_transfer_and_release(people):
    sara, kim = people["sara"], people["kim"]
    await sara.press_data("1:case:*:take.1")
    await sara.command("transfer")
    await sara.press("Kim")
    assert_in_language(reads(sara.actions, KIM), BRIEFING, "uk", "en")
    assert_in_language(reads(sara.actions, ANN), HELLO, "nl", "en")

    await kim.command("release")
    assert_in_language(reads(kim.actions, ANN), BACK_IN_LINE, "nl", "uk")
    assert_in_language(reads(kim.actions, SARA), CARD, "en", "uk")

    await sara.press_data("1:case:*:take.1")
    await sara.command("transfer")
    await sara.press("Kortrijk")
    moved = "➡️ Your question goes to <b>{digibank}</b>. You are number {position}."
    assert_in_language(reads(sara.actions, ANN), moved, "nl", "en")
    assert_in_language(reads(sara.actions, TARIK), CARD, "tr", "en")


async def test_queue_reminders_escalations_and_quiet_closes(people, sqlite_db):
    ann = people["ann"]

    async def rules(later: timedelta) -> list[Action]:
        async with sqlite_db.transaction() as session:
            ctx = Context.system(Repositories(session), ann.settings, ann.now + later)
            with use_locale(NOBODYS):
                return await apply_queue_rules(ctx)

    told = await rules(timedelta(minutes=61))
    waiting = "⏰ Question #{id} is still waiting."
    assert_in_language(reads(told, SARA), waiting, "en", NOBODYS)
    assert_in_language(reads(told, KIM), waiting, "uk", NOBODYS)
    long_wait = "🚨 Question #{id} has been waiting for a long time. Nobody took it yet."
    assert_in_language(reads(told, OLGA), long_wait, "fr", NOBODYS)

    await people["sara"].press_data("1:case:*:take.1")
    told = await rules(timedelta(days=8))
    quiet = (
        "💤 We closed your question: there were no new messages for {days} days. "
        "You can always ask again."
    )
    assert_in_language(reads(told, ANN), quiet, "nl", NOBODYS)
    staff_quiet = "💤 Question #{id} was closed: no new messages for {days} days."
    assert_in_language(reads(told, SARA), staff_quiet, "en", NOBODYS)


async def test_blocked_and_undeliverable_notices(people, sqlite_db):
    ann, sara = people["ann"], people["sara"]
    await sara.press_data("1:case:*:take.1")
    async with sqlite_db.transaction() as session:
        with use_locale(NOBODYS):
            to_staff = await undeliverable(Repositories(session), SARA, 1, ann.now)
            to_citizen = await undeliverable(Repositories(session), ANN, 1, ann.now)
    again = "⚠️ Your message could not be delivered. Please send it again or shorter."
    assert_in_language(reads(to_staff, ANN), again, "nl", NOBODYS)
    from_person = (
        "⚠️ A message from the person of question #{id} could not be delivered. "
        "We asked them to send it again."
    )
    assert_in_language(reads(to_staff, SARA), from_person, "en", NOBODYS)
    yours = (
        "⚠️ Your message to question #{id} could not be delivered. Please send it again or shorter."
    )
    assert_in_language(reads(to_citizen, SARA), yours, "en", NOBODYS)

    async with sqlite_db.transaction() as session:
        with use_locale(NOBODYS):
            told = await recipient_blocked(Repositories(session), SARA, ann.now)
    assert_in_language(reads(told, ANN), BACK_IN_LINE, "nl", NOBODYS)


async def test_offer_booking_notices_and_forget(people, sqlite_db):
    ann, sara = people["ann"], people["sara"]
    await with_coaching(sqlite_db)
    await sara.press_data("1:case:*:take.1")
    await sara.command("offer")
    assert_in_language(reads(sara.actions, ANN), OFFERED, "nl", "en")
    [offer] = [a for a in sara.actions if isinstance(a, Notify) and a.chat_id == ANN]

    ann.now = MONDAY  # the site's coaching hours are in March 2027
    await ann.press_data(offer.buttons[0][0].data)
    await ann.press(ann.buttons()[0].label)  # the first day
    await ann.press(ann.buttons()[0].label)  # the first time
    await ann.press("✅")
    booked = "📅 Question #{id} booked: {topic}, {when}, {site}."
    assert_in_language(reads(ann.actions, SARA), booked, "en", "nl")
    assert "March" in reads(ann.actions, SARA)  # the date in English too

    await ann.command("appointments")
    await ann.press("🔁")  # move it: the staff hear, in their language
    await ann.press(ann.buttons()[1].label)
    await ann.press(ann.buttons()[0].label)
    await ann.press("✅")
    moved = "🔁 Moved: {topic}, {site}, from {when} to {new_when}."
    assert_in_language(reads(ann.actions, SARA), moved, "en", "nl")
    assert_in_language(reads(ann.actions, KIM), moved, "uk", "nl")

    await ann.command("forget")
    await ann.press("🗑️")
    gone = "⚠️ The person of question #{id} deleted their data. The question is closed."
    assert_in_language(reads(ann.actions, SARA), gone, "en", "nl")
    cancelled = "📅 Cancelled: {topic}, {when}, {site}. The place is free again."
    assert_in_language(reads(ann.actions, SARA), cancelled, "en", "nl")
    assert_in_language(reads(ann.actions, KIM), cancelled, "uk", "nl")

"""Talk to a person, end to end: several users at once on the real PTB client."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.service import BotService
from storage.models import Case
from tests.e2e.conftest import ADMIN_ID, Citizen, settled, texts


async def make_admin(emu) -> Citizen:
    admin = Citizen(emu, "Boss", language="en", user_id=ADMIN_ID)
    await admin.onboard("English")
    return admin


async def digibuddy(admin: Citizen, name: str, user_id: int, bank: str = "leuven") -> Citizen:
    """A digibuddy of `bank`, invited by the admin, on duty."""
    emu = admin.emu
    [link] = await admin.say(f"/invite digibuddy {bank}")
    code = link["text"].split("start=")[1].split()[0]
    helper = Citizen(emu, name, language="en", user_id=user_id)
    await helper.onboard("English", payload=code)
    await helper.say("/duty on")
    return helper


async def open_case(ann: Citizen) -> None:
    await ann.say("/human")
    await ann.tap("Iedereen Digitaal")
    await ann.tap("itsme")


async def test_two_digibuddies_take_at_the_same_moment_exactly_one_wins(emu, start_bot):
    service = await start_bot()
    admin = await make_admin(emu)
    sara = await digibuddy(admin, "Sara", 5001)
    tom = await digibuddy(admin, "Tom", 5002)
    ann = Citizen(emu)
    await ann.onboard()
    await open_case(ann)
    [alert_sara] = await sara.replies()
    [alert_tom] = await tom.replies()
    take = alert_sara["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await asyncio.gather(
        emu.press_button(sara.id, alert_sara["message_id"], take),
        emu.press_button(tom.id, alert_tom["message_id"], take),
    )
    sara_says = texts(await sara.replies(1, timeout=5))
    tom_says = texts(await tom.replies(1, timeout=5))
    # The loser hears "Sara already took it" or, in the same instant, "someone just took it".
    winners = [says for says in (sara_says, tom_says) if "took question #1" not in says]
    assert len(winners) == 1
    # The winner's own confirmation may still be on its way (one message at a time).
    await emu.wait_until(
        lambda: (
            "You help with question #1"
            in texts(emu.bot_messages(sara.id) + emu.bot_messages(tom.id))
        ),
        what="the winner's confirmation",
    )
    async with service.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1


async def test_full_relay_both_ways_then_rating(emu, start_bot):
    await start_bot()
    admin = await make_admin(emu)
    sara = await digibuddy(admin, "Sara", 5001)
    ann = Citizen(emu)
    await ann.onboard()
    await open_case(ann)
    [alert] = await sara.replies()
    await ann.say("Ik kan niet inloggen met itsme & <mijn> kaart")
    await sara.tap("Take", count=2)
    [hello] = await ann.replies()
    assert "Sara" in hello["text"] and "helpt je nu" in hello["text"]
    await emu.send_text(sara.id, "Welke foutmelding zie je?")
    [relayed] = await ann.replies()
    assert relayed["text"] == "👤 Sara: Welke foutmelding zie je?"
    await emu.send_text(ann.id, "Code <b>42</b>")
    [to_sara] = await sara.replies()
    assert to_sara["text"].endswith("Code <b>42</b>")  # shown as typed, never as HTML
    await sara.say("/close", count=1)
    [stars] = await ann.replies()
    assert "Hoe goed" in stars["text"]
    [thanks] = await ann.tap("⭐⭐⭐⭐⭐")
    assert "Dank je wel" in thanks["text"]
    assert alert["text"].startswith("🆕")


async def waiting_case(emu) -> tuple[Citizen, Citizen]:
    """On a running bot: Ann's question waits, Sara (on duty) has its card."""
    admin = await make_admin(emu)
    sara = await digibuddy(admin, "Sara", 5001)
    ann = Citizen(emu)
    await ann.onboard()
    await open_case(ann)
    await sara.replies()
    return ann, sara


async def take_case(emu) -> tuple[Citizen, Citizen]:
    """On a running bot: Ann's question, taken by Sara."""
    ann, sara = await waiting_case(emu)
    await sara.tap("Take", count=2)
    await ann.replies()
    return ann, sara


async def _taken_case(emu, start_bot) -> tuple[Citizen, Citizen, BotService]:
    """A running bot, Ann's case taken by Sara."""
    service = await start_bot()
    ann, sara = await take_case(emu)
    return ann, sara, service


async def test_forget_in_the_middle_of_a_case(emu, start_bot):
    ann, sara, service = await _taken_case(emu, start_bot)
    await ann.say("/forget")
    await ann.tap("🗑️")
    [told] = await sara.replies()
    assert "deleted their data" in told["text"]
    async with service.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 0


async def test_a_digibuddy_of_another_digibank_does_not_see_the_case(emu, start_bot):
    service = await start_bot()
    admin = await make_admin(emu)
    kim = await digibuddy(admin, "Kim", 5003, bank="kortrijk")
    ann = Citizen(emu)
    await ann.onboard()
    await open_case(ann)
    await settled(emu, service)
    assert [m for m in emu.bot_messages(kim.id) if m["message_id"] > kim.seen] == []
    [empty] = await kim.say("/queue")
    assert "Nobody is waiting" in empty["text"]


async def test_photo_edit_and_reply_follow_both_ways(emu, start_bot):
    ann, sara, _service = await _taken_case(emu, start_bot)
    photo_id = await emu.send_photo(ann.id, caption="foutmelding")
    label, photo = await sara.replies(2)  # the case label, then the photo as it was sent
    assert label["text"] == "💬 #1:"
    assert photo["photo"] is not None and photo["caption"] == "foutmelding"
    text_id = await emu.send_text(ann.id, "Het lukt niet")
    [copy] = await sara.replies()
    await emu.edit_text(ann.id, text_id, "Het lukt nog steeds niet")
    await emu.wait_until(
        lambda: "nog steeds" in (emu.bot_messages(sara.id)[-1]["text"] or ""),
        what="the edit followed",
    )
    assert emu.bot_messages(sara.id)[-1]["message_id"] == copy["message_id"]
    await emu.send_text(sara.id, "Welke knop?", reply_to=copy["message_id"])
    [answer] = await ann.replies()
    assert answer["reply_to_message_id"] == text_id  # a reply to Ann's own message
    sara_photo = await emu.send_photo(sara.id, caption="Zo ziet het eruit")
    label, back = await ann.replies(2)
    assert label["text"] == "👤 Sara:"
    assert back["photo"] is not None and back["caption"] == "Zo ziet het eruit"
    assert photo_id and sara_photo


async def test_refused_relays_are_retried_from_the_database(emu, start_bot):
    from bot.emulator import Fault

    ann, sara, _service = await _taken_case(emu, start_bot)
    emu.inject(Fault(method="sendMessage", status=429, retry_after=1, chat_id=sara.id, times=3))
    await emu.send_text(ann.id, "Eerste")
    await emu.send_text(ann.id, "Tweede")
    emu.inject(Fault(method="sendMessage", status=502, chat_id=sara.id, times=2))
    await emu.send_text(ann.id, "Derde")
    relayed = await sara.replies(3, timeout=15)
    assert [m["text"] for m in relayed] == ["💬 #1: Eerste", "💬 #1: Tweede", "💬 #1: Derde"]


async def test_a_digibuddy_who_blocked_the_bot_gives_the_case_back(emu, start_bot):
    ann, sara, _service = await _taken_case(emu, start_bot)
    emu.block(sara.id)
    await emu.send_text(ann.id, "Ben je daar?")
    [told] = await ann.replies(timeout=10)
    assert "weer in de rij" in told["text"]


async def test_forum_topic_mode_one_topic_per_case_and_relay(emu, start_bot):
    service = await start_bot()
    admin = await make_admin(emu)
    sara = await digibuddy(admin, "Sara", 5001)
    group = emu.add_group("Digibank Leuven – team", is_forum=True)
    await emu.send_text_in_group(group, ADMIN_ID, "/linkgroup leuven")
    await emu.wait_until(lambda: len(emu.bot_messages(group)) == 1, what="link confirmed")
    assert "Iedereen Digitaal" in emu.bot_messages(group)[0]["text"]

    ann = Citizen(emu)
    await ann.onboard()
    await ann.say("/human")
    await ann.tap("Iedereen Digitaal")
    message_id, data = ann.find_button("itsme")
    await asyncio.gather(  # a double tap on the last question
        emu.press_button(ann.id, message_id, data), emu.press_button(ann.id, message_id, data)
    )
    await emu.wait_until(lambda: len(emu.topics(group)) == 1, what="the case's topic")
    [topic] = emu.topics(group)
    assert topic["name"].startswith("#1")
    await emu.wait_until(
        lambda: any(
            m.get("message_thread_id") == topic["message_thread_id"] and m["reply_markup"]
            for m in emu.bot_messages(group)
        ),
        what="the card in the topic",
    )
    async with service.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1

    await emu.send_text(ann.id, "Mijn itsme vraagt een code")
    await emu.wait_until(
        lambda: any(
            "Mijn itsme vraagt een code" in (m["text"] or "")
            and m["message_thread_id"] == topic["message_thread_id"]
            for m in emu.bot_messages(group)
        ),
        what="the citizen's message in the topic",
    )
    ann.seen = max(m["message_id"] for m in emu.bot_messages(ann.id))

    stranger = emu.add_user("Stranger", language_code="en").id
    await emu.send_text_in_group(
        group, stranger, "hallo?", message_thread_id=topic["message_thread_id"]
    )
    await emu.wait_until(
        lambda: any("Only digibuddies" in (m["text"] or "") for m in emu.bot_messages(group)),
        what="a stranger refused",
    )
    await emu.send_text_in_group(
        group, sara.id, "Ik help je. Welke code?", message_thread_id=topic["message_thread_id"]
    )
    replies = await ann.replies(2)
    assert "Sara" in replies[0]["text"] and replies[1]["text"] == "👤 Sara: Ik help je. Welke code?"

    card = next(m for m in emu.bot_messages(group) if m["reply_markup"])
    close = next(
        b["callback_data"]
        for b in card["reply_markup"]["inline_keyboard"][0]
        if b["callback_data"].startswith("1:case:*:close")
    )
    await emu.press_button(sara.id, card["message_id"], close, chat_id=group)
    [stars] = await ann.replies()
    assert "Hoe goed" in stars["text"]


async def test_a_new_digibuddy_finds_the_staff_commands_in_the_chat_menu(emu, start_bot):
    await start_bot()
    sara = await digibuddy(await make_admin(emu), "Sara", 5001)
    mine = emu.commands(scope={"type": "chat", "chat_id": sara.id})
    names = [command["command"] for command in mine]
    assert names[:3] == ["agenda", "queue", "cases"] and "whoami" in names
    assert {"command": "agenda", "description": "Appointments today and tomorrow"} in mine
    ann = Citizen(emu)
    await ann.onboard()
    assert emu.commands(scope={"type": "chat", "chat_id": ann.id}) == []  # the general list

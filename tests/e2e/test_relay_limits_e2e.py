"""Long messages end to end: a 4,096-character text, a 1,024-character caption, their
edits, a long history at a take. The emulator refuses what Telegram refuses (over 4,096
or 1,024 characters), so whatever arrives was sent within the limits."""

from __future__ import annotations

import re

from tests.e2e.conftest import ADMIN_ID, Citizen
from tests.e2e.test_cases_e2e import _taken_case, make_admin, open_case, waiting_case

LONG = ("Mijn itsme & <kaartlezer> doet raar. " * 120)[:4096]
CAPTION = ("Zo ziet mijn scherm eruit & <dat> is raar. " * 30)[:1024]
_LABEL = re.compile(r"^(?:💬 #1|👤 Sara)(?: \(\d/\d\))?: ")


def words(texts: list[str]) -> str:
    """The user's words in the parts, without labels and the space cut at."""
    return re.sub(r"\s", "", "".join(_LABEL.sub("", t).removesuffix(" ✏️") for t in texts))


def same_words(texts: list[str], original: str) -> bool:
    return words(texts) == re.sub(r"\s", "", original)


async def test_a_4096_character_message_arrives_in_parts_both_ways(emu, start_bot):
    ann, sara, _service = await _taken_case(emu, start_bot)
    await emu.send_text(ann.id, LONG)
    parts = await sara.replies(2)
    assert parts[0]["text"].startswith("💬 #1 (1/2): Mijn itsme & <kaartlezer>")
    assert parts[1]["text"].startswith("💬 #1 (2/2): ")
    assert same_words([p["text"] for p in parts], LONG)
    await emu.send_text(sara.id, LONG)
    back = await ann.replies(2)
    assert back[0]["text"].startswith("👤 Sara (1/2): Mijn itsme & <kaartlezer>")
    assert same_words([p["text"] for p in back], LONG)


async def test_an_edit_of_a_4096_character_message_follows_in_its_parts(emu, start_bot):
    ann, sara, _service = await _taken_case(emu, start_bot)
    original = await emu.send_text(ann.id, LONG)
    first, second = await sara.replies(2)
    new = LONG.replace("raar", "gek!")
    await emu.edit_text(ann.id, original, new)

    def copies() -> list[str]:
        by_id = {m["message_id"]: m["text"] for m in emu.bot_messages(sara.id)}
        return [by_id[first["message_id"]], by_id[second["message_id"]]]

    await emu.wait_until(lambda: all(t.endswith("✏️") for t in copies()), what="both edited")
    assert same_words(copies(), new)


async def test_a_photo_keeps_its_1024_character_caption(emu, start_bot):
    ann, sara, _service = await _taken_case(emu, start_bot)
    photo = await emu.send_photo(ann.id, caption=CAPTION)
    label, copy = await sara.replies(2)
    assert label["text"] == "💬 #1:" and copy["photo"] is not None
    assert copy["caption"] == CAPTION  # the citizen's own words, whole
    await emu.edit_caption(ann.id, photo, CAPTION.upper())
    [rest] = await sara.replies()  # what did not fit beside the label follows
    edited = next(m for m in emu.bot_messages(sara.id) if m["message_id"] == copy["message_id"])
    assert edited["caption"].startswith("💬 #1 (1/2): ZO ZIET")
    assert rest["reply_to_message_id"] == copy["message_id"]
    assert same_words([edited["caption"], rest["text"]], CAPTION.upper())
    await emu.send_photo(sara.id, caption="Zo <b>ziet</b> het eruit")
    label, back = await ann.replies(2)
    assert label["text"] == "👤 Sara:" and back["caption"] == "Zo <b>ziet</b> het eruit"


async def test_take_of_a_case_with_a_long_history_gives_the_briefing(emu, start_bot):
    await start_bot()
    ann, sara = await waiting_case(emu)
    said = [f"Bericht {n:02d}: " + "bla " * 34 for n in range(30)]  # 30 × 150 characters
    for text in said:
        await ann.say(text)  # one answer each: "received", once "slow down"
    await sara.tap("Take", count=3)
    briefing = [m["text"] for m in emu.bot_messages(sara.id)[-3:]]
    assert "You help with question #1" in briefing[-1]
    assert not any("went wrong" in text for text in briefing)
    assert all(text.strip() in "\n".join(briefing) for text in said)


async def test_a_4096_character_message_reaches_the_staff_group_topic(emu, start_bot):
    await start_bot()
    await make_admin(emu)
    group = emu.add_group("Digibank Leuven – team", is_forum=True)
    await emu.send_text_in_group(group, ADMIN_ID, "/linkgroup leuven")
    await emu.wait_until(lambda: len(emu.bot_messages(group)) == 1, what="link confirmed")
    ann = Citizen(emu)
    await ann.onboard()
    await open_case(ann)
    await emu.wait_until(lambda: len(emu.topics(group)) == 1, what="the case's topic")
    [topic] = emu.topics(group)
    await ann.say(LONG)

    def in_topic() -> list[str]:
        return [
            m["text"]
            for m in emu.bot_messages(group)
            if m.get("message_thread_id") == topic["message_thread_id"]
            and (m["text"] or "").startswith("💬")
        ]

    await emu.wait_until(lambda: len(in_topic()) == 2, what="both parts in the topic")
    assert same_words(in_topic(), LONG)


async def test_a_relayed_message_telegram_refuses_is_reported_to_both_sides(emu, start_bot):
    from bot.emulator import Fault

    ann, sara, _service = await _taken_case(emu, start_bot)
    emu.inject(Fault(method="sendMessage", status=400, chat_id=sara.id, description="odd"))
    await emu.send_text(ann.id, "Dit bericht raakt zoek")
    [told] = await ann.replies()
    assert told["text"].startswith("⚠️") and "opnieuw" in told["text"]  # in Dutch, for Ann
    [staff] = await sara.replies()
    assert "#1" in staff["text"] and "could not be delivered" in staff["text"]  # in English
    await emu.send_text(ann.id, "Nog eens")
    [again] = await sara.replies()
    assert again["text"] == "💬 #1: Nog eens"

"""Old, expired and forged button taps: each is answered politely, and the bot makes no
Bot API call that Telegram refuses (no edit of a message whose buttons are already gone)."""

from __future__ import annotations

from tests.e2e.conftest import Citizen, settled
from tests.e2e.test_cases_e2e import digibuddy, make_admin, open_case

EXPIRED = "⌛ Deze knop werkt niet meer."
SORRY = ("er ging bij ons iets mis", "something went wrong")  # the apology of a failed step
# 64 bytes (Telegram's most for callback data) that mean nothing: NUL, colons, emoji.
GARBAGE = "\x00:💥" * 10 + "ab:c"
FORGED = (
    "1:case:*:take.99999999999999999999",  # an id too big for the database
    "1:case:*:rate.1.45",  # 45 stars
    "9:x:y",  # a version we never wrote
    GARBAGE,
)


def keyboard_of(emu, chat_id: int, message_id: int) -> dict | None:
    [message] = [m for m in emu.bot_messages(chat_id) if m["message_id"] == message_id]
    return message["reply_markup"]


async def test_stale_expired_and_forged_taps_are_answered_without_failed_calls(emu, start_bot):
    assert len(GARBAGE.encode()) == 64
    service = await start_bot()
    admin = await make_admin(emu)
    sara = await digibuddy(admin, "Sara", 5001)
    ann = Citizen(emu)
    await ann.say("/start")
    picker = ann.find_button("Nederlands")
    await ann.tap("Nederlands")
    await ann.tap("✅")
    find, help_ = ann.find_button("Zoek een digibank"), ann.find_button("❓ Hulp")
    await ann.tap("❓ Hulp")  # another answer: the menu's buttons are gone now

    # A question to a person: taken, closed and rated, a finished dialogue.
    await open_case(ann)
    await sara.replies()
    take = sara.find_button("Take")
    await sara.tap("Take", count=2)
    await ann.replies()
    await sara.say("/close")
    await ann.replies()
    stars = ann.find_button("⭐⭐⭐⭐⭐")
    await ann.tap("⭐⭐⭐⭐⭐")
    await settled(emu, service)
    assert emu.failed_calls == []

    now = emu.bot_messages(ann.id)[-1]["message_id"]  # a message of now, with buttons
    assert keyboard_of(emu, ann.id, now) is not None
    taps = [
        (ann, find),  # old menu buttons, after another answer
        (ann, help_),
        (ann, picker),  # the language picker of a finished onboarding
        (ann, stars),  # a second rating of a closed question
        (sara, take),  # taking a closed question
        *((ann, (now, data)) for data in FORGED),
    ]
    queries = []
    for person, (message_id, data) in taps:
        queries.append(await emu.press_button(person.id, message_id, data))
        await settled(emu, service)
        assert keyboard_of(emu, person.id, message_id) is None

    assert emu.failed_calls == [], emu.describe_chat(ann.id)
    answers = {
        q: [a["text"] for a in emu.callback_answers if a["callback_query_id"] == q] for q in queries
    }
    assert [len(texts) for texts in answers.values()] == [1] * len(queries)  # each, once
    expired = [queries[2], *queries[-len(FORGED) :]]  # the old picker, and the forged ones
    assert all(answers[query] == [EXPIRED] for query in expired), answers
    for person in (ann, sara):
        said = [m["text"] or "" for m in emu.bot_messages(person.id)]
        assert not [text for text in said if any(sorry in text for sorry in SORRY)]

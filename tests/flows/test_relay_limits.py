"""What is built from user text fits Telegram's limits (4,096 for a text, 1,024 for a
caption, in UTF-16 code units of the visible text): split at a safe point, in order,
never refused, nothing of the user's words lost. And a message the outbox gave up on is
reported to whoever wrote it."""

from __future__ import annotations

import html
import re
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from flows import events
from flows.actions import Action, CopyMessage, EditRelayed, Notify, Reply, utf16_len
from flows.cases import undeliverable
from flows.context import FlowSettings
from flows.i18n import _, use_locale
from flows.text_limits import MAX_CAPTION, MAX_TEXT, labelled, pack, split_text, visible_len
from storage.models import Case
from storage.repositories import Repositories
from tests.flows.harness import Chat
from tests.flows.test_cases import open_case, staff_member
from tests.flows.test_staff_group_scope import GROUP, THREAD, in_group

SARA, ANN = 10, 100
LONG = ("Mijn itsme & <kaartlezer> doet raar. " * 120)[:4096]  # escaping makes it longer
EMOJI = "😀" * 2048  # 2,048 characters, 4,096 UTF-16 code units
_MARKER = re.compile(r"^(?:💬|👤)(?: <b>[^<]*</b>)?(?: \(\d+/\d+\))?:? ")


def visible_parts(texts: list[str]) -> list[str]:
    """The user's words in each part, without our label and "(1/2)" marker."""
    return [html.unescape(_MARKER.sub("", text).removesuffix(" ✏️")) for text in texts]


def words_kept(texts: list[str], original: str) -> bool:
    """Nothing lost, order kept: only the space or line break at a cut is gone."""
    parts = visible_parts(texts)
    return re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", original) and all(
        part in original for part in parts
    )


def notices(actions: list[Action], to: int) -> list[str]:
    return [a.text for a in actions if isinstance(a, Notify) and a.chat_id == to]


async def taken_case(admin: Chat, db, language: str = "en") -> tuple[Chat, Chat]:
    sara = await staff_member(admin, db, SARA, "Sara")
    ann = Chat(db, user_id=ANN, language_code=language)
    await ann.onboard("English" if language == "en" else "Nederlands")
    await open_case(ann)
    await sara.press_data("1:case:*:take.1")
    return sara, ann


async def link(db, source: tuple[int, int], *targets: tuple[int, int], kind: str = "text") -> None:
    """What the outbox records when it has sent the copies of an original."""
    async with db.transaction() as session:
        for target in targets:
            await Repositories(session).links.add(1, source, target, kind)


# --- the helper ------------------------------------------------------------------------------


def test_visible_length_counts_what_telegram_counts():
    assert visible_len("💬 <b>#1</b>: a &lt;b&gt; &amp;") == len("💬 #1: a <b> &") + 1  # 💬 is 2
    assert visible_len('<a href="https://x.be/?a=1&amp;b=2">site</a>') == 4


def test_split_prefers_line_breaks_then_spaces_and_never_breaks_a_character():
    assert split_text("aaaa bbbb\ncccc dddd", 12) == ["aaaa bbbb", "cccc dddd"]
    assert split_text("aaaa bbbb cccc", 10) == ["aaaa bbbb", "cccc"]
    assert split_text("abcdefgh", 3) == ["abc", "def", "gh"]
    family = "👨\u200d👩\u200d👧"  # one visible emoji of five code points
    for piece in split_text("x" * 9 + family * 3, 10):
        assert utf16_len(piece) <= 10 and not piece.startswith("\u200d")
        assert not piece.endswith("\u200d") and not piece.startswith("\ud83d")
    assert "".join(split_text(EMOJI, 3)) == EMOJI  # a surrogate pair stays whole


@given(st.text(min_size=1, max_size=3000), st.integers(min_value=20, max_value=1100))
def test_labelled_parts_fit_and_keep_every_word(text, limit):
    parts = labelled("💬 <b>#7</b>:", text, limit, suffix=" ✏️")
    assert all(visible_len(part) <= limit for part in parts)
    assert all(re.match(r"💬 <b>#7</b>( \(\d+/\d+\))?: ", part) for part in parts)
    assert all(part.endswith(" ✏️") for part in parts)
    if len(parts) == 1:
        assert parts == [f"💬 <b>#7</b>: {html.escape(text)} ✏️"]
    else:
        assert re.sub(r"[\n ]", "", "".join(visible_parts(parts))) == re.sub(r"[\n ]", "", text)


def test_pack_joins_whole_lines():
    lines = ["a" * 3100, "b" * 1000, "c" * 100]
    assert pack(lines) == ["a" * 3100, "b" * 1000 + "\n" + "c" * 100]
    assert pack(["a" * 3000, "b" * 1095]) == ["a" * 3000 + "\n" + "b" * 1095]


# --- relays ----------------------------------------------------------------------------------


async def test_a_4096_character_message_goes_over_in_parts_both_ways(admin, sqlite_db):
    sara, ann = await taken_case(admin, sqlite_db)
    await ann.text(LONG)
    to_sara = notices(ann.actions, SARA)
    assert len(to_sara) == 2 and to_sara[0].startswith("💬 <b>#1</b> (1/2): Mijn")
    assert all(visible_len(text) <= MAX_TEXT for text in to_sara)
    assert words_kept(to_sara, LONG)
    # Within Telegram's limit alone, over it with the label; each part is linked to it.
    await sara.send(events.Text(replace(sara.sender, message_id=70), EMOJI))
    to_ann = notices(sara.actions, ANN)
    assert len(to_ann) == 2 and all(visible_len(text) <= MAX_TEXT for text in to_ann)
    assert "".join(visible_parts(to_ann)) == EMOJI
    sources = {n.relay.source for n in sara.actions if isinstance(n, Notify) and n.relay}
    assert sources == {(SARA, 70)}


async def test_a_short_message_is_still_one_message(admin, sqlite_db):
    _sara, ann = await taken_case(admin, sqlite_db)
    await ann.text("Code <b>42</b>")
    assert notices(ann.actions, SARA) == ["💬 <b>#1</b>: Code &lt;b&gt;42&lt;/b&gt;"]


async def test_a_long_message_in_the_staff_group_topic(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, SARA, "Sara")
    await in_group(admin, None).command("linkgroup", "leuven")
    ann = Chat(sqlite_db, user_id=ANN)
    await ann.onboard()
    await open_case(ann)
    async with sqlite_db.transaction() as session:
        (await session.get(Case, 1)).topic_thread_id = THREAD
    await ann.text(LONG)
    parts = [a for a in ann.actions if isinstance(a, Notify) and a.chat_id == GROUP]
    assert len(parts) == 2 and all(p.relay and p.relay.in_topic for p in parts)
    assert all(visible_len(p.text) <= MAX_TEXT for p in parts)
    member = in_group(sara)
    await member.text(EMOJI)  # from the topic to the citizen
    to_ann = notices(member.actions, ANN)
    assert all(visible_len(text) <= MAX_TEXT for text in to_ann[1:])  # after "Sara helps"
    assert "".join(visible_parts(to_ann[1:])) == EMOJI


async def test_a_photo_keeps_its_caption_and_gets_the_label_first(admin, sqlite_db):
    sara, ann = await taken_case(admin, sqlite_db)
    await ann.send(events.Media(replace(ann.sender, message_id=55), "photo"))
    label, copy = ann.actions
    assert isinstance(label, Notify) and label.text == "💬 <b>#1</b>:"
    assert isinstance(copy, CopyMessage) and copy.caption is None  # the original caption stays
    assert (copy.chat_id, copy.from_chat_id, copy.message_id) == (SARA, ANN, 55)
    await sara.send(events.Document(replace(sara.sender, message_id=66), "a.pdf", 9, "f"))
    label, copy = sara.actions
    assert isinstance(label, Notify) and label.text == "👤 <b>Sara</b>:" and label.chat_id == ANN
    assert isinstance(copy, CopyMessage) and copy.caption is None


async def test_an_edited_caption_keeps_the_label_and_fits(admin, sqlite_db):
    _sara, ann = await taken_case(admin, sqlite_db)
    await link(sqlite_db, (ANN, 55), (SARA, 901), kind="photo")
    edited = replace(ann.sender, message_id=55)
    await ann.send(events.Edited(edited, "nieuw <x>", caption=True))
    edit = EditRelayed(SARA, 901, "💬 <b>#1</b>: nieuw &lt;x&gt; ✏️", True, case_id=1)
    assert ann.actions == [edit]
    caption = ("Dit & dat " * 103)[:1024]
    await ann.send(events.Edited(edited, caption, caption=True))
    edit, *more = ann.actions
    assert isinstance(edit, EditRelayed) and edit.caption and edit.message_id == 901
    assert visible_len(edit.text) <= MAX_CAPTION and edit.text.startswith("💬 <b>#1</b> (1/2): Dit")
    assert [type(a) for a in more] == [Notify] and more[0].relay.reply_to == 901
    assert words_kept([edit.text, more[0].text], caption)


async def test_an_edited_4096_character_message_is_spread_over_its_copies(admin, sqlite_db):
    _sara, ann = await taken_case(admin, sqlite_db)
    await link(sqlite_db, (ANN, 56), (SARA, 903), (SARA, 902))
    edited = replace(ann.sender, message_id=56)
    new = LONG.replace("raar", "gek!")
    await ann.send(events.Edited(edited, new))
    assert [(a.message_id, type(a)) for a in ann.actions] == [
        (902, EditRelayed),
        (903, EditRelayed),
    ]
    texts = [a.text for a in ann.actions]
    assert all(visible_len(t) <= MAX_TEXT and t.endswith(" ✏️") for t in texts)
    assert words_kept(texts, new)
    await ann.send(events.Edited(edited, "Opgelost"))
    assert ann.actions == [
        EditRelayed(SARA, 902, "💬 <b>#1</b>: Opgelost ✏️", case_id=1),
        EditRelayed(SARA, 903, "💬 <b>#1</b>: ✏️", case_id=1),  # the second part is no longer needed
    ]


async def test_an_edit_that_grows_past_the_limit_follows_in_a_new_message(admin, sqlite_db):
    _sara, ann = await taken_case(admin, sqlite_db)
    await link(sqlite_db, (ANN, 57), (SARA, 904))
    await ann.send(events.Edited(replace(ann.sender, message_id=57), EMOJI))
    edit, more = ann.actions
    assert isinstance(edit, EditRelayed) and isinstance(more, Notify)
    assert more.chat_id == SARA and more.relay.reply_to == 904
    assert "".join(visible_parts([edit.text, more.text])) == EMOJI


# --- the briefing at a take ------------------------------------------------------------------


async def test_take_of_a_case_with_a_long_history_briefs_within_the_limit(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, SARA, "Sara")
    ann = Chat(sqlite_db, user_id=ANN)
    await ann.onboard()
    await open_case(ann)
    said = [f"Bericht {n:02d}: " + "bla " * 34 for n in range(30)]  # 30 × 150 characters
    for text in said:
        await ann.text(text)
    await sara.press_data("1:case:*:take.1")
    replies = sara.texts()
    assert all(visible_len(text) <= MAX_TEXT for text in replies)
    assert "You help with question #1" in replies[-1]
    history = "\n".join(replies[:-1])
    assert all(html.escape(text) in history for text in said)  # all 30 fit in a few messages
    assert "not shown" not in history


async def test_take_shows_the_newest_messages_and_counts_the_older_ones(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, SARA, "Sara")
    ann = Chat(sqlite_db, user_id=ANN)
    await ann.onboard()
    await open_case(ann)
    said = [f"Bericht {n:02d}: " + "x" * 4000 for n in range(6)]
    for text in said:
        await ann.text(text)
    await sara.press_data("1:case:*:take.1")
    replies = sara.texts()
    assert all(visible_len(text) <= MAX_TEXT for text in replies)
    assert len(replies) <= 4  # at most three of history, then "you help with …"
    history = "\n".join(replies[:-1])
    assert "Bericht 05" in history and "Bericht 00" not in history
    assert re.search(r"… \d older messages are not shown", replies[0])


async def test_a_long_note_and_a_transfer_briefing_fit(admin, sqlite_db):
    sara, _ann = await taken_case(admin, sqlite_db)
    await staff_member(admin, sqlite_db, 11, "Tom")
    await sara.command("note", EMOJI)
    await sara.command("transfer")
    await sara.press("Tom")
    to_tom = notices(sara.actions, 11)
    assert to_tom and all(visible_len(text) <= MAX_TEXT for text in to_tom)


# --- a message the outbox gave up on ----------------------------------------------------------


async def test_undeliverable_to_staff_tells_the_citizen_and_the_staff(admin, sqlite_db):
    await taken_case(admin, sqlite_db, language="nl")
    async with sqlite_db.transaction() as session:
        told = await undeliverable(Repositories(session), SARA, 1, admin.now)
    with use_locale("nl"):
        again = _("⚠️ Your message could not be delivered. Please send it again or shorter.")
    assert notices(told, ANN) == [again]
    [to_sara] = notices(told, SARA)  # in English, Sara's language
    assert "question #1" in to_sara and "could not be delivered" in to_sara
    assert all(isinstance(a, Notify) and (a.relay is None or a.relay.source is None) for a in told)


async def test_undeliverable_to_the_citizen_tells_the_digibuddy_only(admin, sqlite_db):
    await taken_case(admin, sqlite_db, language="nl")
    async with sqlite_db.transaction() as session:
        told = await undeliverable(Repositories(session), ANN, 1, admin.now)
    assert [a.chat_id for a in told if isinstance(a, Notify)] == [SARA]
    assert "Your message to question #1 could not be delivered" in told[0].text


async def test_undeliverable_with_a_staff_group_goes_to_the_topic(admin, sqlite_db):
    await in_group(admin, None).command("linkgroup", "leuven")
    ann = Chat(sqlite_db, user_id=ANN)
    await ann.onboard()
    await open_case(ann)
    async with sqlite_db.transaction() as session:
        told = await undeliverable(
            Repositories(session), GROUP, 1, admin.now, FlowSettings(default_locale="en")
        )
        gone = await undeliverable(Repositories(session), GROUP, 99, admin.now)
    assert [a.chat_id for a in told] == [ANN, GROUP] and gone == []
    assert told[1].relay.in_topic and told[1].relay.case_id == 1
    assert "question #1" in told[1].text


async def test_nothing_in_any_step_goes_past_the_limit(admin, sqlite_db):
    """A last look over a whole conversation with long texts."""
    sara, ann = await taken_case(admin, sqlite_db)
    for chat, text in ((ann, LONG), (sara, EMOJI), (ann, EMOJI + LONG[:10])):
        await chat.text(text)
        for action in chat.actions:
            if isinstance(action, Reply | Notify):
                assert visible_len(action.text) <= MAX_TEXT

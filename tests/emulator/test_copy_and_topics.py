"""Relaying between citizens and digibuddies: copyMessage, forwardMessage, forum topics, members,
and the other send methods a relay needs, through the real python-telegram-bot client."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest

from bot.emulator import BotApiEmulator

JPEG = b"\xff\xd8fake-jpeg"
STAFF_BOT_ID = 123456  # the emulator's bot id for its default token


async def fails(emu: BotApiEmulator, call: Awaitable[Any], description: str) -> None:
    """The call fails with exactly Telegram's ``description`` (python-telegram-bot rewrites its
    case, so the exact wording is checked on the emulator's side)."""
    with pytest.raises(BadRequest):
        await call
    assert emu.failed_calls[-1]["description"] == description


@pytest.fixture
async def forum(emu: BotApiEmulator) -> int:
    return emu.add_group("Digibuddies", is_forum=True)


# --- copyMessage --------------------------------------------------------------------------------


async def test_copy_of_a_text_is_a_new_bot_message_without_link(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int, forum: int
) -> None:
    question = await emu.send_text(user_chat, "/hulp mijn gsm doet raar")
    copied = await bot.copy_message(forum, user_chat, question, caption="genegeerd")
    assert type(copied) is telegram.MessageId
    assert emu.calls_to("copyMessage")[-1]["caption"] == "genegeerd"

    [view] = emu.bot_messages(forum)
    assert view["message_id"] == copied.message_id
    assert view["text"] == "/hulp mijn gsm doet raar" and view["caption"] is None
    assert view["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    assert view["forward_origin"] is None and view["message_thread_id"] is None
    assert view["api"]["from"]["id"] == STAFF_BOT_ID
    assert "forward_from" not in view["api"] and "reply_to_message" not in view["api"]

    # A copy back into the user's chat, with a keyboard and as a reply.
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Bedankt", callback_data="thanks")]])
    again = await bot.copy_message(
        user_chat, forum, copied.message_id, reply_markup=keyboard,
        reply_parameters=ReplyParameters(question),
    )  # fmt: skip
    back = emu.last_bot_message(user_chat)
    assert back is not None and back["message_id"] == again.message_id
    assert back["text"] == "/hulp mijn gsm doet raar"
    assert back["reply_to_message_id"] == question
    assert back["reply_markup"] == keyboard.to_dict()


async def test_copy_of_a_photo_with_a_new_caption_keeps_the_file(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int, forum: int
) -> None:
    photo = await emu.send_photo(user_chat, JPEG, caption="mijn scherm")

    await bot.copy_message(forum, user_chat, photo, caption="Van <b>Ann</b>", parse_mode="HTML")
    await bot.copy_message(forum, user_chat, photo)
    await bot.copy_message(forum, user_chat, photo, caption="")
    new_caption, same_caption, no_caption = emu.bot_messages(forum)

    assert new_caption["caption"] == "Van Ann" and new_caption["html"] == "Van <b>Ann</b>"
    assert new_caption["entities"] == [{"type": "bold", "offset": 4, "length": 3}]
    assert same_caption["caption"] == "mijn scherm"
    assert no_caption["caption"] is None and "caption" not in no_caption["api"]

    original = emu.chat_messages(user_chat)[-1]
    for view in (new_caption, same_caption, no_caption):
        assert view["photo"]["file_id"] == original["photo"]["file_id"]
        assert view["photo"]["data"] == JPEG
    file = await bot.get_file(new_caption["photo"]["file_id"])
    assert bytes(await file.download_as_bytearray()) == JPEG


async def test_copy_of_locations_contacts_venues_stickers_voice_and_documents(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int, forum: int
) -> None:
    location = await emu.send_location(user_chat, 51.05, 3.72)
    contact = await emu.send_contact(user_chat, "+32470000000")
    sticker = await emu.send_sticker(user_chat, "🙏")
    voice = await emu.send_voice(user_chat, b"OggS-hallo", duration=3)
    document = await emu.send_document(user_chat, "factuur.pdf", b"%PDF-1.4", "mijn factuur")
    venue = await bot.send_venue(user_chat, 51.05, 3.72, "Digibank Gent", "Kouter 1")

    for message_id in (location, contact, sticker, voice, document):
        await bot.copy_message(forum, user_chat, message_id, caption="nieuw")
    await bot.copy_message(forum, user_chat, venue.message_id)
    copies = emu.bot_messages(forum)

    assert copies[0]["location"] == {"latitude": 51.05, "longitude": 3.72}
    assert copies[0]["caption"] is None  # a location takes no caption
    assert copies[1]["contact"]["phone_number"] == "+32470000000"
    assert copies[1]["contact"]["user_id"] == user_chat
    assert copies[2]["sticker"] == "🙏"
    assert copies[3]["voice"]["duration"] == 3 and copies[3]["caption"] == "nieuw"
    assert copies[4]["document"]["data"] == b"%PDF-1.4" and copies[4]["caption"] == "nieuw"
    assert copies[5]["venue"]["title"] == "Digibank Gent"

    # What python-telegram-bot reads in the stored JSON.
    voice_copy = telegram.Message.de_json(copies[3]["api"], bot)
    assert voice_copy.voice is not None and voice_copy.voice.file_size == len(b"OggS-hallo")
    file = await bot.get_file(voice_copy.voice.file_id)
    assert bytes(await file.download_as_bytearray()) == b"OggS-hallo"


async def test_copy_errors(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int, forum: int
) -> None:
    await fails(
        emu, bot.copy_message(forum, user_chat, 999), "Bad Request: message to copy not found"
    )
    await fails(emu, bot.copy_message(forum, 424242, 1), "Bad Request: chat not found")
    topic = await bot.create_forum_topic(forum, "Ann")
    await fails(
        emu,
        bot.copy_message(user_chat, forum, topic.message_thread_id),
        "Bad Request: message can't be copied",  # a service message
    )
    protected = await bot.send_message(user_chat, "geheim", protect_content=True)
    assert protected.has_protected_content
    await fails(
        emu,
        bot.forward_message(forum, user_chat, protected.message_id),
        "Bad Request: message can't be forwarded",
    )
    assert [m["text"] for m in emu.bot_messages(forum)] == [None]  # only the topic's opener


# --- forwardMessage -----------------------------------------------------------------------------


async def test_forward_keeps_the_origin(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int, forum: int
) -> None:
    question = await emu.send_text(user_chat, "Kan iemand helpen?")
    date = emu.chat_messages(user_chat)[-1]["date"]
    topic = await bot.create_forum_topic(forum, "Ann")

    forwarded = await bot.forward_message(
        forum, user_chat, question, message_thread_id=topic.message_thread_id
    )
    assert forwarded.text == "Kan iemand helpen?"
    assert forwarded.from_user is not None and forwarded.from_user.id == STAFF_BOT_ID
    origin = forwarded.forward_origin
    assert isinstance(origin, telegram.MessageOriginUser)
    assert origin.sender_user.id == user_chat and origin.sender_user.first_name == "Ann"
    assert int(origin.date.timestamp()) == date
    assert forwarded.message_thread_id == topic.message_thread_id and forwarded.is_topic_message
    assert forwarded.api_kwargs["forward_from"]["id"] == user_chat  # legacy field

    # Forwarding the forward keeps the first origin.
    again = await bot.forward_message(user_chat, forum, forwarded.message_id)
    assert isinstance(again.forward_origin, telegram.MessageOriginUser)
    assert again.forward_origin.sender_user.id == user_chat
    assert emu.last_bot_message(user_chat)["forward_origin"]["type"] == "user"  # type: ignore[index]
    await fails(
        emu, bot.forward_message(forum, user_chat, 999), "Bad Request: message to forward not found"
    )


# --- forum topics -------------------------------------------------------------------------------


async def test_create_edit_close_reopen_delete_a_topic(
    emu: BotApiEmulator, bot: telegram.Bot, forum: int
) -> None:
    topic = await bot.create_forum_topic(forum, "Ann Peeters – gsm")
    assert isinstance(topic, telegram.ForumTopic)
    assert topic.name == "Ann Peeters – gsm" and topic.icon_color == 0x6FB9F0
    thread = topic.message_thread_id
    [opener] = emu.bot_messages(forum)
    assert opener["message_id"] == thread == opener["message_thread_id"]
    assert opener["service"] == "forum_topic_created" and opener["is_topic_message"]
    assert opener["api"]["forum_topic_created"] == {
        "name": "Ann Peeters – gsm",
        "icon_color": 0x6FB9F0,
    }
    assert emu.topics(forum) == [
        {
            "message_thread_id": thread,
            "name": "Ann Peeters – gsm",
            "icon_color": 0x6FB9F0,
            "closed": False,
            "deleted": False,
        }
    ]

    assert await bot.edit_forum_topic(forum, thread, name="Ann – opgelost")
    await fails(emu, bot.edit_forum_topic(forum, thread, name="Ann – opgelost"),
                "Bad Request: TOPIC_NOT_MODIFIED")  # fmt: skip
    assert await bot.close_forum_topic(forum, thread)
    await fails(emu, bot.close_forum_topic(forum, thread), "Bad Request: TOPIC_NOT_MODIFIED")
    closed = emu.topics(forum)[0]
    assert closed["name"] == "Ann – opgelost" and closed["closed"]
    # The bot administers the group, so it may still write in the closed topic.
    await bot.send_message(forum, "Afgesloten.", message_thread_id=thread)
    assert await bot.reopen_forum_topic(forum, thread)
    await fails(emu, bot.reopen_forum_topic(forum, thread), "Bad Request: TOPIC_NOT_MODIFIED")
    services = [m["service"] for m in emu.bot_messages(forum)]
    assert services == [
        "forum_topic_created", "forum_topic_edited", "forum_topic_closed", None,
        "forum_topic_reopened",
    ]  # fmt: skip
    assert emu.bot_messages(forum)[1]["api"]["forum_topic_edited"] == {"name": "Ann – opgelost"}

    assert await bot.delete_forum_topic(forum, thread)
    assert emu.topics(forum)[0]["deleted"]
    assert all(m["deleted"] for m in emu.bot_messages(forum))
    await fails(emu, bot.send_message(forum, "hallo?", message_thread_id=thread),
                "Bad Request: message thread not found")  # fmt: skip
    await fails(emu, bot.close_forum_topic(forum, thread), "Bad Request: message thread not found")


async def test_topic_errors(emu: BotApiEmulator, bot: telegram.Bot, forum: int) -> None:
    plain = emu.add_group("Organisatoren")
    await fails(emu, bot.create_forum_topic(plain, "x"), "Bad Request: the chat is not a forum")
    await fails(emu, bot.edit_forum_topic(forum, 77, name="x"),
                "Bad Request: message thread not found")  # fmt: skip
    await fails(emu, bot.send_message(forum, "x", message_thread_id=77),
                "Bad Request: message thread not found")  # fmt: skip
    await fails(emu, bot.send_message(plain, "x", message_thread_id=1),
                "Bad Request: message thread not found")  # fmt: skip
    await fails(emu, bot.create_forum_topic(forum, "  "), "Bad Request: title must be non-empty")
    await fails(emu, bot.create_forum_topic(forum, "x", icon_color=0x123456),
                "Bad Request: TOPIC_ICON_COLOR_INVALID")  # fmt: skip
    long = await bot.create_forum_topic(forum, "x" * 200, icon_color=0xFF93B2)
    assert long.name == "x" * 128 and long.icon_color == 0xFF93B2

    emu.set_member(forum, STAFF_BOT_ID, "member")
    await fails(emu, bot.create_forum_topic(forum, "x"),
                "Bad Request: not enough rights to manage forum topics")  # fmt: skip


async def test_copy_into_a_topic(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int, forum: int
) -> None:
    topic = await bot.create_forum_topic(forum, "Ann")
    question = await emu.send_text(user_chat, "Hoe maak ik een foto?")
    copied = await bot.copy_message(
        forum, user_chat, question, message_thread_id=topic.message_thread_id
    )
    view = emu.bot_messages(forum)[-1]
    assert view["message_id"] == copied.message_id
    assert view["message_thread_id"] == topic.message_thread_id and view["is_topic_message"]
    # Like Telegram, a topic message replies to the topic's first message.
    assert view["reply_to_message_id"] == topic.message_thread_id
    assert view["api"]["reply_to_message"]["forum_topic_created"]["name"] == "Ann"


async def test_a_digibuddy_writes_in_a_topic(
    emu: BotApiEmulator, bot: telegram.Bot, forum: int
) -> None:
    topic = (await bot.create_forum_topic(forum, "Ann")).message_thread_id
    ann_relay = await bot.send_message(forum, "Ann vraagt: hoe bel ik?", message_thread_id=topic)
    buddy = emu.add_user("Bram", username="bram_buddy")
    first = await emu.send_text_in_group(forum, buddy.id, "Ik help haar!", message_thread_id=topic)
    reply = await emu.send_text_in_group(
        forum, buddy.id, "Zie hierboven", reply_to=ann_relay.message_id
    )
    photo = await emu.send_photo_in_group(forum, buddy.id, JPEG, "zo", message_thread_id=topic)
    await emu.edit_text(buddy.id, first, "Ik help haar straks!", chat_id=forum)

    updates = await bot.get_updates()
    assert [u.effective_message.message_id for u in updates] == [first, reply, photo, first]  # type: ignore[union-attr]
    message = updates[0].message
    assert message is not None
    assert message.chat.type == "supergroup" and message.chat.is_forum
    assert message.chat.title == "Digibuddies"
    assert message.from_user is not None and message.from_user.username == "bram_buddy"
    assert message.message_thread_id == topic and message.is_topic_message
    assert message.reply_to_message is not None
    assert message.reply_to_message.forum_topic_created is not None
    assert message.reply_to_message.forum_topic_created.name == "Ann"

    # A reply goes to the topic of the message it answers, without message_thread_id.
    replied = updates[1].message
    assert replied is not None and replied.message_thread_id == topic and replied.is_topic_message
    assert replied.reply_to_message is not None
    assert replied.reply_to_message.message_id == ann_relay.message_id
    assert updates[2].message is not None and updates[2].message.caption == "zo"
    assert updates[2].message.photo[-1].file_size == len(JPEG)
    edited = updates[3].edited_message
    assert edited is not None and edited.text == "Ik help haar straks!"
    assert edited.message_thread_id == topic

    member = await bot.get_chat_member(forum, buddy.id)
    assert isinstance(member, telegram.ChatMemberMember)

    # Members can't write in a closed topic; administrators can.
    await bot.close_forum_topic(forum, topic)
    with pytest.raises(ValueError, match="closed"):
        await emu.send_text_in_group(forum, buddy.id, "nog iets", message_thread_id=topic)
    emu.set_member(forum, buddy.id, "administrator")
    await emu.send_text_in_group(forum, buddy.id, "nog iets", message_thread_id=topic)
    with pytest.raises(ValueError, match="no topic 99"):
        await emu.send_text_in_group(forum, buddy.id, "x", message_thread_id=99)


async def test_replies_outside_topics_start_a_reply_thread(
    emu: BotApiEmulator, bot: telegram.Bot, forum: int
) -> None:
    buddy = emu.add_user("Bram")
    notice = await bot.send_message(forum, "Nieuwe vraag binnen")  # the General topic
    reply = await emu.send_text_in_group(forum, buddy.id, "Ik neem ze", reply_to=notice.message_id)
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.message_id == reply
    # Telegram numbers the reply thread but it is no topic: sending to it fails.
    assert update.message.message_thread_id == notice.message_id
    assert not update.message.is_topic_message
    await fails(emu, bot.send_message(forum, "x", message_thread_id=notice.message_id),
                "Bad Request: message thread not found")  # fmt: skip


async def test_a_member_opens_a_topic(emu: BotApiEmulator, bot: telegram.Bot, forum: int) -> None:
    buddy = emu.add_user("Bram")
    thread = await emu.create_topic(forum, buddy.id, "Wachtrij")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.message_id == thread
    assert update.message.forum_topic_created is not None
    assert update.message.forum_topic_created.name == "Wachtrij"
    assert emu.topics(forum)[0]["name"] == "Wachtrij"
    sent = await bot.send_message(forum, "Welkom", message_thread_id=thread)
    assert sent.reply_to_message is not None and sent.reply_to_message.message_id == thread


# --- members ------------------------------------------------------------------------------------


async def test_get_chat_member_and_administrators(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int, forum: int
) -> None:
    me = await bot.get_chat_member(forum, STAFF_BOT_ID)
    assert isinstance(me, telegram.ChatMemberAdministrator)
    assert me.user.is_bot and me.can_manage_topics and me.can_delete_messages
    assert not me.can_be_edited

    buddy, boss, stranger = emu.add_user("Bram"), emu.add_user("Lies"), emu.add_user("Piet")
    emu.set_member(forum, buddy.id)
    emu.set_member(forum, boss.id, "creator")
    assert isinstance(await bot.get_chat_member(forum, buddy.id), telegram.ChatMemberMember)
    assert isinstance(await bot.get_chat_member(forum, boss.id), telegram.ChatMemberOwner)
    assert isinstance(await bot.get_chat_member(forum, stranger.id), telegram.ChatMemberLeft)
    await fails(emu, bot.get_chat_member(forum, 5), "Bad Request: user not found")
    await fails(emu, bot.get_chat_member(-42, buddy.id), "Bad Request: chat not found")

    admins = await bot.get_chat_administrators(forum)
    assert [a.user.id for a in admins] == [boss.id, STAFF_BOT_ID]
    assert await bot.get_chat_member_count(forum) == 3
    await fails(emu, bot.get_chat_administrators(user_chat),
                "Bad Request: there are no administrators in the private chat")  # fmt: skip
    in_private = await bot.get_chat_member(user_chat, user_chat)
    assert isinstance(in_private, telegram.ChatMemberMember)

    basic = emu.add_group("Organisatoren")
    me_there = await bot.get_chat_member(basic, STAFF_BOT_ID)
    assert isinstance(me_there, telegram.ChatMemberAdministrator)
    assert me_there.can_manage_topics is None  # supergroups only


# --- other send methods and user edits ----------------------------------------------------------


async def test_send_voice_contact_and_sticker(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int
) -> None:
    voice = await bot.send_voice(user_chat, b"OggS-antwoord", duration=4, caption="Luister")
    assert voice.voice is not None and voice.voice.mime_type == "audio/ogg"
    assert voice.voice.duration.total_seconds() == 4 and voice.caption == "Luister"  # type: ignore[union-attr]
    again = await bot.send_voice(user_chat, voice.voice.file_id)
    assert again.voice is not None and again.voice.file_id == voice.voice.file_id
    assert again.voice.duration.total_seconds() == 4  # type: ignore[union-attr]

    contact = await bot.send_contact(user_chat, "+3292345678", "Digibank", last_name="Gent")
    assert contact.contact is not None
    assert (contact.contact.phone_number, contact.contact.last_name) == ("+3292345678", "Gent")

    user_sticker = await emu.send_sticker(user_chat, "🎉")
    file_id = emu.chat_messages(user_chat)[-1]["api"]["sticker"]["file_id"]
    assert emu.chat_messages(user_chat)[-1]["message_id"] == user_sticker
    sticker = await bot.send_sticker(user_chat, file_id)
    assert sticker.sticker is not None and sticker.sticker.emoji == "🎉"
    uploaded = await bot.send_sticker(user_chat, b"RIFF\x00\x00\x00\x00WEBP", emoji="👍")
    assert uploaded.sticker is not None and uploaded.sticker.emoji == "👍"
    assert not uploaded.sticker.is_animated

    views = emu.bot_messages(user_chat)
    assert views[0]["voice"]["duration"] == 4 and views[2]["contact"]["first_name"] == "Digibank"
    assert views[3]["sticker"] == "🎉"


async def test_photos_and_documents_by_file_id(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int
) -> None:
    await emu.send_photo(user_chat, JPEG)
    photo_id = emu.chat_messages(user_chat)[-1]["photo"]["file_id"]
    sent = await bot.send_photo(user_chat, photo_id, caption="terug")
    assert sent.photo[-1].file_id == photo_id
    await emu.send_document(user_chat, "brief.pdf", b"%PDF")
    document_id = emu.chat_messages(user_chat)[-1]["document"]["file_id"]
    assert (await bot.send_document(user_chat, document_id)).document.file_name == "brief.pdf"  # type: ignore[union-attr]
    await fails(emu, bot.send_photo(user_chat, document_id),
                "Bad Request: can't use file of type Document as Photo")  # fmt: skip
    await fails(emu, bot.send_document(user_chat, photo_id),
                "Bad Request: can't use file of type Photo as Document")  # fmt: skip


async def test_user_edits_a_photo_caption(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int
) -> None:
    photo = await emu.send_photo(user_chat, JPEG, caption="oude tekst")
    text = await emu.send_text(user_chat, "gewoon tekst")
    await emu.edit_caption(user_chat, photo, "nieuwe tekst")
    with pytest.raises(ValueError, match="no photo/document/voice"):
        await emu.edit_caption(user_chat, text, "x")
    updates = await bot.get_updates()
    edited = updates[-1].edited_message
    assert edited is not None and edited.message_id == photo
    assert edited.caption == "nieuwe tekst" and edited.photo and edited.edit_date is not None
    assert emu.chat_messages(user_chat)[1]["edited"]

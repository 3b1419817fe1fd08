"""Sending, editing and deleting messages through the real python-telegram-bot client."""

from __future__ import annotations

import aiohttp
import pytest
import telegram
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken

from bot.emulator import BotApiEmulator

from .conftest import make_bot


async def test_get_me_describes_the_bot(bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.username == "digibank_test_bot"
    assert me.is_bot


async def test_wrong_token_is_unauthorized(emu: BotApiEmulator) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(emu, "999:wrong-token-abcdefghijklmnopqrs") as bot:
            await bot.get_me()


async def test_unknown_method_is_404_and_method_names_ignore_case(
    emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"/bot{emu.token}/noSuchMethod") as response:
        assert response.status == 404
        assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    async with http.get(f"/bot{emu.token}/GETME") as response:
        body = await response.json()
    assert body["ok"] is True and body["result"]["username"] == "digibank_test_bot"
    assert emu.calls[-1] == ("getMe", {})


async def test_send_html_message_stores_plain_and_raw_text(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="1:yes")]])
    sent = await bot.send_message(
        user_chat, "Dag <b>Ann</b> &amp; co", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    assert sent.text == "Dag Ann & co"
    assert sent.entities[0].type == "bold" and sent.entities[0].offset == 4
    assert sent.from_user.username == "digibank_test_bot"
    assert sent.reply_markup == keyboard
    assert sent.message_id == 2  # the user's /start was message 1 of this chat

    stored = emu.last_bot_message(user_chat)
    assert stored is not None
    assert stored["text"] == "Dag Ann & co"
    assert stored["html"] == "Dag <b>Ann</b> &amp; co"
    assert stored["parse_mode"] == "HTML"
    assert stored["reply_markup"] == {
        "inline_keyboard": [[{"text": "Ja", "callback_data": "1:yes"}]]
    }
    method, params = emu.calls[-1]
    assert method == "sendMessage"
    assert params["chat_id"] == user_chat and params["reply_markup"] == stored["reply_markup"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<p>hi</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ],
)
async def test_invalid_html_is_rejected_without_effect(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int, text: str, reason: str
) -> None:
    with pytest.raises(BadRequest) as error:
        await bot.send_message(user_chat, text, parse_mode=ParseMode.HTML)
    # python-telegram-bot capitalizes the description, so compare the exact text separately.
    assert error.value.message.lower() == f"can't parse entities: {reason}".lower()
    assert emu.bot_messages(user_chat) == []
    assert emu.failed_calls[-1]["description"] == f"Bad Request: can't parse entities: {reason}"


async def test_text_length_is_checked_after_parsing(bot: telegram.Bot, user_chat: int) -> None:
    # 4096 visible characters are fine even when the HTML source is longer.
    await bot.send_message(user_chat, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user_chat, "x" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(user_chat, "<b> </b>", parse_mode=ParseMode.HTML)


async def test_callback_data_over_64_bytes_is_invalid(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int
) -> None:
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(user_chat, "Kies", reply_markup=too_long)
    just_fits = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 32)]])
    await bot.send_message(user_chat, "Kies", reply_markup=just_fits)
    assert len(emu.bot_messages(user_chat)) == 1


async def test_reply_keyboard_is_stored_but_not_part_of_the_message(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int
) -> None:
    keyboard = ReplyKeyboardMarkup([[KeyboardButton("Deel locatie", request_location=True)]])
    sent = await bot.send_message(user_chat, "Waar ben je?", reply_markup=keyboard)
    assert sent.reply_markup is None
    stored = emu.last_bot_message(user_chat)
    assert stored is not None and stored["reply_markup"]["keyboard"][0][0]["request_location"]


async def test_unknown_chat_and_user_who_never_started(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hallo")
    silent = emu.add_user("Bob")
    with pytest.raises(Forbidden, match="bot can't initiate conversation"):
        await bot.send_message(silent.id, "hallo")


async def test_edit_and_delete(emu: BotApiEmulator, bot: telegram.Bot, user_chat: int) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(user_chat, "Vraag", reply_markup=keyboard)
    edited = await bot.edit_message_text(
        "<i>Beantwoord</i>", chat_id=user_chat, message_id=sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, telegram.Message)
    assert edited.text == "Beantwoord" and edited.edit_date is not None
    assert edited.reply_markup is None  # an edit without reply_markup removes the keyboard
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<i>Beantwoord</i>", chat_id=user_chat, message_id=sent.message_id, parse_mode="HTML"
        )
    await bot.edit_message_reply_markup(user_chat, sent.message_id, reply_markup=keyboard)
    view = emu.bot_messages(user_chat)[0]
    assert view["edited"] and view["html"] == "<i>Beantwoord</i>"
    assert view["reply_markup"] == keyboard.to_dict()

    assert await bot.delete_message(user_chat, sent.message_id)
    assert emu.bot_messages(user_chat)[0]["deleted"]
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(user_chat, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=user_chat, message_id=999)


async def test_replies_locations_and_venues(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int
) -> None:
    question = await emu.send_text(user_chat, "Waar is de digibank?")
    reply = await bot.send_venue(
        user_chat, 50.88, 4.70, "Digibank Leuven", "Ladeuzeplein 1",
        reply_parameters=ReplyParameters(question),
    )  # fmt: skip
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "Waar is de digibank?"
    assert reply.venue is not None and reply.venue.title == "Digibank Leuven"
    await bot.send_location(user_chat, 51.05, 3.72)
    venue, location = emu.bot_messages(user_chat)
    assert venue["venue"] == {
        "latitude": 50.88, "longitude": 4.70, "title": "Digibank Leuven",
        "address": "Ladeuzeplein 1",
    }  # fmt: skip
    assert venue["reply_to_message_id"] == question
    assert location["location"] == {"latitude": 51.05, "longitude": 3.72}
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(user_chat, "x", reply_parameters=ReplyParameters(999))


async def test_message_ids_are_per_chat(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    ann, bob = emu.add_user("Ann"), emu.add_user("Bob")
    await emu.send_text(ann.id, "hoi")
    await emu.send_text(bob.id, "hoi")
    first = await bot.send_message(ann.id, "a")
    second = await bot.send_message(ann.id, "b")
    other = await bot.send_message(bob.id, "c")
    assert (first.message_id, second.message_id, other.message_id) == (2, 3, 2)


async def test_commands_per_language_and_scope(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    await bot.set_my_commands([("start", "Begin"), ("help", "Hulp")], language_code="nl")
    await bot.set_my_commands([("start", "Start")], language_code="en")
    await bot.set_my_commands([("stop", "Stop")], scope=telegram.BotCommandScopeAllPrivateChats())
    nl = await bot.get_my_commands(language_code="nl")
    assert [(c.command, c.description) for c in nl] == [("start", "Begin"), ("help", "Hulp")]
    assert emu.commands("en") == [{"command": "start", "description": "Start"}]
    assert emu.commands() == []
    assert emu.commands(scope="all_private_chats") == [{"command": "stop", "description": "Stop"}]
    await bot.delete_my_commands(language_code="en")
    assert emu.commands("en") == []
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Not-Valid", "x")])


async def test_descriptions_menu_button_and_get_chat(
    emu: BotApiEmulator, bot: telegram.Bot, user_chat: int
) -> None:
    await bot.set_my_description("Hulp bij digitale vragen", language_code="nl")
    await bot.set_my_short_description("Digibank helpdesk")
    assert emu.description("nl") == "Hulp bij digitale vragen"
    assert (await bot.get_my_description("nl")).description == "Hulp bij digitale vragen"
    assert (await bot.get_my_short_description()).short_description == "Digibank helpdesk"
    await bot.set_chat_menu_button(menu_button=telegram.MenuButtonCommands())
    assert emu.menu_button() == {"type": "commands"}
    chat = await bot.get_chat(user_chat)
    assert chat.first_name == "Ann" and chat.type == "private"
    assert await bot.send_chat_action(user_chat, "typing")


async def test_json_and_form_requests_are_both_understood(
    emu: BotApiEmulator, http: aiohttp.ClientSession, user_chat: int
) -> None:
    url = f"/bot{emu.token}/sendMessage"
    async with http.post(url, json={"chat_id": user_chat, "text": "via json"}) as response:
        assert (await response.json())["result"]["text"] == "via json"
    form = {"chat_id": str(user_chat), "text": "via form", "disable_notification": "true"}
    async with http.post(url, data=form) as response:
        assert (await response.json())["ok"]
    async with http.get(url, params={"chat_id": user_chat, "text": "via query"}) as response:
        assert (await response.json())["ok"]
    texts = [m["text"] for m in emu.bot_messages(user_chat)]
    assert texts == ["via json", "via form", "via query"]
    assert emu.bot_messages(user_chat)[1]["disable_notification"] is True
    async with http.post(url, json={"chat_id": user_chat}) as response:
        assert response.status == 400
        assert (await response.json())["description"] == "Bad Request: message text is empty"

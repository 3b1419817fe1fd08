from __future__ import annotations

from flows import callbacks, events
from flows.actions import Toast
from storage.models import DialogueState, User
from storage.repositories import Repositories
from tests.flows.harness import Chat


async def test_start_shows_language_picker_with_telegram_language_first(sqlite_db):
    chat = Chat(sqlite_db, language_code="fr-BE")
    await chat.command("start")
    labels = [b.label for b in chat.buttons()]
    assert labels[0] == "✅ Français"
    assert len(labels) == 6
    assert "langue" in chat.joined()  # the question is asked in the preselected language


async def test_unknown_telegram_language_falls_back_to_dutch(sqlite_db):
    chat = Chat(sqlite_db, language_code="pt-BR")
    await chat.command("start")
    assert chat.buttons()[0].label == "✅ Nederlands"


async def test_full_onboarding_in_dutch_stores_consent_and_locale(sqlite_db):
    chat = Chat(sqlite_db)
    await chat.command("start")
    await chat.press("Nederlands")
    assert "Voor we beginnen" in chat.joined()
    assert "/forget" in chat.joined()
    await chat.press("✅")
    assert "Menu" in chat.joined()
    async with sqlite_db.transaction() as session:
        user = await session.get(User, chat.sender.user_id)
        assert user.locale == "nl" and user.consent_at is not None


async def test_onboarding_in_arabic_answers_in_arabic(sqlite_db):
    chat = Chat(sqlite_db, language_code="ar")
    await chat.command("start")
    await chat.press("العربية")
    assert "الخصوصية" in chat.joined() or "قبل" in chat.joined()
    await chat.press("✅")
    assert "القائمة" in chat.joined()


async def test_typed_language_name_is_understood(sqlite_db):
    chat = Chat(sqlite_db, language_code=None)
    await chat.command("start")
    await chat.text("  English ")
    assert "Before we start" in chat.joined()


async def test_text_before_consent_repeats_the_question(sqlite_db):
    chat = Chat(sqlite_db)
    await chat.command("start")
    await chat.press("Nederlands")
    await chat.text("wat is dit?")
    assert "knoppen" in chat.joined()
    assert chat.button("✅")  # the consent question is asked again


async def test_menu_commands_before_consent_lead_back_to_onboarding(sqlite_db):
    chat = Chat(sqlite_db)
    await chat.command("menu")
    assert any("Nederlands" in b.label for b in chat.buttons())


async def test_stale_button_expires_and_shows_current_step(sqlite_db):
    chat = Chat(sqlite_db)
    await chat.command("start")
    old_dutch = chat.button("Nederlands").data
    await chat.press("Nederlands")
    await chat.press_data(old_dutch)  # the picker was already answered
    assert any(isinstance(a, Toast) for a in chat.actions)
    assert chat.button("✅")  # the consent question again


async def test_forged_and_garbage_callbacks_expire_politely(sqlite_db):
    chat = Chat(sqlite_db)
    await chat.onboard()
    for data in ("", "garbage", "1:onboarding:999:nl", "9:menu:*:help", "1:menu:*:nope", "x" * 64):
        await chat.press_data(data)
        assert chat.toasts(), data
        assert "Menu" in chat.joined()


async def test_language_change_after_onboarding(sqlite_db):
    chat = Chat(sqlite_db)
    await chat.onboard()
    await chat.command("language")
    await chat.press("Türkçe")
    assert "Menü" in chat.joined() or "Türkçe" in chat.joined()
    async with sqlite_db.transaction() as session:
        assert (await session.get(User, chat.sender.user_id)).locale == "tr"


async def test_cancel_leaves_any_flow(sqlite_db):
    chat = Chat(sqlite_db)
    await chat.onboard()
    await chat.command("forget")
    await chat.command("cancel")
    assert "Menu" in chat.joined()
    async with sqlite_db.transaction() as session:
        state = await session.get(DialogueState, chat.sender.chat_id)
        assert state.flow is None


async def test_forget_deletes_every_row_about_the_user(sqlite_db):
    chat = Chat(sqlite_db)
    await chat.onboard()
    await chat.command("forget")
    await chat.press("🗑️")
    assert "/start" in chat.joined()
    async with sqlite_db.transaction() as session:
        assert await session.get(User, chat.sender.user_id) is None
        assert await session.get(DialogueState, chat.sender.chat_id) is None


async def test_forget_can_be_declined(sqlite_db):
    chat = Chat(sqlite_db)
    await chat.onboard()
    await chat.command("forget")
    await chat.press("↩️")
    async with sqlite_db.transaction() as session:
        assert await session.get(User, chat.sender.user_id) is not None


async def test_privacy_says_what_how_long_and_who(sqlite_db):
    chat = Chat(sqlite_db, language_code="en")
    await chat.command("start")
    await chat.press("English")
    await chat.press("Tell me more")
    text = chat.joined()
    for part in ("What do we save", "How long", "Who sees it", "12 months", "/forget"):
        assert part in text
    assert chat.button("✅")  # still asked to agree


async def test_callback_data_is_short_and_decodes():
    data = callbacks.encode("onboarding", "accept", 123456789)
    assert len(data.encode()) <= 64
    assert callbacks.decode(data) == callbacks.Callback("onboarding", 123456789, "accept")
    assert callbacks.decode("1:menu:*:help").seq is None
    for bad in (None, "", "1:a:b", "2:menu:*:help", "1:menu:x1:help", "1:me nu:*:help"):
        assert callbacks.decode(bad) is None


async def test_state_is_kept_in_the_database(sqlite_db):
    chat = Chat(sqlite_db)
    await chat.command("start")
    await chat.press("Nederlands")
    async with sqlite_db.transaction() as session:
        state = await Repositories(session).dialogues.load(chat.sender.chat_id)
        assert (state.flow, state.step) == ("onboarding", "privacy")


async def test_media_and_edits_get_an_answer(sqlite_db):
    chat = Chat(sqlite_db)
    await chat.onboard()
    for event in (
        events.Media(chat.sender, "sticker"),
        events.Edited(chat.sender),
        events.Location(chat.sender, 50.8, 4.3),
        events.Contact(chat.sender, True),
    ):
        actions = await chat.send(event)
        assert chat.texts(), event
        assert actions

"""Onboarding, commands and staff roles through the real PTB client and the emulator."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEntry, DialogueState, Invite, User
from tests.e2e.conftest import ADMIN_ID, Citizen, settled, texts


async def test_onboarding_in_dutch(emu, start_bot):
    await start_bot()
    ann = Citizen(emu, language="nl-BE")
    [picker] = await ann.say("/start")
    assert "Welke taal" in picker["text"]
    assert picker["reply_markup"]["inline_keyboard"][0][0]["text"] == "✅ Nederlands"
    [notice] = await ann.tap("Nederlands")
    assert "Voor we beginnen" in notice["text"] and notice["parse_mode"] == "HTML"
    [menu] = await ann.tap("Ja, dat is goed")
    assert "Menu" in menu["text"]
    labels = [row[0]["text"] for row in menu["reply_markup"]["inline_keyboard"]]
    assert labels == [
        "📍 Zoek een digibank",
        "📅 Hulp afspreken",
        "🗓️ Mijn afspraken",
        "❓ Hulp",
        "👤 Met een mens praten",
        "🌐 Taal",
        "🔒 Privacy",
    ]
    # Tapped questions lose their buttons: one question at a time.
    await emu.wait_until(
        lambda: emu.bot_messages(ann.id)[0]["reply_markup"] is None, what="keyboard removed"
    )


async def test_onboarding_in_arabic(emu, start_bot):
    await start_bot()
    layla = Citizen(emu, "Layla", language="ar")
    [picker] = await layla.say("/start")
    assert picker["reply_markup"]["inline_keyboard"][0][0]["text"] == "✅ العربية"
    [notice] = await layla.tap("العربية")
    assert "/forget" in notice["text"]
    [menu] = await layla.tap("✅")
    assert "القائمة" in menu["text"]
    [help_text] = await layla.say("مساعدة")  # free text, matched in Arabic
    assert "1700" not in help_text["text"] and "itsme" in help_text["text"]


async def test_forget_leaves_no_row_about_the_user(emu, start_bot):
    service = await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    await ann.say("/forget")
    [done] = await ann.tap("🗑️")
    assert "/start" in done["text"]
    async with service.db.transaction() as session:
        assert await session.get(User, ann.id) is None
        assert await session.get(DialogueState, ann.id) is None
        for model, columns in (
            (AuditEntry, ("actor_id", "target_id")),
            (Invite, ("created_by", "used_by")),
        ):
            for column in columns:
                rows = await session.scalars(select(model).where(getattr(model, column) == ann.id))
                assert list(rows) == []


async def test_restart_mid_dialogue_resumes_at_the_same_step(emu, start_bot):
    first = await start_bot()
    ann = Citizen(emu)
    await ann.say("/start")
    await ann.tap("Nederlands")  # now at the privacy question
    await first.stop()
    await start_bot()  # a new process on the same database
    [menu] = await ann.tap("Ja, dat is goed")
    assert "Menu" in menu["text"]


async def test_duplicate_update_is_handled_once(emu, start_bot):
    service = await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    emu.duplicate_next_updates(1)
    await ann.say("/help")
    await settled(emu, service)  # a second answer would be out, if the duplicate were handled
    assert [m for m in emu.bot_messages(ann.id) if m["message_id"] > ann.seen] == []
    assert len([c for c in emu.calls_to("getUpdates")]) > 1


async def test_garbage_never_crashes_and_always_gets_an_answer(emu, start_bot):
    await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    for text in (" ", "x" * 4096, "😀🎉👍", "\u200f\u200f\u202b", "<b>not html</b> & co", "/nope"):
        [answer] = await ann.say(text)
        assert answer["text"], text
    await emu.send_sticker(ann.id)
    assert await ann.replies()
    message_id = await emu.send_text(ann.id, "hallo")
    await ann.replies()
    await emu.edit_text(ann.id, message_id, "hallo?")
    [edited] = await ann.replies()
    assert "nieuwe berichten" in edited["text"]
    menu_id = emu.bot_messages(ann.id)[-1]["message_id"]
    for data in ("1:menu:*:nothing", "garbage", "1:onboarding:1:nl", "x" * 64):
        query = await emu.press_button(ann.id, menu_id, data)
        await ann.replies()
        await emu.wait_until(
            lambda q=query: any(a["callback_query_id"] == q for a in emu.callback_answers),
            what="callback answered",
        )
    expired = [a for a in emu.callback_answers if a.get("text")]
    assert all("werkt niet meer" in a["text"] for a in expired) and len(expired) == 4


async def test_html_in_user_text_is_escaped_never_parsed(emu, start_bot):
    await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    await ann.say("<script>alert(1)</script>")
    failed = [c for c in emu.failed_calls if c["method"] == "sendMessage"]
    assert failed == []


async def _invite(emu, role: str, digibank: str = "kortrijk") -> tuple[Citizen, str]:
    admin = Citizen(emu, "Boss", language="en", user_id=ADMIN_ID)
    await admin.onboard("English")
    [link] = await admin.say(f"/invite {role} {digibank}")
    assert "t.me/digibank_test_bot?start=inv_" in link["text"]
    return admin, link["text"].split("start=")[1].split()[0]


async def test_invites_make_staff_once(emu, start_bot):
    await start_bot()
    _admin, code = await _invite(emu, "digibuddy")
    sara = Citizen(emu, "Sara", language="en")
    assert "digibuddy" in texts(await sara.onboard("English", payload=code))
    [whoami] = await sara.say("/whoami")
    assert "digibuddy" in whoami["text"]

    tom = Citizen(emu, "Tom", language="en")
    assert "already used" in texts(await tom.onboard("English", payload=code))
    [refused] = await tom.say("/invite organiser")
    assert "only for digibank staff" in refused["text"]


async def test_staff_list_and_removal_are_for_admins(emu, start_bot):
    service = await start_bot()
    admin, code = await _invite(emu, "organiser")
    olga = Citizen(emu, "Olga", language="uk")
    await olga.say(f"/start {code}", count=2)
    [listing] = await admin.say("/staff")
    assert str(olga.id) in listing["text"]
    await admin.tap(f"{olga.id}")
    async with service.db.transaction() as session:
        assert (await session.get(User, olga.id)).role == "citizen"
        actions = [a.action for a in await session.scalars(select(AuditEntry))]
    assert actions == ["invite.create", "invite.redeem", "role.remove"]


async def test_command_menus_and_descriptions_per_language(emu, start_bot):
    await start_bot()
    for language in ("nl", "fr", "en", "ar", "tr", "uk"):
        commands = emu.commands(language_code=language)
        assert {c["command"] for c in commands} >= {"menu", "help", "language", "forget"}
        assert emu.description(language)
    assert emu.commands(language_code="nl")[0]["description"] == "Hoofdmenu"
    assert emu.commands()  # the default for other languages


async def test_health_endpoint(emu, start_bot):
    import aiohttp

    service = await start_bot()
    async with aiohttp.ClientSession() as http, http.get(f"{service.web_url}/healthz") as answer:
        assert answer.status == 200
        assert (await answer.json())["status"] == "ok"


async def test_a_new_citizen_from_a_poster_link_lands_where_the_link_leads(emu, start_bot):
    """`t.me/<bot>?start=near`: language and privacy first, then straight to the search
    the poster promised, not the general menu."""
    await start_bot()
    ann = Citizen(emu, language="fr")
    [picker] = await ann.say("/start near")
    assert "🌐" in picker["text"]
    await ann.tap("Français")
    welcome, where = await ann.tap("✅", count=2)
    assert "Merci" in welcome["text"]
    assert where["text"].startswith("📍") and "code postal" in where["text"]
    [found] = await ann.say("9000")
    assert "Gent" in found["text"] or "Gand" in found["text"]

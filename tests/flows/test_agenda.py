"""The staff side of coaching: /agenda with attended and no-show, the no-show rate in /stats,
a booking offered from inside a case, /forget and retention of appointments."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.chores import apply_retention
from flows import callbacks
from flows.actions import Notify
from storage.models import AuditEntry, Booking
from tests.flows.harness import Chat
from tests.flows.test_booking import MONDAY, book_first_time, bookings, citizen, with_coaching
from tests.flows.test_cases import open_case, staff_member

TUESDAY_1300 = MONDAY + timedelta(days=1, hours=4)  # the first free slot: Tue 13:00 Brussels


async def digibuddy(admin: Chat, db, user_id: int = 300, bank: str = "leuven") -> Chat:
    chat = await staff_member(admin, db, user_id, "Sara", bank)
    chat.now = MONDAY
    return chat


def mark(booking_id: int, what: str) -> str:
    return callbacks.encode("ag", f"mark.{booking_id}.{what}")


async def test_agenda_shows_topic_language_and_answer_and_marks_after_the_start(admin, sqlite_db):
    await with_coaching(sqlite_db)
    sara = await digibuddy(admin, sqlite_db)
    amira = await citizen(sqlite_db, user_id=201, language="Français", code="fr")
    await book_first_time(amira)
    [booking] = await bookings(sqlite_db)

    sara.now = MONDAY + timedelta(days=1)  # Tuesday 09:00: today's agenda
    await sara.command("agenda")
    text = sara.joined()
    assert "Leuven" in text and "1:00\u202fPM" in text  # Sara reads English
    assert "itsme" in text and "Français" in text and "not confirmed" in text
    assert not [b for b in sara.buttons() if "came" in b.label]  # not begun yet

    await amira.press_data(callbacks.encode("bk", f"coming.{booking.id}"))
    await sara.command("agenda")
    assert "said they will come" in sara.joined()

    sara.now = TUESDAY_1300 + timedelta(minutes=5)
    await sara.command("agenda")
    await sara.press("1:00\u202fPM did not come")
    assert sara.toasts() == ["🚫 Saved: did not come."]
    assert "🚫 did not come" in sara.joined()
    assert not [b for b in sara.buttons() if "came" in b.label]  # marked: no buttons left
    [booking] = await bookings(sqlite_db)
    assert booking.status == "no_show"
    async with sqlite_db.transaction() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "booking.mark"))
        assert entry.actor_id == sara.sender.user_id


async def test_marks_are_refused_before_the_start_and_to_other_digibanks(admin, sqlite_db):
    await with_coaching(sqlite_db)
    sara = await digibuddy(admin, sqlite_db)
    kim = await digibuddy(admin, sqlite_db, user_id=301, bank="kortrijk")
    ann = await citizen(sqlite_db)
    await book_first_time(ann)
    [booking] = await bookings(sqlite_db)

    await sara.press_data(mark(booking.id, "a"))  # Monday: it has not begun
    assert "once the appointment has begun" in sara.toasts()[0]
    kim.now = TUESDAY_1300 + timedelta(hours=1)
    await kim.command("agenda")
    assert "Leuven" not in kim.joined()
    await kim.press_data(mark(booking.id, "a"))  # a forged or forwarded button
    assert "no longer in your agenda" in kim.toasts()[0]
    await ann.command("agenda")
    assert "alleen voor medewerkers" in ann.joined()
    [booking] = await bookings(sqlite_db)
    assert booking.status == "booked"


async def test_agenda_browses_days_and_says_when_there_is_nothing(admin, sqlite_db):
    await with_coaching(sqlite_db)
    sara = await digibuddy(admin, sqlite_db)
    await sara.command("agenda")
    assert "No appointments on Monday 1 March and Tuesday 2 March" in sara.joined()
    await sara.press("Later")
    assert "Wednesday 3 March and Thursday 4 March" in sara.joined()
    await sara.press("Earlier")
    assert "Monday 1 March" in sara.joined()
    for garbage in ("from.2027-13-45", "mark.x.a", "mark.1.z", "nonsense"):
        await sara.press_data(callbacks.encode("ag", garbage))  # old or forged: no crash
        assert sara.toasts() == ["⌛ This button has expired."]


async def test_stats_give_the_no_show_rate_of_marked_appointments(admin, sqlite_db):
    await with_coaching(sqlite_db, {"session": 30, "hours": {"tu": "13:00-14:00 x3"}})
    sara = await digibuddy(admin, sqlite_db)
    for user_id in (201, 202, 203):
        await book_first_time(await citizen(sqlite_db, user_id=user_id))
    first, second, _unmarked = await bookings(sqlite_db)
    sara.now = TUESDAY_1300 + timedelta(hours=2)
    await sara.press_data(mark(first.id, "a"))
    await sara.press_data(mark(second.id, "n"))

    await admin.command("invite", "organiser leuven")
    code = admin.joined().split("start=")[1].split()[0]
    olga = Chat(sqlite_db, user_id=400, language_code="en")
    await olga.command("start", code)
    await olga.press("English")
    await olga.press("✅")
    olga.now = sara.now
    await olga.command("stats")
    appointments = olga.texts()[-1]
    assert "Appointments" in appointments
    assert "1 came · 🚫 1 did not come (50%) · ⏳ 1 not marked · ❌ 0 cancelled" in appointments


async def helping(admin: Chat, db) -> tuple[Chat, Chat]:
    """Sara, a Leuven digibuddy, helps Ann with her question #1."""
    sara = await digibuddy(admin, db)
    ann = await citizen(db)
    await open_case(ann)
    await sara.press_data("1:case:*:take.1")
    return sara, ann


async def test_a_digibuddy_offers_a_booking_from_inside_a_case(admin, sqlite_db):
    await with_coaching(sqlite_db)
    sara, ann = await helping(admin, sqlite_db)
    await sara.command("offer")
    [offer] = [a for a in sara.actions if isinstance(a, Notify) and a.chat_id == ann.sender.user_id]
    assert "Kies een tijdstip" in str(offer.buttons)  # in Ann's language
    assert "#1" in sara.joined()

    await ann.press_data(offer.buttons[0][0].data)  # one Leuven site books: straight to days
    assert "Welke dag past jou?" in ann.joined()
    await ann.press(ann.buttons()[0].label)
    await ann.press(ann.buttons()[0].label)
    await ann.press("✅")
    [booking] = await bookings(sqlite_db)
    assert booking.case_id == 1 and booking.topic == "itsme"
    told = [a.text for a in ann.actions if isinstance(a, Notify) and a.chat_id == 300]
    assert told and "Question #1 booked" in told[0]

    ann.now = MONDAY + timedelta(days=60)
    await ann.press_data(offer.buttons[0][0].data)  # still their own question: harmless
    bob = await citizen(sqlite_db, user_id=202)
    await bob.press_data(offer.buttons[0][0].data)  # not Bob's question
    assert bob.toasts() == ["⌛ Deze knop werkt niet meer."]


async def test_offer_needs_a_case_and_a_site_that_books(admin, sqlite_db):
    sara, _ann = await helping(admin, sqlite_db)
    await sara.command("offer")  # the seed sites have no coaching hours
    assert "No site of your digibank takes bookings yet" in sara.joined()
    assert not [a for a in sara.actions if isinstance(a, Notify)]
    await sara.command("close")
    await sara.command("offer")
    assert "not helping anyone" in sara.joined()


async def test_forget_frees_the_place_and_tells_the_staff(admin, sqlite_db):
    await with_coaching(sqlite_db)
    sara = await digibuddy(admin, sqlite_db)
    ann = await citizen(sqlite_db)
    await book_first_time(ann)
    await ann.command("forget")
    await ann.press("🗑️")
    assert await bookings(sqlite_db) == []
    told = [a.text for a in ann.actions if isinstance(a, Notify) and a.chat_id == 300]
    assert told and "Cancelled" in told[0]
    assert sara.sender.user_id == 300


async def test_retention_keeps_past_appointments_as_anonymous_counts(admin, sqlite_db):
    await with_coaching(sqlite_db)
    ann = await citizen(sqlite_db)
    await book_first_time(ann)
    [booking] = await bookings(sqlite_db)
    soon = booking.starts_at + timedelta(days=29)
    assert (await apply_retention(sqlite_db, 365, 30, clock=lambda: soon))[3] == 0
    later = booking.starts_at + timedelta(days=31)
    assert (await apply_retention(sqlite_db, 365, 30, clock=lambda: later))[3] == 1
    [booking] = await bookings(sqlite_db)
    assert booking.citizen_id is None and booking.site_id == "leuven-stad"
    async with sqlite_db.transaction() as session:
        assert await session.scalar(select(Booking.topic)) == "itsme"


async def test_privacy_text_says_what_a_booking_keeps(admin, sqlite_db):
    ann = await citizen(sqlite_db)
    ann.settings = replace(ann.settings, case_retention_days=30)
    await ann.command("privacy")
    assert "30 dagen na de afspraak" in ann.joined()


async def test_a_busy_day_is_split_over_messages_telegram_accepts(admin, sqlite_db):
    from bot.emulator.html_check import parse_html, utf16_len
    from storage.repositories import Repositories

    await with_coaching(sqlite_db, {"session": 30, "hours": {"tu": "09:00-17:00 x10"}})
    async with sqlite_db.transaction() as session:
        repos = Repositories(session)
        for user_id in range(1000, 1160):
            await repos.users.touch(user_id, MONDAY)
            slot = MONDAY + timedelta(days=1, minutes=30 * ((user_id - 1000) // 10))
            assert await repos.bookings.book(
                user_id, "leuven-stad", "eid", "ar", slot, 30, 10, MONDAY
            )
    sara = await digibuddy(admin, sqlite_db)
    sara.now = MONDAY + timedelta(days=1, hours=12)  # Tuesday 21:00: every one has begun
    await sara.command("agenda")
    *parts, _browse = sara.texts()
    assert len(parts) > 1
    for text in parts:
        parse_html(text)
        assert utf16_len(text) <= 4096
    assert sum(text.count("🕐") for text in parts) == 160
    assert len(sara.buttons()) <= 100

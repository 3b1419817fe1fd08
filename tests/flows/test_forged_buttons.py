"""Forged or garbled button values (an id too big for the database, a sign, a rating of 45)
are expired buttons: a short note and the current question, never an apology, and
nothing is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from flows import callbacks
from flows.button_values import MAX_ID, day, number
from storage.models import AuditEntry, Booking, Case
from tests.flows.harness import Chat
from tests.flows.test_booking import MONDAY, book_first_time, bookings, citizen, with_coaching
from tests.flows.test_cases import open_case, staff_member

EXPIRED = "⌛ This button has expired."
HUGE = "99999999999999999999"  # more than 2**64


def expired(chat: Chat) -> bool:
    return chat.toasts() == [EXPIRED]


def step_data(chat: Chat, value: str) -> str:
    """A button of the question `chat` sees now, with a value of our own."""
    _version, flow, seq, _value = chat.buttons()[0].data.split(":")
    return callbacks.encode(flow, value, int(seq))


async def case_row(db) -> Case:
    async with db.transaction() as session:
        return await session.get(Case, 1)


@pytest.mark.parametrize(
    ("value", "result"),
    [
        ("1", 1),
        ("0042", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (HUGE, None),
        ("0", None),
        ("", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1 ", None),
        ("٣", None),  # an Arabic-Indic digit: str.isdigit() says yes, int() too
        ("²", None),
        ("1_000", None),
    ],
)
def test_numbers_in_button_values_are_plain_and_bounded(value, result):
    assert number(value) == result


def test_stars_are_one_to_five():
    assert [number(v, maximum=5) for v in ("1", "5", "6", "45", "0", "")] == [
        1,
        5,
        None,
        None,
        None,
        None,
    ]


def test_days_in_button_values_are_iso_and_near():
    today = MONDAY.date()
    assert day("2027-03-03", today) == today + timedelta(days=2)
    for bad in ("0001-01-01", "9999-12-31", "2027-13-45", "20270303", "2027-W09-3", "٢٠٢٧-03-03"):
        assert day(bad, today) is None


async def test_forged_case_buttons_expire_and_store_nothing(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    ann = Chat(sqlite_db, user_id=100, language_code="en")
    await ann.onboard("English")
    await open_case(ann)
    for forged in (f"take.{HUGE}", f"use.{HUGE}", f"close.{HUGE}", f"take.{MAX_ID + 1}"):
        await sara.press_data(f"1:case:*:{forged}")
        assert expired(sara), forged
    assert (await case_row(sqlite_db)).status == "waiting"
    await sara.press_data("1:case:*:take.1")
    await ann.press_data(f"1:case:*:done.{HUGE}")
    assert expired(ann) and (await case_row(sqlite_db)).status == "active"
    await ann.press_data("1:case:*:done.1")
    for forged in ("rate.1.45", "rate.1.", "rate.1.0", "rate.1.6", "rate.1.5.5", f"rate.{HUGE}.5"):
        await ann.press_data(f"1:case:*:{forged}")
        assert expired(ann), forged
        assert (await case_row(sqlite_db)).rating is None
    await ann.press_data("1:case:*:rate.1.4")  # the real thing still works
    assert (await case_row(sqlite_db)).rating == 4


async def test_forged_buttons_in_a_staff_group_expire(admin, sqlite_db):
    from dataclasses import replace

    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    sara.sender = replace(sara.sender, chat_id=-100_777, in_group=True, thread_id=77)
    await sara.press_data(f"1:case:*:close.{HUGE}")
    assert expired(sara)


async def test_forged_transfer_target_expires(admin, sqlite_db):
    sara = await staff_member(admin, sqlite_db, 10, "Sara")
    await staff_member(admin, sqlite_db, 11, "Tom")
    ann = Chat(sqlite_db, user_id=100)
    await ann.onboard()
    await open_case(ann)
    await sara.press_data("1:case:*:take.1")
    await sara.command("transfer")
    for forged in (f"to.{HUGE}", "to.", "to.-11"):
        await sara.press_data(step_data(sara, forged))
        assert expired(sara), forged
        assert "To whom" in sara.joined()  # the current question again
    case = await case_row(sqlite_db)
    assert (case.assignee_id, case.status) == (10, "active")


async def test_forged_booking_buttons_expire_and_store_nothing(admin, sqlite_db):
    await with_coaching(sqlite_db)
    ann = await citizen(sqlite_db, code="en", language="English")
    await book_first_time(ann)
    [booking] = await bookings(sqlite_db)
    for forged in (f"cancel.{HUGE}", f"move.{HUGE}", f"coming.{HUGE}", f"offer.{HUGE}"):
        await ann.press_data(f"1:bk:*:{forged}")
        assert expired(ann), forged
    [after] = await bookings(sqlite_db)
    assert (after.status, after.answer) == ("booked", booking.answer)


async def test_forged_answers_to_the_booking_questions_expire(sqlite_db):
    await with_coaching(sqlite_db)
    bob = await citizen(sqlite_db, 201, code="en", language="English")
    await bob.command("book")
    await bob.press("🔑")
    await bob.text("3000")
    await bob.press("Leuven")
    for forged in (f"page.{HUGE}", "page.-1", "day.0001-01-01", "day.9999-12-31"):
        await bob.press_data(step_data(bob, forged))
        assert expired(bob), forged
        assert "Which day" in bob.joined()  # the same question again
    await bob.press(bob.buttons()[0].label)  # a day: now the time question
    for forged in (f"time.{HUGE}", "time.0", f"time.{2**37 + 1}"):
        await bob.press_data(step_data(bob, forged))
        assert expired(bob), forged
        assert "What time" in bob.joined()
    assert await bookings(sqlite_db) == []


async def test_forged_agenda_buttons_expire_and_mark_nothing(admin, sqlite_db):
    await with_coaching(sqlite_db)
    sara = await staff_member(admin, sqlite_db, 300, "Sara")
    sara.now = MONDAY
    ann = await citizen(sqlite_db, 201)
    await book_first_time(ann)
    for forged in (
        f"mark.{HUGE}.a",
        "mark.+1.a",
        "mark.-1.n",
        "from.0001-01-01",
        "from.9999-12-31",
    ):
        await sara.press_data(f"1:ag:*:{forged}")
        assert expired(sara), forged
    [booking] = await bookings(sqlite_db)
    assert booking.status == "booked"
    async with sqlite_db.transaction() as session:
        marks = (
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("booking%"))
        )
        assert await session.scalar(marks) == 0
        assert await session.scalar(select(func.count()).select_from(Booking)) == 1

"""Bookings in the database: places, the race for the last one, cancelling."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from storage.db import Database
from storage.models import Booking, OutboxMessage, utcnow
from storage.repositories import Repositories
from storage.seeding import load_seed_if_empty

SITE = "gent-uconnect-bloemekenswijk"
CAPACITY = 3


async def _users(db: Database, count: int) -> list[int]:
    now = utcnow()
    async with db.transaction() as session:
        for user_id in range(1, count + 1):
            await Repositories(session).users.touch(user_id, now)
    return list(range(1, count + 1))


async def _book(db: Database, user_id: int, starts_at, now) -> Booking | None:
    async with db.transaction() as session:
        return await Repositories(session).bookings.book(
            user_id, SITE, "itsme", "nl", starts_at, 30, CAPACITY, now
        )


async def test_fifty_at_once_for_the_last_place_give_exactly_the_capacity(db):
    await load_seed_if_empty(db)
    people = await _users(db, 52)
    now = utcnow()
    starts_at = (now + timedelta(days=3)).replace(microsecond=0)
    assert await _book(db, people[0], starts_at, now) is not None
    assert await _book(db, people[1], starts_at, now) is not None

    # 50 transactions at once (on PostgreSQL truly concurrent: a pool of connections).
    results = await asyncio.gather(*(_book(db, p, starts_at, now) for p in people[2:]))

    winners = [b for b in results if b is not None]
    assert len(winners) == 1
    async with db.transaction() as session:
        live = await session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.starts_at == starts_at, Booking.status != "cancelled")
        )
        places = set(
            await session.scalars(select(Booking.place).where(Booking.starts_at == starts_at))
        )
    assert live == CAPACITY
    assert places == {1, 2, 3}


async def test_the_database_refuses_a_second_booking_of_a_place(db):
    """Not only the Python check: the unique index itself."""
    await load_seed_if_empty(db)
    await _users(db, 2)
    now = utcnow()
    starts_at = (now + timedelta(days=2)).replace(microsecond=0)
    async with db.transaction() as session:
        for user_id in (1, 2):
            session.add(
                Booking(
                    citizen_id=user_id,
                    site_id=SITE,
                    topic="itsme",
                    locale="nl",
                    starts_at=starts_at,
                    minutes=30,
                    place=1,
                    status="booked",
                )
            )
        try:
            await session.flush()
        except Exception as exc:  # IntegrityError, wrapped per driver
            refused = type(exc).__name__
        else:
            refused = None
        await session.rollback()
    assert refused == "IntegrityError"


async def test_cancel_frees_the_place_and_drops_unsent_reminders(db):
    await load_seed_if_empty(db)
    await _users(db, 4)
    now = utcnow()
    starts_at = (now + timedelta(days=2)).replace(microsecond=0)
    booked = [await _book(db, user_id, starts_at, now) for user_id in (1, 2, 3)]
    assert all(booked) and await _book(db, 4, starts_at, now) is None
    async with db.transaction() as session:
        repos = Repositories(session)
        session.add(
            OutboxMessage(
                chat_id=1,
                payload={"type": "text", "text": "reminder"},
                booking_id=booked[0].id,
                next_attempt_at=starts_at - timedelta(hours=2),
                not_after=starts_at,
            )
        )
        await session.flush()
        await repos.bookings.cancel(await repos.bookings.get(booked[0].id), now)
    async with db.transaction() as session:
        left = await session.scalar(select(func.count()).select_from(OutboxMessage))
        counts = await Repositories(session).bookings.taken(
            SITE, starts_at, starts_at + timedelta(minutes=1)
        )
    assert left == 0
    assert counts == {starts_at: 2}
    assert await _book(db, 4, starts_at, now) is not None  # free again at once

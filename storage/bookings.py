"""Coaching bookings: places in a slot, upcoming appointments, the agenda, cancelling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_unless_refused
from storage.models import Booking, OutboxMessage
from storage.vocabulary import LIVE_BOOKING_STATUSES, BookingStatus


class BookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, booking_id: int) -> Booking | None:
        return await self.session.get(Booking, booking_id)

    async def taken(self, site_id: str, start: datetime, end: datetime) -> dict[datetime, int]:
        """Places taken per slot start at a site, for starts in [start, end)."""
        rows = await self.session.execute(
            select(Booking.starts_at, func.count())
            .where(
                Booking.site_id == site_id,
                Booking.status != BookingStatus.CANCELLED,
                Booking.starts_at >= start,
                Booking.starts_at < end,
            )
            .group_by(Booking.starts_at)
        )
        return {starts_at: count for starts_at, count in rows}

    async def book(
        self,
        citizen_id: int,
        site_id: str,
        topic: str,
        locale: str,
        starts_at: datetime,
        minutes: int,
        capacity: int,
        now: datetime,
        case_id: int | None = None,
    ) -> Booking | None:
        """A place in the slot, or None when all `capacity` places are taken. Each attempt
        is a savepoint: a place taken meanwhile by another transaction makes the unique
        index refuse ours, and the next place is tried."""
        taken = await self._places_taken(site_id, starts_at)
        for place in range(1, capacity + 1):
            if place in taken:
                continue
            booking = Booking(
                citizen_id=citizen_id,
                site_id=site_id,
                topic=topic,
                locale=locale,
                starts_at=starts_at,
                minutes=minutes,
                place=place,
                status=BookingStatus.BOOKED,
                created_at=now,
                case_id=case_id,
            )
            if await insert_unless_refused(self.session, booking):
                return booking
            if place not in await self._places_taken(site_id, starts_at):
                raise LookupError("booking refused: its site or citizen is gone")
            # else: someone else's since we looked; try the next place
        return None

    async def _places_taken(self, site_id: str, starts_at: datetime) -> set[int]:
        found = await self.session.scalars(
            select(Booking.place).where(
                Booking.site_id == site_id,
                Booking.starts_at == starts_at,
                Booking.status != BookingStatus.CANCELLED,
            )
        )
        return set(found)

    async def upcoming_of(self, citizen_id: int, now: datetime) -> list[Booking]:
        """The citizen's appointments that have not begun, soonest first."""
        found = await self.session.scalars(
            select(Booking)
            .where(
                Booking.citizen_id == citizen_id,
                Booking.status == BookingStatus.BOOKED,
                Booking.starts_at > now,
            )
            .order_by(Booking.starts_at)
        )
        return list(found)

    async def cancel(self, booking: Booking, now: datetime) -> None:
        """Free the place at once and drop the reminders still to send."""
        booking.status, booking.cancelled_at = BookingStatus.CANCELLED, now
        await self.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.booking_id == booking.id, OutboxMessage.sent_at.is_(None)
            )
        )

    async def agenda(self, site_ids: list[str], start: datetime, end: datetime) -> list[Booking]:
        found = await self.session.scalars(
            select(Booking)
            .where(
                Booking.site_id.in_(site_ids),
                Booking.status.in_(LIVE_BOOKING_STATUSES),
                Booking.starts_at >= start,
                Booking.starts_at < end,
            )
            .order_by(Booking.starts_at, Booking.place)
        )
        return list(found)

    async def anonymise(self, started_before: datetime) -> int:
        """Retention: appointments that began before this moment lose the link to the
        person (and their question); they stay as counts for /stats."""
        result = await self.session.execute(
            update(Booking)
            .where(Booking.starts_at < started_before, Booking.citizen_id.is_not(None))
            .values(citizen_id=None, case_id=None)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount

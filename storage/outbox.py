"""The outbox (messages to other chats, sent after the commit that wrote them) and the
links between a relayed message and its copy."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Update, bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Case, MessageLink, OutboxMessage, UtcDateTime, Worker, utcnow


def _unsent() -> tuple:
    """Outbox rows still to send: neither sent nor given up."""
    return OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)


def _in_line(row: type[OutboxMessage], now: Any) -> tuple:
    """Unsent rows that newer messages to the same chat must wait for: a message being
    retried keeps its place, a reminder only once it is due."""
    return (
        row.sent_at.is_(None),
        row.failed_at.is_(None),
        or_(row.booking_id.is_(None), row.next_attempt_at <= now),
    )


def _claim_statement() -> Update:
    """Built once: the claim runs for every message relayed."""
    earlier = aliased(OutboxMessage)
    older_pending = (
        select(earlier.id)
        .where(
            earlier.chat_id == OutboxMessage.chat_id,
            earlier.id < OutboxMessage.id,
            *_in_line(earlier, bindparam("now", type_=UtcDateTime)),
        )
        .exists()
    )
    return (
        update(OutboxMessage)
        .where(
            OutboxMessage.id == bindparam("row_id"),
            *_unsent(),
            OutboxMessage.next_attempt_at <= bindparam("now", type_=UtcDateTime),
            or_(
                OutboxMessage.claimed_until.is_(None),
                OutboxMessage.claimed_until < bindparam("now", type_=UtcDateTime),
            ),
            ~older_pending,
        )
        .values(claimed_until=bindparam("until", type_=UtcDateTime), claimed_by=bindparam("by"))
        .execution_options(synchronize_session=False)
    )


_CLAIM = _claim_statement()
SPENT: dict[str, Any] = {}  # the payload of a settled row: its words are not kept


class OutboxRepository:
    """Messages to other chats, sent after the commit that wrote them, retried if refused."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        chat_id: int,
        payload: dict[str, Any],
        now: datetime,
        case_id: int | None = None,
        source: tuple[int, int] | None = None,
        claimed_until: datetime | None = None,
        booking: tuple[int, datetime] | None = None,
        claimed_by: str | None = None,
        at_most_once: bool = False,
    ) -> OutboxMessage:
        """`booking`: (id, not after) of the appointment a reminder is for."""
        row = OutboxMessage(
            claimed_until=claimed_until,
            claimed_by=claimed_by if claimed_until is not None else None,
            at_most_once=at_most_once,
            booking_id=booking[0] if booking else None,
            not_after=booking[1] if booking else None,
            chat_id=chat_id,
            payload=payload,
            case_id=case_id,
            created_at=now,
            next_attempt_at=now,
            attempts=0,
            source_chat_id=source[0] if source else None,
            source_message_id=source[1] if source else None,
        )
        self.session.add(row)
        return row

    async def claim(
        self, row_id: int, now: datetime, hold: timedelta, by: str
    ) -> OutboxMessage | None:
        """Take a due row for sending, unless another sender has it or an older message to
        the same chat is still unsent (messages to one chat keep their order)."""
        result = await self.session.execute(
            _CLAIM, {"row_id": row_id, "now": now, "until": now + hold, "by": by}
        )
        if result.rowcount != 1:
            return None
        return await self.session.get(OutboxMessage, row_id, populate_existing=True)

    async def pending_for(self, chat_id: int, now: datetime) -> bool:
        """Must a new message to this chat wait its turn (see `_in_line`)?"""
        found = await self.session.scalar(
            select(OutboxMessage.id)
            .where(OutboxMessage.chat_id == chat_id, *_in_line(OutboxMessage, now))
            .limit(1)
        )
        return found is not None

    async def superseded(self, row_id: int, booking_id: int, now: datetime) -> bool:
        """Is a later reminder of the same booking due too (we were down past both)? Then
        this one says nothing the later one does not: only the later one is sent."""
        found = await self.session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.booking_id == booking_id,
                OutboxMessage.id > row_id,  # written after it: due later
                *_unsent(),
                OutboxMessage.next_attempt_at <= now,
            )
            .limit(1)
        )
        return found is not None

    async def next_for_chat(self, chat_id: int, now: datetime) -> int | None:
        """The oldest unsent, due message to this chat (sent next, to keep the order)."""
        return await self.session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.chat_id == chat_id,
                *_unsent(),
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.id)
            .limit(1)
        )

    async def any_due(self, now: datetime) -> bool:
        """Is a message due and unsent (on its way, or waiting to be sent)?"""
        found = await self.session.scalar(
            select(OutboxMessage.id)
            .where(*_unsent(), OutboxMessage.next_attempt_at <= now)
            .limit(1)
        )
        return found is not None

    async def due_by_chat(self, now: datetime, limit: int) -> dict[int, list[int]]:
        rows = await self.session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.id)
            .where(
                *_unsent(),
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        chats: dict[int, list[int]] = {}
        for chat_id, row_id in rows:
            chats.setdefault(chat_id, []).append(row_id)
        return chats

    async def give_up_chat(self, chat_id: int, now: datetime, error: str) -> int:
        """Give up everything still to send to a chat (the user blocked the bot)."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, *_unsent())
            .values(
                failed_at=now, claimed_until=None, claimed_by=None, error=error[:64], payload=SPENT
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount

    async def settle(
        self, row_id: int, now: datetime, error: str | None, sent: bool | None = None
    ) -> bool:
        """Record a sending's outcome: sent, or given up with ``error`` (``sent=True`` with
        an error: sent, but Telegram's answer was lost). The words go: only the fact stays.
        One UPDATE, no load (it runs for every message relayed). False when the row no
        longer exists."""
        if sent is None:
            sent = error is None
        outcome = {"sent_at": now} if sent else {"failed_at": now}
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(claimed_until=None, claimed_by=None, payload=SPENT, error=error, **outcome)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def retry_later(self, row: OutboxMessage, at: datetime, error: str) -> None:
        row.attempts += 1
        row.next_attempt_at, row.claimed_until, row.error = at, None, error[:64]
        row.claimed_by = None

    async def give_up(self, row: OutboxMessage, now: datetime, error: str) -> None:
        row.failed_at, row.claimed_until, row.error = now, None, error[:64]
        row.claimed_by, row.payload = None, SPENT

    async def take_over(self, now: datetime, alive: list[str], lost: Collection[int] = ()) -> int:
        """Claims of senders that are gone (not in ``alive``) are free again. A claimed
        row may have been on its way when its sender died: one that must go at most once
        is given up, the others are sent (again). ``lost``: rows known to have been on
        their way (a sender stopping with calls unanswered). Returns how many."""
        unsent = (*_unsent(), OutboxMessage.claimed_until.is_not(None))
        gone = or_(OutboxMessage.claimed_by.is_(None), OutboxMessage.claimed_by.not_in(alive))
        if lost:
            gone = or_(gone, OutboxMessage.id.in_(lost))
        given_up = await self.session.execute(
            update(OutboxMessage)
            .where(*unsent, gone, OutboxMessage.at_most_once.is_(True))
            .values(
                failed_at=now,
                claimed_until=None,
                claimed_by=None,
                payload=SPENT,
                error="outcome unknown: sender stopped",
            )
            .execution_options(synchronize_session=False)
        )
        freed = await self.session.execute(
            update(OutboxMessage)
            .where(*unsent, gone)
            .values(claimed_until=None, claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        return given_up.rowcount + freed.rowcount

    async def release(self, worker_id: str, lost: Collection[int]) -> int:
        """A sender stops cleanly: its claims go back, as if it had died (see take_over)."""
        others = select(Worker.id).where(Worker.id != worker_id)
        return await self.take_over(utcnow(), list(await self.session.scalars(others)), lost)

    async def prune(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(OutboxMessage).where(
                or_(OutboxMessage.sent_at < before, OutboxMessage.failed_at < before)
            )
        )
        return result.rowcount


class LinkRepository:
    """Which message in one chat is the relayed copy of which in the other."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, case_id: int, source: tuple[int, int], target: tuple[int, int], kind: str
    ) -> None:
        self.session.add(
            MessageLink(
                case_id=case_id,
                source_chat_id=source[0],
                source_message_id=source[1],
                target_chat_id=target[0],
                target_message_id=target[1],
                kind=kind,
            )
        )

    async def copy_of(self, chat_id: int, message_id: int) -> MessageLink | None:
        """The link whose original is this message."""
        return await self.session.scalar(
            select(MessageLink).where(
                MessageLink.source_chat_id == chat_id, MessageLink.source_message_id == message_id
            )
        )

    async def copies_of(self, chat_id: int, message_id: int) -> list[MessageLink]:
        """Every copy of an original, in the order they were sent (a long text went over
        as several messages)."""
        found = await self.session.scalars(
            select(MessageLink)
            .where(
                MessageLink.source_chat_id == chat_id, MessageLink.source_message_id == message_id
            )
            .order_by(MessageLink.target_message_id)
        )
        return list(found)

    async def counterpart(self, chat_id: int, message_id: int) -> tuple[int, int] | None:
        """The same message on the other side of the relay (its copy, or its original)."""
        link = await self.copy_of(chat_id, message_id)
        if link is not None:
            return link.target_chat_id, link.target_message_id
        link = await self.session.scalar(
            select(MessageLink).where(
                MessageLink.target_chat_id == chat_id, MessageLink.target_message_id == message_id
            )
        )
        return (link.source_chat_id, link.source_message_id) if link is not None else None


class RelayRepository:
    """What the outbox sender asks, through the dialogues' hooks, about the case of a
    relayed message when its turn comes: where it goes, and whether it is still wanted."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def waiting(self, case_id: int) -> bool:
        """Does the case still wait for someone to take it?"""
        status = await self.session.scalar(select(Case.status).where(Case.id == case_id))
        return status == "waiting"

    async def topic_thread(self, case_id: int) -> int | None:
        """The forum topic of the case in its staff group (None: none, or no such case)."""
        return await self.session.scalar(select(Case.topic_thread_id).where(Case.id == case_id))

    async def set_topic_thread(self, case_id: int, thread_id: int) -> None:
        """The case's topic was opened: its relayed messages go there."""
        await self.session.execute(
            update(Case)
            .where(Case.id == case_id)
            .values(topic_thread_id=thread_id)
            .execution_options(synchronize_session=False)
        )

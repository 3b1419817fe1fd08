"""The tables. The schema itself is made only by the Alembic migrations in `migrations/`.

We store the minimum about citizens: their Telegram id, chosen language, when they
accepted the privacy notice, when we last saw them, and whether they blocked the bot.
No names, usernames, phone numbers or message texts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.vocabulary import BookingStatus, CaseStatus, Role


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite would otherwise hand back naive times)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012
        datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class User(Base):
    """A person who wrote to the bot. `id` is the Telegram user id (= private chat id)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    locale: Mapped[str | None] = mapped_column(String(8))
    role: Mapped[str] = mapped_column(String(16), default=Role.CITIZEN)
    consent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    blocked_at: Mapped[datetime | None]  # set when Telegram says the user blocked the bot


class DialogueState(Base):
    """Where a chat is in its dialogue; survives restarts and is shared by replicas."""

    __tablename__ = "dialogue_states"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    flow: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Bumped on every question asked with buttons; buttons carry it to detect stale taps.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered update is handled once."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class InboxUpdate(Base):
    """An update fetched by long polling, kept until the transaction that handles it
    deletes it. Telegram is told to drop an update (the next getUpdates offset) only once
    it is stored here, so a killed process or a database outage loses nothing."""

    __tablename__ = "inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column()  # the update as Telegram sent it


class Worker(Base):
    """A running bot process. Its outbox claims hold while its heartbeat is fresh; a
    process that died (kill -9) leaves claims that others take over quickly."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invite(Base):
    """A single-use, expiring deep-link code that grants a staff role."""

    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    used_at: Mapped[datetime | None]
    digibank_id: Mapped[str | None] = mapped_column(String(64))  # staff of this digibank


class AuditEntry(Base):
    """What staff did, for accountability. Never holds message texts."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(48))
    target_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    detail: Mapped[str | None] = mapped_column(String(200))


class Digibank(Base):
    """A local partnership, e.g. Digibank Kortrijk; it has sites."""

    __tablename__ = "digibanks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Citizens see "a digibuddy" instead of the helper's first name.
    anonymous_staff: Mapped[bool] = mapped_column(Boolean, default=False)


class Site(Base):
    """A digipunt, hub or mobile point. Lists and hours are JSON in the sites-file format
    (see storage.site_schema), validated when they were imported."""

    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    digibank_id: Mapped[str] = mapped_column(
        ForeignKey("digibanks.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(16))
    street: Mapped[str] = mapped_column(String(160), default="")
    postcode: Mapped[str] = mapped_column(String(4))
    municipality: Mapped[str] = mapped_column(String(80))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    closures: Mapped[list[Any]] = mapped_column(default=list)
    exceptions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    services: Mapped[list[Any]] = mapped_column(default=list)
    topics: Mapped[list[Any]] = mapped_column(default=list)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    web: Mapped[str] = mapped_column(String(200), default="")
    accessibility: Mapped[str] = mapped_column(String(400), default="")
    notes: Mapped[str] = mapped_column(String(400), default="")
    last_checked: Mapped[date | None] = mapped_column(Date)
    stops: Mapped[list[Any]] = mapped_column(default=list)
    coaching: Mapped[dict[str, Any]] = mapped_column(default=dict)  # see storage.coaching_rules
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StaffMembership(Base):
    """Which digibank(s) a digibuddy or organiser works for."""

    __tablename__ = "staff_memberships"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    digibank_id: Mapped[str] = mapped_column(
        ForeignKey("digibanks.id", ondelete="CASCADE"), primary_key=True
    )


class StaffProfile(Base):
    """What a digibuddy shows and how they work: first name only, duty, capacity."""

    __tablename__ = "staff_profiles"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    first_name: Mapped[str] = mapped_column(String(64))
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    current_case_id: Mapped[int | None] = mapped_column(Integer)  # where their messages go
    languages: Mapped[list[Any]] = mapped_column(default=list)  # alerted first for these


class Case(Base):
    """A citizen's question for a person. At most one open case per citizen: a partial
    unique index enforces it, so two quick first messages cannot open two."""

    __tablename__ = "cases"
    __table_args__ = (
        Index(
            "one_open_case_per_citizen",
            "citizen_id",
            unique=True,
            postgresql_where=text("status <> 'closed'"),
            sqlite_where=text("status <> 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    citizen_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )  # emptied after the retention period: the case stays as an anonymous statistic
    digibank_id: Mapped[str] = mapped_column(ForeignKey("digibanks.id", ondelete="CASCADE"))
    site_id: Mapped[str | None] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.WAITING, index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_at: Mapped[datetime | None]
    first_answer_at: Mapped[datetime | None]
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(16))
    rating: Mapped[int | None] = mapped_column(Integer)
    topic_thread_id: Mapped[int | None] = mapped_column(Integer)  # its topic in the staff group
    realerted_at: Mapped[datetime | None]  # on-duty staff reminded of a long wait
    escalated_at: Mapped[datetime | None]  # the digibank's organisers told
    # Counted as messages come in (no count query per message): the citizen's messages,
    # and those in the current one-minute window (to slow down a flood politely).
    citizen_messages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    window_started_at: Mapped[datetime | None]
    window_messages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CaseMessage(Base):
    """What was said in a case, kept for the retention period only."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(8))  # citizen, staff, note
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))  # text, photo, document, voice, …
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class OutboxMessage(Base):
    """A message to another chat (a relay, an alert), written in the transaction that
    caused it and sent afterwards; kept until Telegram took it, retried if it refused."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column()  # what to send, see bot.outbox
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    source_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # the relayed original
    source_message_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_until: Mapped[datetime | None]  # a sender is working on it until then
    claimed_by: Mapped[str | None] = mapped_column(String(32))  # Worker.id of that sender
    # After an ambiguous failure (Telegram may have taken it: a read timeout, a sender
    # that died mid-call) such a row is not sent again: reminders, announcements.
    at_most_once: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    failed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(64))
    # A reminder: deleted with its booking, and never sent once the booking has begun.
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    not_after: Mapped[datetime | None]


class Booking(Base):
    """A coaching appointment. A slot of capacity N has places 1..N; the partial unique
    index gives each place to one live booking, so the database itself refuses the
    (N+1)th booking, however many arrive at once."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "one_booking_per_place",
            "site_id",
            "starts_at",
            "place",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
            sqlite_where=text("status <> 'cancelled'"),
        ),
        Index("ix_bookings_site_day", "site_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    citizen_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )  # emptied after the retention period: the booking stays as an anonymous statistic
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8))
    starts_at: Mapped[datetime] = mapped_column()
    minutes: Mapped[int] = mapped_column(Integer)
    place: Mapped[int] = mapped_column(Integer)
    # booked → attended / no_show (marked by staff), or cancelled
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.BOOKED)
    answer: Mapped[str | None] = mapped_column(String(16))  # to a reminder: "coming"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))


class MessageLink(Base):
    """A relayed message and its copy, so edits and replies follow to the other side."""

    __tablename__ = "message_links"
    __table_args__ = (
        Index("ix_message_links_source", "source_chat_id", "source_message_id"),
        Index("ix_message_links_target", "target_chat_id", "target_message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    source_chat_id: Mapped[int] = mapped_column(BigInteger)
    source_message_id: Mapped[int] = mapped_column(Integer)
    target_chat_id: Mapped[int] = mapped_column(BigInteger)
    target_message_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # text or a media kind (edits differ)


class StaffGroup(Base):
    """A staff supergroup with forum topics that works the cases of one digibank."""

    __tablename__ = "staff_groups"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    digibank_id: Mapped[str] = mapped_column(
        ForeignKey("digibanks.id", ondelete="CASCADE"), unique=True
    )
    linked_by: Mapped[int] = mapped_column(BigInteger)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)

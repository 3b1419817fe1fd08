"""Repositories: the only code that writes SQL. One instance set per session (= transaction)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.bookings import BookingRepository
from storage.db import insert_unless_refused
from storage.inbox import InboxRepository
from storage.models import (
    AuditEntry,
    Booking,
    Case,
    CaseMessage,
    DialogueState,
    Digibank,
    InboxUpdate,
    Invite,
    OutboxMessage,
    ProcessedUpdate,
    Site,
    StaffGroup,
    StaffMembership,
    StaffProfile,
    User,
    utcnow,
)
from storage.outbox import LinkRepository, OutboxRepository, RelayRepository
from storage.site_columns import from_columns, to_columns
from storage.site_schema import SiteRecord
from storage.statistics import CaseStatistics
from storage.vocabulary import INVITABLE_ROLES, OPEN_CASE_STATUSES, Author, CaseStatus, Role
from storage.workers import WorkerRepository

# last_seen_at only decides retention (days), so it is written at most once an hour.
SEEN_PRECISION = timedelta(hours=1)
RATE_WINDOW = timedelta(minutes=1)  # a case's message-rate window


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def highest_id(self) -> int:
        """The highest user id we hold; 0 for none."""
        return await self.session.scalar(select(func.max(User.id))) or 0

    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def touch(self, user_id: int, now: datetime) -> User:
        """Get or create the user, note that we saw them, and that they no longer block us."""
        user = await self.get(user_id)
        if user is None:
            user = User(id=user_id, role=Role.CITIZEN, created_at=now, last_seen_at=now)
            self.session.add(user)
        if user.last_seen_at is None or now - user.last_seen_at >= SEEN_PRECISION:
            user.last_seen_at = now
        user.blocked_at = None
        return user

    async def mark_blocked(self, user_id: int, now: datetime) -> None:
        await self.session.execute(
            update(User).where(User.id == user_id, User.blocked_at.is_(None)).values(blocked_at=now)
        )

    async def staff(self) -> list[User]:
        rows = await self.session.scalars(
            # The stored staff roles: admins come from the configuration.
            select(User).where(User.role.in_(INVITABLE_ROLES)).order_by(User.role, User.id)
        )
        return list(rows)

    def let_go(self, user: User) -> None:
        """Its row was deleted (`forget`): never write this copy back."""
        self.session.expunge(user)

    async def forget(self, user_id: int) -> None:
        """Delete every row about the user (GDPR erasure)."""
        for statement in (
            delete(DialogueState).where(DialogueState.chat_id == user_id),
            delete(AuditEntry).where(
                or_(AuditEntry.actor_id == user_id, AuditEntry.target_id == user_id)
            ),
            delete(Invite).where(or_(Invite.created_by == user_id, Invite.used_by == user_id)),
            delete(StaffMembership).where(StaffMembership.user_id == user_id),
            delete(StaffProfile).where(StaffProfile.user_id == user_id),
            delete(Booking).where(Booking.citizen_id == user_id),  # their places are free
            delete(CaseMessage).where(
                CaseMessage.case_id.in_(select(Case.id).where(Case.citizen_id == user_id))
            ),
            delete(Case).where(Case.citizen_id == user_id),
            delete(OutboxMessage).where(
                or_(OutboxMessage.chat_id == user_id, OutboxMessage.source_chat_id == user_id)
            ),
            # A staff member leaves: their open cases go back to the queue.
            update(Case)
            .where(Case.assignee_id == user_id, Case.status == CaseStatus.ACTIVE)
            .values(status=CaseStatus.WAITING, assignee_id=None),
            update(Case).where(Case.assignee_id == user_id).values(assignee_id=None),
            delete(User).where(User.id == user_id),
        ):
            await self.session.execute(statement)

    async def forget_inactive(self, seen_before: datetime, unconsented_before: datetime) -> int:
        """Retention: people not seen for the retention period, or who never accepted."""
        stale = select(User.id).where(
            or_(
                User.last_seen_at < seen_before,
                User.consent_at.is_(None) & (User.last_seen_at < unconsented_before),
            )
        )
        ids = list(await self.session.scalars(stale))
        for user_id in ids:
            await self.forget(user_id)
        return len(ids)


class DialogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, chat_id: int) -> DialogueState:
        state = await self.session.get(DialogueState, chat_id)
        if state is None:
            state = DialogueState(chat_id=chat_id, flow=None, step=None, data={}, seq=0)
            self.session.add(state)
        return state

    def let_go(self, state: DialogueState) -> None:
        """Its row was deleted (`UserRepository.forget`): never write this copy back."""
        self.session.expunge(state)


class UpdateLog:
    """Remembers handled update ids. The insert is part of the update's own transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def highest(self) -> int:
        """The highest update id seen (handled, or waiting in the inbox); 0 for none."""
        handled = await self.session.scalar(select(func.max(ProcessedUpdate.update_id)))
        waiting = await self.session.scalar(select(func.max(InboxUpdate.update_id)))
        return max(handled or 0, waiting or 0)

    async def claim(self, update_id: int, now: datetime | None = None) -> bool:
        """True the first time an update id is seen; False for a duplicate delivery."""
        dialect = self.session.bind.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(ProcessedUpdate)
            .values(update_id=update_id, processed_at=now or utcnow())
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        result = await self.session.execute(statement)
        return result.rowcount == 1

    async def prune(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
        )
        return result.rowcount


@dataclass(frozen=True)
class Redemption:
    ok: bool
    reason: str = ""  # "unknown", "used", "expired" when not ok
    role: str = ""
    digibank_id: str | None = None


class InviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self,
        role: str,
        created_by: int,
        now: datetime,
        ttl: timedelta,
        code_prefix: str = "inv_",
        digibank_id: str | None = None,
    ) -> Invite:
        invite = Invite(
            code=code_prefix + secrets.token_urlsafe(18),
            role=role,
            digibank_id=digibank_id,
            created_by=created_by,
            created_at=now,
            expires_at=now + ttl,
        )
        self.session.add(invite)
        return invite

    async def redeem(self, code: str, user_id: int, now: datetime) -> Redemption:
        """Use an invite once. The conditional UPDATE makes two simultaneous taps yield one win."""
        invite = await self.session.get(Invite, code)
        if invite is None:
            return Redemption(False, "unknown")
        if invite.used_at is not None:
            return Redemption(False, "used")
        if invite.expires_at <= now:
            return Redemption(False, "expired")
        result = await self.session.execute(
            update(Invite)
            .where(Invite.code == code, Invite.used_at.is_(None))
            .values(used_by=user_id, used_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return Redemption(False, "used")
        await self.session.refresh(invite)
        return Redemption(True, role=invite.role, digibank_id=invite.digibank_id)


class MembershipRepository:
    """Which digibanks a staff member works for."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, user_id: int) -> list[str]:
        rows = await self.session.scalars(
            select(StaffMembership.digibank_id)
            .where(StaffMembership.user_id == user_id)
            .order_by(StaffMembership.digibank_id)
        )
        return list(rows)

    async def add(self, user_id: int, digibank_id: str) -> None:
        if await self.session.get(StaffMembership, (user_id, digibank_id)) is None:
            self.session.add(StaffMembership(user_id=user_id, digibank_id=digibank_id))

    async def remove_all(self, user_id: int) -> None:
        await self.session.execute(
            delete(StaffMembership).where(StaffMembership.user_id == user_id)
        )


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self, actor_id: int, action: str, target_id: int | None = None, detail: str | None = None
    ) -> None:
        self.session.add(
            AuditEntry(actor_id=actor_id, action=action, target_id=target_id, detail=detail)
        )

    async def recent(self, limit: int = 20) -> list[AuditEntry]:
        rows = await self.session.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        )
        return list(rows)


@dataclass(frozen=True)
class ImportSummary:
    added: int
    changed: int
    unchanged: int


_SITE_COLUMNS = [column.key for column in Site.__table__.columns if column.key != "updated_at"]


class SiteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> list[SiteRecord]:
        rows = await self.session.execute(
            select(Site, Digibank.name).join(Digibank).order_by(Site.digibank_id, Site.id)
        )
        return [
            from_columns({key: getattr(site, key) for key in _SITE_COLUMNS}, bank_name)
            for site, bank_name in rows
        ]

    async def count(self) -> int:
        return await self.session.scalar(select(func.count()).select_from(Site)) or 0

    def database(self) -> str:
        """Which database the sites are in (a cache of them keeps one copy per database)."""
        return str(self.session.bind.url)

    async def version(self) -> tuple[int, datetime | None]:
        """Changes whenever a site is added, changed or removed (for caches)."""
        row = (await self.session.execute(select(func.count(), func.max(Site.updated_at)))).one()
        return row[0], row[1]

    async def digibanks(self) -> list[Digibank]:
        return list(await self.session.scalars(select(Digibank).order_by(Digibank.name)))

    async def digibank(self, digibank_id: str) -> Digibank | None:
        return await self.session.get(Digibank, digibank_id)

    async def upsert(self, records: list[SiteRecord]) -> ImportSummary:
        """Insert or update the given sites (and their digibanks); others stay as they are."""
        added = changed = 0
        for bank_id, bank_name in {(r.digibank, r.digibank_name) for r in records}:
            bank = await self.session.get(Digibank, bank_id)
            if bank is None:
                self.session.add(Digibank(id=bank_id, name=bank_name))
            elif bank.name != bank_name:
                bank.name = bank_name
        await self.session.flush()
        for record in records:
            columns = to_columns(record)
            site = await self.session.get(Site, record.id)
            if site is None:
                self.session.add(Site(**columns))
                added += 1
            elif any(getattr(site, key) != value for key, value in columns.items()):
                for key, value in columns.items():
                    setattr(site, key, value)
                changed += 1
        return ImportSummary(added, changed, len(records) - added - changed)


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def profile(self, user_id: int) -> StaffProfile | None:
        return await self.session.get(StaffProfile, user_id)

    async def ensure_profile(self, user_id: int, first_name: str) -> StaffProfile:
        profile = await self.profile(user_id)
        if profile is None:
            profile = StaffProfile(user_id=user_id, first_name=first_name[:64] or "Digibuddy")
            self.session.add(profile)
        return profile

    async def organisers_of(self, digibank_id: str) -> list[int]:
        rows = await self.session.scalars(
            select(User.id)
            .join(StaffMembership, StaffMembership.user_id == User.id)
            .where(StaffMembership.digibank_id == digibank_id, User.role == Role.ORGANISER)
        )
        return list(rows)

    async def on_duty_for(self, digibank_id: str) -> list[StaffProfile]:
        rows = await self.session.scalars(
            select(StaffProfile)
            .join(StaffMembership, StaffMembership.user_id == StaffProfile.user_id)
            .where(StaffMembership.digibank_id == digibank_id, StaffProfile.on_duty.is_(True))
            .order_by(StaffProfile.user_id)
        )
        return list(rows)


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, case_id: int) -> Case | None:
        return await self.session.get(Case, case_id)

    async def inactive(self, quiet_since: datetime) -> list[Case]:
        """Open cases without any message since then."""
        return list(
            await self.session.scalars(
                select(Case).where(
                    Case.status.in_(OPEN_CASE_STATUSES), Case.last_message_at < quiet_since
                )
            )
        )

    async def in_topic(self, thread_id: int, digibank_id: str) -> Case | None:
        """The open case whose topic this is, in a staff group."""
        return await self.session.scalar(
            select(Case).where(
                Case.topic_thread_id == thread_id,
                Case.digibank_id == digibank_id,
                Case.status.in_(OPEN_CASE_STATUSES),
            )
        )

    async def open_case_of(self, citizen_id: int) -> Case | None:
        return await self.session.scalar(
            select(Case).where(Case.citizen_id == citizen_id, Case.status.in_(OPEN_CASE_STATUSES))
        )

    async def open(
        self,
        citizen_id: int,
        digibank_id: str,
        topic: str,
        locale: str,
        now: datetime,
        site_id: str | None = None,
    ) -> tuple[Case, bool]:
        """The citizen's open case: a new one, or (False) the one that already exists. The
        unique index decides when two first messages race."""
        case = Case(
            citizen_id=citizen_id,
            digibank_id=digibank_id,
            site_id=site_id,
            topic=topic,
            locale=locale,
            status=CaseStatus.WAITING,
            opened_at=now,
            last_message_at=now,
        )
        if await insert_unless_refused(self.session, case):  # flushed: the case has its id
            return case, True
        existing = await self.open_case_of(citizen_id)
        assert existing is not None
        return existing, False

    async def position(self, case: Case) -> int:
        """Place in line: 1 for the case that waits longest at its digibank."""
        ahead = await self.session.scalar(
            select(func.count())
            .select_from(Case)
            .where(
                Case.digibank_id == case.digibank_id,
                Case.status == CaseStatus.WAITING,
                Case.opened_at < case.opened_at,
            )
        )
        return (ahead or 0) + 1

    async def waiting(self, digibank_ids: list[str] | None) -> list[Case]:
        """Waiting cases, longest waiting first; None: of every digibank."""
        query = select(Case).where(Case.status == CaseStatus.WAITING).order_by(Case.opened_at)
        if digibank_ids is not None:
            query = query.where(Case.digibank_id.in_(digibank_ids))
        return list(await self.session.scalars(query))

    async def take(self, case_id: int, staff_id: int, now: datetime) -> bool:
        """Claim a waiting case; of two simultaneous claims exactly one wins."""
        result = await self.session.execute(
            update(Case)
            .where(Case.id == case_id, Case.status == CaseStatus.WAITING)
            .values(status=CaseStatus.ACTIVE, assignee_id=staff_id, taken_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            case = await self.get(case_id)
            if case is not None:
                await self.session.refresh(case)
        return result.rowcount == 1

    async def active_of(self, staff_id: int) -> list[Case]:
        return list(
            await self.session.scalars(
                select(Case)
                .where(Case.assignee_id == staff_id, Case.status == CaseStatus.ACTIVE)
                .order_by(Case.taken_at)
            )
        )

    async def add_message(
        self,
        case: Case,
        sender: str,
        author_id: int | None,
        kind: str,
        text: str | None,
        now: datetime,
    ) -> None:
        """Keep a message; a citizen's also counts in the case's counters."""
        self.session.add(
            CaseMessage(
                case_id=case.id,
                sender=sender,
                author_id=author_id,
                kind=kind,
                text=text,
                created_at=now,
            )
        )
        if sender != Author.NOTE:
            case.last_message_at = now
        if sender == Author.STAFF and case.first_answer_at is None:
            case.first_answer_at = now
        if sender == Author.CITIZEN:
            case.citizen_messages = (case.citizen_messages or 0) + 1
            started = case.window_started_at
            if started is None or now - started >= RATE_WINDOW:
                case.window_started_at, case.window_messages = now, 1
            else:
                case.window_messages = (case.window_messages or 0) + 1

    async def messages(self, case_id: int) -> list[CaseMessage]:
        return list(
            await self.session.scalars(
                select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(CaseMessage.id)
            )
        )

    async def expire(self, before: datetime) -> int:
        """Retention: messages older than `before` go; cases closed before it lose the
        link to the citizen and stay only as numbers for the statistics."""
        result = await self.session.execute(
            delete(CaseMessage).where(CaseMessage.created_at < before)
        )
        await self.session.execute(
            update(Case)
            .where(Case.status == CaseStatus.CLOSED, Case.closed_at < before)
            .values(citizen_id=None)
        )
        return result.rowcount

    async def close(self, case: Case, by: str, now: datetime) -> None:
        case.status, case.closed_at, case.closed_by = CaseStatus.CLOSED, now, by

    async def requeue(self, case: Case, digibank_id: str | None = None) -> None:
        """Back in line, without a digibuddy: at its digibank, or at another one."""
        case.status, case.assignee_id, case.taken_at = CaseStatus.WAITING, None, None
        if digibank_id is not None:
            case.digibank_id = digibank_id
        await self.session.flush()


class StaffGroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_chat(self, chat_id: int) -> StaffGroup | None:
        return await self.session.get(StaffGroup, chat_id)

    async def of_digibank(self, digibank_id: str) -> StaffGroup | None:
        return await self.session.scalar(
            select(StaffGroup).where(StaffGroup.digibank_id == digibank_id)
        )

    async def link(self, chat_id: int, digibank_id: str, by: int, now: datetime) -> None:
        """One group per digibank and one digibank per group: a new link replaces both."""
        await self.session.execute(
            delete(StaffGroup).where(
                or_(StaffGroup.chat_id == chat_id, StaffGroup.digibank_id == digibank_id)
            )
        )
        self.session.add(
            StaffGroup(chat_id=chat_id, digibank_id=digibank_id, linked_by=by, linked_at=now)
        )

    async def unlink(self, chat_id: int) -> None:
        await self.session.execute(delete(StaffGroup).where(StaffGroup.chat_id == chat_id))


class Repositories:
    """All repositories over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.users = UserRepository(session)
        self.dialogues = DialogueRepository(session)
        self.updates = UpdateLog(session)
        self.invites = InviteRepository(session)
        self.audit = AuditLog(session)
        self.sites = SiteRepository(session)
        self.memberships = MembershipRepository(session)
        self.staff = StaffRepository(session)
        self.cases = CaseRepository(session)
        self.outbox = OutboxRepository(session)
        self.links = LinkRepository(session)
        self.relays = RelayRepository(session)
        self.staff_groups = StaffGroupRepository(session)
        self.bookings = BookingRepository(session)
        self.statistics = CaseStatistics(session)
        self.inbox = InboxRepository(session)
        self.workers = WorkerRepository(session)

"""Periodic chores woken by APScheduler: retention clean-up. Rows stay the only record."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.outbox import HEARTBEAT_SECONDS, OutboxSender, queue_actions
from flows import cases
from flows.context import Context, FlowSettings
from storage.db import Database, is_outage
from storage.models import utcnow
from storage.repositories import Repositories

log = logging.getLogger(__name__)

UPDATE_IDS_KEPT = timedelta(days=7)  # Telegram redelivers for at most a day
UNCONSENTED_KEPT = timedelta(days=7)  # someone who never said OK to the privacy notice
OUTBOX_KEPT = timedelta(days=1)  # sent or given-up messages (their words are gone already)


async def apply_retention(
    db: Database,
    retention_days: int,
    case_retention_days: int = 30,
    clock: Callable[[], datetime] = utcnow,
) -> tuple[int, int, int, int]:
    """Delete what is past its retention period; returns (users forgotten, update ids
    pruned, case messages deleted, appointments made anonymous). Old closed cases and
    past appointments stay as anonymous statistics."""
    now = clock()
    async with db.transaction() as session:
        repos = Repositories(session)
        users = await repos.users.forget_inactive(
            seen_before=now - timedelta(days=retention_days),
            unconsented_before=now - UNCONSENTED_KEPT,
        )
        updates = await repos.updates.prune(now - UPDATE_IDS_KEPT)
        outbox = await repos.outbox.prune(now - OUTBOX_KEPT)
        await repos.workers.prune(now - UPDATE_IDS_KEPT)
        messages = await repos.cases.expire(now - timedelta(days=case_retention_days))
        bookings = await repos.bookings.anonymise(now - timedelta(days=case_retention_days))
    log.info(
        "retention: %d users forgotten, %d update ids pruned, %d outbox rows deleted, "
        "%d case messages deleted, %d appointments made anonymous",
        users,
        updates,
        outbox,
        messages,
        bookings,
    )
    return users, updates, messages, bookings


async def apply_queue_rules(
    db: Database,
    settings: FlowSettings,
    outbox: OutboxSender,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """Reminders for long waits, organisers told, quiet cases closed; returns how many
    messages that made (written to the outbox, then sent)."""
    now = clock()
    async with db.transaction() as session:
        repos = Repositories(session)
        actions = await cases.apply_queue_rules(Context.system(repos, settings, now))
        rows = await queue_actions(repos, actions, now, outbox.worker_id)
    await outbox.send(rows)
    return len(rows)


def outage_tolerant(job: Callable[..., Awaitable[object]]) -> Callable[..., Awaitable[None]]:
    """A periodic job that meets a database outage logs one line and waits for its next
    turn (its rows are the record: nothing is lost by skipping a turn)."""

    async def run(*args: object) -> None:
        try:
            await job(*args)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("%s put off: database unreachable", getattr(job, "__name__", "job"))

    return run


def start_scheduler(
    db: Database,
    timezone: str,
    retention: tuple[int, int] | None,
    outbox: Callable[[], Awaitable[int]] | None = None,
    outbox_seconds: float = 5.0,
    heartbeat: Callable[[], Awaitable[None]] | None = None,
    queue_rules: Callable[[], Awaitable[int]] | None = None,
) -> AsyncIOScheduler:
    """Wake the periodic chores: retention (daily; `retention` = days for users and for
    case messages), the outbox sender (every few seconds) and the queue rules (every
    minute)."""
    scheduler = AsyncIOScheduler(timezone=timezone)
    if queue_rules is not None:
        scheduler.add_job(
            outage_tolerant(queue_rules),
            "interval",
            minutes=1,
            id="queue_rules",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=60,
        )
    if heartbeat is not None:
        scheduler.add_job(
            heartbeat,
            "interval",
            seconds=HEARTBEAT_SECONDS,
            id="heartbeat",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=10,
        )
    if outbox is not None:
        scheduler.add_job(
            outbox,
            "interval",
            seconds=outbox_seconds,
            id="outbox",
            coalesce=True,
            max_instances=2,  # a wake-up during a long drain returns at once (OutboxSender.wake)
            misfire_grace_time=60,
        )
    if retention is None:
        scheduler.start()
        return scheduler
    scheduler.add_job(
        outage_tolerant(apply_retention),
        "cron",
        hour=3,
        minute=30,
        args=(db, *retention),
        id="retention",
        coalesce=True,
        misfire_grace_time=6 * 3600,
    )
    scheduler.start()
    return scheduler

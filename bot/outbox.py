"""Messages to other chats (relays, staff alerts, reminders) go through the outbox table.

They are written in the same transaction as the change that caused them, tried right
after the commit, and tried again by a job APScheduler wakes while Telegram refuses them
(429, 5xx). Messages to one chat keep their order. A recipient who blocked the bot is
given up on once, and the dialogues decide what follows (a case goes back to the queue).

Delivery rules (README, "What we guarantee"). A call Telegram may have carried out
without us hearing so (a read timeout, a sender killed mid-call) is ambiguous: relayed
case messages and alerts are sent again (at least once: a rare duplicate beats a loss);
rows marked `at_most_once` (reminders) are not. Each process is a worker with a
heartbeat; the claims of a worker that stopped beating are taken over within seconds.
An outcome that cannot be recorded (the database is down) is retried in memory, never
by sending again.

A row holds its action as JSON (`payload_of`); the sender rebuilds the action
(`action_of`) and sends it with the same translator as direct replies
(`bot.bot_calls.BotCalls`). It knows nothing of cases: what is decided only when a
message's turn comes (is a put-off alert still wanted, which forum topic does a relay go
to) and what a new forum topic means are asked of the dialogues through hooks (`Route`,
`OnTopic`, like `OnBlocked` and `OnUndeliverable`), given by `bot.service`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot.bot_calls import BotCalls, Where
from bot.delivery import AmbiguousSend, RetryPolicy, UserBlockedBot, backoff_delays
from bot.ordering import ChatLocks
from flows import actions as act
from storage.db import Database, is_outage
from storage.models import OutboxMessage, utcnow
from storage.repositories import Repositories

log = logging.getLogger(__name__)
# A live worker's claim is left alone this long by other senders (a safety net: claims
# of a worker that died are taken over through its heartbeat, much sooner).
HOLD = timedelta(minutes=5)
HEARTBEAT_SECONDS = 2.0
STALE_AFTER = timedelta(seconds=8)  # a worker silent this long is taken for dead
QUICK = RetryPolicy(attempts=2, first_backoff=0.2, max_backoff=0.5, max_retry_after=2.0)
QUICK_ONCE = dataclasses.replace(QUICK, at_most_once=True)
MAX_ATTEMPTS = 20

T = TypeVar("T")

# What the dialogues do when a recipient turns out to have blocked the bot.
OnBlocked = Callable[[Repositories, int, datetime], Awaitable[list[act.Action]]]
# What they do when a relayed message of a case (chat, case) is given up for good.
OnUndeliverable = Callable[[Repositories, int, int, datetime], Awaitable[list[act.Action]]]


@dataclass(frozen=True)
class Destination:
    """Where a relayed message goes when its turn comes: a forum topic of the chat, or
    the chat itself."""

    thread_id: int | None = None


# Whether a relayed message that is decided when sent (`Relay.in_topic`, `after_seconds`)
# is still wanted, and where it goes: the dialogues answer; None: no longer wanted.
Route = Callable[[Repositories, act.Relay], Awaitable[Destination | None]]
# A forum topic was opened for `CreateTopic`: the dialogues record its thread id.
OnTopic = Callable[[Repositories, act.CreateTopic, int], Awaitable[None]]


def payload_of(action: act.Action) -> dict[str, Any]:
    """An outbox action as JSON for the table."""
    match action:
        case act.Notify():
            buttons = [
                [
                    {"label": b.label, "url": b.url}
                    if isinstance(b, act.UrlButton)
                    else {"label": b.label, "data": b.data}
                    for b in row
                ]
                for row in action.buttons
            ]
            relay = action.relay or act.Relay(0)
            return {
                "type": "text",
                "text": action.text,
                "buttons": buttons,
                "reply_to": relay.reply_to,
                "kind": relay.kind,
                "topic_case": relay.case_id if relay.in_topic else None,
                "while_waiting": relay.case_id if relay.after_seconds else None,
            }
        case act.CopyMessage():
            relay = action.relay or act.Relay(0)
            return {
                "type": "copy",
                "from_chat_id": action.from_chat_id,
                "message_id": action.message_id,
                "caption": action.caption,
                "reply_to": relay.reply_to,
                "kind": relay.kind,
                "topic_case": relay.case_id if relay.in_topic else None,
            }
        case act.CreateTopic():
            return {"type": "topic", "name": action.name, "case_id": action.case_id}
        case act.EditRelayed():
            return {
                "type": "edit",
                "message_id": action.message_id,
                "text": action.text,
                "caption": action.caption,
            }
    raise TypeError(f"not an outbox action: {type(action).__name__}")


def _buttons(payload: dict[str, Any]) -> tuple[tuple[act.Button | act.UrlButton, ...], ...]:
    return tuple(
        tuple(
            act.UrlButton(b["label"], b["url"]) if "url" in b else act.Button(b["label"], b["data"])
            for b in row
        )
        for row in payload.get("buttons") or []
    )


def _relay(claimed: Claimed) -> act.Relay | None:
    """The relay of a stored message. A delay (`after_seconds`) is spent by the time the
    row is sent: what is kept is that it had one, so it is sent only while its case
    still waits."""
    payload = claimed.payload
    topic_case, waiting_for = payload.get("topic_case"), payload.get("while_waiting")
    case_id = topic_case or waiting_for or claimed.case_id
    if case_id is None and not payload.get("reply_to"):
        return None
    source = claimed.source
    return act.Relay(
        case_id or 0,
        (source[0], source[1]) if source[0] is not None and source[1] is not None else None,
        payload.get("reply_to"),
        payload.get("kind", "text"),
        in_topic=topic_case is not None,
        after_seconds=1.0 if waiting_for else 0,
    )


def action_of(claimed: Claimed) -> act.Action:
    """The action a stored row was written from (`payload_of` backwards), as far as
    sending it goes."""
    payload, chat_id = claimed.payload, claimed.chat_id
    match payload["type"]:
        case "text":
            return act.Notify(chat_id, payload["text"], _buttons(payload), _relay(claimed))
        case "copy":
            return act.CopyMessage(
                chat_id,
                payload["from_chat_id"],
                payload["message_id"],
                payload.get("caption"),
                _relay(claimed),
            )
        case "topic":
            return act.CreateTopic(chat_id, payload["name"], payload["case_id"])
        case "edit":
            return act.EditRelayed(
                chat_id,
                payload["message_id"],
                payload["text"],
                bool(payload.get("caption")),
                claimed.case_id,
            )
    raise ValueError(f"unknown outbox payload type {payload['type']!r}")


def _decided_when_sent(relay: act.Relay | None) -> bool:
    return relay is not None and (relay.in_topic or relay.after_seconds > 0)


@dataclass(frozen=True)
class Claimed:
    """A row this sender holds (claimed_until set), with what it needs to send it."""

    row_id: int
    chat_id: int
    payload: dict[str, Any]
    case_id: int | None
    source: tuple[int | None, int | None]
    attempts: int
    not_after: datetime | None = None
    booking_id: int | None = None
    at_most_once: bool = False

    @classmethod
    def of(cls, row: OutboxMessage) -> Claimed:
        return cls(
            row.id,
            row.chat_id,
            dict(row.payload),
            row.case_id,
            (row.source_chat_id, row.source_message_id),
            row.attempts,
            row.not_after,
            row.booking_id,
            row.at_most_once,
        )


async def queue_actions(
    repos: Repositories, actions: list[act.Action], now: datetime, worker: str | None = None
) -> list[OutboxMessage]:
    """Write the outbox actions of a step (in its transaction); the rest stays direct.
    A message that is first in line for its chat is claimed right away by `worker` (the
    sender that will send it after the commit), which then needs no transaction of its
    own to start. Reminders go at most once."""
    rows = []
    first_for: set[int] = set()
    for action in actions:
        if isinstance(action, act.OUTBOX):
            relay = getattr(action, "relay", None)
            scheduled = getattr(action, "later", None)
            due = now + timedelta(seconds=relay.after_seconds if relay else 0)
            if scheduled is not None:
                due = scheduled.at
            claimed_until = None
            if worker is not None and due <= now and action.chat_id not in first_for:
                first_for.add(action.chat_id)
                if not await repos.outbox.pending_for(action.chat_id, now):
                    claimed_until = now + HOLD
            rows.append(
                await repos.outbox.add(
                    action.chat_id,
                    payload_of(action),
                    due,
                    case_id=relay.case_id if relay else getattr(action, "case_id", None),
                    source=relay.source if relay else None,
                    claimed_until=claimed_until,
                    booking=(scheduled.booking_id, scheduled.not_after) if scheduled else None,
                    claimed_by=worker,
                    at_most_once=scheduled is not None,
                )
            )
    await repos.session.flush()
    return rows


class OutboxSender:
    def __init__(
        self,
        db: Database,
        bot: Bot,
        on_blocked: OnBlocked,
        clock: Callable[[], datetime] = utcnow,
        on_undeliverable: OnUndeliverable | None = None,
        *,
        route: Route,
        on_topic: OnTopic,
    ) -> None:
        """The hooks are the dialogues' (see the types): the sender itself only sends and
        records what came of it."""
        self.db = db
        self.bot = bot
        self.on_blocked = on_blocked
        self.on_undeliverable = on_undeliverable
        self.route = route
        self.on_topic = on_topic
        self.clock = clock
        # The same translator as direct replies, with short retries: a refused message
        # waits in the table, not in memory. Reminders go at most once.
        self._calls = {False: BotCalls(bot, QUICK), True: BotCalls(bot, QUICK_ONCE)}
        self.worker_id = secrets.token_hex(8)  # this process, in claims and heartbeats
        self._draining = asyncio.Lock()
        self._chats = ChatLocks()
        self._in_call: set[int] = set()  # rows whose Bot API call has not answered yet
        self._closing = False
        self._beaten = False

    async def send(self, rows: list[OutboxMessage]) -> None:
        """Try these rows now, in order (right after the commit that wrote them). Never
        raises for the database being down: the rows wait for the periodic drain."""
        try:
            for row in rows:
                if row.claimed_until is not None:  # claimed when it was written
                    async with self._chats.hold(row.chat_id):
                        await self._go_on(Claimed.of(row))
                else:
                    await self._attempt(row.id, row.chat_id)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("outbox: database unreachable; rows wait for the next drain")

    async def idle(self) -> bool:
        """Nothing under way: no call unanswered, no drain running, no chat being served,
        and no message due that is not sent yet (one waiting to be retried later is not
        due). Tests wait for this before they assert that something did not happen."""
        if self._in_call or self._draining.locked() or len(self._chats):
            return False
        async with self.db.transaction() as session:
            return not await Repositories(session).outbox.any_due(self.clock())

    async def heartbeat(self) -> None:
        """Tell other workers this one lives (its claims hold). The first beat of a
        single-process database (SQLite) frees every older claim at once: whoever made
        them is gone."""
        now = self.clock()
        try:
            async with self.db.transaction() as session:
                repos = Repositories(session)
                await repos.workers.beat(self.worker_id, now)
                if not self._beaten and session.bind.dialect.name == "sqlite":
                    taken = await repos.outbox.take_over(now, [self.worker_id])
                    if taken:
                        log.info("outbox: %d claims of a stopped process taken over", taken)
                self._beaten = True
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("outbox: heartbeat not recorded (database unreachable)")

    async def close(self, grace: float = 5.0) -> None:
        """Stop cleanly: wait a moment for calls under way, then hand the claims back
        (a call still unanswered counts as ambiguous) and leave the workers table."""
        self._closing = True
        for _ in range(int(grace / 0.05)):
            if not self._in_call:
                break
            await asyncio.sleep(0.05)
        with contextlib.suppress(Exception):  # the database may be gone: heartbeat expires
            async with self.db.transaction() as session:
                repos = Repositories(session)
                await repos.outbox.release(self.worker_id, set(self._in_call))
                await repos.workers.leave(self.worker_id)

    async def drain(self, batch: int = 1000, chats_at_once: int = 16) -> int:
        """Send what is due; the periodic job. Chats are served side by side, each in
        order, batch after batch until nothing is due (a backlog of reminders goes out at
        the rate limit, without waiting for the next wake-up between batches). Returns
        how many rows were due."""
        async with self._draining:  # after a drain under way: what is due now goes too
            try:
                return await self._drain(batch, chats_at_once)
            except Exception as exc:
                if not is_outage(exc):
                    raise
                log.warning("outbox: database unreachable; drain put off")
                return 0

    async def _drain(self, batch: int, chats_at_once: int) -> int:
        await self._take_over()
        total = 0
        gate = asyncio.Semaphore(chats_at_once)

        async def serve(chat_id: int, first_row: int) -> bool:
            async with gate:
                return await self._attempt(first_row, chat_id)  # goes on with the next

        while True:
            async with self.db.transaction() as session:
                due = await Repositories(session).outbox.due_by_chat(self.clock(), batch)
            served = await asyncio.gather(*(serve(chat, rows[0]) for chat, rows in due.items()))
            count = sum(len(rows) for rows in due.values())
            total += count
            # A short batch was the last; a batch with nothing claimable (held by
            # another process) would only come back the same.
            if count < batch or not any(served):
                return total

    async def _take_over(self) -> None:
        """Free the claims of workers whose heartbeat stopped (killed, machine gone)."""
        async with self.db.transaction() as session:
            repos = Repositories(session)
            now = self.clock()
            alive = [*await repos.workers.alive(now, STALE_AFTER), self.worker_id]
            taken = await repos.outbox.take_over(now, alive)
        if taken:
            log.info("outbox: %d claims of a stopped worker taken over", taken)

    async def wake(self) -> int:
        """The periodic job: drain, unless a drain (a long backlog) is still under way."""
        return 0 if self._draining.locked() else await self.drain()

    async def _attempt(self, row_id: int, chat_id: int) -> bool:
        """Claim and send a row (and the chat's next ones); False when it was not ours."""
        # One sender per chat in this process: a row that waits for an older one to the
        # same chat is claimed after that one settled, never missed in between (the
        # periodic drain covers other processes).
        async with self._chats.hold(chat_id):
            async with self.db.transaction() as session:
                row = await Repositories(session).outbox.claim(
                    row_id, self.clock(), HOLD, self.worker_id
                )
                claimed = Claimed.of(row) if row is not None else None
            if claimed is None:  # sent, someone else's, not due, or behind another
                return False
            await self._go_on(claimed)
            return True

    async def _go_on(self, claimed: Claimed | None) -> None:
        """Send a claimed row, then the next due messages to the same chat (ones that could
        not be claimed while this one was on its way)."""
        while claimed is not None:
            claimed = await self._send_one(claimed)

    async def _prepared(self, claimed: Claimed) -> tuple[act.Action, Where] | None:
        """The action to send and where it goes now, or None when it is no longer needed."""
        if claimed.not_after is not None and self.clock() >= claimed.not_after:
            return None  # a reminder that fell due while we were down: too late now
        action = action_of(claimed)
        relay = getattr(action, "relay", None)
        if claimed.booking_id is None and not _decided_when_sent(relay):
            return action, Where()
        destination: Destination | None = Destination()
        async with self.db.transaction() as session:
            repos = Repositories(session)
            if claimed.booking_id is not None and await repos.outbox.superseded(
                claimed.row_id, claimed.booking_id, self.clock()
            ):
                return None
            if relay is not None and _decided_when_sent(relay):
                # A topic exists by now: its CreateTopic was queued first, to the same chat.
                destination = await self.route(repos, relay)
        if destination is None:
            return None
        return action, Where(thread_id=destination.thread_id)

    async def _send_one(self, claimed: Claimed) -> Claimed | None:
        """Send one claimed row; the chat's next claimed row when it went out."""
        row_id, chat_id, attempts = claimed.row_id, claimed.chat_id, claimed.attempts
        case_id, source = claimed.case_id, claimed.source
        prepared = await self._prepared(claimed)
        if prepared is None:
            return await self._finish(row_id, chat_id, error="no longer needed")
        action, where = prepared
        self._in_call.add(row_id)
        try:
            sent = await self._calls[claimed.at_most_once].carry_out(action, where)
        except AmbiguousSend:
            # It may have arrived; at most once: do not send it again.
            log.warning("outbox row %s: no answer from Telegram, not sent again", row_id)
            return await self._finish(row_id, chat_id, error="sent? no answer", sent=True)
        except UserBlockedBot:
            await self._blocked(row_id, chat_id)
            return None
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            await self._later(row_id, attempts, "429", max(seconds, 1.0))
            return None
        except BadRequest as exc:
            log.warning("outbox row %s refused: %s", row_id, type(exc).__name__)
            relayed = case_id if source[0] is not None else None
            return await self._finish(
                row_id, chat_id, error=f"400 {exc.message}"[:64], undelivered=relayed
            )
        except (NetworkError, TelegramError) as exc:
            await self._later(row_id, attempts, type(exc).__name__, 2.0 ** min(attempts, 6))
            return None
        finally:
            self._in_call.discard(row_id)
        link = None
        if sent.message_id is not None and case_id is not None and source[0] is not None:
            link = (
                case_id,
                (source[0], source[1]),
                (chat_id, sent.message_id),
                claimed.payload.get("kind", "text"),
            )
        opened = None
        if isinstance(action, act.CreateTopic) and sent.thread_id is not None:
            opened = (action, sent.thread_id)
        return await self._finish(row_id, chat_id, link=link, opened=opened)

    async def _finish(
        self,
        row_id: int,
        chat_id: int,
        error: str | None = None,
        link: tuple[int, tuple[int, int], tuple[int, int], str] | None = None,
        sent: bool | None = None,
        undelivered: int | None = None,
        opened: tuple[act.CreateTopic, int] | None = None,
    ) -> Claimed | None:
        """Record the outcome and, in the same transaction, claim the chat's next message.
        `undelivered`: the case of a relayed message given up for good (its sender hears).
        `opened`: a forum topic was created (the dialogues record where it is)."""

        async def record() -> Claimed | None:
            async with self.db.transaction() as session:
                repos = Repositories(session)
                now = self.clock()
                # False when the row was deleted meanwhile (/forget): then no link either.
                if await repos.outbox.settle(row_id, now, error, sent) and link is not None:
                    await repos.links.add(*link)
                if opened is not None:
                    await self.on_topic(repos, *opened)
                if undelivered is not None:
                    await self._tell_undelivered(repos, chat_id, undelivered, now)
                if self._closing:
                    return None
                next_id = await repos.outbox.next_for_chat(chat_id, now)
                if next_id is None:
                    return None
                following = await repos.outbox.claim(next_id, now, HOLD, self.worker_id)
                return Claimed.of(following) if following is not None else None

        return await self._recorded(record)

    async def _recorded(self, record: Callable[[], Awaitable[T]]) -> T | None:
        """Record an outcome; while the database is down, keep trying (the message is out:
        sending it again would double it). Given up only when the process stops; then the
        claim is taken over by the rules of `take_over`."""
        for delay in backoff_delays(top=5.0):
            try:
                return await record()
            except Exception as exc:
                if not is_outage(exc) or self._closing:
                    raise
                log.warning("outbox: outcome waits for the database")
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _later(self, row_id: int, attempts: int, error: str, seconds: float) -> None:
        await self._recorded(lambda: self._record_later(row_id, attempts, error, seconds))

    async def _record_later(self, row_id: int, attempts: int, error: str, seconds: float) -> None:
        async with self.db.transaction() as session:
            repos = Repositories(session)
            row = await session.get(OutboxMessage, row_id)
            if row is None:
                return
            if attempts + 1 >= MAX_ATTEMPTS:
                await repos.outbox.give_up(row, self.clock(), f"gave up: {error}")
                log.error("outbox row %s given up after %d attempts", row_id, attempts + 1)
                if row.case_id is not None and row.source_chat_id is not None:
                    await self._tell_undelivered(repos, row.chat_id, row.case_id, self.clock())
                return
            await repos.outbox.retry_later(row, self.clock() + timedelta(seconds=seconds), error)
        log.info("outbox row %s will be retried (%s)", row_id, error)

    async def _tell_undelivered(
        self, repos: Repositories, chat_id: int, case_id: int, now: datetime
    ) -> None:
        """Queue the dialogues' notices about a relayed message given up on; the next
        drain sends them (they go to other chats than the one being served)."""
        if self.on_undeliverable is not None:
            notices = await self.on_undeliverable(repos, chat_id, case_id, now)
            await queue_actions(repos, notices, now)

    async def _blocked(self, row_id: int, chat_id: int) -> None:
        """Once: give up every message still to send to that chat (this one, reminders:
        no retry storm), mark the user, let the dialogues react (requeue a case)."""

        async def record() -> list[OutboxMessage]:
            async with self.db.transaction() as session:
                repos = Repositories(session)
                await repos.outbox.give_up_chat(chat_id, self.clock(), "blocked")
                await repos.users.mark_blocked(chat_id, self.clock())
                follow_up = await self.on_blocked(repos, chat_id, self.clock())
                return await queue_actions(repos, follow_up, self.clock(), self.worker_id)

        rows = await self._recorded(record) or []
        log.info("a recipient blocked the bot; %d follow-up messages", len(rows))
        await self.send(rows)

"""One update: handled once, in one transaction, answered after it commits.

Duplicates are recognised by update_id inside the same transaction. A failure rolls the
transaction back; the citizen gets a short apology and the menu, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from telegram import ChatMember, Update
from telegram.error import TelegramError

from bot.bot_calls import BotCalls, Where
from bot.delivery import UserBlockedBot
from bot.outbox import OutboxSender, queue_actions
from bot.telegram_files import TelegramFiles
from bot.updates import to_event
from flows import actions as act
from flows import events
from flows.context import FlowSettings
from flows.engine import Handled, apology, handle_event
from flows.i18n import resolve_locale
from storage.db import Database, is_outage
from storage.models import OutboxMessage, utcnow
from storage.repositories import Repositories

log = logging.getLogger(__name__)


class UpdatePipeline:
    def __init__(
        self,
        db: Database,
        delivery: BotCalls,
        outbox: OutboxSender,
        settings: FlowSettings,
        clock: Callable[[], datetime] = utcnow,
        inbox: bool = False,
    ) -> None:
        """`inbox`: updates come from the polling inbox; each leaves it when handled."""
        self.db = db
        self.delivery = delivery
        self.outbox = outbox
        self.settings = settings
        self.clock = clock
        self.inbox = inbox

    async def process(self, update: Update) -> bool:
        """Handle an update; True once it is committed (webhook answers 200 only then)."""
        try:
            event = to_event(update, self.settings.bot_username)
        except Exception as exc:  # an update we cannot read is still recorded as handled
            log.error("update %s unreadable: %s", update.update_id, type(exc).__name__)
            event = None
        query_id = update.callback_query.id if update.callback_query is not None else None
        try:
            result = await self._handle(update, event)
        except Exception as exc:
            if is_outage(exc):  # not handled: tried again when the database is back
                log.warning("update %s waits: database unreachable", update.update_id)
                return False
            log.error("update %s failed: %s", update.update_id, type(exc).__name__, exc_info=exc)
            return await self._recover(update.update_id, event, query_id)
        if result is not None and event is not None:
            handled, queued = result
            await self._deliver(event, handled.actions, query_id, handled.locale)
            await self.outbox.send(queued)  # the other side hears it now, or from a retry
        return True

    async def _handle(
        self, update: Update, event: events.Event | None
    ) -> tuple[Handled, list[OutboxMessage]] | None:
        update_id = update.update_id
        async with self.db.transaction() as session:
            repos = Repositories(session)
            if self.inbox:
                await repos.inbox.remove(update_id)
            if not await repos.updates.claim(update_id, self.clock()):
                log.info("update %s is a duplicate, skipped", update_id)
                return None
            member = update.my_chat_member
            if member is not None and member.new_chat_member.status == ChatMember.BANNED:
                await repos.users.mark_blocked(member.from_user.id, self.clock())
            if event is None:
                return None
            handled = await handle_event(
                event, repos, self.settings, self.clock(), TelegramFiles(self.delivery.bot)
            )
            queued = await queue_actions(
                repos, handled.actions, self.clock(), self.outbox.worker_id
            )
            direct = [a for a in handled.actions if not isinstance(a, act.OUTBOX)]
            log.info("update %s handled: %s", update_id, type(event).__name__)
            return Handled(direct, handled.locale), queued

    async def _deliver(
        self,
        event: events.Event,
        actions: list[act.Action],
        query_id: str | None,
        locale: str,
        apologise: bool = True,
    ) -> None:
        """Send the answers; if Telegram refuses one for good, apologise once instead."""
        try:
            await self._send_all(event, event.sender.chat_id, actions, query_id)
        except UserBlockedBot:
            await self._mark_blocked(event.sender.user_id)
        except TelegramError as exc:
            log.error("delivery to a chat failed: %s", type(exc).__name__)
            if apologise:
                await self._deliver(event, [apology(locale)], None, locale, apologise=False)

    async def _send_all(
        self, event: events.Event, chat_id: int, outcome: list[act.Action], query_id: str | None
    ) -> None:
        toasted = False
        where = Where(chat_id, event.sender.thread_id, query_id)
        for action in outcome:
            await self.delivery.carry_out(action, where)
            toasted |= isinstance(action, act.Toast)
        if isinstance(event, events.ButtonPress):
            if query_id is not None and not toasted:
                await self.delivery.answer_press(query_id)
            # Only a message that still has buttons: an edit that changes nothing is
            # refused by Telegram (an old tap on a message whose buttons are gone).
            if event.message_id is not None and event.has_keyboard:
                await self.delivery.close_keyboard(chat_id, event.message_id)

    async def _mark_blocked(self, user_id: int) -> None:
        async with self.db.transaction() as session:
            await Repositories(session).users.mark_blocked(user_id, self.clock())
        log.info("a user blocked the bot; marked inactive")

    async def _recover(
        self, update_id: int, event: events.Event | None, query_id: str | None
    ) -> bool:
        """After a failure: remember the update (no endless redelivery) and apologise."""
        try:
            async with self.db.transaction() as session:
                repos = Repositories(session)
                await repos.updates.claim(update_id, self.clock())
                if self.inbox:
                    await repos.inbox.remove(update_id)
                user = await repos.users.get(event.sender.user_id) if event else None
        except Exception as exc:  # the database itself is down: let Telegram redeliver
            log.error("could not record failed update %s: %s", update_id, type(exc).__name__)
            return False
        if event is not None:
            locale = resolve_locale(
                user.locale if user else None,
                event.sender.language_code,
                self.settings.default_locale,
            )
            await self._deliver(event, [apology(locale)], query_id, locale, apologise=False)
        return True

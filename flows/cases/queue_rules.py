"""The periodic check of the queues (every minute, bot/chores.py): a question that waits
long reminds the on-duty digibuddies, then the organisers, while the team is there; a
question without messages for days is closed, with a note to the citizen."""

from __future__ import annotations

from datetime import timedelta

from flows.actions import Action, Notify
from flows.cases.card import case_card, take_button
from flows.cases.common import back_when
from flows.context import Context
from flows.i18n import _
from flows.recipients import speaking_to
from storage.models import Case
from storage.vocabulary import Author


async def apply_queue_rules(ctx: Context) -> list[Action]:
    """The periodic check: long waits remind on-duty staff and then the organisers; cases
    without messages for days are closed with a note to the citizen."""
    settings, now = ctx.settings, ctx.now
    actions: list[Action] = []
    for case in await ctx.repos.cases.waiting(None):
        waited = now - case.opened_at
        remind = case.realerted_at is None and waited >= timedelta(minutes=settings.realert_minutes)
        escalate = case.escalated_at is None and waited >= timedelta(
            minutes=settings.escalate_minutes
        )
        if not (remind or escalate) or await back_when(ctx, case.digibank_id) is not None:
            continue  # nothing due, or outside opening hours: the team is not there
        if remind:
            case.realerted_at = now
            actions += await _remind(ctx, case)
        if escalate:
            case.escalated_at = now
            actions += await _escalate(ctx, case)
    quiet_since = now - timedelta(days=settings.inactive_case_days)
    for case in await ctx.repos.cases.inactive(quiet_since):
        await ctx.repos.cases.close(case, Author.INACTIVITY, now)
        if case.citizen_id is not None:
            with await speaking_to(ctx, case.citizen_id, case.locale):
                text = _(
                    "💤 We closed your question: there were no new messages for {days} days. "
                    "You can always ask again."
                ).format(days=settings.inactive_case_days)
            actions.append(Notify(case.citizen_id, text))
        if case.assignee_id is not None:
            with await speaking_to(ctx, case.assignee_id):
                text = _("💤 Question #{id} was closed: no new messages for {days} days.")
            actions.append(
                Notify(case.assignee_id, text.format(id=case.id, days=settings.inactive_case_days))
            )
    return actions


async def _remind(ctx: Context, case: Case) -> list[Action]:
    reminders: list[Action] = []
    for profile in await ctx.repos.staff.on_duty_for(case.digibank_id):
        with await speaking_to(ctx, profile.user_id):
            text = _("⏰ Question #{id} is still waiting.").format(id=case.id)
            card = await case_card(ctx, case)
            reminders.append(Notify(profile.user_id, f"{text}\n\n{card}", ((take_button(case),),)))
    return reminders


async def _escalate(ctx: Context, case: Case) -> list[Action]:
    told: list[Action] = []
    for organiser in await ctx.repos.staff.organisers_of(case.digibank_id):
        with await speaking_to(ctx, organiser):
            text = _("🚨 Question #{id} has been waiting for a long time. Nobody took it yet.")
            card = await case_card(ctx, case)
            told.append(
                Notify(organiser, f"{text.format(id=case.id)}\n\n{card}", ((take_button(case),),))
            )
    return told

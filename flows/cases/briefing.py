"""A digibuddy gets a case (Take, a transfer): the card and the conversation so far for
them, and "Sara from … is helping you now" for the citizen."""

from __future__ import annotations

import html

from flows.actions import Action, Notify, Reply
from flows.cases.card import case_card
from flows.cases.common import digibank_name, may_handle, shown_name
from flows.context import Context
from flows.i18n import _, ngettext
from flows.recipients import speaking_to
from flows.text_limits import labelled, pack
from storage.models import Case, CaseMessage
from storage.vocabulary import Author, CaseStatus

BRIEFING_MESSAGES = 3  # the most a digibuddy gets of the conversation so far, at a take
HISTORY_SHOWN = 30  # newest messages at most


async def take(ctx: Context, case: Case) -> list[Action]:
    if not await may_handle(ctx, case):
        return [Reply(_("⛔ This question is for another digibank."))]
    if case.status != CaseStatus.WAITING:
        if case.assignee_id == ctx.user.id:
            return await use(ctx, case)
        holder = await ctx.repos.staff.profile(case.assignee_id) if case.assignee_id else None
        name = html.escape(holder.first_name) if holder else _("someone else")
        return [Reply(_("⚠️ {name} already took question #{id}.").format(name=name, id=case.id))]
    profile = await ctx.repos.staff.ensure_profile(ctx.user.id, ctx.first_name)
    busy = await ctx.repos.cases.active_of(ctx.user.id)
    if len(busy) >= profile.capacity:
        return [
            Reply(
                _("⚠️ You already help {count} people. Close a question first (/cases).").format(
                    count=len(busy)
                )
            )
        ]
    if not await ctx.repos.cases.take(case.id, ctx.user.id, ctx.now):
        return [Reply(_("⚠️ Someone else just took question #{id}.").format(id=case.id))]
    profile.current_case_id = case.id
    return await briefing(ctx, case, ctx.user.id, profile.first_name)


async def use(ctx: Context, case: Case) -> list[Action]:
    """Switch: what this digibuddy writes now goes to that case's citizen."""
    profile = await ctx.repos.staff.profile(ctx.user.id)
    if profile is None or case.assignee_id != ctx.user.id or case.status != CaseStatus.ACTIVE:
        return [Reply(_("⚠️ You do not help with question #{id}.").format(id=case.id))]
    profile.current_case_id = case.id
    return [Reply(_("➡️ What you write now goes to question #{id}.").format(id=case.id))]


async def briefing(ctx: Context, case: Case, staff_id: int, first_name: str) -> list[Action]:
    """A digibuddy gets a case: the summary and the conversation so far for them, and
    "Sara from … is helping you now" for the citizen."""
    with await speaking_to(ctx, staff_id):
        texts = await _so_far(ctx, case)
        texts.append(
            _(
                "✋ You help with question #{id} now.\n"
                "What you write here goes to the person. /close when the question is answered."
            ).format(id=case.id)
        )
    if staff_id == ctx.user.id:
        actions: list[Action] = [Reply(text) for text in texts]
    else:
        actions = [Notify(staff_id, text) for text in texts]
    return actions + await hello(ctx, case, first_name)


async def _so_far(ctx: Context, case: Case) -> list[str]:
    """The case card and the newest messages that fit in BRIEFING_MESSAGES messages; the
    older ones are counted, so nobody thinks they have read everything."""
    summary = await case_card(ctx, case) + "\n"  # a blank line before the history
    messages = await ctx.repos.cases.messages(case.id)
    if not messages:
        nothing = _("(no messages yet)")
        return [f"{summary}\n{nothing}"]

    def older(count: int) -> str:
        return ngettext(
            "… {count} older message is not shown.",
            "… {count} older messages are not shown.",
            count,
        ).format(count=count)

    room_for_note = max(older(1), older(len(messages)), key=len)
    shown: list[str] = []
    hidden = len(messages)
    for message in reversed(messages[-HISTORY_SHOWN:]):
        lines = _history_lines(message) + shown
        if len(pack([summary, room_for_note, *lines])) > BRIEFING_MESSAGES:
            break
        shown, hidden = lines, hidden - 1
    return pack([summary, *([older(hidden)] if hidden else []), *shown])


def _history_lines(message: CaseMessage) -> list[str]:
    """One message of the conversation for the briefing: a line, or several if it is
    longer than a Telegram message."""
    icon = {Author.STAFF: "👤", Author.NOTE: "📝"}.get(message.sender, "💬")
    if message.text is None:
        return [f"{icon} [{html.escape(message.kind)}]"]
    return labelled(icon, message.text)


async def hello(ctx: Context, case: Case, first_name: str) -> list[Action]:
    """The citizen hears who helps them now."""
    if case.citizen_id is None:
        return []
    with await speaking_to(ctx, case.citizen_id, case.locale):
        shown = await shown_name(ctx, case, first_name)
        bank = await digibank_name(ctx, case.digibank_id)
        if shown is None:
            hello = _("👤 A digibuddy from {digibank} is helping you now.").format(digibank=bank)
        else:
            hello = _("👤 <b>{name}</b> from {digibank} is helping you now.").format(
                name=html.escape(shown), digibank=bank
            )
    return [Notify(case.citizen_id, hello)]

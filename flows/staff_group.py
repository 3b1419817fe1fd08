"""A staff supergroup with forum topics: an admin links it to a digibank, then every case
of that digibank gets its own topic, and what staff write there reaches the citizen.

The group stays quiet otherwise: the bot answers only its own commands and case topics.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from flows import booking, cases, events
from flows.actions import Action, Reply
from flows.context import Context
from flows.i18n import _
from storage.models import Case
from storage.vocabulary import Role


async def handle(event: events.Event, ctx: Context) -> list[Action]:
    """An event from a group chat (buttons are handled like in private chats)."""
    if isinstance(event, events.Command):
        return await _command(event, ctx)
    group = await ctx.repos.staff_groups.of_chat(event.sender.chat_id)
    if group is None or event.sender.thread_id is None:
        return []
    if isinstance(
        event, events.Text | events.Media | events.Document | events.Location | events.Contact
    ):
        return await cases.from_topic(ctx, event, event.sender.thread_id, group.digibank_id)
    return []


async def _command(event: events.Command, ctx: Context) -> list[Action]:
    if event.name == "linkgroup":
        return await _link(ctx, event)
    if event.name == "unlinkgroup" and ctx.role == Role.ADMIN:
        await ctx.repos.staff_groups.unlink(event.sender.chat_id)
        return [Reply(_("✅ This group no longer gets questions."))]
    act = IN_TOPIC.get(event.name)
    if act is None or event.sender.thread_id is None:
        return []
    group = await ctx.repos.staff_groups.of_chat(event.sender.chat_id)
    if group is None:
        return []
    case = await ctx.repos.cases.in_topic(event.sender.thread_id, group.digibank_id)
    if case is None:
        return []
    # Being in the group is not enough: a digibuddy of another digibank may be a member.
    # The same rule as in a private chat, and the same answer as for text in the topic.
    if not await cases.may_handle(ctx, case):
        return [Reply(_("⛔ Only digibuddies of this digibank can answer here."))]
    return await act(ctx, case)


# Commands about the case of the topic they are written in; each is guarded above.
IN_TOPIC: dict[str, Callable[[Context, Case], Awaitable[list[Action]]]] = {
    "close": cases.close_case,
    "offer": booking.offer_for,
}


async def _link(ctx: Context, event: events.Command) -> list[Action]:
    """/linkgroup <digibank>: admins only, in a supergroup with topics."""
    if ctx.role != Role.ADMIN:
        return [Reply(_("⛔ Sorry, this is only for digibank staff."))]
    bank = await ctx.repos.sites.digibank(event.args.strip().lower())
    if bank is None:
        known = ", ".join(b.id for b in await ctx.repos.sites.digibanks())
        return [
            Reply(
                _("🏢 Which digibank? Write /linkgroup and one of: {ids}").format(
                    ids=html.escape(known)
                )
            )
        ]
    await ctx.repos.staff_groups.link(event.sender.chat_id, bank.id, ctx.user.id, ctx.now)
    await ctx.repos.audit.record(
        ctx.user.id, "group.link", detail=f"{event.sender.chat_id} {bank.id}"
    )
    text = _(
        "✅ This group now gets the questions of <b>{digibank}</b>. "
        "Each question gets its own topic. What you write in a topic goes to that person."
    ).format(digibank=html.escape(bank.name))
    return [Reply(text)]

"""The conversation of a case, both ways: what the citizen writes goes to their
digibuddy (or to the case's topic in the staff group), what the digibuddy writes goes to
the citizen, shown by first name only (or as "Digibuddy" for an anonymous digibank).
Media are copied as they are; edits follow; a reply stays a reply over there."""

from __future__ import annotations

import html

from flows import events
from flows.actions import Action, CopyMessage, EditRelayed, Notify, Relay, Reply
from flows.cases.briefing import hello
from flows.cases.common import done_row, may_handle, shown_name
from flows.cases.staff_commands import my_cases
from flows.context import Context
from flows.i18n import _
from flows.text_limits import MAX_CAPTION, MAX_TEXT, labelled
from storage.models import Case
from storage.vocabulary import STAFF_ROLES, Author, CaseStatus

RATE_LIMIT = 20  # messages a minute; more are still relayed, with a kind word to slow down


def kind_and_text(event: events.Event) -> tuple[str, str | None]:
    if isinstance(event, events.Text):
        return "text", event.text
    if isinstance(event, events.Media):
        return event.kind, None
    if isinstance(event, events.Document):
        return "document", None
    if isinstance(event, events.Location):
        return "location", None
    return "contact", None


def citizen_header(case: Case) -> str:
    return f"💬 <b>#{case.id}</b>:"


def staff_header(first_name: str | None) -> str:
    """How a digibuddy's messages are signed: first name, or 'Digibuddy' when anonymous."""
    return f"👤 <b>{html.escape(first_name or 'Digibuddy')}</b>:"


async def relay(
    ctx: Context,
    case: Case,
    event: events.Event,
    to_chat: int,
    header: str,
    in_topic: bool = False,
) -> list[Action]:
    """The same message for the other side: text with a header, media copied; a reply
    stays a reply to the same message over there."""
    kind, text = kind_and_text(event)
    sender = event.sender
    source = (sender.chat_id, sender.message_id) if sender.message_id is not None else None
    reply_to = None
    if sender.reply_to is not None:
        there = await ctx.repos.links.counterpart(sender.chat_id, sender.reply_to)
        reply_to = there[1] if there is not None and there[0] == to_chat else None
    relayed = Relay(case.id, source, reply_to, kind, in_topic)
    if text is not None:  # too long with the header: several messages, each linked
        first, *more = labelled(header, text)
        follow = Relay(case.id, source, None, kind, in_topic)
        return [
            Notify(to_chat, first, relay=relayed),
            *(Notify(to_chat, part, relay=follow) for part in more),
        ]
    if source is None:
        return []
    # The header goes first, on its own: a copy without a new caption keeps the sender's
    # (we never see it, and a header in its place would drop it or push it past 1,024).
    return [
        Notify(to_chat, header, relay=Relay(case.id, reply_to=reply_to, in_topic=in_topic)),
        CopyMessage(to_chat, source[0], source[1], None, relayed),
    ]


async def on_message(ctx: Context, event: events.Event) -> list[Action] | None:
    """A message outside any flow: part of a case (either side), or None."""
    if ctx.role in STAFF_ROLES:
        relayed = await _from_staff(ctx, event)
        if relayed is not None:
            return relayed
    case = await ctx.repos.cases.open_case_of(ctx.user.id)
    if case is None:
        return None
    kind, text = kind_and_text(event)
    await ctx.repos.cases.add_message(case, Author.CITIZEN, None, kind, text, ctx.now)
    slow_down: list[Action] = []
    if case.window_messages == RATE_LIMIT + 1:  # said once when passed; nothing is dropped
        slow_down = [
            Reply(
                _(
                    "🐢 You send a lot of messages. We keep them all. "
                    "Please wait a moment for an answer."
                )
            )
        ]
    group = await ctx.repos.staff_groups.of_digibank(case.digibank_id)
    relayed: list[Action] = []
    if group is not None:  # the staff group sees the whole conversation in the topic
        header = citizen_header(case)
        relayed = await relay(ctx, case, event, group.chat_id, header, in_topic=True)
    elif case.status == CaseStatus.ACTIVE and case.assignee_id is not None:
        relayed = await relay(ctx, case, event, case.assignee_id, citizen_header(case))
    if case.status == CaseStatus.ACTIVE or slow_down:
        return slow_down + relayed
    if case.citizen_messages > 1:
        return [Reply(_("📨 Received. We add it to your question.")), *relayed]
    text_out = _("📨 Thank you. A digibuddy will answer soon. You are number {position}.").format(
        position=await ctx.repos.cases.position(case)
    )
    return [Reply(text_out, buttons=(done_row(case),)), *relayed]


async def _from_staff(ctx: Context, event: events.Event) -> list[Action] | None:
    profile = await ctx.repos.staff.profile(ctx.user.id)
    if profile is None or profile.current_case_id is None:
        return None
    case = await ctx.repos.cases.get(profile.current_case_id)
    if case is None or case.status != CaseStatus.ACTIVE or case.assignee_id != ctx.user.id:
        profile.current_case_id = None  # closed or gone meanwhile: do not guess another
        return await my_cases(ctx)
    kind, text = kind_and_text(event)
    await ctx.repos.cases.add_message(case, Author.STAFF, ctx.user.id, kind, text, ctx.now)
    if case.citizen_id is None:
        return [Reply(_("⚠️ This person is no longer here."))]
    shown = await shown_name(ctx, case, profile.first_name)
    return await relay(ctx, case, event, case.citizen_id, staff_header(shown))


async def from_topic(ctx: Context, event: events.Event, thread_id: int, bank: str) -> list[Action]:
    """A message in a case's topic of the staff group: to the citizen, taking the case
    for the writer if nobody has it yet."""
    case = await ctx.repos.cases.in_topic(thread_id, bank)
    if case is None:
        return []  # a topic of a closed case, or chatter between staff
    if not await may_handle(ctx, case):
        return [Reply(_("⛔ Only digibuddies of this digibank can answer here."))]
    profile = await ctx.repos.staff.ensure_profile(ctx.user.id, ctx.first_name)
    actions: list[Action] = []
    if case.status == CaseStatus.WAITING:
        if not await ctx.repos.cases.take(case.id, ctx.user.id, ctx.now):
            return [Reply(_("⚠️ Someone else just took question #{id}.").format(id=case.id))]
        actions += await hello(ctx, case, profile.first_name)
    kind, text = kind_and_text(event)
    await ctx.repos.cases.add_message(case, Author.STAFF, ctx.user.id, kind, text, ctx.now)
    if case.citizen_id is None:
        return [Reply(_("⚠️ This person is no longer here."))]
    header = staff_header(await shown_name(ctx, case, profile.first_name))
    return actions + await relay(ctx, case, event, case.citizen_id, header)


async def on_edit(ctx: Context, event: events.Edited) -> list[Action] | None:
    """An edited original: its copies on the other side change too (a long text went over
    as several messages: the new text is spread over them, and what does not fit follows
    as new messages)."""
    if event.sender.message_id is None or event.text is None:
        return None
    copies = await ctx.repos.links.copies_of(event.sender.chat_id, event.sender.message_id)
    if not copies:
        return None
    case = await ctx.repos.cases.get(copies[0].case_id)
    if case is None or case.status == CaseStatus.CLOSED:
        return None
    if case.citizen_id == ctx.user.id:
        header = citizen_header(case)
    else:
        profile = await ctx.repos.staff.profile(ctx.user.id)
        header = staff_header(await shown_name(ctx, case, profile.first_name if profile else ""))
    sender = Author.CITIZEN if case.citizen_id == ctx.user.id else Author.STAFF
    await ctx.repos.cases.add_message(case, sender, None, "edit", event.text, ctx.now)
    limit = MAX_CAPTION if event.caption else MAX_TEXT
    parts = labelled(header, event.text, limit, suffix=" ✏️")
    edits: list[Action] = [
        EditRelayed(copy.target_chat_id, copy.target_message_id, part, event.caption, case.id)
        for copy, part in zip(copies, parts, strict=False)
    ]
    emptied = f"{header} ✏️"  # a part the shorter new text no longer needs
    edits += [
        EditRelayed(copy.target_chat_id, copy.target_message_id, emptied, event.caption, case.id)
        for copy in copies[len(parts) :]
    ]
    last = copies[-1]
    group = await ctx.repos.staff_groups.of_chat(last.target_chat_id)
    after = Relay(case.id, reply_to=last.target_message_id, in_topic=group is not None)
    return edits + [Notify(last.target_chat_id, part, relay=after) for part in parts[len(copies) :]]

"""Talk to a person: the citizen opens a case, a digibuddy of that digibank takes it, and
the bot relays their messages both ways until the question is answered.

Citizen side: pick a digibank and a topic (only what is not known yet), then just write.
Staff side (private chat): /duty, /queue, Take, then everything they write goes to the
citizen of their current case; /cases switches, /note, /release, /close.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from flows import callbacks, events, menu, staff
from flows.actions import (
    Action,
    Button,
    CopyMessage,
    CreateTopic,
    EditRelayed,
    Notify,
    Relay,
    Reply,
)
from flows.button_values import MAX_USER_ID, number
from flows.context import Context, FlowSettings
from flows.i18n import N_, _, display_timezone, language_name, ngettext, use_locale
from flows.opening_hours import status
from flows.site_index import site_index
from flows.text_limits import MAX_CAPTION, MAX_TEXT, labelled, pack
from storage.models import Case, CaseMessage
from storage.repositories import Repositories
from storage.site_schema import LANGUAGES, TOPICS

FLOW = "case"
CASE = "case"  # callback namespace of case buttons (take, done, rate, use): never stale
STAFF = ("digibuddy", "organiser", "admin")

TOPIC_LABELS = {
    "taxonweb": N_("📄 Tax-on-web / MyMinfin"),
    "itsme": N_("🔑 itsme"),
    "eid": N_("🪪 eID and card reader"),
    "ebanking": N_("🏦 Online banking"),
    "burgerprofiel": N_("🏛️ Mijn Burgerprofiel / eBox"),
    "email": N_("✉️ E-mail"),
    "smartphone": N_("📱 Smartphone or tablet"),
    "jobs": N_("💼 Looking for work (VDAB)"),
    "health": N_("🩺 Health insurance app"),
    "other": N_("❓ Something else"),
}
assert set(TOPIC_LABELS) == set(TOPICS)


def _button(value: str, label: str) -> Button:
    return Button(label, callbacks.encode(CASE, value))


def topic_name(topic: str) -> str:
    return _(TOPIC_LABELS.get(topic, TOPIC_LABELS["other"]))


# --- citizen side ---------------------------------------------------------------------------


async def start(ctx: Context, digibank_id: str | None = None) -> list[Action]:
    """'Talk to a person': the open case, or the questions needed to open one."""
    case = await ctx.repos.cases.open_case_of(ctx.user.id)
    if case is not None:
        return [await _already_open(ctx, case)]
    if digibank_id is None:
        banks = await ctx.repos.sites.digibanks()
        if not banks:
            return await menu.show_person(ctx)
        ctx.ask(FLOW, "bank")
        rows = [(ctx.step_button(bank.name, f"bank.{bank.id}"),) for bank in banks]
        rows.append((ctx.step_button(_("📍 Find the nearest digibank"), "nearest"),))
        text = _(
            "👤 <b>Talk to a person</b>\n"
            "A digibuddy helps you here in this chat.\n\n"
            "Which digibank do you want to ask?"
        )
        return [Reply(text, buttons=(*rows, menu.home_row()))]
    return _ask_topic(ctx, digibank_id)


def _ask_topic(ctx: Context, digibank_id: str) -> list[Action]:
    ctx.ask(FLOW, "topic", bank=digibank_id)
    rows = tuple((ctx.step_button(topic_name(t), f"topic.{t}"),) for t in TOPIC_LABELS)
    return [Reply(_("📋 What is your question about?"), buttons=(*rows, menu.home_row()))]


def _done_row(case: Case) -> tuple[Button, ...]:
    return (
        _button(f"done.{case.id}", _("✅ My question is answered")),
        menu.menu_button("home", _("🏠 Menu")),
    )


async def _digibank_name(ctx: Context, digibank_id: str) -> str:
    bank = await ctx.repos.sites.digibank(digibank_id)
    return html.escape(bank.name if bank else digibank_id)


async def _back_when(ctx: Context, digibank_id: str) -> str | None:
    """None when a site of the digibank is open now (or its hours are unknown)."""
    sites = [s for s in (await site_index(ctx.repos)).sites if s.digibank == digibank_id]
    states = [status(site, ctx.now, display_timezone()) for site in sites]
    if not states or any(s.open or not s.known for s in states):
        return None
    upcoming = [s.next_open for s in states if s.next_open is not None]
    from flows.nearest import when_text

    return when_text(min(upcoming), ctx.now) if upcoming else ""


async def _already_open(ctx: Context, case: Case) -> Reply:
    text = _(
        "💬 You already have a question at <b>{digibank}</b>.\n"
        "Just write here: we add it to your question."
    ).format(digibank=await _digibank_name(ctx, case.digibank_id))
    return Reply(text, buttons=(_done_row(case),))


async def _open(ctx: Context, digibank_id: str, topic: str) -> list[Action]:
    locale = ctx.user.locale or ctx.settings.default_locale
    case, new = await ctx.repos.cases.open(ctx.user.id, digibank_id, topic, locale, ctx.now)
    ctx.finish()
    if not new:
        return [await _already_open(ctx, case)]
    await ctx.repos.session.flush()
    bank = await _digibank_name(ctx, digibank_id)
    lines = [
        _("✅ Your question is in line at <b>{digibank}</b>. You are number {position}.").format(
            digibank=bank, position=await ctx.repos.cases.position(case)
        ),
        _("✍️ Write your question here. You can also send a photo of your screen."),
    ]
    back = await _back_when(ctx, digibank_id)
    if back is not None:
        lines.append(
            _(
                "🕒 The team is not there now. They are back {when}. Your question stays in line."
            ).format(when=back)
            if back
            else _("🕒 The team is not there now. Your question stays in line.")
        )
    return [Reply("\n\n".join(lines), buttons=(_done_row(case),)), *await _alert_staff(ctx, case)]


async def _alert_staff(ctx: Context, case: Case) -> list[Action]:
    """A new case: every on-duty digibuddy of the digibank gets a card with Take, and the
    digibank's staff group (if it has one) gets a topic for it with that card on top."""
    alerts: list[Action] = []
    group = await ctx.repos.staff_groups.of_digibank(case.digibank_id)
    if group is not None:
        with use_locale(ctx.settings.default_locale):
            card = await _case_card(ctx, case)
            name = f"#{case.id} · {topic_name(case.topic)} · {case.locale.upper()}"
            buttons = ((_take(case), _button(f"close.{case.id}", _("✅ Close"))),)
        if case.topic_thread_id is None:
            alerts.append(CreateTopic(group.chat_id, name[:128], case.id))
        alerts.append(Notify(group.chat_id, card, buttons, Relay(case.id, in_topic=True)))
    on_duty = []
    for profile in await ctx.repos.staff.on_duty_for(case.digibank_id):
        locale = await locale_of(ctx, profile.user_id)
        on_duty.append((profile, locale, case.locale in (profile.languages or [locale])))
    # Those who speak the citizen's language first; the others if it still waits then
    # (at once when nobody on duty speaks it).
    later = ctx.settings.alert_others_minutes * 60 if any(s for *_, s in on_duty) else 0
    for profile, locale, speaks in on_duty:
        relay = Relay(case.id, after_seconds=0 if speaks else later)
        with use_locale(locale):
            card = await _case_card(ctx, case)
            alerts.append(Notify(profile.user_id, card, ((_take(case),),), relay))
    return alerts


async def languages(ctx: Context, args: str) -> list[Action]:
    """/languages nl fr ar: the languages a digibuddy helps in (alerted first for those)."""
    if ctx.role not in STAFF:
        return staff.refuse(ctx)
    profile = await ctx.repos.staff.ensure_profile(ctx.user.id, ctx.first_name)
    chosen = [code for code in args.lower().replace(",", " ").split() if code in LANGUAGES]
    if chosen:
        profile.languages = chosen
    shown = ", ".join(
        language_name(code) for code in (profile.languages or [ctx.user.locale or "nl"])
    )
    return [
        Reply(
            _("🌐 You help in: {languages}.\nChange it like this: /languages nl fr ar").format(
                languages=html.escape(shown)
            )
        )
    ]


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
        if not (remind or escalate) or await _back_when(ctx, case.digibank_id) is not None:
            continue  # nothing due, or outside opening hours: the team is not there
        if remind:
            case.realerted_at = now
            actions += await _remind(ctx, case)
        if escalate:
            case.escalated_at = now
            actions += await _escalate(ctx, case)
    quiet_since = now - timedelta(days=settings.inactive_case_days)
    for case in await ctx.repos.cases.inactive(quiet_since):
        await ctx.repos.cases.close(case, "inactivity", now)
        if case.citizen_id is not None:
            with use_locale(await locale_of(ctx, case.citizen_id, case.locale)):
                text = _(
                    "💤 We closed your question: there were no new messages for {days} days. "
                    "You can always ask again."
                ).format(days=settings.inactive_case_days)
            actions.append(Notify(case.citizen_id, text))
        if case.assignee_id is not None:
            with use_locale(await locale_of(ctx, case.assignee_id)):
                text = _("💤 Question #{id} was closed: no new messages for {days} days.")
            actions.append(
                Notify(case.assignee_id, text.format(id=case.id, days=settings.inactive_case_days))
            )
    return actions


async def _remind(ctx: Context, case: Case) -> list[Action]:
    reminders: list[Action] = []
    for profile in await ctx.repos.staff.on_duty_for(case.digibank_id):
        with use_locale(await locale_of(ctx, profile.user_id)):
            text = _("⏰ Question #{id} is still waiting.").format(id=case.id)
            card = await _case_card(ctx, case)
            reminders.append(Notify(profile.user_id, f"{text}\n\n{card}", ((_take(case),),)))
    return reminders


async def _escalate(ctx: Context, case: Case) -> list[Action]:
    told: list[Action] = []
    for organiser in await ctx.repos.staff.organisers_of(case.digibank_id):
        with use_locale(await locale_of(ctx, organiser)):
            text = _("🚨 Question #{id} has been waiting for a long time. Nobody took it yet.")
            card = await _case_card(ctx, case)
            told.append(
                Notify(organiser, f"{text.format(id=case.id)}\n\n{card}", ((_take(case),),))
            )
    return told


def _take(case: Case) -> Button:
    return _button(f"take.{case.id}", _("✋ Take #{id}").format(id=case.id))


async def _case_card(ctx: Context, case: Case) -> str:
    waited = max(0, int((ctx.now - case.opened_at).total_seconds() // 60))
    return _(
        "🆕 <b>Question #{id}</b>\n🏢 {digibank}\n📋 {topic}\n🌐 {language}\n⏱️ {minutes} min"
    ).format(
        id=case.id,
        digibank=await _digibank_name(ctx, case.digibank_id),
        topic=topic_name(case.topic),
        language=language_name(case.locale),
        minutes=waited,
    )


async def prompt(ctx: Context) -> list[Action]:
    bank = (ctx.state.data or {}).get("bank")
    if ctx.state.step == "topic" and bank:
        return _ask_topic(ctx, str(bank))
    return await start(ctx)


async def on_button(ctx: Context, value: str) -> list[Action] | None:
    if ctx.state.step == "bank" and value == "nearest":
        from flows import nearest

        return await nearest.start(ctx)
    bank_chosen = ctx.state.step == "bank" and value.startswith("bank.")
    if bank_chosen and await ctx.repos.sites.digibank(value[5:]) is not None:
        return _ask_topic(ctx, value[5:])
    if ctx.state.step == "topic" and value.startswith("topic.") and value[6:] in TOPIC_LABELS:
        bank = (ctx.state.data or {}).get("bank")
        if bank and await ctx.repos.sites.digibank(str(bank)) is not None:
            return await _open(ctx, str(bank), value[6:])
    return None


async def _relay(
    ctx: Context,
    case: Case,
    event: events.Event,
    to_chat: int,
    header: str,
    in_topic: bool = False,
) -> list[Action]:
    """The same message for the other side: text with a header, media copied; a reply
    stays a reply to the same message over there."""
    kind, text = _kind_and_text(event)
    sender = event.sender
    source = (sender.chat_id, sender.message_id) if sender.message_id is not None else None
    reply_to = None
    if sender.reply_to is not None:
        there = await ctx.repos.links.counterpart(sender.chat_id, sender.reply_to)
        reply_to = there[1] if there is not None and there[0] == to_chat else None
    relay = Relay(case.id, source, reply_to, kind, in_topic)
    if text is not None:  # too long with the header: several messages, each linked
        first, *more = labelled(header, text)
        follow = Relay(case.id, source, None, kind, in_topic)
        return [
            Notify(to_chat, first, relay=relay),
            *(Notify(to_chat, part, relay=follow) for part in more),
        ]
    if source is None:
        return []
    # The header goes first, on its own: a copy without a new caption keeps the sender's
    # (we never see it, and a header in its place would drop it or push it past 1,024).
    return [
        Notify(to_chat, header, relay=Relay(case.id, reply_to=reply_to, in_topic=in_topic)),
        CopyMessage(to_chat, source[0], source[1], None, relay),
    ]


def _citizen_header(case: Case) -> str:
    return f"💬 <b>#{case.id}</b>:"


def _staff_header(first_name: str | None) -> str:
    """How a digibuddy's messages are signed: first name, or 'Digibuddy' when anonymous."""
    return f"👤 <b>{html.escape(first_name or 'Digibuddy')}</b>:"


async def _shown_name(ctx: Context, case: Case, first_name: str) -> str | None:
    """The helper's first name as the citizen may see it; None for an anonymous digibank."""
    bank = await ctx.repos.sites.digibank(case.digibank_id)
    return None if bank is not None and bank.anonymous_staff else first_name


RATE_LIMIT = 20  # messages a minute; more are still relayed, with a kind word to slow down


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
    if case is None or case.status == "closed":
        return None
    if case.citizen_id == ctx.user.id:
        header = _citizen_header(case)
    else:
        profile = await ctx.repos.staff.profile(ctx.user.id)
        header = _staff_header(await _shown_name(ctx, case, profile.first_name if profile else ""))
    sender = "citizen" if case.citizen_id == ctx.user.id else "staff"
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


def _kind_and_text(event: events.Event) -> tuple[str, str | None]:
    if isinstance(event, events.Text):
        return "text", event.text
    if isinstance(event, events.Media):
        return event.kind, None
    if isinstance(event, events.Document):
        return "document", None
    if isinstance(event, events.Location):
        return "location", None
    return "contact", None


async def on_message(ctx: Context, event: events.Event) -> list[Action] | None:
    """A message outside any flow: part of a case (either side), or None."""
    if ctx.role in STAFF:
        relayed = await _from_staff(ctx, event)
        if relayed is not None:
            return relayed
    case = await ctx.repos.cases.open_case_of(ctx.user.id)
    if case is None:
        return None
    kind, text = _kind_and_text(event)
    await ctx.repos.cases.add_message(case, "citizen", None, kind, text, ctx.now)
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
        header = _citizen_header(case)
        relayed = await _relay(ctx, case, event, group.chat_id, header, in_topic=True)
    elif case.status == "active" and case.assignee_id is not None:
        relayed = await _relay(ctx, case, event, case.assignee_id, _citizen_header(case))
    if case.status == "active" or slow_down:
        return slow_down + relayed
    if case.citizen_messages > 1:
        return [Reply(_("📨 Received. We add it to your question.")), *relayed]
    text_out = _("📨 Thank you. A digibuddy will answer soon. You are number {position}.").format(
        position=await ctx.repos.cases.position(case)
    )
    return [Reply(text_out, buttons=(_done_row(case),)), *relayed]


async def _from_staff(ctx: Context, event: events.Event) -> list[Action] | None:
    profile = await ctx.repos.staff.profile(ctx.user.id)
    if profile is None or profile.current_case_id is None:
        return None
    case = await ctx.repos.cases.get(profile.current_case_id)
    if case is None or case.status != "active" or case.assignee_id != ctx.user.id:
        profile.current_case_id = None  # closed or gone meanwhile: do not guess another
        return await my_cases(ctx)
    kind, text = _kind_and_text(event)
    await ctx.repos.cases.add_message(case, "staff", ctx.user.id, kind, text, ctx.now)
    if case.citizen_id is None:
        return [Reply(_("⚠️ This person is no longer here."))]
    shown = await _shown_name(ctx, case, profile.first_name)
    return await _relay(ctx, case, event, case.citizen_id, _staff_header(shown))


async def before_forget(ctx: Context) -> list[Action]:
    """The citizen erases their data: tell the digibuddy helping them, if any."""
    case = await ctx.repos.cases.open_case_of(ctx.user.id)
    if case is None or case.assignee_id is None:
        return []
    with use_locale(await locale_of(ctx, case.assignee_id)):
        text = _("⚠️ The person of question #{id} deleted their data. The question is closed.")
        return [Notify(case.assignee_id, text.format(id=case.id))]


async def _close(ctx: Context, case: Case, by: str) -> list[Action]:
    """Close a case and ask the citizen for a rating."""
    await ctx.repos.cases.close(case, by, ctx.now)
    actions: list[Action] = []
    if case.citizen_id is not None:
        with use_locale(await locale_of(ctx, case.citizen_id, case.locale)):
            stars = tuple(_button(f"rate.{case.id}.{n}", "⭐" * n) for n in range(1, 6))
            text = _("✅ Your question is closed.\n⭐ How well did we help you?")
            actions.append(Notify(case.citizen_id, text, (stars[:3], stars[3:])))
    return actions


# --- buttons that stay valid (take, done, rate, use) ------------------------------------------


async def on_case_button(ctx: Context, value: str) -> list[Action] | None:
    action, _sep, rest = value.partition(".")
    parts = rest.split(".")
    case_id = number(parts[0])
    if case_id is None:
        return None  # forged or garbled: an expired button
    case = await ctx.repos.cases.get(case_id)
    if case is None:
        return [Reply(_("⚠️ This question no longer exists."))]
    if action == "take":
        return await take(ctx, case)
    if action == "use":
        return await _use(ctx, case)
    if action == "close" and await may_handle(ctx, case):
        return await close_case(ctx, case)
    if case.citizen_id != ctx.user.id:
        return None
    if action == "done" and case.status != "closed":
        actions = await _close(ctx, case, "citizen")
        if case.assignee_id is not None:
            actions.append(
                Notify(
                    case.assignee_id,
                    _("✅ Question #{id} was closed by the person.").format(id=case.id),
                )
            )
        return actions
    stars = number(parts[1], maximum=5) if len(parts) == 2 else None
    if action == "rate" and stars is not None and case.status == "closed":
        if case.rating is None:
            case.rating = stars
        return menu.main_menu(ctx, intro=_("🙏 Thank you!"))
    return None


# --- staff side ---------------------------------------------------------------------------


async def may_handle(ctx: Context, case: Case) -> bool:
    """Staff of the case's digibank (or an admin): the same rule in private and in a group."""
    banks = await staff.own_digibanks(ctx)
    return ctx.role in STAFF and (banks is None or case.digibank_id in banks)


async def take(ctx: Context, case: Case) -> list[Action]:
    if not await may_handle(ctx, case):
        return [Reply(_("⛔ This question is for another digibank."))]
    if case.status != "waiting":
        if case.assignee_id == ctx.user.id:
            return await _use(ctx, case)
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
    return await _briefing(ctx, case, ctx.user.id, profile.first_name)


async def locale_of(ctx: Context, user_id: int, fallback: str | None = None) -> str:
    """The language to write to that user in: theirs, else `fallback`, else the default."""
    user = await ctx.repos.users.get(user_id)
    return (user.locale if user else None) or fallback or ctx.settings.default_locale


BRIEFING_MESSAGES = 3  # the most a digibuddy gets of the conversation so far, at a take
HISTORY_SHOWN = 30  # newest messages at most


async def _briefing(ctx: Context, case: Case, staff_id: int, first_name: str) -> list[Action]:
    """A digibuddy gets a case: the summary and the conversation so far for them, and
    "Sara from … is helping you now" for the citizen."""
    with use_locale(await locale_of(ctx, staff_id)):
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
    return actions + await _hello(ctx, case, first_name)


async def _so_far(ctx: Context, case: Case) -> list[str]:
    """The case card and the newest messages that fit in BRIEFING_MESSAGES messages; the
    older ones are counted, so nobody thinks they have read everything."""
    summary = await _case_card(ctx, case) + "\n"  # a blank line before the history
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
    icon = "👤" if message.sender == "staff" else "📝" if message.sender == "note" else "💬"
    if message.text is None:
        return [f"{icon} [{html.escape(message.kind)}]"]
    return labelled(icon, message.text)


async def _hello(ctx: Context, case: Case, first_name: str) -> list[Action]:
    """The citizen hears who helps them now."""
    if case.citizen_id is None:
        return []
    with use_locale(await locale_of(ctx, case.citizen_id, case.locale)):
        shown = await _shown_name(ctx, case, first_name)
        bank = await _digibank_name(ctx, case.digibank_id)
        if shown is None:
            hello = _("👤 A digibuddy from {digibank} is helping you now.").format(digibank=bank)
        else:
            hello = _("👤 <b>{name}</b> from {digibank} is helping you now.").format(
                name=html.escape(shown), digibank=bank
            )
    return [Notify(case.citizen_id, hello)]


TRANSFER_FLOW = "transfer"


async def transfer(ctx: Context) -> list[Action]:
    """/transfer: hand the current case to another digibuddy or another digibank."""
    return await on_current(ctx, _ask_transfer)


async def _ask_transfer(ctx: Context, case: Case) -> list[Action]:
    ctx.ask(TRANSFER_FLOW, "target", case=case.id)
    rows = []
    for profile in await ctx.repos.staff.on_duty_for(case.digibank_id):
        if profile.user_id != ctx.user.id:
            label = f"👤 {profile.first_name}"
            rows.append((ctx.step_button(label, f"to.{profile.user_id}"),))
    for bank in await ctx.repos.sites.digibanks():
        if bank.id != case.digibank_id:
            rows.append((ctx.step_button(f"🏢 {bank.name}", f"bank.{bank.id}"),))
    text = _("➡️ To whom do you give question #{id}?").format(id=case.id)
    return [Reply(text, buttons=(*rows, menu.home_row()))]


async def on_transfer_button(ctx: Context, value: str) -> list[Action] | None:
    case = await _current(ctx)
    if case is None or case.id != (ctx.state.data or {}).get("case"):
        return None
    target, _sep, key = value.partition(".")
    me = await ctx.repos.staff.profile(ctx.user.id)
    if target == "to":
        other_id = number(key, maximum=MAX_USER_ID)
        other = await ctx.repos.staff.profile(other_id) if other_id is not None else None
        if other is None or case.digibank_id not in await ctx.repos.memberships.of(other.user_id):
            return None
        if len(await ctx.repos.cases.active_of(other.user_id)) >= other.capacity:
            return [
                Reply(
                    _("⚠️ {name} already helps as many people as they can.").format(
                        name=html.escape(other.first_name)
                    )
                )
            ]
        case.assignee_id, other.current_case_id = other.user_id, case.id
        if me is not None:
            me.current_case_id = None
        ctx.finish()
        done = _("➡️ Question #{id} is now with {name}.").format(
            id=case.id, name=html.escape(other.first_name)
        )
        return [Reply(done), *await _briefing(ctx, case, other.user_id, other.first_name)]
    bank = await ctx.repos.sites.digibank(key) if target == "bank" else None
    if bank is None:
        return None
    case.digibank_id, case.status, case.assignee_id, case.taken_at = bank.id, "waiting", None, None
    if me is not None:
        me.current_case_id = None
    ctx.finish()
    await ctx.repos.session.flush()
    actions: list[Action] = [
        Reply(
            _("➡️ Question #{id} went to {digibank}.").format(
                id=case.id, digibank=html.escape(bank.name)
            )
        )
    ]
    if case.citizen_id is not None:
        with use_locale(await locale_of(ctx, case.citizen_id, case.locale)):
            moved = _("➡️ Your question goes to <b>{digibank}</b>. You are number {position}.")
            actions.append(
                Notify(
                    case.citizen_id,
                    moved.format(
                        digibank=html.escape(bank.name),
                        position=await ctx.repos.cases.position(case),
                    ),
                )
            )
    return actions + await _alert_staff(ctx, case)


async def _use(ctx: Context, case: Case) -> list[Action]:
    profile = await ctx.repos.staff.profile(ctx.user.id)
    if profile is None or case.assignee_id != ctx.user.id or case.status != "active":
        return [Reply(_("⚠️ You do not help with question #{id}.").format(id=case.id))]
    profile.current_case_id = case.id
    return [Reply(_("➡️ What you write now goes to question #{id}.").format(id=case.id))]


async def duty(ctx: Context, args: str) -> list[Action]:
    if ctx.role not in STAFF:
        return staff.refuse(ctx)
    profile = await ctx.repos.staff.ensure_profile(ctx.user.id, ctx.first_name)
    word = args.strip().lower()
    profile.on_duty = (not profile.on_duty) if word not in ("on", "off") else word == "on"
    if profile.on_duty:
        return [Reply(_("🟢 You are on duty. You get a message for every new question."))]
    return [Reply(_("⚪ You are off duty. You get no messages about new questions."))]


async def queue(ctx: Context) -> list[Action]:
    if ctx.role not in STAFF:
        return staff.refuse(ctx)
    waiting = await ctx.repos.cases.waiting(await staff.own_digibanks(ctx))
    if not waiting:
        return [Reply(_("📭 Nobody is waiting."))]
    return [Reply(await _case_card(ctx, case), buttons=((_take(case),),)) for case in waiting[:10]]


async def my_cases(ctx: Context) -> list[Action]:
    if ctx.role not in STAFF:
        return staff.refuse(ctx)
    active = await ctx.repos.cases.active_of(ctx.user.id)
    if not active:
        return [Reply(_("💤 You are not helping anyone now. See /queue."))]
    rows = tuple(
        (_button(f"use.{case.id}", f"#{case.id} · {topic_name(case.topic)}"),) for case in active
    )
    return [Reply(_("📂 Your questions. Tap one to write to that person."), buttons=rows)]


async def on_current(
    ctx: Context, act: Callable[[Context, Case], Awaitable[list[Action]]]
) -> list[Action]:
    """A staff command about the case this digibuddy is helping with now."""
    if ctx.role not in STAFF:
        return staff.refuse(ctx)
    case = await _current(ctx)
    if case is None:
        return [Reply(_("💤 You are not helping anyone now. See /queue."))]
    return await act(ctx, case)


async def _current(ctx: Context) -> Case | None:
    profile = await ctx.repos.staff.profile(ctx.user.id)
    if profile is None or profile.current_case_id is None:
        return None
    case = await ctx.repos.cases.get(profile.current_case_id)
    if case is None or case.assignee_id != ctx.user.id or case.status != "active":
        return None
    return case


async def close(ctx: Context) -> list[Action]:
    return await on_current(ctx, close_case)


async def close_case(ctx: Context, case: Case) -> list[Action]:
    """A digibuddy closes a case (from /close or a topic's Close button)."""
    if case.status == "closed":
        return [Reply(_("✅ Question #{id} is closed.").format(id=case.id))]
    actions = await _close(ctx, case, "staff")
    return [Reply(_("✅ Question #{id} is closed.").format(id=case.id)), *actions]


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
    if case.status == "waiting":
        if not await ctx.repos.cases.take(case.id, ctx.user.id, ctx.now):
            return [Reply(_("⚠️ Someone else just took question #{id}.").format(id=case.id))]
        actions += await _hello(ctx, case, profile.first_name)
    kind, text = _kind_and_text(event)
    await ctx.repos.cases.add_message(case, "staff", ctx.user.id, kind, text, ctx.now)
    if case.citizen_id is None:
        return [Reply(_("⚠️ This person is no longer here."))]
    header = _staff_header(await _shown_name(ctx, case, profile.first_name))
    return actions + await _relay(ctx, case, event, case.citizen_id, header)


async def release(ctx: Context) -> list[Action]:
    return await on_current(ctx, _release)


async def _release(ctx: Context, case: Case) -> list[Action]:
    actions: list[Action] = [Reply(_("↩️ Question #{id} is back in the queue.").format(id=case.id))]
    return actions + await _back_in_line(ctx, case) + await _alert_staff(ctx, case)


async def _back_in_line(ctx: Context, case: Case) -> list[Action]:
    """Its digibuddy let go of the question: it waits again, and the citizen is told."""
    case.status, case.assignee_id, case.taken_at = "waiting", None, None
    if case.citizen_id is None:
        return []
    with use_locale(await locale_of(ctx, case.citizen_id, case.locale)):
        text = _("⏳ Your question is back in line. Another digibuddy will help you soon.")
        return [Notify(case.citizen_id, text)]


async def note(ctx: Context, text: str) -> list[Action]:
    return await on_current(ctx, functools.partial(_note, text=text))


async def _note(ctx: Context, case: Case, text: str) -> list[Action]:
    if not text.strip():
        return [Reply(_("📝 Write the note after the command, like: /note called back on Monday"))]
    await ctx.repos.cases.add_message(case, "note", ctx.user.id, "text", text.strip(), ctx.now)
    return [Reply(_("📝 Note saved. The person does not see it."))]


async def recipient_blocked(
    repos: Repositories, user_id: int, now: datetime, default_locale: str = "nl"
) -> list[Action]:
    """Telegram says this user blocked the bot. A digibuddy's open cases go back to the
    queue and their citizens are told; nothing else needs doing for a citizen."""
    ctx = Context.system(repos, FlowSettings(default_locale=default_locale), now)
    actions: list[Action] = []
    for case in await repos.cases.active_of(user_id):
        actions += await _back_in_line(ctx, case)
    profile = await repos.staff.profile(user_id)
    if profile is not None:
        profile.on_duty, profile.current_case_id = False, None
    return actions


async def undeliverable(
    repos: Repositories, chat_id: int, case_id: int, now: datetime, default_locale: str = "nl"
) -> list[Action]:
    """The outbox gave up for good on a message of case `case_id` relayed to `chat_id`
    (Telegram refused it, or it failed too often). Its sender, on the other side of the
    case, is asked to send it again; when the citizen wrote it, the staff side hears too
    (they would otherwise never know). Each in the reader's own language."""
    case = await repos.cases.get(case_id)
    if case is None:
        return []
    ctx = Context.system(repos, FlowSettings(default_locale=default_locale), now)
    if chat_id == case.citizen_id:  # a digibuddy's message did not reach the citizen
        text = N_(
            "⚠️ Your message to question #{id} could not be delivered. "
            "Please send it again or shorter."
        )
        return await _tell_staff_side(ctx, case, text)
    actions: list[Action] = []
    if case.citizen_id is not None:
        with use_locale(await locale_of(ctx, case.citizen_id, case.locale)):
            again = _("⚠️ Your message could not be delivered. Please send it again or shorter.")
        actions.append(Notify(case.citizen_id, again))
    text = N_(
        "⚠️ A message from the person of question #{id} could not be delivered. "
        "We asked them to send it again."
    )
    return actions + await _tell_staff_side(ctx, case, text)


async def _tell_staff_side(ctx: Context, case: Case, text: str) -> list[Action]:
    """A note about a case where its staff follow it: the case's topic in the staff group
    (where the citizen's messages go too), else its digibuddy. `text` is a msgid with {id}."""
    group = await ctx.repos.staff_groups.of_digibank(case.digibank_id)
    if group is not None:
        with use_locale(ctx.settings.default_locale):
            note = _(text).format(id=case.id)
        return [Notify(group.chat_id, note, relay=Relay(case.id, in_topic=True))]
    if case.assignee_id is None:
        return []
    with use_locale(await locale_of(ctx, case.assignee_id)):
        note = _(text).format(id=case.id)
    return [Notify(case.assignee_id, note)]


async def anonymous(ctx: Context, args: str) -> list[Action]:
    """/anonymous on|off: organisers choose whether citizens see helpers' first names."""
    if ctx.role not in ("organiser", "admin"):
        return staff.refuse(ctx)
    words = args.lower().split()
    banks = await staff.own_digibanks(ctx)
    bank_id = words[1] if len(words) > 1 else (banks[0] if banks and len(banks) == 1 else None)
    bank = await ctx.repos.sites.digibank(bank_id) if bank_id else None
    if (
        bank is None
        or (banks is not None and bank.id not in banks)
        or not words
        or words[0] not in ("on", "off")
    ):
        return [
            Reply(
                _(
                    "🕶️ Write /anonymous on or /anonymous off "
                    "(and the digibank, if you have several)."
                )
            )
        ]
    bank.anonymous_staff = words[0] == "on"
    await ctx.repos.audit.record(ctx.user.id, "digibank.anonymous", detail=f"{bank.id} {words[0]}")
    if bank.anonymous_staff:
        text = _("🕶️ Citizens of {digibank} now see “a digibuddy”, not your first names.")
    else:
        text = _("👤 Citizens of {digibank} now see the first name of who helps them.")
    return [Reply(text.format(digibank=html.escape(bank.name)))]

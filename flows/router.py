"""The one entry point of the dialogues: an event and its context in, actions out.

Order of precedence: commands (always available, /cancel and /menu leave any flow),
then buttons (validated; stale ones re-ask the current step), then whatever the current
step expects, then the keyword matcher, then a friendly "I don't understand" with the menu.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from flows import (
    agenda,
    booking,
    callbacks,
    cases,
    events,
    keywords,
    menu,
    navigation,
    nearest,
    onboarding,
    privacy,
    site_admin,
    staff,
    staff_group,
    stats,
)
from flows.actions import Action, Reply, Toast
from flows.context import Context
from flows.i18n import _
from flows.navigation import Destination
from storage.vocabulary import STAFF_ROLES


@dataclass(frozen=True)
class FlowHandlers:
    prompt: Callable[[Context], Awaitable[list[Action]]]
    on_button: Callable[[Context, str], Awaitable[list[Action] | None]]
    on_text: Callable[[Context, str], Awaitable[list[Action] | None]] | None = None
    on_location: Callable[[Context, float, float], Awaitable[list[Action]]] | None = None


FLOWS: dict[str, FlowHandlers] = {
    onboarding.FLOW: FlowHandlers(onboarding.prompt, onboarding.on_button, onboarding.on_text),
    onboarding.LANGUAGE_FLOW: FlowHandlers(
        onboarding.prompt, onboarding.on_button, onboarding.on_text
    ),
    privacy.FORGET_FLOW: FlowHandlers(privacy.prompt, privacy.on_button),
    staff.FLOW: FlowHandlers(staff.prompt, staff.on_button),
    site_admin.FLOW: FlowHandlers(site_admin.prompt, site_admin.on_button),
    cases.FLOW: FlowHandlers(cases.prompt, cases.on_button),
    cases.TRANSFER_FLOW: FlowHandlers(cases.transfer, cases.on_transfer_button),
    nearest.FLOW: FlowHandlers(
        nearest.prompt, nearest.on_button, nearest.on_text, nearest.on_location
    ),
    booking.FLOW: FlowHandlers(
        booking.prompt, booking.on_button, booking.on_text, booking.on_location
    ),
}

# Where one flow hands over to another (flows/navigation.py), and the menu's buttons lead.
for _to, _entry in {
    Destination.HOME: menu.show_home,
    Destination.FIND: nearest.start,
    Destination.BOOK: booking.start,
    Destination.APPOINTMENTS: booking.my_appointments,
    Destination.HELP: menu.show_help,
    Destination.PERSON: cases.start,
    Destination.LANGUAGE: onboarding.ask_language,
    Destination.PRIVACY: privacy.show_privacy,
    Destination.DEEP_LINK: lambda ctx, payload: _deep_link(ctx, payload),
}.items():
    navigation.register(_to, _entry)
# What flows do before /forget deletes a user's rows: tell the staff concerned.
navigation.register_before_forget(cases.before_forget)
navigation.register_before_forget(booking.before_forget)

# Buttons that stay valid whatever the step (besides the menu's), by callback namespace.
STEPLESS_BUTTONS: dict[str, Callable[[Context, str], Awaitable[list[Action] | None]]] = {
    nearest.SITE: nearest.on_site_button,
    cases.CASE: cases.on_case_button,
    booking.BOOKING: booking.on_booking_button,
    agenda.AGENDA: agenda.on_button,
}

# Commands that work before the privacy notice is accepted.
_OPEN_COMMANDS = {"start", "language", "privacy", "forget", "help", "cancel", "whoami"}


async def handle(event: events.Event, ctx: Context) -> list[Action]:
    if event.sender.in_group:
        return await _in_group(event, ctx)
    if isinstance(event, events.Command):
        return await _command(event, ctx)
    if isinstance(event, events.ButtonPress):
        return await _button(event, ctx)
    if not ctx.onboarded and ctx.state.flow != onboarding.FLOW:
        return await onboarding.start(ctx, event.sender.language_code)
    if isinstance(event, events.Text):
        return await _text(event, ctx)
    if isinstance(event, events.Edited):
        followed = await cases.on_edit(ctx, event)
        if followed is not None:
            return followed
        return [Reply(_("✏️ I only read new messages. Please send it again as a new message."))]
    if isinstance(event, events.Document):
        handled = await site_admin.on_document(ctx, event)
        if handled is not None:
            return handled
    in_flow = FLOWS.get(ctx.state.flow or "")
    wants_location = isinstance(event, events.Location) and in_flow and in_flow.on_location
    if not wants_location and isinstance(
        event, events.Media | events.Document | events.Location | events.Contact
    ):
        relayed = await cases.on_message(ctx, event)
        if relayed is not None:
            return relayed
    if isinstance(event, events.Media | events.Document):
        return await _unexpected(
            ctx, _("📎 I can only read text and buttons here. Please choose a button.")
        )
    if isinstance(event, events.Location):
        handlers = FLOWS.get(ctx.state.flow or "")
        if handlers is not None and handlers.on_location is not None:
            return await handlers.on_location(ctx, event.latitude, event.longitude)
        return await nearest.on_location(ctx, event.latitude, event.longitude)
    # A location or contact that no step asked for (later features will ask for them).
    return await _unexpected(ctx, _("🤔 I did not ask for that. Please choose a button."))


async def _in_group(event: events.Event, ctx: Context) -> list[Action]:
    """Staff groups: case buttons, edits that follow, and the group's own handling."""
    if isinstance(event, events.ButtonPress):
        callback = callbacks.decode(event.data)
        if callback is not None and callback.seq is None and callback.flow == cases.CASE:
            answered = await cases.on_case_button(ctx, callback.value)
            if answered is not None:
                return answered
        return [Toast(_("⌛ This button has expired."))]
    if isinstance(event, events.Edited):
        return await cases.on_edit(ctx, event) or []
    return await staff_group.handle(event, ctx)


async def _command(event: events.Command, ctx: Context) -> list[Action]:
    name = event.name
    if name == "start":
        return await _start(event, ctx)
    if not ctx.onboarded and name not in _OPEN_COMMANDS:
        return await onboarding.start(ctx, event.sender.language_code)
    simple: dict[str, Callable[[Context], Awaitable[list[Action]]]] = {
        "menu": menu.show_home,
        "help": menu.show_help,
        "language": onboarding.ask_language,
        "privacy": privacy.show_privacy,
        "forget": privacy.ask_forget,
        "whoami": staff.whoami,
        "staff": staff.list_staff,
        "human": cases.start,
        "book": booking.start,
        "appointments": booking.my_appointments,
        "sites": site_admin.start,
        "queue": cases.queue,
        "cases": cases.my_cases,
        "close": cases.close,
        "release": cases.release,
        "transfer": cases.transfer,
        "stats": stats.show,
        "agenda": agenda.show,
        "offer": booking.offer,
    }
    if name == "cancel":
        if not ctx.onboarded:
            return await onboarding.start(ctx, event.sender.language_code)
        return menu.main_menu(ctx, intro=_("↩️ OK, stopped."))
    if name == "invite":
        return await staff.invite(ctx, event.args)
    if name == "duty":
        return await cases.duty(ctx, event.args)
    if name == "languages":
        return await cases.languages(ctx, event.args)
    if name == "anonymous":
        return await cases.anonymous(ctx, event.args)
    if name == "note":
        return await cases.note(ctx, event.args)
    if name in simple:
        return await simple[name](ctx)
    return await _unexpected(ctx, _("🤔 I do not know that command."))


# Deep links `t.me/<bot>?start=<payload>`, by payload prefix. Later features add theirs.
DEEP_LINKS: dict[str, Callable[[Context, str], Awaitable[list[Action]]]] = {
    staff.INVITE_PREFIX: staff.redeem,
    nearest.DEEP_LINK_PREFIX: nearest.from_deep_link,
}


def _deep_link_handler(
    payload: str,
) -> Callable[[Context, str], Awaitable[list[Action]]] | None:
    if len(payload) > 64:
        return None
    return next((h for prefix, h in DEEP_LINKS.items() if payload.startswith(prefix)), None)


async def _deep_link(ctx: Context, payload: str) -> list[Action]:
    """Where a link from a poster leads, once the person is onboarded."""
    handler = _deep_link_handler(payload)
    return await handler(ctx, payload) if handler is not None else menu.main_menu(ctx)


async def _start(event: events.Command, ctx: Context) -> list[Action]:
    """/start, with an optional deep-link payload; then onboarding or the menu. A new
    person who came through a link (a poster's QR code) gets where it leads right after
    saying OK to the privacy notice."""
    actions: list[Action] = []
    payload = event.args.strip()
    handler = _deep_link_handler(payload)
    if not ctx.onboarded:
        if handler is staff.redeem:  # staff join before onboarding
            actions += await handler(ctx, payload)
        then = payload if handler is not None and handler is not staff.redeem else ""
        return actions + await onboarding.start(ctx, event.sender.language_code, then)
    if handler is not None:
        return actions + await handler(ctx, payload)
    if ctx.role in STAFF_ROLES:  # /start also refreshes a staff member's "/" list
        actions.append(staff.command_menu(ctx.user.id, ctx.role))
    return actions + menu.main_menu(ctx)


async def _button(event: events.ButtonPress, ctx: Context) -> list[Action]:
    callback = callbacks.decode(event.data)
    if callback is not None and callback.seq is None and callback.flow == menu.MENU:
        if not ctx.onboarded:
            return await _expired(ctx)
        opened = await menu.open_button(ctx, callback.value)
        if opened is not None:
            return opened
    if callback is not None and callback.seq is None and callback.flow in STEPLESS_BUTTONS:
        answered = await STEPLESS_BUTTONS[callback.flow](ctx, callback.value)
        if answered is not None:
            return answered
    if callback is not None and callback.flow == ctx.state.flow and callback.seq == ctx.state.seq:
        handlers = FLOWS.get(callback.flow)
        if handlers is not None:
            actions = await handlers.on_button(ctx, callback.value)
            if actions is not None:
                return actions
    return await _expired(ctx)


async def _expired(ctx: Context) -> list[Action]:
    """A stale, forged or unknown button: say so kindly and show the current step again."""
    return [Toast(_("⌛ This button has expired.")), *await _current_step(ctx)]


async def _current_step(ctx: Context) -> list[Action]:
    handlers = FLOWS.get(ctx.state.flow or "")
    if handlers is not None:
        return await handlers.prompt(ctx)
    if not ctx.onboarded:
        return await onboarding.start(ctx, None)
    return menu.main_menu(ctx)


async def _text(event: events.Text, ctx: Context) -> list[Action]:
    text = event.text
    handlers = FLOWS.get(ctx.state.flow or "")
    if handlers is not None and handlers.on_text is not None:
        handled = await handlers.on_text(ctx, text)
        if handled is not None:
            return handled
    if ctx.onboarded and handlers is None:  # a conversation with a person goes on
        relayed = await cases.on_message(ctx, event)
        if relayed is not None:
            return relayed
    if not ctx.onboarded:
        return [
            Reply(_("👇 Please tap one of the buttons.")),
            *await _current_step(ctx),
        ]
    if keywords.is_postcode(text):  # a postcode alone: where is the nearest digibank?
        return await nearest.on_text(ctx, text) or menu.not_understood(ctx)
    intent = keywords.match_intent(text)
    if intent == "thanks":
        return menu.main_menu(ctx, intro=_("😊 You are welcome!"))
    if intent is not None:
        opened = await menu.open_target(ctx, intent)
        if opened is not None:
            return opened
    if handlers is not None:
        return [Reply(_("👇 Please tap one of the buttons.")), *await handlers.prompt(ctx)]
    return menu.not_understood(ctx)


async def _unexpected(ctx: Context, note: str) -> list[Action]:
    if FLOWS.get(ctx.state.flow or "") is not None:
        return [Reply(note), *await _current_step(ctx)]
    return menu.main_menu(ctx, intro=note)

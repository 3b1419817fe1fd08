"""The main menu, help, and the answers that are always reachable (a person, the menu)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from flows import callbacks, navigation
from flows.actions import Action, Button, Reply
from flows.button_codec import ButtonCodec, word_kinds
from flows.context import Context
from flows.i18n import N_, _, format_time
from flows.navigation import Destination

MENU = "menu"  # callback namespace of menu buttons; they never go stale
AREA_BUTTONS = word_kinds(*Destination)  # a menu button's value is its destination
MENU_BUTTONS = ButtonCodec(*AREA_BUTTONS.values())


@dataclass(frozen=True)
class Area:
    """An entry of the main menu. Later features add theirs to AREAS (and register where
    it leads in flows/router.py)."""

    key: Destination  # also the button's value: never rename one
    label: str  # a msgid, marked with N_ and translated when shown


def menu_button(area_key: Destination, label: str) -> Button:
    return Button(label, callbacks.encode(MENU, MENU_BUTTONS.encode(AREA_BUTTONS[area_key]())))


def home_button() -> Button:
    """Back to the main menu."""
    return menu_button(Destination.HOME, _("🏠 Menu"))


def home_row() -> tuple[Button, ...]:
    """The way back, under every step: the menu and a person."""
    return (home_button(), menu_button(Destination.PERSON, _("👤 Talk to a person")))


def main_menu(ctx: Context, intro: str | None = None) -> list[Action]:
    ctx.finish()
    rows = [(menu_button(area.key, _(area.label)),) for area in AREAS]
    text = _("🏠 <b>Menu</b>\nWhat can I help you with? Tap a button.")
    return [Reply(f"{intro}\n\n{text}" if intro else text, buttons=tuple(rows))]


def _phone_hours() -> dict[str, str]:
    # The Flemish government's free line 1700 answers from 9:00 to 19:00.
    return {"start": format_time(time(9)), "end": format_time(time(19))}


async def show_help(ctx: Context) -> list[Action]:
    text = _(
        "ℹ️ <b>Help</b>\n"
        "I am the help bot of the digibanks in Flanders and Brussels.\n"
        "A digibank helps you for free with computers, smartphones and online services, "
        "like Tax-on-web, itsme and e-banking.\n\n"
        "<b>How does it work?</b>\n"
        "• Tap a button.\n"
        "• Or type one word, like <i>help</i> or <i>language</i>.\n"
        "• /menu brings you back to the start.\n"
        "• /cancel stops what you are doing.\n\n"
        "⚠️ Never send your PIN code, password or bank codes. Not even to us."
    )
    ctx.finish()
    return [Reply(text, buttons=(home_row(),))]


async def show_person(ctx: Context) -> list[Action]:
    text = _(
        "👤 <b>Talk to a person</b>\n"
        "Call <b>1700</b>. It is the free information line of the Flemish government. "
        "They answer from {start} to {end}.\n\n"
        "Or go to a digipunt near you. "
        "Someone there helps you for free. Ask at your library or town hall."
    ).format(**_phone_hours())
    ctx.finish()
    return [Reply(text, buttons=((home_button(),),))]


async def show_home(ctx: Context) -> list[Action]:
    return main_menu(ctx)


# The "/" command list everybody sees (published in every language at start-up).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("menu", N_("Main menu")),
    ("book", N_("Book help from a digibuddy")),
    ("appointments", N_("My appointments")),
    ("help", N_("How does this bot work?")),
    ("language", N_("Choose another language")),
    ("privacy", N_("What we save about you")),
    ("forget", N_("Delete all your data")),
    ("cancel", N_("Stop what you are doing")),
    ("start", N_("Start again")),
)
AREAS: list[Area] = [
    Area(Destination.FIND, N_("📍 Find a digibank")),
    Area(Destination.BOOK, N_("📅 Book help")),
    Area(Destination.APPOINTMENTS, N_("🗓️ My appointments")),
    Area(Destination.HELP, N_("❓ Help")),
    Area(Destination.PERSON, N_("👤 Talk to a person")),
    Area(Destination.LANGUAGE, N_("🌐 Language")),
    Area(Destination.PRIVACY, N_("🔒 Privacy")),
]


async def open_target(ctx: Context, key: str) -> list[Action] | None:
    """Open a menu area (or the menu itself, "home") by key; None if there is no such
    area (a forged or old button)."""
    destination = navigation.destination(key)
    return await navigation.go(ctx, destination) if destination is not None else None


async def open_button(ctx: Context, value: str) -> list[Action] | None:
    """A menu button: the area it opens; None for a forged or old one."""
    button = MENU_BUTTONS.decode(value)
    return await open_target(ctx, button.TAG) if button is not None else None


def not_understood(ctx: Context) -> list[Action]:
    return main_menu(
        ctx, intro=_("🤔 Sorry, I do not understand that. Please choose a button below.")
    )

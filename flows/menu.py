"""The main menu, help, and the answers that are always reachable (a person, the menu)."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time

from flows import callbacks
from flows.actions import Action, Button, Reply
from flows.context import Context
from flows.i18n import N_, _, format_time

MENU = "menu"  # callback namespace of menu buttons; they never go stale


@dataclass(frozen=True)
class Area:
    """An entry of the main menu. Later features add theirs to AREAS."""

    key: str
    label: str  # a msgid, marked with N_ and translated when shown
    open: Callable[[Context], Awaitable[list[Action]]]


def menu_button(area_key: str, label: str) -> Button:
    return Button(label, callbacks.encode(MENU, area_key))


def home_row() -> tuple[Button, ...]:
    """The way back, under every step: the menu and a person."""
    return (menu_button("home", _("🏠 Menu")), menu_button("person", _("👤 Talk to a person")))


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
    return [Reply(text, buttons=((menu_button("home", _("🏠 Menu")),),))]


async def show_home(ctx: Context) -> list[Action]:
    return main_menu(ctx)


def _in(module: str, name: str) -> Callable[[Context], Awaitable[list[Action]]]:
    """A menu target in a flow module, imported when opened: those modules import this
    one for its buttons."""

    def open_area(ctx: Context) -> Awaitable[list[Action]]:
        return getattr(importlib.import_module(f"flows.{module}"), name)(ctx)

    return open_area


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
    Area("find", N_("📍 Find a digibank"), _in("nearest", "start")),
    Area("book", N_("📅 Book help"), _in("booking", "start")),
    Area("appointments", N_("🗓️ My appointments"), _in("booking", "my_appointments")),
    Area("help", N_("❓ Help"), show_help),
    Area("person", N_("👤 Talk to a person"), _in("cases", "start")),
    Area("language", N_("🌐 Language"), _in("onboarding", "ask_language")),
    Area("privacy", N_("🔒 Privacy"), _in("privacy", "show_privacy")),
]

# Menu buttons that are not areas of their own.
EXTRA_TARGETS: dict[str, Callable[[Context], Awaitable[list[Action]]]] = {"home": show_home}


async def open_target(ctx: Context, key: str) -> list[Action] | None:
    """Open a menu area by key; None if there is no such area (a forged or old button)."""
    for area in AREAS:
        if area.key == key:
            return await area.open(ctx)
    target = EXTRA_TARGETS.get(key)
    return await target(ctx) if target else None


def not_understood(ctx: Context) -> list[Action]:
    return main_menu(
        ctx, intro=_("🤔 Sorry, I do not understand that. Please choose a button below.")
    )

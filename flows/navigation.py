"""Going from one flow to another by the name of the destination, never by importing it.

A flow that hands over ("📍 Find the nearest digibank" while opening a question, "📅 Book
help here" on a site card, every main-menu button) calls `go(ctx, Destination.X, …)`.
flows/router.py, which imports every flow anyway, registers each destination's entry
point when it is imported. So no flow imports another flow to open it, and flows/ has no
import cycles (import-linter checks it, see pyproject.toml).

The values are the keys of the main-menu buttons and of the keyword intents
(flows/keywords.py), and are part of callback data already sent: never rename one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum

from flows.actions import Action
from flows.context import Context


class Destination(StrEnum):
    HOME = "home"  # the main menu
    FIND = "find"  # the nearest digibank; (need) narrows it, e.g. "lending"
    BOOK = "book"  # book coaching; (site_id) skips choosing the site
    APPOINTMENTS = "appointments"
    HELP = "help"
    PERSON = "person"  # talk to a person; (digibank_id) skips choosing the digibank
    LANGUAGE = "language"
    PRIVACY = "privacy"
    DEEP_LINK = "deeplink"  # (payload) what a t.me/<bot>?start=<payload> link asked for


Entry = Callable[..., Awaitable[list[Action]]]  # (ctx, *arguments) → actions
Hook = Callable[[Context], Awaitable[list[Action]]]

_entries: dict[Destination, Entry] = {}
_before_forget: list[Hook] = []


def register(destination: Destination, entry: Entry) -> None:
    """Where `destination` leads (flows/router.py registers them all)."""
    _entries[destination] = entry


def register_before_forget(hook: Hook) -> None:
    """Something a flow must do before /forget deletes a user's rows (tell staff, …)."""
    if hook not in _before_forget:
        _before_forget.append(hook)


def destination(key: str) -> Destination | None:
    """The destination a menu button or a keyword intent names; None for any other key."""
    try:
        return Destination(key)
    except ValueError:
        return None


async def go(ctx: Context, to: Destination, *arguments: str) -> list[Action]:
    """Open another flow."""
    return await _entries[to](ctx, *arguments)


async def before_forget(ctx: Context) -> list[Action]:
    """Every flow's last words before the user's rows go, in the order registered."""
    told: list[Action] = []
    for hook in _before_forget:
        told += await hook(ctx)
    return told

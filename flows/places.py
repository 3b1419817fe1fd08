"""Asking where someone is: a shared location, or a typed postcode or town (Dutch or
French names, typos tolerated) → a place. Any flow that looks for sites near the person
uses it (nearest, booking); the choice buttons are the asking flow's own step buttons
("pl.…" and "retype")."""

from __future__ import annotations

import html
import re

from flows import keywords
from flows.actions import Action, KeyboardButton, Reply
from flows.context import Context
from flows.geo import Place, gazetteer
from flows.i18n import _, current_locale

_POSTCODE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def ask_where(ctx: Context, intro: str = "") -> Reply:
    text = _(
        "📍 <b>Where are you?</b>\n"
        "Tap the button below to share your location.\n"
        "Or type your postcode or town, for example <i>9000</i> or <i>Gent</i>."
    )
    return Reply(
        f"{intro}\n\n{text}" if intro else text,
        keyboard=(
            (KeyboardButton(_("📍 Share my location"), request_location=True),),
            (KeyboardButton(_("🏠 Menu")),),
        ),
    )


def locate(ctx: Context, text: str) -> Place | list[Action] | None:
    """A typed postcode or place name: the place, or the question to ask (which one? not
    known), or None when it is no place at all ("help", "menu": the router answers it).
    The choice buttons are the current flow's "pl.…" and "retype" (see `place_of`)."""
    text = text.strip()
    postcode = _POSTCODE.search(text)
    if postcode:
        place = gazetteer().postcode(postcode.group(1))
        if place is None:
            return [
                ask_where(
                    ctx,
                    _("🤔 I do not know the postcode {postcode}.").format(
                        postcode=postcode.group(1)
                    ),
                )
            ]
        return place
    match = gazetteer().find_name(text)
    if len(match.places) == 1:
        return match.places[0]
    if len(match.places) > 1:
        return [_choose(ctx, _("🤔 Which one do you mean?"), match.places)]
    if keywords.match_intent(text) is not None:
        return None  # "help", "menu", …: not a place; the router answers it
    shown = html.escape(text[:40])
    if match.suggestions:
        return [
            _choose(
                ctx,
                _("🤔 I do not know “{place}”. Do you mean one of these?").format(place=shown),
                match.suggestions,
            )
        ]
    return [ask_where(ctx, _("🤔 I do not know “{place}”.").format(place=shown))]


def _place_value(place: Place) -> str:
    return "pl." + place.key.replace(":", ".")


def _choose(ctx: Context, question: str, places: tuple[Place, ...]) -> Reply:
    locale = current_locale.get()
    rows = tuple((ctx.step_button(p.name(locale), _place_value(p)),) for p in places[:5])
    rows += ((ctx.step_button(_("✏️ Type something else"), "retype"),),)
    return Reply(question, buttons=rows)


def place_of(value: str) -> Place | None:
    """The place of a "pl.…" choice button."""
    return gazetteer().by_key(value[3:].replace(".", ":", 1)) if value.startswith("pl.") else None

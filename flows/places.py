"""Asking where someone is: a shared location, or a typed postcode or town (Dutch or
French names, typos tolerated) → a place. Any flow that looks for sites near the person
uses it (nearest, booking); the choice buttons are the asking flow's own step buttons
("pl.…" and "retype")."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import ClassVar, Literal

from flows import keywords
from flows.actions import Action, KeyboardButton, Reply
from flows.button_codec import ButtonCodec
from flows.context import Context
from flows.geo import Place, gazetteer
from flows.i18n import _, current_locale

_POSTCODE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


@dataclass(frozen=True)
class PlaceChoice:
    """One of the places a typed name may mean: `pl.pc.3010` for the key "pc:3010"."""

    TAG: ClassVar[str] = "pl"
    kind: Literal["pc", "m", "p"]  # postcode, municipality, place
    code: str

    @property
    def place(self) -> Place | None:
        return gazetteer().by_key(f"{self.kind}:{self.code}")


@dataclass(frozen=True)
class Retype:
    """None of those: type something else."""

    TAG: ClassVar[str] = "retype"


PLACE_KINDS = (PlaceChoice, Retype)  # the asking flow's codec includes them
PLACE_BUTTONS = ButtonCodec(*PLACE_KINDS)


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
    kind, _sep, code = place.key.partition(":")
    return PLACE_BUTTONS.encode(PlaceChoice(kind, code))  # type: ignore[arg-type]


def _choose(ctx: Context, question: str, places: tuple[Place, ...]) -> Reply:
    locale = current_locale.get()
    rows = tuple((ctx.step_button(p.name(locale), _place_value(p)),) for p in places[:5])
    retype = PLACE_BUTTONS.encode(Retype())
    rows += ((ctx.step_button(_("✏️ Type something else"), retype),),)
    return Reply(question, buttons=rows)

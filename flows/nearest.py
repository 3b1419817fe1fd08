"""Find the nearest digibank: a shared location, a postcode or a place name → three sites.

Each site comes as its own card: distance, open now or when it opens, the address (or a
mobile point's next stop) and a button for the map. Unverified addresses are said to be
unconfirmed. Other flows start this one with a need (e.g. only sites that lend devices).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import ClassVar

from flows import callbacks, menu
from flows.actions import Action, Button, Reply, SendVenue
from flows.button_codec import ButtonCodec
from flows.context import Context
from flows.geo import Place, gazetteer
from flows.i18n import N_, _, current_locale, format_distance, format_time
from flows.moments import relative_when
from flows.navigation import Destination, go
from flows.opening_hours import next_stop, status
from flows.places import PLACE_BUTTONS, PlaceChoice, Retype, ask_where, locate
from flows.site_index import site_index
from storage.site_schema import BRUSSELS, SiteRecord

FLOW = "nearest"
SITE = "site"  # callback namespace of buttons on site cards; they stay valid
RESULTS = 3
OUTSIDE_KM = 10.0  # farther than this from any Belgian postcode: not in Belgium


@dataclass(frozen=True)
class ShowMap:
    """A site card's "show on the map" (`map.<site id>`)."""

    TAG: ClassVar[str] = "map"
    site_id: str


@dataclass(frozen=True)
class Talk:
    """A site card's "ask a person here" (`talk.<site id>`)."""

    TAG: ClassVar[str] = "talk"
    site_id: str


@dataclass(frozen=True)
class BookHere:
    """A site card's "book help here" (`book.<site id>`)."""

    TAG: ClassVar[str] = "book"
    site_id: str


SITE_BUTTONS = ButtonCodec(ShowMap, Talk, BookHere)


def _site_button(label: str, button: ShowMap | Talk | BookHere) -> Button:
    return Button(label, callbacks.encode(SITE, SITE_BUTTONS.encode(button)))


NEEDS = {  # what a citizen may need from a site → how the header says it
    "lending": N_("📍 These digibanks lend laptops, tablets or smartphones:"),
    "coaching": N_("📍 These digibanks give one-to-one help:"),
}


DEEP_LINK_PREFIX = "near"  # t.me/<bot>?start=near or near_lending (posters, QR codes)


async def from_deep_link(ctx: Context, payload: str) -> list[Action]:
    need = payload.removeprefix(DEEP_LINK_PREFIX).lstrip("_")
    return await start(ctx, need if need in NEEDS else None)


async def start(ctx: Context, need: str | None = None) -> list[Action]:
    ctx.ask(FLOW, "where", need=need)
    return [ask_where(ctx)]


async def prompt(ctx: Context) -> list[Action]:
    return [ask_where(ctx)]


async def on_location(ctx: Context, latitude: float, longitude: float) -> list[Action]:
    nearest, km = gazetteer().nearest_postcode(latitude, longitude)
    outside = km > OUTSIDE_KM or not nearest.served
    return await _results(ctx, latitude, longitude, None, outside)


async def on_text(ctx: Context, text: str) -> list[Action] | None:
    found = locate(ctx, text)
    return await _results_for(ctx, found) if isinstance(found, Place) else found


async def on_button(ctx: Context, value: str) -> list[Action] | None:
    match PLACE_BUTTONS.decode(value):
        case PlaceChoice(place=place) if place is not None:
            return await _results_for(ctx, place)
        case Retype():
            return [ask_where(ctx)]
    return None


async def _results_for(ctx: Context, place: Place) -> list[Action]:
    return await _results(ctx, place.latitude, place.longitude, place, not place.served)


async def _results(
    ctx: Context, latitude: float, longitude: float, place: Place | None, outside: bool
) -> list[Action]:
    index = await site_index(ctx.repos)
    need = (ctx.state.data or {}).get("need")
    accept = (lambda site: need in site.services) if need else None
    found = index.nearest(latitude, longitude, RESULTS, accept)
    if not found:
        ctx.finish()
        return [
            Reply(
                _(
                    "😕 I have no digibanks on file yet. "
                    "Please try again later, or call 1700 for free."
                ),
                remove_keyboard=True,
            ),
            *menu.main_menu(ctx),
        ]
    locale = current_locale.get()
    if place is not None:
        header = _("📍 The digibanks closest to <b>{place}</b>:").format(
            place=html.escape(place.name(locale))
        )
    else:
        header = _("📍 The digibanks closest to you:")
    if need in NEEDS:
        header = _(NEEDS[need])
    if outside:
        header = (
            _("ℹ️ We only help in Flanders and Brussels. These digibanks are the closest.")
            + "\n\n"
            + header
        )
    actions: list[Action] = [Reply(header, remove_keyboard=True)]
    actions += [site_card(site, km, ctx.now, ctx.tz) for site, km in found]
    ctx.ask(FLOW, "where", need=need)  # another place can be typed straight away
    actions.append(
        Reply(
            _("🔎 Another place? Type a postcode or a town."),
            buttons=(menu.home_row(),),
        )
    )
    return actions


def site_card(site: SiteRecord, km: float, now: datetime, tz: tzinfo) -> Reply:
    """A site's card; its hours are Belgian (BRUSSELS), the times on it are shown in `tz`."""
    lines = [f"<b>{html.escape(site.name)}</b>", html.escape(site.digibank_name)]
    lines.append(_("📏 {distance} away").format(distance=format_distance(km)))
    if site.kind == "mobile":
        lines.append(_mobile_line(site, now, tz))
    else:
        lines.append(_opening_line(site, now, tz))
        address = html.escape(site.address)
        if site.verified:
            lines.append(f"📫 {address}")
        elif site.street:
            lines.append(
                _("📫 {address}\n⚠️ This address is not confirmed. Check before you go.").format(
                    address=address
                )
            )
        else:
            lines.append(
                _("📫 Near {area}. We do not have the exact address yet.").format(
                    area=html.escape(f"{site.postcode} {site.municipality}")
                )
            )
    if site.notes:
        lines.append(f"ℹ️ {html.escape(site.notes)}")
    if site.phone:
        lines.append(f"☎️ {html.escape(site.phone)}")
    if site.web:
        lines.append(f"🌐 {html.escape(site.web)}")
    rows = [
        (_site_button(_("🗺️ Show on the map"), ShowMap(site.id)),),
        (_site_button(_("👤 Ask a person here"), Talk(site.id)),),
    ]
    if site.coaching is not None:
        rows.append((_site_button(_("📅 Book help here"), BookHere(site.id)),))
    return Reply("\n".join(lines), buttons=tuple(rows))


def _opening_line(site: SiteRecord, now: datetime, tz: tzinfo) -> str:
    state = status(site, now, BRUSSELS)
    if not state.known:
        return _("🕒 Opening hours not known. Ask before you go.")
    if state.open and state.until is not None:
        return _("🟢 Open now, until {time}").format(time=format_time(state.until, tz))
    if state.next_open is not None:
        return _("🔴 Closed now. Opens {when}").format(when=relative_when(state.next_open, now, tz))
    return _("🔴 Closed for now.")


def _mobile_line(site: SiteRecord, now: datetime, tz: tzinfo) -> str:
    upcoming = next_stop(site, now, BRUSSELS)
    if upcoming is None:
        return _("🚲 A mobile digipunt. Its next stop is not known yet.")
    stop, start, end = upcoming
    if start <= now:
        return _("🚲 Here now, until {time}: {place}").format(
            time=format_time(end, tz), place=html.escape(stop.place)
        )
    return _("🚲 Next stop {when}: {place}").format(
        when=relative_when(start, now, tz), place=html.escape(stop.place)
    )


async def on_site_button(ctx: Context, value: str) -> list[Action] | None:
    """Buttons on site cards, valid whatever the dialogue's step."""
    button = SITE_BUTTONS.decode(value)
    site = (await site_index(ctx.repos)).by_id(button.site_id) if button is not None else None
    if site is None:
        return None
    if isinstance(button, BookHere):
        return await go(ctx, Destination.BOOK, site.id)
    if isinstance(button, Talk):
        return await go(ctx, Destination.PERSON, site.digibank)
    address = (
        site.address
        if site.verified
        else _("{address} (not confirmed)").format(address=site.address)
    )
    return [SendVenue(site.latitude, site.longitude, site.name, address)]

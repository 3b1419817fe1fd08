"""Find the nearest digibank: a shared location, a postcode or a place name → three sites.

Each site comes as its own card: distance, open now or when it opens, the address (or a
mobile point's next stop) and a button for the map. Unverified addresses are said to be
unconfirmed. Other flows start this one with a need (e.g. only sites that lend devices).
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

from flows import callbacks, keywords, menu
from flows.actions import Action, Button, KeyboardButton, Reply, SendVenue
from flows.context import Context
from flows.geo import Place, gazetteer
from flows.i18n import (
    N_,
    _,
    current_locale,
    display_timezone,
    format_day,
    format_distance,
    format_time,
)
from flows.opening_hours import next_stop, status
from flows.site_index import site_index
from storage.site_schema import SiteRecord

FLOW = "nearest"
SITE = "site"  # callback namespace of buttons on site cards; they stay valid
RESULTS = 3
OUTSIDE_KM = 10.0  # farther than this from any Belgian postcode: not in Belgium
_POSTCODE = re.compile(r"(?<!\d)(\d{4})(?!\d)")

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


async def prompt(ctx: Context) -> list[Action]:
    return [ask_where(ctx)]


async def on_location(ctx: Context, latitude: float, longitude: float) -> list[Action]:
    nearest, km = gazetteer().nearest_postcode(latitude, longitude)
    outside = km > OUTSIDE_KM or not nearest.served
    return await _results(ctx, latitude, longitude, None, outside)


async def on_text(ctx: Context, text: str) -> list[Action] | None:
    found = locate(ctx, text)
    return await _results_for(ctx, found) if isinstance(found, Place) else found


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


async def on_button(ctx: Context, value: str) -> list[Action] | None:
    place = place_of(value)
    if place is not None:
        return await _results_for(ctx, place)
    if value == "retype":
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
    actions += [site_card(site, km, ctx.now) for site, km in found]
    ctx.ask(FLOW, "where", need=need)  # another place can be typed straight away
    actions.append(
        Reply(
            _("🔎 Another place? Type a postcode or a town."),
            buttons=(menu.home_row(),),
        )
    )
    return actions


def site_card(site: SiteRecord, km: float, now: datetime) -> Reply:
    lines = [f"<b>{html.escape(site.name)}</b>", html.escape(site.digibank_name)]
    lines.append(_("📏 {distance} away").format(distance=format_distance(km)))
    if site.kind == "mobile":
        lines.append(_mobile_line(site, now))
    else:
        lines.append(_opening_line(site, now))
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
        (Button(_("🗺️ Show on the map"), callbacks.encode(SITE, f"map.{site.id}")),),
        (Button(_("👤 Ask a person here"), callbacks.encode(SITE, f"talk.{site.id}")),),
    ]
    if site.coaching is not None:
        rows.append((Button(_("📅 Book help here"), callbacks.encode(SITE, f"book.{site.id}")),))
    return Reply("\n".join(lines), buttons=tuple(rows))


def when_text(moment: datetime, now: datetime) -> str:
    """'today at 13:00', 'tomorrow at 09:00', 'Tuesday 2 December at 09:00'."""
    tz = display_timezone()
    day, today = moment.astimezone(tz).date(), now.astimezone(tz).date()
    time_text = format_time(moment)
    if day == today:
        return _("today at {time}").format(time=time_text)
    if day == today + timedelta(days=1):
        return _("tomorrow at {time}").format(time=time_text)
    return _("{day} at {time}").format(day=format_day(moment), time=time_text)


def _opening_line(site: SiteRecord, now: datetime) -> str:
    state = status(site, now, display_timezone())
    if not state.known:
        return _("🕒 Opening hours not known. Ask before you go.")
    if state.open and state.until is not None:
        return _("🟢 Open now, until {time}").format(time=format_time(state.until))
    if state.next_open is not None:
        return _("🔴 Closed now. Opens {when}").format(when=when_text(state.next_open, now))
    return _("🔴 Closed for now.")


def _mobile_line(site: SiteRecord, now: datetime) -> str:
    upcoming = next_stop(site, now, display_timezone())
    if upcoming is None:
        return _("🚲 A mobile digipunt. Its next stop is not known yet.")
    stop, start, end = upcoming
    if start <= now:
        return _("🚲 Here now, until {time}: {place}").format(
            time=format_time(end), place=html.escape(stop.place)
        )
    return _("🚲 Next stop {when}: {place}").format(
        when=when_text(start, now), place=html.escape(stop.place)
    )


async def on_site_button(ctx: Context, value: str) -> list[Action] | None:
    """Buttons on site cards, valid whatever the dialogue's step."""
    action, _sep, site_id = value.partition(".")
    site = (await site_index(ctx.repos)).by_id(site_id)
    if site is None or action not in ("map", "talk", "book"):
        return None
    if action == "book":
        from flows import booking

        return await booking.start(ctx, site.id)
    if action == "talk":
        from flows import cases

        return await cases.start(ctx, site.digibank)
    address = (
        site.address
        if site.verified
        else _("{address} (not confirmed)").format(address=site.address)
    )
    return [SendVenue(site.latitude, site.longitude, site.name, address)]

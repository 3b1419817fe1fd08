"""What the parts of coaching booking share: namespaces, what to bring, the summary of
an appointment, and which sites take bookings."""

from __future__ import annotations

import html
from datetime import datetime, tzinfo

from flows import callbacks, menu
from flows.actions import Button, Reply
from flows.booking.values import BOOKING_BUTTONS, BookingButton, Cancel, Move
from flows.context import Context
from flows.i18n import N_, _
from flows.moments import day_and_time
from flows.topics import OTHER, TOPIC_LABELS, topic_name
from storage.models import Booking, Case
from storage.site_schema import SiteRecord
from storage.vocabulary import BookingStatus

FLOW = "book"
BOOKING = "bk"  # callback namespace of buttons about one booking; they stay valid

BRING = {
    "taxonweb": N_(
        "your eID card and its PIN code (or itsme on your phone), "
        "and the letter from the tax office if you got one"
    ),
    "itsme": N_(
        "your eID card and its PIN code, your smartphone (charged), "
        "and your card reader if you have one"
    ),
    "eid": N_(
        "your eID card, the letter with your PIN and PUK codes if you still have it, "
        "and your card reader if you have one"
    ),
    "ebanking": N_(
        "your bank card, your bank's card reader if you have one, and your smartphone (charged)"
    ),
    "burgerprofiel": N_("your eID card and its PIN code, or itsme on your phone"),
    "email": N_(
        "your smartphone or laptop (charged), and your e-mail address and password if you know them"
    ),
    "smartphone": N_("your smartphone or tablet (charged) and its charger"),
    "jobs": N_("your eID card and its PIN code (or itsme), and your CV if you have one"),
    "health": N_("your smartphone (charged), and your eID card and its PIN code (or itsme)"),
    OTHER: N_("the device or the letter your question is about"),
}
assert set(BRING) == set(TOPIC_LABELS)


def bring_text(topic: str) -> str:
    return _(BRING.get(topic, BRING[OTHER]))


def booking_button(label: str, button: BookingButton) -> Button:
    return Button(label, callbacks.encode(BOOKING, BOOKING_BUTTONS.encode(button)))


def change_row(booking: Booking) -> tuple[Button, ...]:
    return (
        booking_button(_("🔁 Move"), Move(booking.id)),
        booking_button(_("❌ Cancel"), Cancel(booking.id)),
    )


def summary(topic: str, site: SiteRecord, starts_at: datetime, tz: tzinfo) -> str:
    """Topic, day and time (shown in `tz`), site and address, one a line."""
    return "\n".join(
        (
            f"📋 {topic_name(topic)}",
            f"🕐 {day_and_time(starts_at, tz)}",
            f"🏢 {html.escape(site.name)}",
            f"📫 {html.escape(site.address)}",
        )
    )


def books(site: SiteRecord, topic: str | None) -> bool:
    """Online booking here, for this topic (a site without a topic list takes all)."""
    return site.coaching is not None and (not site.topics or topic in site.topics)


def offered_sites(sites: list[SiteRecord], case: Case) -> list[SiteRecord]:
    """Where the citizen of a case can book: their digibank's sites for their topic."""
    here = [s for s in sites if s.digibank == case.digibank_id and books(s, case.topic)]
    return sorted(here, key=lambda s: s.name.casefold())


async def own_booking(ctx: Context, booking_id: object) -> Booking | None:
    """The user's own booking with this id, if it still stands."""
    if not isinstance(booking_id, int):
        return None
    booking = await ctx.repos.bookings.get(booking_id)
    if (
        booking is None
        or booking.citizen_id != ctx.user.id
        or booking.status != BookingStatus.BOOKED
    ):
        return None
    return booking


def no_booking_sites() -> Reply:
    """For staff: their digibank has no coaching hours yet."""
    text = _("😕 No site of your digibank takes bookings yet. Organisers add hours with /sites.")
    return Reply(text, buttons=(menu.home_row(),))

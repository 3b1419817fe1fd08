"""Buttons about one booking (on reminders, the list, an offer), valid whatever the
dialogue's step."""

from __future__ import annotations

from flows import button_values
from flows.actions import Action, Reply, Toast
from flows.booking.appointments import cancel, my_appointments
from flows.booking.common import change_row, own_booking
from flows.booking.dialogue import from_offer, move, start
from flows.context import Context
from flows.i18n import _


async def on_booking_button(ctx: Context, value: str) -> list[Action] | None:
    """Buttons about one booking (reminders, the list), valid whatever the step."""
    kind, _sep, rest = value.partition(".")
    if kind == "list":
        return await my_appointments(ctx)
    if kind == "new":
        return await start(ctx)
    ident = button_values.number(rest)  # of a booking; of a case for "offer"
    if ident is None:
        return None  # forged or garbled: an expired button
    if kind == "offer":
        return await from_offer(ctx, ident)
    booking = await own_booking(ctx, ident)
    if booking is None or booking.starts_at <= ctx.now:
        return [Toast(_("⌛ This appointment is no longer open.")), *await my_appointments(ctx)]
    if kind == "coming":
        booking.answer = "coming"
        return [Reply(_("👍 Thank you! See you then."), buttons=(change_row(booking),))]
    if kind == "move":
        return await move(ctx, booking)
    if kind == "cancel":
        return await cancel(ctx, booking, tell_citizen=True)
    return None

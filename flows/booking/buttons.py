"""Buttons about one booking (on reminders, the list, an offer), valid whatever the
dialogue's step."""

from __future__ import annotations

from flows.actions import Action, Reply, Toast
from flows.booking.appointments import cancel, my_appointments
from flows.booking.common import change_row, own_booking
from flows.booking.dialogue import from_offer, move, start
from flows.booking.values import (
    BOOKING_BUTTONS,
    BookNew,
    Cancel,
    Coming,
    FromOffer,
    Move,
    MyAppointments,
)
from flows.context import Context
from flows.i18n import _


async def on_booking_button(ctx: Context, value: str) -> list[Action] | None:
    """Buttons about one booking (reminders, the list), valid whatever the step."""
    button = BOOKING_BUTTONS.decode(value)
    match button:
        case None:
            return None  # forged or garbled: an expired button
        case MyAppointments():
            return await my_appointments(ctx)
        case BookNew():
            return await start(ctx)
        case FromOffer(case_id=case_id):
            return await from_offer(ctx, case_id)
    booking = await own_booking(ctx, button.booking_id)
    if booking is None or booking.starts_at <= ctx.now:
        return [Toast(_("⌛ This appointment is no longer open.")), *await my_appointments(ctx)]
    match button:
        case Coming():
            booking.answer = "coming"
            return [Reply(_("👍 Thank you! See you then."), buttons=(change_row(booking),))]
        case Move():
            return await move(ctx, booking)
        case Cancel():
            return await cancel(ctx, booking, tell_citizen=True)
    return None

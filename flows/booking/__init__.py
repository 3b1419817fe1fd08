"""Book coaching: topic → site → day → time → confirm; my appointments; reminders.

A booking holds a place in a slot (see storage.bookings); its reminders are outbox rows
written in the same transaction, sent when due, dropped when it is cancelled and never
sent once it has begun.

    common.py        namespaces, what to bring, an appointment's summary, who books
    dialogue.py      the booking dialogue, the confirmation and its .ics
    reminders.py     the reminders of a booking
    appointments.py  my appointments, cancelling, staff told of a free place
    offer.py         /offer: a digibuddy sends the citizen a button to book
    buttons.py       the booking buttons that never go stale

This module re-exports what the router, the staff group, other flows and bot/ use.
"""

from flows.booking.appointments import before_forget, my_appointments
from flows.booking.buttons import on_booking_button
from flows.booking.common import BOOKING, BRING, FLOW, bring_text, no_booking_sites
from flows.booking.dialogue import on_button, on_location, on_text, prompt, start
from flows.booking.offer import offer, offer_for
from flows.booking.reminders import reminder_due, reminders

__all__ = [
    "BOOKING",
    "BRING",
    "FLOW",
    "before_forget",
    "bring_text",
    "my_appointments",
    "no_booking_sites",
    "offer",
    "offer_for",
    "on_booking_button",
    "on_button",
    "on_location",
    "on_text",
    "prompt",
    "reminder_due",
    "reminders",
    "start",
]

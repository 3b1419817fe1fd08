"""A booking's reminders (REMINDER_HOURS before it): outbox rows written with the
booking, sent when due, dropped with a cancellation, never sent once it has begun."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from flows.actions import Action, Later, Notify
from flows.booking.common import booking_button, bring_text, change_row, summary
from flows.booking.values import Coming
from flows.context import Context
from flows.i18n import _
from storage.models import Booking
from storage.site_schema import SiteRecord


def reminder_due(starts_at: datetime, hours: int, tz: tzinfo) -> datetime:
    """Whole days before go by the calendar of `tz` (24 h before a Monday 10:00 after the
    clocks changed is Sunday 10:00, not 09:00); other offsets are plain hours."""
    if hours % 24 == 0:
        local = starts_at.astimezone(tz)
        day = local.date() - timedelta(days=hours // 24)
        wall = datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=tz)
        return wall.astimezone(starts_at.tzinfo)
    return starts_at - timedelta(hours=hours)


def reminders(ctx: Context, booking: Booking, site: SiteRecord) -> list[Action]:
    """The reminder messages of a booking (REMINDER_HOURS before it), never sent once the
    appointment has begun. For the person booking, in the current language."""
    dues = [reminder_due(booking.starts_at, hours, ctx.tz) for hours in ctx.settings.reminder_hours]
    text = _("🔔 <b>Reminder</b>\n{summary}\n\n🎒 Please bring: {bring}.").format(
        summary=summary(booking.topic, site, booking.starts_at, ctx.tz),
        bring=bring_text(booking.topic),
    )
    buttons = (
        (booking_button(_("👍 I'll be there"), Coming(booking.id)),),
        change_row(booking),
    )
    return [
        Notify(ctx.user.id, text, buttons, later=Later(due, booking.id, booking.starts_at))
        for due in dues
        if due > ctx.now  # booked at short notice: that reminder makes no sense any more
    ]

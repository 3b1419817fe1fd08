"""My appointments: the citizen's upcoming bookings, to cancel or move; a cancellation
frees the place at once and the site's on-duty digibuddies hear of it."""

from __future__ import annotations

import html

from flows import menu
from flows.actions import Action, Notify, Reply
from flows.booking.common import booking_button, change_row, summary
from flows.booking.values import BookNew
from flows.context import Context
from flows.i18n import _
from flows.moments import day_and_time
from flows.recipients import speaking_to
from flows.site_index import site_index
from flows.topics import topic_name
from storage.models import Booking
from storage.site_schema import SiteRecord


async def my_appointments(ctx: Context) -> list[Action]:
    upcoming = await ctx.repos.bookings.upcoming_of(ctx.user.id, ctx.now)
    ctx.finish()
    book_row = (booking_button(_("📅 Book help"), BookNew()),)
    if not upcoming:
        text = _("📅 You have no appointments.")
        return [Reply(text, buttons=(book_row, (menu.home_button(),)))]
    index = await site_index(ctx.repos)
    actions: list[Action] = [Reply(_("📅 <b>Your appointments</b>"))]
    for booking in upcoming:
        site = index.by_id(booking.site_id)
        if site is None:
            continue
        text = summary(booking.topic, site, booking.starts_at, ctx.tz)
        if booking.answer == "coming":
            text += "\n" + _("👍 You said you will come.")
        actions.append(Reply(text, buttons=(change_row(booking),)))
    actions.append(Reply(_("👇 Anything else?"), buttons=(menu.home_row(),)))
    return actions


async def cancel(
    ctx: Context, booking: Booking, tell_citizen: bool, moved_to: Booking | None = None
) -> list[Action]:
    """Free the place at once and tell the site's digibuddies."""
    await ctx.repos.bookings.cancel(booking, ctx.now)
    site = (await site_index(ctx.repos)).by_id(booking.site_id)
    actions: list[Action] = []
    if tell_citizen:
        ctx.finish()
        actions.append(
            Reply(
                _("❌ Your appointment is cancelled. The time is free for someone else."),
                buttons=((booking_button(_("📅 Book help"), BookNew()),), menu.home_row()),
            )
        )
    if site is not None:
        actions += await _tell_staff_cancelled(ctx, booking, site, moved_to)
    return actions


async def _tell_staff_cancelled(
    ctx: Context, booking: Booking, site: SiteRecord, moved_to: Booking | None = None
) -> list[Action]:
    notes: list[Action] = []
    for profile in await ctx.repos.staff.on_duty_for(site.digibank):
        with await speaking_to(ctx, profile.user_id):
            details = {
                "topic": topic_name(booking.topic),
                "when": day_and_time(booking.starts_at, ctx.tz),
                "site": html.escape(site.name),
            }
            if moved_to is None:
                text = _("📅 Cancelled: {topic}, {when}, {site}. The place is free again.")
            else:
                details["new_when"] = day_and_time(moved_to.starts_at, ctx.tz)
                text = _("🔁 Moved: {topic}, {site}, from {when} to {new_when}.")
        notes.append(Notify(profile.user_id, text.format(**details)))
    return notes


async def before_forget(ctx: Context) -> list[Action]:
    """/forget deletes the citizen's appointments: the sites' digibuddies are told that
    those places are free again."""
    index = await site_index(ctx.repos)
    told: list[Action] = []
    for booking in await ctx.repos.bookings.upcoming_of(ctx.user.id, ctx.now):
        site = index.by_id(booking.site_id)
        if site is not None:
            told += await _tell_staff_cancelled(ctx, booking, site)
    return told

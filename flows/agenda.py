"""/agenda for staff: the coaching appointments at their digibank's sites, two days at a
time (today and tomorrow first), with topic, language and whether the citizen said they
will come; once an appointment has begun, buttons mark it attended or no-show.

Citizens are never named here: we keep no names. A time, a topic and a language are
enough to recognise the person who walks in.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import ClassVar, Literal

from flows import callbacks, menu, staff
from flows.actions import MAX_TEXT, Action, Button, Reply, Toast, utf16_len
from flows.booking import no_booking_sites
from flows.button_codec import ButtonCodec, Id
from flows.context import Context
from flows.i18n import _, format_day, format_time, language_name
from flows.site_index import site_index
from flows.topics import topic_name
from storage.models import Booking
from storage.site_schema import SiteRecord
from storage.vocabulary import STAFF_ROLES, BookingStatus

AGENDA = "ag"  # callback namespace: agenda buttons stay valid whatever the step
DAYS = 2  # days shown at once
MARKS = {"a": BookingStatus.ATTENDED, "n": BookingStatus.NO_SHOW}
MARK_ROWS = 40  # two buttons a row; Telegram takes at most 100 buttons on a message


@dataclass(frozen=True)
class FromDay:
    """The agenda from this day on (`from.2027-03-02`)."""

    TAG: ClassVar[str] = "from"
    day: date


@dataclass(frozen=True)
class Mark:
    """An appointment attended (`mark.12.a`) or not (`mark.12.n`)."""

    TAG: ClassVar[str] = "mark"
    booking_id: Id
    mark: Literal["a", "n"]


AGENDA_BUTTONS = ButtonCodec(FromDay, Mark)


def _button(label: str, button: FromDay | Mark) -> Button:
    return Button(label, callbacks.encode(AGENDA, AGENDA_BUTTONS.encode(button)))


def _local_day(ctx: Context, moment: datetime) -> date:
    """The day of a moment in the display zone: the agenda's days are those."""
    return moment.astimezone(ctx.tz).date()


def _midnight(ctx: Context, day: date) -> datetime:
    """The start of a day in the display zone, as an aware datetime (DST-correct)."""
    return datetime.combine(day, datetime.min.time(), tzinfo=ctx.tz)


async def _own_sites(ctx: Context) -> dict[str, SiteRecord]:
    banks = await staff.own_digibanks(ctx)
    index = await site_index(ctx.repos)
    return {
        site.id: site
        for site in index.sites
        if site.coaching is not None and (banks is None or site.digibank in banks)
    }


async def show(ctx: Context) -> list[Action]:
    """/agenda: today and tomorrow."""
    if ctx.role not in STAFF_ROLES:
        return staff.refuse(ctx)
    return await _days(ctx, _local_day(ctx, ctx.now), await _own_sites(ctx))


async def _days(ctx: Context, first: date, sites: dict[str, SiteRecord]) -> list[Action]:
    """The agenda of these sites (a staff member's own) from `first`, DAYS days long."""
    if not sites:
        return [no_booking_sites()]
    last = first + timedelta(days=DAYS - 1)
    bookings = await ctx.repos.bookings.agenda(
        list(sites), _midnight(ctx, first), _midnight(ctx, last + timedelta(days=1))
    )
    by_site: dict[str, list[Booking]] = defaultdict(list)
    for booking in bookings:
        by_site[booking.site_id].append(booking)
    period = _("{first} and {last}").format(first=format_day(first), last=format_day(last))
    actions: list[Action] = []
    for site_id, booked in by_site.items():
        actions += _site_agenda(ctx, sites[site_id], booked)
    if not actions:
        actions.append(Reply(_("📭 No appointments on {period}.").format(period=period)))
    earlier, later = first - timedelta(days=DAYS), first + timedelta(days=DAYS)
    browse = (
        _button(_("⬅️ Earlier"), FromDay(earlier)),
        _button(_("➡️ Later"), FromDay(later)),
    )
    title = _("📅 Agenda: {period}").format(period=period)
    actions.append(Reply(title, buttons=(browse, menu.home_row())))
    return actions


def _state(booking: Booking) -> str:
    if booking.status == BookingStatus.ATTENDED:
        return _("✅ came")
    if booking.status == BookingStatus.NO_SHOW:
        return _("🚫 did not come")
    if booking.answer == "coming":
        return _("👍 said they will come")
    return _("⏳ not confirmed")


def _site_agenda(ctx: Context, site: SiteRecord, booked: list[Booking]) -> list[Action]:
    """One message per site (more if very long), marking buttons on the last one."""
    lines, day = [f"📅 <b>{html.escape(site.name)}</b>"], None
    rows: list[tuple[Button, ...]] = []
    for booking in booked:
        if _local_day(ctx, booking.starts_at) != day:
            day = _local_day(ctx, booking.starts_at)
            lines.append(f"\n<b>{format_day(day)}</b>")
        time = format_time(booking.starts_at, ctx.tz)
        lines.append(
            f"🕐 {time} · {topic_name(booking.topic)} · "
            f"{language_name(booking.locale)} · {_state(booking)}"
        )
        if booking.status == BookingStatus.BOOKED and booking.starts_at <= ctx.now:
            rows.append(
                (
                    _button(_("✅ {time} came").format(time=time), Mark(booking.id, "a")),
                    _button(_("🚫 {time} did not come").format(time=time), Mark(booking.id, "n")),
                )
            )
    messages, current = [], ""
    for line in lines:
        if current and utf16_len(current) + utf16_len(line) + 1 > MAX_TEXT:
            messages.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    messages.append(current)
    replies: list[Action] = [Reply(text) for text in messages[:-1]]
    return [*replies, Reply(messages[-1], buttons=tuple(rows[:MARK_ROWS]))]


async def on_button(ctx: Context, value: str) -> list[Action] | None:
    if ctx.role not in STAFF_ROLES:
        return staff.refuse(ctx)
    match AGENDA_BUTTONS.decode(value):
        case FromDay(day=first):
            return await _days(ctx, first, await _own_sites(ctx))
        case Mark(booking_id=booking_id, mark=mark):
            return await _mark(ctx, booking_id, MARKS[mark])
    return None


async def _mark(ctx: Context, booking_id: int, status: BookingStatus) -> list[Action]:
    """Attended or no-show, by staff of the site's digibank, once the appointment began;
    then that site's agenda again."""
    booking = await ctx.repos.bookings.get(booking_id)
    sites = await _own_sites(ctx)
    if booking is None or booking.site_id not in sites:
        return [Toast(_("⌛ This appointment is no longer in your agenda."))]
    if booking.status == BookingStatus.CANCELLED or booking.starts_at > ctx.now:
        return [Toast(_("⌛ You can mark this once the appointment has begun."), alert=True)]
    booking.status = status
    await ctx.repos.audit.record(ctx.user.id, "booking.mark", detail=f"{booking.id} {status}")
    note = (
        _("✅ Saved: came.") if status == BookingStatus.ATTENDED else _("🚫 Saved: did not come.")
    )
    site = {booking.site_id: sites[booking.site_id]}
    return [Toast(note), *await _days(ctx, _local_day(ctx, booking.starts_at), site)]

"""Book coaching, step by step: topic → where (postcode, town or location) → one of the
nearest sites that take bookings → day → time → confirm. Then the confirmation with the
address, a map pin and an .ics file, the reminders, and a note to the digibuddy whose
offer it came from. Moving an appointment runs the same steps from the day on.

Days and times are shown, and grouped into days, in the display zone (`ctx.tz`); the
slots themselves come from the site's coaching rules (flows/availability.py).
"""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta

from flows import menu
from flows.actions import Action, Button, Notify, Reply, SendDocument, SendVenue, Toast
from flows.availability import Slot, slot_at, slots
from flows.booking.appointments import cancel, my_appointments
from flows.booking.common import (
    FLOW,
    booking_button,
    books,
    bring_text,
    offered_sites,
    own_booking,
    summary,
)
from flows.booking.reminders import reminders
from flows.booking.values import (
    STEP_BUTTONS,
    About,
    AtSite,
    AtTime,
    Confirm,
    Elsewhere,
    MyAppointments,
    OnDay,
    Other,
    Page,
    StepButton,
)
from flows.calendar_file import booking_ics
from flows.context import Context
from flows.geo import Place
from flows.i18n import _, current_locale, format_day, format_distance, format_time, ngettext
from flows.moments import day_and_time
from flows.places import PlaceChoice, Retype, ask_where, locate
from flows.recipients import speaking_to
from flows.site_index import site_index
from flows.topics import OTHER, TOPIC_LABELS, topic_name
from storage.models import Booking
from storage.site_schema import SiteRecord

DAYS_SHOWN = 6  # day buttons at once; "later days" pages on
SITES_SHOWN = 3


# --- start and topic --------------------------------------------------------------------------


async def start(ctx: Context, site_id: str | None = None) -> list[Action]:
    """'Book coaching': the topic first (a site card may have chosen the site)."""
    ctx.ask(FLOW, "topic", site=site_id, move=None, case=None)
    return await prompt(ctx)


async def move(ctx: Context, booking: Booking) -> list[Action]:
    """Another time for an appointment: same site and topic; the old one goes once the
    new one is booked."""
    ctx.ask(FLOW, "day", site=booking.site_id, topic=booking.topic, move=booking.id, page=0)
    return await prompt(ctx)


async def from_offer(ctx: Context, case_id: int) -> list[Action]:
    """The citizen taps "Choose a time" a digibuddy sent: topic and digibank come from
    their question."""
    case = await ctx.repos.cases.get(case_id)
    if case is None or case.citizen_id != ctx.user.id:
        return [Toast(_("⌛ This button has expired.")), *menu.main_menu(ctx)]
    ctx.ask(FLOW, "site", topic=case.topic, case=case.id, site=None, move=None)
    here = offered_sites((await site_index(ctx.repos)).sites, case)
    if len(here) == 1:
        return await _site_chosen(ctx, here[0].id) or []
    if not here:
        ctx.ask(FLOW, "where")
        return await prompt(ctx)
    rows = [(_step(ctx, site.name, AtSite(site.id)),) for site in here]
    rows.append((_step(ctx, _("📍 Somewhere else"), Elsewhere()),))
    text = _("🏢 Which place suits you best?")
    return [Reply(text, buttons=(*rows, menu.home_row()))]


async def prompt(ctx: Context) -> list[Action]:
    step = ctx.state.step
    data = ctx.state.data or {}
    if step == "where":
        return [ask_where(ctx)]
    if step in ("day", "time", "confirm"):
        site = await _chosen_site(ctx)
        if site is not None:
            if step == "time" and data.get("day"):
                return await _ask_time(ctx, site, date.fromisoformat(data["day"]))
            if step == "confirm" and data.get("start"):
                return await _ask_confirm(ctx, site, datetime.fromisoformat(data["start"]))
            return await _ask_day(ctx, site)
    return _ask_topic(ctx)


def _ask_topic(ctx: Context) -> list[Action]:
    ctx.ask(FLOW, "topic")
    rows = tuple((_step(ctx, topic_name(t), About(t)),) for t in TOPIC_LABELS)
    text = _(
        "📅 <b>Book help</b>\n"
        "A digibuddy helps you one to one, for free.\n\n"
        "What do you need help with?"
    )
    return [Reply(text, buttons=(*rows, menu.home_row()))]


async def on_button(ctx: Context, value: str) -> list[Action] | None:
    data = ctx.state.data or {}
    match STEP_BUTTONS.decode(value):
        case About(topic=topic):
            ctx.ask(FLOW, "where", topic=topic)
            if data.get("site"):
                return await _site_chosen(ctx, data["site"])
            return await prompt(ctx)
        case PlaceChoice(place=place) if place is not None:
            return await _sites_near(ctx, place.latitude, place.longitude)
        case Retype():
            return await prompt(ctx)
        case Elsewhere():
            ctx.ask(FLOW, "where")
            return await prompt(ctx)
        case AtSite(site_id=site_id):
            return await _site_chosen(ctx, site_id)
        case Page(page=page):
            ctx.ask(FLOW, "day", page=page)
            return await prompt(ctx)
        case OnDay(day=day):
            return await _day_chosen(ctx, day)
        case AtTime(stamp=stamp):
            return await _time_chosen(ctx, stamp)
        case Confirm():
            return await _confirm(ctx)
        case Other():
            ctx.ask(FLOW, "day", page=0)
            return await prompt(ctx)
    return None


def _step(ctx: Context, label: str, button: StepButton) -> Button:
    return ctx.step_button(label, STEP_BUTTONS.encode(button))


# --- where ------------------------------------------------------------------------------------


async def on_text(ctx: Context, text: str) -> list[Action] | None:
    if ctx.state.step != "where":
        return None
    found = locate(ctx, text)
    if isinstance(found, Place):
        return await _sites_near(ctx, found.latitude, found.longitude)
    return found


async def on_location(ctx: Context, latitude: float, longitude: float) -> list[Action]:
    if ctx.state.step != "where":
        return [Reply(_("👇 Please tap one of the buttons.")), *await prompt(ctx)]
    return await _sites_near(ctx, latitude, longitude)


async def _sites_near(ctx: Context, latitude: float, longitude: float) -> list[Action]:
    topic = (ctx.state.data or {}).get("topic")
    index = await site_index(ctx.repos)
    found = index.nearest(latitude, longitude, SITES_SHOWN, lambda s: books(s, topic))
    if not found:
        ctx.finish()
        text = _(
            "😕 No digibank near you takes bookings here yet.\n"
            "A digibuddy can help you make an appointment."
        )
        return [Reply(text, remove_keyboard=True), *menu.main_menu(ctx)]
    ctx.ask(FLOW, "site")
    rows = tuple(
        (_step(ctx, f"{site.name} · {format_distance(km)}", AtSite(site.id)),) for site, km in found
    )
    return [
        Reply(_("📍 Thank you."), remove_keyboard=True),
        Reply(_("🏢 Which place suits you best?"), buttons=(*rows, menu.home_row())),
    ]


async def _site_chosen(ctx: Context, site_id: str) -> list[Action] | None:
    site = (await site_index(ctx.repos)).by_id(site_id)
    if site is None or site.coaching is None:
        return None
    ctx.ask(FLOW, "day", site=site.id, page=0)
    return await _ask_day(ctx, site)


# --- day and time -----------------------------------------------------------------------------


async def _free_slots(ctx: Context, site: SiteRecord) -> list[Slot]:
    rules = site.coaching
    assert rules is not None
    end = ctx.now + timedelta(days=rules.horizon_days + 1)
    taken = await ctx.repos.bookings.taken(site.id, ctx.now, end)
    return slots(rules, ctx.now, taken, site_closures=site.closures)


def _day_of(ctx: Context, slot: Slot) -> date:
    """The day a slot is shown on (display zone)."""
    return slot.starts_at.astimezone(ctx.tz).date()


async def _ask_day(ctx: Context, site: SiteRecord) -> list[Action]:
    free = await _free_slots(ctx, site)
    days = sorted({_day_of(ctx, s) for s in free})
    page = int((ctx.state.data or {}).get("page") or 0)
    shown = days[page * DAYS_SHOWN : (page + 1) * DAYS_SHOWN]
    if not shown:
        ctx.finish()
        text = _("😕 <b>{site}</b> has no free time in the coming weeks.").format(
            site=html.escape(site.name)
        )
        return [Reply(text, buttons=(menu.home_row(),))]
    ctx.ask(FLOW, "day")
    rows: list[tuple[Button, ...]] = [(_step(ctx, format_day(day), OnDay(day)),) for day in shown]
    if len(days) > (page + 1) * DAYS_SHOWN:
        rows.append((_step(ctx, _("➡️ Later days"), Page(page + 1)),))
    text = _("📅 <b>{site}</b>\nWhich day suits you?").format(site=html.escape(site.name))
    return [Reply(text, buttons=(*rows, menu.home_row()))]


async def _chosen_site(ctx: Context) -> SiteRecord | None:
    """The site this dialogue chose, if it (still) takes bookings."""
    site = (await site_index(ctx.repos)).by_id((ctx.state.data or {}).get("site") or "")
    return site if site is not None and site.coaching is not None else None


async def _day_chosen(ctx: Context, day: date) -> list[Action] | None:
    if abs(day - ctx.now.date()) > timedelta(days=3660):
        return None  # never one of the days we offered
    site = await _chosen_site(ctx)
    return await _ask_time(ctx, site, day) if site is not None else None


async def _ask_time(ctx: Context, site: SiteRecord, day: date) -> list[Action]:
    free = [s for s in await _free_slots(ctx, site) if _day_of(ctx, s) == day]
    if not free:
        ctx.ask(FLOW, "day", page=0)
        return [Reply(_("😕 That day is full now.")), *await _ask_day(ctx, site)]
    ctx.ask(FLOW, "time", day=day.isoformat())
    buttons = [
        _step(ctx, format_time(s.starts_at, ctx.tz), AtTime(int(s.starts_at.timestamp())))
        for s in free
    ]
    rows = [tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)]
    rows.append((_step(ctx, _("↩️ Another day"), Other()),))
    text = _("🕐 {day}\nWhat time?").format(day=format_day(day))
    return [Reply(text, buttons=(*rows, menu.home_row()))]


async def _time_chosen(ctx: Context, stamp: int) -> list[Action] | None:
    site = await _chosen_site(ctx)
    if site is None or site.coaching is None:
        return None
    starts_at = datetime.fromtimestamp(stamp, tz=UTC)
    horizon = timedelta(days=site.coaching.horizon_days + 1)
    if not ctx.now - timedelta(days=1) <= starts_at <= ctx.now + horizon:
        return None  # never one of the times we offered
    return await _ask_confirm(ctx, site, starts_at)


async def _ask_confirm(ctx: Context, site: SiteRecord, starts_at: datetime) -> list[Action]:
    ctx.ask(FLOW, "confirm", start=starts_at.isoformat())
    topic = (ctx.state.data or {}).get("topic") or OTHER
    text = _("✅ <b>Is this right?</b>\n{summary}").format(
        summary=summary(topic, site, starts_at, ctx.tz)
    )
    buttons = (
        (_step(ctx, _("✅ Yes, book it"), Confirm()),),
        (_step(ctx, _("↩️ Another time"), Other()),),
        menu.home_row(),
    )
    return [Reply(text, buttons=buttons)]


# --- booking ----------------------------------------------------------------------------------


async def _confirm(ctx: Context) -> list[Action] | None:
    data = ctx.state.data or {}
    site = await _chosen_site(ctx)
    if site is None or site.coaching is None or not data.get("start"):
        return None
    rules = site.coaching
    starts_at = datetime.fromisoformat(data["start"])
    moving = await own_booking(ctx, data.get("move"))
    upcoming = await ctx.repos.bookings.upcoming_of(ctx.user.id, ctx.now)
    if moving is None and len(upcoming) >= rules.max_upcoming:
        ctx.finish()
        text = ngettext(
            "📅 You already have {count} appointment. Cancel it first to book another.",
            "📅 You already have {count} appointments. Cancel one first to book another.",
            len(upcoming),
        ).format(count=len(upcoming))
        return [Reply(text), *await my_appointments(ctx)]
    slot = slot_at(rules, ctx.now, starts_at, site_closures=site.closures)
    booking = None
    if slot is not None:
        booking = await ctx.repos.bookings.book(
            ctx.user.id,
            site.id,
            data.get("topic") or OTHER,
            current_locale.get(),
            slot.starts_at,
            slot.minutes,
            slot.capacity,
            ctx.now,
            case_id=data.get("case") if isinstance(data.get("case"), int) else None,
        )
    if booking is None:
        ctx.ask(FLOW, "day", page=0)
        note = _("😕 Sorry, someone just took that time. Please choose another one.")
        return [Reply(note), *await _ask_day(ctx, site)]
    actions: list[Action] = []
    if moving is not None:
        actions += await cancel(ctx, moving, tell_citizen=False, moved_to=booking)
    ctx.finish()
    actions += _confirmation(ctx, booking, site) + reminders(ctx, booking, site)
    return actions + await _tell_helper(ctx, booking, site)


def _confirmation(ctx: Context, booking: Booking, site: SiteRecord) -> list[Action]:
    text = _(
        "🎉 <b>Booked!</b>\n{summary}\n\n"
        "🎒 Please bring: {bring}.\n\n"
        "🔔 I will remind you before it starts."
    ).format(
        summary=summary(booking.topic, site, booking.starts_at, ctx.tz),
        bring=bring_text(booking.topic),
    )
    buttons = (
        (booking_button(_("📅 My appointments"), MyAppointments()),),
        (menu.home_button(),),
    )
    calendar = booking_ics(
        booking.id,
        booking.starts_at,
        booking.minutes,
        ctx.now,
        summary=_("Digibank: {topic}").format(topic=topic_name(booking.topic)),
        location=f"{site.name}, {site.address}",
        description=_("Please bring: {bring}.").format(bring=bring_text(booking.topic)),
        tz=ctx.tz,
        latitude=site.latitude,
        longitude=site.longitude,
    )
    return [
        Reply(text, buttons=buttons),
        SendVenue(site.latitude, site.longitude, site.name, site.address),
        SendDocument(
            "digibank.ics",
            calendar,
            caption=_("📆 Tap this file to add it to your calendar."),
        ),
    ]


async def _tell_helper(ctx: Context, booking: Booking, site: SiteRecord) -> list[Action]:
    """A booking made from a digibuddy's offer: that digibuddy hears of it."""
    case = await ctx.repos.cases.get(booking.case_id) if booking.case_id else None
    if case is None or case.assignee_id is None:
        return []
    with await speaking_to(ctx, case.assignee_id):
        text = _("📅 Question #{id} booked: {topic}, {when}, {site}.").format(
            id=case.id,
            topic=topic_name(booking.topic),
            when=day_and_time(booking.starts_at, ctx.tz),
            site=html.escape(site.name),
        )
    return [Notify(case.assignee_id, text)]

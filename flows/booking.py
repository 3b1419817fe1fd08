"""Book coaching: topic → site → day → time → confirm; my appointments; reminders.

A booking holds a place in a slot (see storage.bookings); its reminders are outbox rows
written in the same transaction, sent when due, dropped when it is cancelled and never
sent once it has begun.
"""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta

from flows import button_values, callbacks, cases, menu, nearest
from flows.actions import (
    Action,
    Button,
    Later,
    Notify,
    Reply,
    SendDocument,
    SendVenue,
    Toast,
)
from flows.availability import BRUSSELS, Slot, slot_at, slots
from flows.calendar_file import booking_ics
from flows.cases import TOPIC_LABELS, topic_name
from flows.context import Context
from flows.geo import Place
from flows.i18n import (
    N_,
    _,
    current_locale,
    format_day,
    format_distance,
    format_time,
    ngettext,
    use_locale,
)
from flows.site_index import site_index
from storage.models import Booking, Case
from storage.site_schema import SiteRecord

FLOW = "book"
BOOKING = "bk"  # callback namespace of buttons about one booking; they stay valid
DAYS_SHOWN = 6  # day buttons at once; "later days" pages on
SITES_SHOWN = 3
MAX_PAGE = 100  # pages of days; a forged page number beyond is an expired button
MAX_STAMP = 2**37  # a slot's start in seconds: far beyond any horizon, within datetime's range

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
    "other": N_("the device or the letter your question is about"),
}
assert set(BRING) == set(TOPIC_LABELS)


def bring_text(topic: str) -> str:
    return _(BRING.get(topic, BRING["other"]))


def _booking_button(label: str, value: str) -> Button:
    return Button(label, callbacks.encode(BOOKING, value))


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


async def prompt(ctx: Context) -> list[Action]:
    step = ctx.state.step
    data = ctx.state.data or {}
    if step == "where":
        return [nearest.ask_where(ctx)]
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
    rows = tuple((ctx.step_button(topic_name(t), f"topic.{t}"),) for t in TOPIC_LABELS)
    text = _(
        "📅 <b>Book help</b>\n"
        "A digibuddy helps you one to one, for free.\n\n"
        "What do you need help with?"
    )
    return [Reply(text, buttons=(*rows, menu.home_row()))]


async def on_button(ctx: Context, value: str) -> list[Action] | None:
    data = ctx.state.data or {}
    kind, _sep, rest = value.partition(".")
    if kind == "topic" and rest in TOPIC_LABELS:
        ctx.ask(FLOW, "where", topic=rest)
        if data.get("site"):
            return await _site_chosen(ctx, data["site"])
        return await prompt(ctx)
    place = nearest.place_of(value)
    if place is not None:
        return await _sites_near(ctx, place.latitude, place.longitude)
    if value == "retype":
        return await prompt(ctx)
    if value == "elsewhere":
        ctx.ask(FLOW, "where")
        return await prompt(ctx)
    if kind == "site":
        return await _site_chosen(ctx, rest)
    page = button_values.number(rest, maximum=MAX_PAGE, minimum=0) if kind == "page" else None
    if page is not None:
        ctx.ask(FLOW, "day", page=page)
        return await prompt(ctx)
    if kind == "day":
        return await _day_chosen(ctx, rest)
    stamp = button_values.number(rest, maximum=MAX_STAMP) if kind == "time" else None
    if stamp is not None:
        return await _time_chosen(ctx, stamp)
    if kind == "confirm":
        return await _confirm(ctx)
    if kind == "other":
        ctx.ask(FLOW, "day", page=0)
        return await prompt(ctx)
    return None


# --- where ------------------------------------------------------------------------------------


async def on_text(ctx: Context, text: str) -> list[Action] | None:
    if ctx.state.step != "where":
        return None
    found = nearest.locate(ctx, text)
    if isinstance(found, Place):
        return await _sites_near(ctx, found.latitude, found.longitude)
    return found


async def on_location(ctx: Context, latitude: float, longitude: float) -> list[Action]:
    if ctx.state.step != "where":
        return [Reply(_("👇 Please tap one of the buttons.")), *await prompt(ctx)]
    return await _sites_near(ctx, latitude, longitude)


def _books(site: SiteRecord, topic: str | None) -> bool:
    """Online booking here, for this topic (a site without a topic list takes all)."""
    return site.coaching is not None and (not site.topics or topic in site.topics)


async def _sites_near(ctx: Context, latitude: float, longitude: float) -> list[Action]:
    topic = (ctx.state.data or {}).get("topic")
    index = await site_index(ctx.repos)
    found = index.nearest(latitude, longitude, SITES_SHOWN, lambda s: _books(s, topic))
    if not found:
        ctx.finish()
        text = _(
            "😕 No digibank near you takes bookings here yet.\n"
            "A digibuddy can help you make an appointment."
        )
        return [Reply(text, remove_keyboard=True), *menu.main_menu(ctx)]
    ctx.ask(FLOW, "site")
    rows = tuple(
        (
            ctx.step_button(
                f"{site.name} · {format_distance(km)}",
                f"site.{site.id}",
            ),
        )
        for site, km in found
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


def _local_day(slot: Slot) -> date:
    return slot.starts_at.astimezone(BRUSSELS).date()


async def _ask_day(ctx: Context, site: SiteRecord) -> list[Action]:
    free = await _free_slots(ctx, site)
    days = sorted({_local_day(s) for s in free})
    page = int((ctx.state.data or {}).get("page") or 0)
    shown = days[page * DAYS_SHOWN : (page + 1) * DAYS_SHOWN]
    if not shown:
        ctx.finish()
        text = _("😕 <b>{site}</b> has no free time in the coming weeks.").format(
            site=html.escape(site.name)
        )
        return [Reply(text, buttons=(menu.home_row(),))]
    ctx.ask(FLOW, "day")
    rows: list[tuple[Button, ...]] = [
        (ctx.step_button(format_day(day), f"day.{day.isoformat()}"),) for day in shown
    ]
    if len(days) > (page + 1) * DAYS_SHOWN:
        rows.append((ctx.step_button(_("➡️ Later days"), f"page.{page + 1}"),))
    text = _("📅 <b>{site}</b>\nWhich day suits you?").format(site=html.escape(site.name))
    return [Reply(text, buttons=(*rows, menu.home_row()))]


async def _chosen_site(ctx: Context) -> SiteRecord | None:
    """The site this dialogue chose, if it (still) takes bookings."""
    site = (await site_index(ctx.repos)).by_id((ctx.state.data or {}).get("site") or "")
    return site if site is not None and site.coaching is not None else None


async def _day_chosen(ctx: Context, value: str) -> list[Action] | None:
    day = button_values.day(value, ctx.now.date())
    if day is None:
        return None
    site = await _chosen_site(ctx)
    return await _ask_time(ctx, site, day) if site is not None else None


async def _ask_time(ctx: Context, site: SiteRecord, day: date) -> list[Action]:
    free = [s for s in await _free_slots(ctx, site) if _local_day(s) == day]
    if not free:
        ctx.ask(FLOW, "day", page=0)
        return [Reply(_("😕 That day is full now.")), *await _ask_day(ctx, site)]
    ctx.ask(FLOW, "time", day=day.isoformat())
    buttons = [
        ctx.step_button(format_time(s.starts_at), f"time.{int(s.starts_at.timestamp())}")
        for s in free
    ]
    rows = [tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)]
    rows.append((ctx.step_button(_("↩️ Another day"), "other"),))
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


def when_text(moment: datetime) -> str:
    """'Tuesday 2 March at 13:00', in the current language."""
    return _("{day} at {time}").format(day=format_day(moment), time=format_time(moment))


def _summary(topic: str, site: SiteRecord, starts_at: datetime) -> str:
    when = when_text(starts_at)
    return "\n".join(
        (
            f"📋 {topic_name(topic)}",
            f"🕐 {when}",
            f"🏢 {html.escape(site.name)}",
            f"📫 {html.escape(site.address)}",
        )
    )


async def _ask_confirm(ctx: Context, site: SiteRecord, starts_at: datetime) -> list[Action]:
    ctx.ask(FLOW, "confirm", start=starts_at.isoformat())
    topic = (ctx.state.data or {}).get("topic") or "other"
    text = _("✅ <b>Is this right?</b>\n{summary}").format(summary=_summary(topic, site, starts_at))
    buttons = (
        (ctx.step_button(_("✅ Yes, book it"), "confirm"),),
        (ctx.step_button(_("↩️ Another time"), "other"),),
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
    moving = await _own_booking(ctx, data.get("move"))
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
            data.get("topic") or "other",
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
        actions += await _cancel(ctx, moving, tell_citizen=False, moved_to=booking)
    ctx.finish()
    actions += _confirmation(ctx, booking, site) + reminders(ctx, booking, site)
    return actions + await _tell_helper(ctx, booking, site)


async def _own_booking(ctx: Context, booking_id: object) -> Booking | None:
    if not isinstance(booking_id, int):
        return None
    booking = await ctx.repos.bookings.get(booking_id)
    if booking is None or booking.citizen_id != ctx.user.id or booking.status != "booked":
        return None
    return booking


def _confirmation(ctx: Context, booking: Booking, site: SiteRecord) -> list[Action]:
    text = _(
        "🎉 <b>Booked!</b>\n{summary}\n\n"
        "🎒 Please bring: {bring}.\n\n"
        "🔔 I will remind you before it starts."
    ).format(
        summary=_summary(booking.topic, site, booking.starts_at), bring=bring_text(booking.topic)
    )
    buttons = (
        (_booking_button(_("📅 My appointments"), "list"),),
        (menu.menu_button("home", _("🏠 Menu")),),
    )
    calendar = booking_ics(
        booking.id,
        booking.starts_at,
        booking.minutes,
        ctx.now,
        summary=_("Digibank: {topic}").format(topic=topic_name(booking.topic)),
        location=f"{site.name}, {site.address}",
        description=_("Please bring: {bring}.").format(bring=bring_text(booking.topic)),
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


def _change_row(booking: Booking) -> tuple[Button, ...]:
    return (
        _booking_button(_("🔁 Move"), f"move.{booking.id}"),
        _booking_button(_("❌ Cancel"), f"cancel.{booking.id}"),
    )


def reminder_due(starts_at: datetime, hours: int) -> datetime:
    """Whole days before go by the calendar (24 h before a Monday 10:00 after the clocks
    changed is Sunday 10:00, not 09:00); other offsets are plain hours."""
    if hours % 24 == 0:
        local = starts_at.astimezone(BRUSSELS)
        day = local.date() - timedelta(days=hours // 24)
        wall = datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=BRUSSELS)
        return wall.astimezone(starts_at.tzinfo)
    return starts_at - timedelta(hours=hours)


def reminders(ctx: Context, booking: Booking, site: SiteRecord) -> list[Action]:
    """The reminder messages of a booking (REMINDER_HOURS before it), never sent once the
    appointment has begun."""
    dues = [reminder_due(booking.starts_at, hours) for hours in ctx.settings.reminder_hours]
    text = _("🔔 <b>Reminder</b>\n{summary}\n\n🎒 Please bring: {bring}.").format(
        summary=_summary(booking.topic, site, booking.starts_at),
        bring=bring_text(booking.topic),
    )
    buttons = (
        (_booking_button(_("👍 I'll be there"), f"coming.{booking.id}"),),
        _change_row(booking),
    )
    return [
        Notify(ctx.user.id, text, buttons, later=Later(due, booking.id, booking.starts_at))
        for due in dues
        if due > ctx.now  # booked at short notice: that reminder makes no sense any more
    ]


# --- my appointments --------------------------------------------------------------------------


async def my_appointments(ctx: Context) -> list[Action]:
    upcoming = await ctx.repos.bookings.upcoming_of(ctx.user.id, ctx.now)
    ctx.finish()
    book_row = (_booking_button(_("📅 Book help"), "new"),)
    if not upcoming:
        text = _("📅 You have no appointments.")
        return [Reply(text, buttons=(book_row, (menu.menu_button("home", _("🏠 Menu")),)))]
    index = await site_index(ctx.repos)
    actions: list[Action] = [Reply(_("📅 <b>Your appointments</b>"))]
    for booking in upcoming:
        site = index.by_id(booking.site_id)
        if site is None:
            continue
        text = _summary(booking.topic, site, booking.starts_at)
        if booking.answer == "coming":
            text += "\n" + _("👍 You said you will come.")
        actions.append(Reply(text, buttons=(_change_row(booking),)))
    actions.append(Reply(_("👇 Anything else?"), buttons=(menu.home_row(),)))
    return actions


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
        return await _offered(ctx, ident)
    booking = await _own_booking(ctx, ident)
    if booking is None or booking.starts_at <= ctx.now:
        return [Toast(_("⌛ This appointment is no longer open.")), *await my_appointments(ctx)]
    if kind == "coming":
        booking.answer = "coming"
        return [Reply(_("👍 Thank you! See you then."), buttons=(_change_row(booking),))]
    if kind == "move":
        return await move(ctx, booking)
    if kind == "cancel":
        return await _cancel(ctx, booking, tell_citizen=True)
    return None


async def _cancel(
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
                buttons=((_booking_button(_("📅 Book help"), "new"),), menu.home_row()),
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
        with use_locale(await cases.locale_of(ctx, profile.user_id)):
            details = {
                "topic": topic_name(booking.topic),
                "when": when_text(booking.starts_at),
                "site": html.escape(site.name),
            }
            if moved_to is None:
                text = _("📅 Cancelled: {topic}, {when}, {site}. The place is free again.")
            else:
                details["new_when"] = when_text(moved_to.starts_at)
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


def no_booking_sites() -> Reply:
    """For staff: their digibank has no coaching hours yet."""
    text = _("😕 No site of your digibank takes bookings yet. Organisers add hours with /sites.")
    return Reply(text, buttons=(menu.home_row(),))


# --- offered by a digibuddy from a case ----------------------------------------------------------


def _offered_sites(index_sites: list[SiteRecord], case: Case) -> list[SiteRecord]:
    here = [s for s in index_sites if s.digibank == case.digibank_id and _books(s, case.topic)]
    return sorted(here, key=lambda s: s.name.casefold())


async def offer(ctx: Context) -> list[Action]:
    """/offer: a digibuddy helping someone sends them a button to book coaching."""
    return await cases.on_current(ctx, offer_for)


async def offer_for(ctx: Context, case: Case) -> list[Action]:
    if case.citizen_id is None or case.status == "closed":
        return [Reply(_("⚠️ This person is no longer here."))]
    if not _offered_sites((await site_index(ctx.repos)).sites, case):
        return [no_booking_sites()]
    with use_locale(await cases.locale_of(ctx, case.citizen_id, case.locale)):
        text = _(
            "📅 Your digibuddy suggests help in person: one to one, at the digibank, "
            "for free.\nDo you want to choose a time?"
        )
        buttons = ((_booking_button(_("📅 Choose a time"), f"offer.{case.id}"),), menu.home_row())
        note = Notify(case.citizen_id, text, buttons)
    sent = _("📅 Sent to question #{id}: a button to book a time. Once booked, it is in /agenda.")
    return [Reply(sent.format(id=case.id)), note]


async def _offered(ctx: Context, case_id: int) -> list[Action]:
    """The citizen taps "Choose a time": topic and digibank come from their question."""
    case = await ctx.repos.cases.get(case_id)
    if case is None or case.citizen_id != ctx.user.id:
        return [Toast(_("⌛ This button has expired.")), *menu.main_menu(ctx)]
    ctx.ask(FLOW, "site", topic=case.topic, case=case.id, site=None, move=None)
    here = _offered_sites((await site_index(ctx.repos)).sites, case)
    if len(here) == 1:
        return await _site_chosen(ctx, here[0].id) or []
    if not here:
        ctx.ask(FLOW, "where")
        return await prompt(ctx)
    rows = [(ctx.step_button(site.name, f"site.{site.id}"),) for site in here]
    rows.append((ctx.step_button(_("📍 Somewhere else"), "elsewhere"),))
    text = _("🏢 Which place suits you best?")
    return [Reply(text, buttons=(*rows, menu.home_row()))]


async def _tell_helper(ctx: Context, booking: Booking, site: SiteRecord) -> list[Action]:
    """A booking made from a digibuddy's offer: that digibuddy hears of it."""
    case = await ctx.repos.cases.get(booking.case_id) if booking.case_id else None
    if case is None or case.assignee_id is None:
        return []
    with use_locale(await cases.locale_of(ctx, case.assignee_id)):
        text = _("📅 Question #{id} booked: {topic}, {when}, {site}.").format(
            id=case.id,
            topic=topic_name(booking.topic),
            when=when_text(booking.starts_at),
            site=html.escape(site.name),
        )
    return [Notify(case.assignee_id, text)]

"""/stats for organisers and admins: the questions to a person over the last 7 and 30 days,
per digibank and per site: how many came in and were closed, how long people waited for
a digibuddy and for the first answer (medians), and the ratings. A second message gives
the coaching appointments of the last 30 days: who came, who did not, the no-show rate.

Organisers see their own digibank(s), admins every digibank. Short lines for a phone;
when the questions would be too long for one message, the last sites are left out and a
line says how many.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import timedelta

from flows import menu, staff
from flows.actions import MAX_TEXT, Action, Reply, utf16_len
from flows.context import Context
from flows.i18n import N_, _, format_day, format_number, format_percent, format_time, ngettext
from storage.statistics import (
    NO_FIGURES,
    AppointmentFigures,
    CaseReport,
    DigibankFigures,
    Figures,
)
from storage.vocabulary import ORGANISING_ROLES

PERIODS = ((7, N_("Last 7 days")), (30, N_("Last 30 days")))
APPOINTMENT_DAYS = 30
NO_DATA = "–"


def format_duration(duration: timedelta | None) -> str:
    """'45 s', '12 min', '1 h 5 min', '2 d 3 h'; '–' without data."""
    if duration is None:
        return NO_DATA
    seconds = max(0, round(duration.total_seconds()))
    if seconds < 60:
        return _("{seconds} s").format(seconds=format_number(seconds))
    minutes = (seconds + 30) // 60
    if minutes < 60:
        return _("{minutes} min").format(minutes=format_number(minutes))
    if minutes < 24 * 60:
        hours, minutes = divmod(minutes, 60)
        if not minutes:
            return _("{hours} h").format(hours=format_number(hours))
        return _("{hours} h {minutes} min").format(
            hours=format_number(hours), minutes=format_number(minutes)
        )
    days, hours = divmod((minutes + 30) // 60, 24)
    if not hours:
        return _("{days} d").format(days=format_number(days))
    return _("{days} d {hours} h").format(days=format_number(days), hours=format_number(hours))


def format_rating(figures: Figures) -> str:
    average = NO_DATA
    if figures.average_rating is not None:
        average = format_number(round(figures.average_rating, 1))
    text = ngettext(
        "⭐ {average} ({count} rating)", "⭐ {average} ({count} ratings)", figures.ratings
    )
    return text.format(average=average, count=format_number(figures.ratings))


def _period_lines(label: str, figures: Figures) -> list[str]:
    counts = _("{period}: {opened} new ({still_open} still open), {closed} closed").format(
        period=_(label),
        opened=format_number(figures.opened),
        still_open=format_number(figures.still_open),
        closed=format_number(figures.closed),
    )
    times = _("⏱️ waiting time {waiting} · 💬 first answer {answer}").format(
        waiting=format_duration(figures.median_wait),
        answer=format_duration(figures.median_first_answer),
    )
    return [counts, f"{times} · {format_rating(figures)}"]


def _block(title: str, per_period: Sequence[Figures]) -> str:
    lines = [title]
    for (_days, label), figures in zip(PERIODS, per_period, strict=True):
        lines += _period_lines(label, figures)
    return "\n".join(lines)


def _site_blocks(reports: Sequence[CaseReport], digibank_id: str) -> list[str]:
    """One block per site with a case in either period; none when no case has a site."""
    names: dict[str | None, str | None] = {}
    for report in reversed(reports):  # the longest period first: it has every site
        bank = report.digibank(digibank_id)
        for site in bank.sites if bank else ():
            names.setdefault(site.site_id, site.name)
    if not any(site_id is not None for site_id in names):
        return []
    blocks = []
    for site_id, name in names.items():
        per_period = []
        for report in reports:
            bank = report.digibank(digibank_id)
            site = bank.site(site_id) if bank else None
            per_period.append(site.figures if site else NO_FIGURES)
        shown = html.escape(name or site_id) if site_id is not None else _("Without a site")
        blocks.append(_block(f"📍 <i>{shown}</i>", per_period))
    return blocks


def _more_sites(count: int) -> str:
    text = ngettext("…and {count} more site", "…and {count} more sites", count)
    return text.format(count=format_number(count))


def _more_digibanks(count: int) -> str:
    text = ngettext("…and {count} more digibank", "…and {count} more digibanks", count)
    return text.format(count=format_number(count))


def _quiet_line(names: list[str]) -> str:
    return _("💤 No questions in the last 30 days: {names}").format(names=", ".join(names))


def _assemble(head: list[str], banks: list[tuple[str, list[str]]], quiet: list[str]) -> str:
    """Everything that fits in one message. First the head and every digibank's totals,
    then the names of the quiet digibanks, then as many sites as fit, in order; what is
    left out is counted on a last line."""
    reserve = utf16_len("\n\n" + _more_sites(99_999) + "\n" + _more_digibanks(99_999))
    budget = MAX_TEXT - reserve
    used = utf16_len("\n\n".join(head))
    kept = 0
    for totals, _sites in banks:
        if used + 2 + utf16_len(totals) > budget:
            break
        used += 2 + utf16_len(totals)
        kept += 1
    quiet_shown: list[str] = []
    if kept == len(banks) and quiet:
        used += 2 + utf16_len(_quiet_line([]))
        for name in quiet:
            if used + 2 + utf16_len(name) > budget:
                break
            quiet_shown.append(name)
            used += 2 + utf16_len(name)
    blocks, left_out = [], 0
    for totals, sites in banks[:kept]:
        shown = [totals]
        for site in sites:
            if left_out or used + 1 + utf16_len(site) > budget:
                left_out += 1  # once one is left out, so are the ones after it
                continue
            shown.append(site)
            used += 1 + utf16_len(site)
        blocks.append("\n".join(shown))
    if quiet_shown:
        blocks.append(_quiet_line(quiet_shown))
    more = [_more_sites(left_out)] if left_out else []
    banks_left_out = len(banks) - kept + len(quiet) - len(quiet_shown)
    if banks_left_out:
        more.append(_more_digibanks(banks_left_out))
    return "\n\n".join(head + blocks + (["\n".join(more)] if more else []))


def _appointment_line(figures: AppointmentFigures) -> str:
    rate = figures.no_show_rate
    return _(
        "✅ {attended} came · 🚫 {no_show} did not come ({rate}) · "
        "⏳ {unmarked} not marked · ❌ {cancelled} cancelled"
    ).format(
        attended=format_number(figures.attended),
        no_show=format_number(figures.no_show),
        rate=format_percent(rate) if rate is not None else NO_DATA,
        unmarked=format_number(figures.unmarked),
        cancelled=format_number(figures.cancelled),
    )


async def _appointments(
    ctx: Context, own: list[str] | None, banks: Sequence[DigibankFigures]
) -> str:
    """Coaching appointments of the last 30 days: who came, and the no-show rate (of the
    appointments staff marked), one line per digibank that had any (`banks`: the
    digibanks of the report, named and in order)."""
    since = ctx.now - timedelta(days=APPOINTMENT_DAYS)
    per_bank = await ctx.repos.statistics.appointments(own, since, ctx.now)
    title = _("📅 <b>Appointments</b>, last 30 days")
    if not per_bank:
        return title + "\n" + _("No appointments.")
    if own is not None and len(own) == 1:
        return title + "\n" + _appointment_line(per_bank.get(own[0], AppointmentFigures()))
    lines = [title]
    for bank in banks:
        if bank.digibank_id in per_bank:
            name = html.escape(bank.name or bank.digibank_id)
            lines.append(f"🏢 <i>{name}</i>: {_appointment_line(per_bank[bank.digibank_id])}")
    return "\n".join(lines)


async def show(ctx: Context) -> list[Action]:
    """/stats: the figures of the staff member's digibank(s); admins see every digibank.
    With more than one digibank, those without any question in 30 days share one line."""
    if ctx.role not in ORGANISING_ROLES:
        return staff.refuse(ctx)
    own = await staff.own_digibanks(ctx)
    if own is not None and not own:
        text = _("🏢 You are not linked to a digibank yet. Ask an admin for a new invite link.")
        return [Reply(text, buttons=(menu.home_row(),))]
    reports = [
        await ctx.repos.statistics.report(own, ctx.now - timedelta(days=days), ctx.now)
        for days, _label in PERIODS
    ]
    head = [
        _(
            "📊 <b>Questions to a person</b>\n"
            "Until {day}, {time}. Times are medians: half of the questions went faster."
        ).format(day=format_day(ctx.now, ctx.tz), time=format_time(ctx.now, ctx.tz))
    ]
    longest = reports[-1]
    several = len(longest.digibanks) != 1
    if several:
        head.append(_block(_("🌍 <b>All digibanks</b>"), [r.totals for r in reports]))
    banks, quiet = [], []
    for bank in longest.digibanks:
        name = html.escape(bank.name or bank.digibank_id)
        if several and bank.totals.empty:
            quiet.append(name)
            continue
        per_period = []
        for report in reports:
            figures = report.digibank(bank.digibank_id)
            per_period.append(figures.totals if figures else NO_FIGURES)
        title = f"🏢 <b>{name}</b>"
        banks.append((_block(title, per_period), _site_blocks(reports, bank.digibank_id)))
    return [
        Reply(_assemble(head, banks, quiet)),
        Reply(await _appointments(ctx, own, longest.digibanks), buttons=(menu.home_row(),)),
    ]

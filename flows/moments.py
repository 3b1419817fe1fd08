"""How the flows say when something happens, in the display time zone they are given
(the settings' TIMEZONE, `ctx.tz`)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from flows.i18n import _, format_day, format_time


def day_and_time(moment: datetime, tz: tzinfo) -> str:
    """'Tuesday 2 March at 13:00', in the current language."""
    return _("{day} at {time}").format(day=format_day(moment, tz), time=format_time(moment, tz))


def relative_when(moment: datetime, now: datetime, tz: tzinfo) -> str:
    """'today at 13:00', 'tomorrow at 09:00', 'Tuesday 2 December at 09:00'."""
    day, today = moment.astimezone(tz).date(), now.astimezone(tz).date()
    time_text = format_time(moment, tz)
    if day == today:
        return _("today at {time}").format(time=time_text)
    if day == today + timedelta(days=1):
        return _("tomorrow at {time}").format(time=time_text)
    return day_and_time(moment, tz)

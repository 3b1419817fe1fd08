"""The .ics file of a booking, so a citizen can add it to their phone's calendar."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from icalendar import Alarm, Calendar, Event, vGeo

PRODUCT = "-//Digibank helpdesk//Coaching//NL"


def booking_ics(
    booking_id: int,
    starts_at: datetime,
    minutes: int,
    made_at: datetime,
    summary: str,
    location: str,
    description: str,
    tz: tzinfo,
    latitude: float | None = None,
    longitude: float | None = None,
) -> bytes:
    """One event in the display zone `tz` (with its VTIMEZONE, so calendars place it right
    whatever the phone's zone) and an alarm an hour before."""
    local = starts_at.astimezone(tz)
    event = Event()
    event.add("uid", f"booking-{booking_id}@digibank-helpdesk")
    event.add("dtstamp", made_at.astimezone(tz))
    event.add("dtstart", local)
    event.add("dtend", local + timedelta(minutes=minutes))
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    if latitude is not None and longitude is not None:
        event.add("geo", vGeo((latitude, longitude)))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", timedelta(hours=-1))
    event.add_component(alarm)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()

"""Words the database stores and every layer speaks: roles and statuses.

They are `StrEnum`s: a member is the very string in the column (`Role.DIGIBUDDY ==
"digibuddy"`), so rows written before these existed read the same and no migration is
needed. Flows import them from here (storage imports nothing from flows).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user may do (`users.role`)."""

    CITIZEN = "citizen"
    DIGIBUDDY = "digibuddy"
    ORGANISER = "organiser"
    ADMIN = "admin"  # from the configuration (ADMIN_TELEGRAM_IDS)
    SYSTEM = "system"  # periodic chores, acting for nobody in particular; never stored


# Who may use the staff commands.
STAFF_ROLES = frozenset({Role.DIGIBUDDY, Role.ORGANISER, Role.ADMIN})
# Who looks after a digibank as a whole: figures, sites, anonymity.
ORGANISING_ROLES = frozenset({Role.ORGANISER, Role.ADMIN})
# The staff roles an invite link gives, and so the ones stored (admins come from the
# configuration). In the order an admin is offered them.
INVITABLE_ROLES = (Role.DIGIBUDDY, Role.ORGANISER)


class CaseStatus(StrEnum):
    """Where a question to a person is (`cases.status`)."""

    WAITING = "waiting"  # in line at its digibank
    ACTIVE = "active"  # a digibuddy helps
    CLOSED = "closed"


OPEN_CASE_STATUSES = (CaseStatus.WAITING, CaseStatus.ACTIVE)  # one per citizen at most


class Author(StrEnum):
    """Who wrote a message of a case (`case_messages.sender`), and who closed a case
    (`cases.closed_by`, where INACTIVITY is the periodic check)."""

    CITIZEN = "citizen"
    STAFF = "staff"
    NOTE = "note"  # a digibuddy's note, which the citizen never sees
    INACTIVITY = "inactivity"


class BookingStatus(StrEnum):
    """What became of a coaching appointment (`bookings.status`)."""

    BOOKED = "booked"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


# Every status that holds a place in its slot.
LIVE_BOOKING_STATUSES = (BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)

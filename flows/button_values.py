"""Numbers and days read from button values, bounded.

Callback data comes from the user's client and can be forged: `take.99999999999999999999`
would overflow the database's integer and end in an apology. A value that is not a plain,
bounded number is treated like an expired button instead.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

MAX_ID = 2**31 - 1  # our tables' ids are 32-bit integers on PostgreSQL
MAX_USER_ID = 2**53 - 1  # Telegram's user ids fit in 53 bits
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def number(value: str, maximum: int = MAX_ID, minimum: int = 1) -> int | None:
    """The number `value` spells in ASCII digits (no sign, no spaces), if within
    minimum..maximum; else None."""
    if not value or len(value) > len(str(maximum)) or not (value.isascii() and value.isdigit()):
        return None
    found = int(value)
    return found if minimum <= found <= maximum else None


def day(value: str, around: date, years: int = 10) -> date | None:
    """The ISO day `value` spells (2025-03-04), if within `years` of `around`; else None
    (far days would overflow the date arithmetic of paging)."""
    if not _DAY.fullmatch(value):
        return None
    try:
        found = date.fromisoformat(value)
    except ValueError:
        return None
    return found if abs(found - around) <= timedelta(days=366 * years) else None

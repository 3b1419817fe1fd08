"""Translations and locale-aware formatting.

The locale of the update being handled lives in a ContextVar, so concurrent users never
see each other's language. Catalogs are the `.po` files under `locales/`; a `.mo` made
by `digibank i18n compile` (the Docker image does) is used only when it is not older than
its `.po`, else the `.po` is compiled in memory: a stale `.mo` is never served.

There is no global time zone: a moment (datetime) is formatted in the zone it is given,
the display zone of the settings (`ctx.tz`); without one, formatting it is an error.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, tzinfo
from functools import cache
from importlib import resources
from pathlib import Path

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.units import format_unit

SUPPORTED_LOCALES: tuple[str, ...] = ("nl", "fr", "en", "ar", "tr", "uk")
SOURCE_LOCALE = "en"  # msgids are English; every language, English included, has a catalog
DOMAIN = "messages"

current_locale: ContextVar[str] = ContextVar("current_locale", default="nl")


def catalog_dir() -> resources.abc.Traversable:
    return resources.files("locales")


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The locale's compiled .mo if it is not older than its .po, else the .po compiled in
    memory; an unknown locale falls back to the msgid."""
    po_file = catalog_dir() / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_file.is_file():
        return gettext.NullTranslations()
    mo_file = Path(str(po_file)).with_suffix(".mo")
    if mo_file.is_file() and mo_file.stat().st_mtime >= Path(str(po_file)).stat().st_mtime:
        with mo_file.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    """Translate into the current locale."""
    return translations(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated where shown)."""
    return message


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    token = current_locale.set(locale if locale in SUPPORTED_LOCALES else SOURCE_LOCALE)
    try:
        yield
    finally:
        current_locale.reset(token)


def resolve_locale(stored: str | None, telegram_code: str | None, default: str) -> str:
    """Stored choice, else Telegram's language_code (an IETF tag like 'nl-BE'), else default."""
    if stored in SUPPORTED_LOCALES:
        return stored
    if telegram_code:
        primary = telegram_code.replace("_", "-").split("-")[0].lower()
        if primary in SUPPORTED_LOCALES:
            return primary
    return default


def language_name(locale: str) -> str:
    """The language's own name, e.g. 'Nederlands', 'العربية'."""
    return Locale.parse(locale).get_display_name(locale).capitalize()


def _babel_locale() -> str:
    # Flemish conventions for Dutch and Belgian ones for French; others as their default.
    return {"nl": "nl_BE", "fr": "fr_BE"}.get(current_locale.get(), current_locale.get())


def _in_zone(value: datetime, tz: tzinfo | None) -> datetime:
    """A moment as the wall-clock time in `tz`; without a zone there is no right answer."""
    if tz is None:
        raise TypeError("a moment is shown in a time zone: pass the display zone (ctx.tz)")
    return value.astimezone(tz)


def format_date(value: date, tz: tzinfo | None = None, fmt: str = "full") -> str:
    """A date; a moment (datetime) needs `tz`, the zone it is shown in."""
    if isinstance(value, datetime):
        value = _in_zone(value, tz).date()
    return babel_dates.format_date(value, format=fmt, locale=_babel_locale())


# "Tuesday 1 December": weekday and date without the year, as each language writes them.
_DAY_PATTERNS = {
    "nl": "EEEE d MMMM",
    "fr": "EEEE d MMMM",
    "en": "EEEE d MMMM",
    "ar": "EEEE، d MMMM",
    "tr": "d MMMM EEEE",
    "uk": "EEEE, d MMMM",
}


def format_day(value: date | datetime, tz: tzinfo | None = None) -> str:
    """'Tuesday 1 December'; a moment (datetime) needs `tz`, the zone it is shown in."""
    if isinstance(value, datetime):
        value = _in_zone(value, tz).date()
    pattern = _DAY_PATTERNS.get(current_locale.get(), "EEEE d MMMM")
    return babel_dates.format_date(value, pattern, locale=_babel_locale())


def format_time(value: datetime | time, tz: tzinfo | None = None) -> str:
    """A moment (datetime) in `tz`, which it needs, or a wall-clock time as it is."""
    if isinstance(value, datetime):
        local = _in_zone(value, tz)
        return babel_dates.format_time(local, format="short", tzinfo=tz, locale=_babel_locale())
    return babel_dates.format_time(value, format="short", locale=_babel_locale())


def format_datetime(value: datetime, tz: tzinfo) -> str:
    local = _in_zone(value, tz)
    return babel_dates.format_datetime(local, format="medium", tzinfo=tz, locale=_babel_locale())


def format_number(value: float | int) -> str:
    return babel_numbers.format_decimal(value, locale=_babel_locale())


def format_percent(share: float) -> str:
    """0.2 → '20 %' (nl), '20 %' (fr), '20%' (en): Babel's pattern for the locale."""
    return babel_numbers.format_percent(share, locale=_babel_locale())


def format_distance(kilometres: float) -> str:
    """'350 m' below one kilometre, else '2,4 km' (one decimal under 10 km), in local units."""
    if kilometres < 1:
        metres = max(10, round(kilometres * 1000, -1))
        return format_unit(metres, "length-meter", length="short", locale=_babel_locale())
    pattern = "#,##0.0" if kilometres < 10 else "#,##0"
    return format_unit(
        kilometres, "length-kilometer", length="short", format=pattern, locale=_babel_locale()
    )

"""Settings from the environment (and an optional `.env`), validated once at start-up.

A bad value raises `ConfigError` naming the variable; the CLI turns it into one line and
exit code 2, never a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from flows.context import FlowSettings
from flows.i18n import SUPPORTED_LOCALES

TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///digibank.db"
# The playground (no token) keeps its own file: its sample data (coaching hours, example
# phone numbers) must never reach a bot that talks to real citizens.
PLAYGROUND_DATABASE_URL = "sqlite+aiosqlite:///playground.db"
_FLOWS = FlowSettings()  # what the flows are told has its defaults there, written once


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Every setting, with its default (the environment variable's when it is unset)."""

    bot_token: str | None = None
    api_base_url: str = "https://api.telegram.org"
    database_url: str = DEFAULT_DATABASE_URL
    webhook_url: str | None = None
    webhook_secret: str | None = None
    port: int = 8080
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    # Passed on to the flows (settings_for_flows): the same names and defaults as FlowSettings.
    default_locale: str = _FLOWS.default_locale
    timezone: str = _FLOWS.timezone
    retention_days: int = _FLOWS.retention_days
    case_retention_days: int = _FLOWS.case_retention_days
    alert_others_minutes: int = _FLOWS.alert_others_minutes
    realert_minutes: int = _FLOWS.realert_minutes
    escalate_minutes: int = _FLOWS.escalate_minutes
    inactive_case_days: int = _FLOWS.inactive_case_days
    reminder_hours: tuple[int, ...] = _FLOWS.reminder_hours
    send_rate: int = 28  # messages a second to all chats together; Telegram allows about 30
    # Seconds to wait for Telegram's answer; a call unanswered by then may or may not have
    # been carried out (an ambiguous send, see bot.outbox), so this is long.
    telegram_timeout: int = 20

    @property
    def playground(self) -> bool:
        """No token: run the offline playground (emulator + chat page) instead of Telegram."""
        return self.bot_token is None


DEFAULTS = Settings()


def settings_for_flows(settings: Settings, bot_username: str) -> FlowSettings:
    """What the flows are told: every FlowSettings field, taken from `settings` by name
    (the bot's username comes from Telegram)."""
    told = {
        f.name: getattr(settings, f.name) for f in fields(FlowSettings) if f.name != "bot_username"
    }
    return FlowSettings(bot_username=bot_username, **told)


def _url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"{name}: expected an http(s) URL such as https://example.org, got {value!r}"
        )
    return value.rstrip("/")


def normalise_database_url(value: str) -> str:
    """Accept the usual spellings and pick the async driver we ship."""
    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise ConfigError(f"DATABASE_URL: not a database URL ({exc})") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    elif backend in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    else:
        raise ConfigError(f"DATABASE_URL: use sqlite or postgresql, not {backend!r}")
    return url.render_as_string(hide_password=False)


def _int(name: str, value: str | None, low: int, high: int, default: int) -> int:
    """A whole number from low to high; `default` when the variable is unset."""
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name}: must be between {low} and {high}, got {number}")
    return number


def _hours_list(name: str, value: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    """'24,2' → (24, 2): reminders that many hours before a booking (at most a week)."""
    if value is None:
        return default
    hours = [_int(name, part.strip(), 1, 168, 0) for part in value.split(",") if part.strip()]
    if not hours:
        raise ConfigError(f"{name}: expected hours like 24,2, got {value!r}")
    return tuple(sorted(set(hours), reverse=True))


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate settings; `env` defaults to the process environment."""
    env = os.environ if env is None else env

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    token = get("TELEGRAM_BOT_TOKEN")
    if token is not None and not TOKEN_PATTERN.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN: does not look like a token from @BotFather (digits:letters)"
        )

    webhook_url = get("WEBHOOK_URL")
    secret = get("WEBHOOK_SECRET")
    if webhook_url is not None:
        webhook_url = _url("WEBHOOK_URL", webhook_url)
        if secret is None:
            raise ConfigError("WEBHOOK_SECRET: required when WEBHOOK_URL is set")
    if secret is not None and not SECRET_PATTERN.match(secret):
        raise ConfigError("WEBHOOK_SECRET: use 1 to 256 characters from A-Z, a-z, 0-9, _ and -")

    admins: set[int] = set()
    for part in (get("ADMIN_TELEGRAM_IDS") or "").split(","):
        if part.strip():
            admins.add(_int("ADMIN_TELEGRAM_IDS", part.strip(), 1, 2**63 - 1, 0))

    locale = get("DEFAULT_LOCALE") or DEFAULTS.default_locale
    if locale not in SUPPORTED_LOCALES:
        raise ConfigError(f"DEFAULT_LOCALE: one of {', '.join(SUPPORTED_LOCALES)}, got {locale!r}")

    timezone = get("TIMEZONE") or DEFAULTS.timezone
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE: unknown time zone {timezone!r}") from None

    def number(name: str, field_name: str, low: int, high: int) -> int:
        return _int(name, get(name), low, high, getattr(DEFAULTS, field_name))

    return Settings(
        bot_token=token,
        api_base_url=_url(
            "TELEGRAM_API_BASE_URL", get("TELEGRAM_API_BASE_URL") or DEFAULTS.api_base_url
        ),
        database_url=normalise_database_url(
            get("DATABASE_URL") or (DEFAULTS.database_url if token else PLAYGROUND_DATABASE_URL)
        ),
        webhook_url=webhook_url,
        webhook_secret=secret,
        port=number("PORT", "port", 1, 65535),
        admin_ids=frozenset(admins),
        default_locale=locale,
        timezone=timezone,
        retention_days=number("RETENTION_DAYS", "retention_days", 1, 3650),
        case_retention_days=number("CASE_RETENTION_DAYS", "case_retention_days", 1, 365),
        alert_others_minutes=number("ALERT_OTHERS_AFTER_MINUTES", "alert_others_minutes", 0, 1440),
        realert_minutes=number("REALERT_AFTER_MINUTES", "realert_minutes", 1, 1440),
        escalate_minutes=number("ESCALATE_AFTER_MINUTES", "escalate_minutes", 1, 10080),
        inactive_case_days=number("INACTIVE_CASE_DAYS", "inactive_case_days", 1, 365),
        reminder_hours=_hours_list(
            "REMINDER_HOURS", get("REMINDER_HOURS"), DEFAULTS.reminder_hours
        ),
        send_rate=number("SEND_RATE", "send_rate", 0, 1000),
        telegram_timeout=number("TELEGRAM_TIMEOUT", "telegram_timeout", 1, 300),
    )

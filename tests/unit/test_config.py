from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import ConfigError, Settings, load_settings, settings_for_flows
from flows.context import FlowSettings

GOOD_TOKEN = "123456789:AAH-abcdefghijklmnopqrstuvwxyz012345"


def test_defaults_need_no_environment():
    settings = load_settings({})
    assert settings.playground
    assert settings.database_url == "sqlite+aiosqlite:///playground.db"  # its own file
    with_token = load_settings({"TELEGRAM_BOT_TOKEN": "123456:ABCdef_ghi-jkl-mnopqrstuvw"})
    assert with_token.database_url == "sqlite+aiosqlite:///digibank.db"
    assert (settings.default_locale, settings.timezone, settings.port) == (
        "nl",
        "Europe/Brussels",
        8080,
    )
    assert (settings.reminder_hours, settings.send_rate) == ((24, 2), 28)


def test_the_flows_get_the_settings_and_the_same_defaults():
    assert settings_for_flows(Settings(), "digibank_bot") == FlowSettings()
    assert settings_for_flows(load_settings({}), "digibank_bot") == FlowSettings()
    told = settings_for_flows(
        load_settings({"TIMEZONE": "Europe/London", "INACTIVE_CASE_DAYS": "3"}), "other_bot"
    )
    assert (told.timezone, told.inactive_case_days, told.bot_username) == (
        "Europe/London",
        3,
        "other_bot",
    )
    assert told.zone.key == "Europe/London"


def test_full_configuration_is_read():
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/",
            "DATABASE_URL": "postgresql://u:p@db/digibank",
            "WEBHOOK_URL": "https://bot.example.org/telegram",
            "WEBHOOK_SECRET": "s3cret_-x",
            "PORT": "9000",
            "ADMIN_TELEGRAM_IDS": " 1, 22 ,333",
            "DEFAULT_LOCALE": "fr",
            "TIMEZONE": "Europe/Paris",
            "REMINDER_HOURS": "2, 48,2",
            "SEND_RATE": "0",
        }
    )
    assert settings.reminder_hours == (48, 2)
    assert settings.send_rate == 0  # no limiter (a local Bot API server with other limits)
    assert settings.api_base_url == "http://127.0.0.1:8081"
    assert settings.database_url == "postgresql+asyncpg://u:p@db/digibank"
    assert settings.admin_ids == {1, 22, 333}
    assert not settings.playground


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_API_BASE_URL": "ftp://x"}, "TELEGRAM_API_BASE_URL"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"DATABASE_URL": "::::"}, "DATABASE_URL"),
        ({"WEBHOOK_URL": "https://x.org/hook"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_URL": "https://x.org/h", "WEBHOOK_SECRET": "bad secret!"}, "WEBHOOK_SECRET"),
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"ADMIN_TELEGRAM_IDS": "12,abc"}, "ADMIN_TELEGRAM_IDS"),
        ({"DEFAULT_LOCALE": "de"}, "DEFAULT_LOCALE"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"REMINDER_HOURS": "24,soon"}, "REMINDER_HOURS"),
        ({"REMINDER_HOURS": "500"}, "REMINDER_HOURS"),
        ({"SEND_RATE": "fast"}, "SEND_RATE"),
        ({"SEND_RATE": "-1"}, "SEND_RATE"),
    ],
)
def test_bad_values_name_the_variable(env, variable):
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert str(caught.value).startswith(variable + ":")


def test_cli_reports_bad_configuration_in_one_line_with_exit_code_2(tmp_path):
    env = {**os.environ, "PORT": "nope"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "PORT" in result.stderr and "Traceback" not in result.stderr


def test_cli_help_explains_each_command():
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for command in ("run", "db", "i18n"):
        assert command in result.stdout

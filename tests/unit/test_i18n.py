from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot import catalogs
from flows.i18n import (
    SUPPORTED_LOCALES,
    _,
    format_datetime,
    format_distance,
    format_time,
    resolve_locale,
    use_locale,
)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_catalog_is_complete_and_matches_placeholders(locale):
    assert catalogs.problems(locale) == []


def test_problems_are_detected(tmp_path, monkeypatch):
    monkeypatch.setattr(catalogs, "LOCALES", tmp_path)
    catalog = catalogs.new_catalog("xx")
    catalog.add(
        "🪪 You are: <b>{role}</b>\nYour Telegram number: <code>{user_id}</code>",
        "🪪 Vous êtes : <b>{rôle}</b>\nNuméro : <code>{user_id}</code>",
    )
    catalog.add("🏠 Menu", "Menu", flags=["fuzzy"])
    catalog.add("👥 <b>Staff</b>", "Équipe</b>")
    catalogs.write_catalog(catalog, catalogs.po_path("xx"))
    found = "\n".join(catalogs.problems("xx"))
    assert "other placeholders" in found
    assert "is fuzzy" in found
    assert "other HTML tags" in found
    assert "is missing" in found


def test_locale_resolution():
    assert resolve_locale("ar", "nl", "nl") == "ar"
    assert resolve_locale(None, "fr-BE", "nl") == "fr"
    assert resolve_locale(None, "uk_UA", "nl") == "uk"
    assert resolve_locale(None, "pt", "nl") == "nl"
    assert resolve_locale("xx", None, "en") == "en"


def test_babel_formats_in_the_zone_given_and_local_conventions():
    brussels = ZoneInfo("Europe/Brussels")
    moment = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 in Brussels (CET)
    with use_locale("nl"):
        assert "01:30" in format_datetime(moment, brussels)
        assert "00:30" in format_datetime(moment, UTC)
        assert format_distance(2.44) == "2,4 km"
        assert format_distance(0.347) == "350 m"
    with use_locale("en"):
        assert format_distance(12.6) == "13 km"
    later = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # after the switch: 03:30 CEST
    with use_locale("fr"):
        assert "03:30" in format_datetime(later, brussels)


def test_a_moment_is_never_formatted_without_a_time_zone():
    with use_locale("en"), pytest.raises(TypeError):
        format_time(datetime(2026, 3, 29, 0, 30, tzinfo=UTC))
    with use_locale("nl"):
        assert format_time(time(9)) == "09:00"  # a wall-clock time needs none


def test_locale_does_not_leak_between_concurrent_users():
    import asyncio

    async def speak(locale: str) -> str:
        with use_locale(locale):
            await asyncio.sleep(0.01)
            return _("🏠 Menu")

    async def both() -> list[str]:
        return await asyncio.gather(speak("ar"), speak("nl"), speak("uk"))

    ar, nl, uk = asyncio.run(both())
    assert nl == "🏠 Menu"
    assert ar != nl and uk != nl

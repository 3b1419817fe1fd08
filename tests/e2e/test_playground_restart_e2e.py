"""The playground (no token: a built-in emulator) restarted on the same database goes on
where it stopped: the bot answers at once, and a new simulated user never takes over an
old user's rows."""

from __future__ import annotations

from sqlalchemy import select

from bot.config import Settings
from bot.service import BotService
from storage.models import User
from tests.e2e.conftest import FAST, Citizen


async def playground(database_url: str) -> BotService:
    service = BotService(Settings(bot_token=None, database_url=database_url, port=0), FAST)
    await service.start()
    return service


async def test_the_playground_goes_on_after_two_restarts(database_url):
    seen_users: list[int] = []
    for run, language in enumerate(("Français", "العربية", "Nederlands")):
        service = await playground(database_url)
        try:
            emu = service.emulator
            assert emu is not None
            person = Citizen(emu, f"Run{run}", language=None)
            assert person.id not in seen_users  # a fresh id, not an old user's
            [picker] = await person.say("/start")  # answered, not skipped as a duplicate
            assert picker["reply_markup"] is not None
            await person.tap(language)
            await person.tap("✅")
            seen_users.append(person.id)
        finally:
            await service.stop()
    service = await playground(database_url)
    try:
        async with service.db.transaction() as session:
            stored = {u.id: u.locale for u in await session.scalars(select(User))}
    finally:
        await service.stop()
    assert [stored[user] for user in seen_users] == ["fr", "ar", "nl"]

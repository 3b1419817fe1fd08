"""After /forget, and after the retention period, no table and no column holds a citizen's
words (the outbox included: relays, edits of relays, their payloads) or, after /forget,
their Telegram id."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.chores import apply_retention
from storage.db import Database
from storage.models import Base, utcnow
from tests.e2e.test_cases_e2e import _taken_case

WORD = "vertrouwelijk7319"


async def traces(db: Database, needle: str, number: int | None = None) -> list[str]:
    """Every table.column whose value contains `needle` (or equals `number`)."""
    found = []
    async with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    shown = (
                        json.dumps(value, ensure_ascii=False)
                        if isinstance(value, dict | list)
                        else str(value)
                    )
                    if needle in shown or (number is not None and value == number):
                        found.append(f"{table.name}.{column}")
    return sorted(set(found))


async def relay_and_edit(emu, ann, sara) -> None:
    first = await emu.send_text(ann.id, f"Mijn {WORD} code is weg")
    [copy] = await sara.replies()
    await emu.edit_text(ann.id, first, f"Mijn {WORD} code is nog steeds weg")
    await emu.wait_until(
        lambda: "nog steeds" in (emu.bot_messages(sara.id)[-1]["text"] or ""),
        what="the edit followed",
    )
    assert emu.bot_messages(sara.id)[-1]["message_id"] == copy["message_id"]
    await emu.send_text(sara.id, f"Zoek je {WORD} in de brief")
    await ann.replies()


async def test_forget_leaves_no_word_and_no_id_in_any_table(emu, start_bot):
    ann, sara, service = await _taken_case(emu, start_bot)
    await relay_and_edit(emu, ann, sara)
    assert await traces(service.db, WORD)  # the conversation is kept while it is open
    await ann.say("/forget")
    await ann.tap("🗑️")
    await sara.replies()  # told the person left
    assert await traces(service.db, WORD) == []
    assert await traces(service.db, f"\x00{ann.id}", number=ann.id) == []


async def test_retention_leaves_no_word_in_any_table(emu, start_bot):
    ann, sara, service = await _taken_case(emu, start_bot)
    await relay_and_edit(emu, ann, sara)
    await sara.say("/close")
    later = utcnow() + timedelta(days=31)
    await apply_retention(service.db, 365, 30, clock=lambda: later)
    assert await traces(service.db, WORD) == []

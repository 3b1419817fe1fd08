"""Fixtures for dialogue tests: an admin who has onboarded, with the seed sites loaded."""

from __future__ import annotations

from dataclasses import replace

import pytest

from storage.seeding import load_seed_if_empty
from tests.flows.harness import Chat

ADMIN = 1


@pytest.fixture
async def admin(sqlite_db) -> Chat:
    await load_seed_if_empty(sqlite_db)
    chat = Chat(sqlite_db, user_id=ADMIN, language_code="en")
    chat.settings = replace(chat.settings, admin_ids=frozenset({ADMIN}))
    await chat.onboard("English")
    return chat

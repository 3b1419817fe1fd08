"""Shared fixtures: a migrated database per test, on SQLite and (when available) PostgreSQL.

PostgreSQL tests run when TEST_POSTGRES_URL points at a server (CI starts one). Under CI a
missing server fails the run instead of skipping, so a green CI always covers both.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.emulator import BotApiEmulator
from storage.db import Database, upgrade

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "").strip()
BACKENDS = ["sqlite", "postgresql"]


def _require_postgres() -> None:
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests: TEST_POSTGRES_URL is not set")
        pytest.skip("TEST_POSTGRES_URL not set: PostgreSQL tests skipped (CI runs them)")


async def _admin_execute(statement: str) -> None:
    import asyncpg

    url = make_url(POSTGRES_URL).set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _drop_database(name: str) -> None:
    """WITH (FORCE) ends other sessions, but a role without pg_signal_backend may not end
    an autovacuum worker that happens to be on it: that one is done in a moment."""
    import asyncpg

    for attempt in range(20):
        try:
            await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except asyncpg.InsufficientPrivilegeError:
            if attempt == 19:
                raise
            await asyncio.sleep(0.1)


def _pg_url(database: str) -> str:
    url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=database)
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def _in_thread(function: Callable[..., object], *args: object) -> object:
    """Run blocking set-up that starts its own event loop, even from inside a test's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated database that each test clones (CREATE DATABASE … TEMPLATE is fast)."""
    _require_postgres()
    name = f"digibank_tpl_{uuid.uuid4().hex[:8]}"
    _in_thread(asyncio.run, _admin_execute(f'CREATE DATABASE "{name}"'))
    _in_thread(upgrade, _pg_url(name))
    yield name
    _in_thread(asyncio.run, _drop_database(name))


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[str]:
    """A fresh, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "digibank.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"digibank_t_{uuid.uuid4().hex[:10]}"
    await _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _pg_url(name)
    await _drop_database(name)


@pytest.fixture
async def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "digibank.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """The Telegram Bot API emulator on a free port of 127.0.0.1."""
    emulator = BotApiEmulator(webhook_retry_delay=0.05)
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[Database]:
    database = Database(sqlite_url)
    yield database
    await database.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fault suite's tallies (sent, received, lost, doubled, out of order)."""
    from tests.faults.conftest import REPORTS

    if REPORTS:
        terminalreporter.section("fault suite")
        for line in REPORTS:
            terminalreporter.write_line(line)

"""Engine, sessions and schema migrations."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


async def insert_unless_refused(session: AsyncSession, row: object) -> bool:
    """Insert one row in a savepoint; False (and the transaction goes on) when a
    constraint refuses it: the database settles a race between two writers."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def is_outage(exc: BaseException) -> bool:
    """Is this the database being unreachable (stopped, restarting, network, locked),
    rather than a bug or a refused row? Work that failed so is tried again later, never
    given up on. Looks through the wrapped causes (SQLAlchemy → driver → socket)."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, sqlite3.OperationalError):  # also "no such table": a bug
            return any(word in str(seen) for word in ("locked", "busy", "unable to open", "I/O"))
        if isinstance(seen, OperationalError) and isinstance(seen.orig, sqlite3.Error):
            seen = seen.orig
            continue
        if isinstance(seen, OperationalError | InterfaceError | PoolTimeout | OSError):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        # PostgreSQL's classes 08 (connection) and 57P (server shutting down or starting).
        if str(getattr(seen, "sqlstate", "") or "").startswith(("08", "57P")):
            return True
        if type(seen).__module__.startswith("asyncpg") and (
            "Connection" in type(seen).__name__ or "Interface" in type(seen).__name__
        ):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__ or seen.__context__
    return False


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            # WAL lets readers work while one writer commits; foreign keys are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


class Database:
    """One engine and its session factory; one session (= one transaction) per update or job."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer. Left to itself, a second writer polls the file lock with
        # sleeps of up to 100 ms; queueing transactions here hands the lock over at once.
        self._writer = asyncio.Lock() if url.startswith("sqlite") else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Commit on success, roll back on any error."""
        async with self._turn(), self.sessions() as session, session.begin():
            yield session

    def _turn(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self._writer if self._writer is not None else contextlib.nullcontext()

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("storage") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema up to date. Synchronous: call it outside a running event loop."""
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """The same from async code: Alembic's async env runs its own loop, so use a thread."""
    await asyncio.to_thread(upgrade, url, revision)


async def schema_is_current(url: str) -> bool:
    """True when the database is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            current = await connection.run_sync(
                lambda sync: set(MigrationContext.configure(sync).get_current_heads())
            )
    finally:
        await engine.dispose()
    return current == heads

"""Running bot processes and their heartbeats: whose outbox claims still hold."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Worker


class WorkerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def beat(self, worker_id: str, now: datetime) -> None:
        changed = await self.session.execute(
            update(Worker)
            .where(Worker.id == worker_id)
            .values(heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount == 0:
            self.session.add(Worker(id=worker_id, started_at=now, heartbeat_at=now))

    async def alive(self, now: datetime, stale_after: timedelta) -> list[str]:
        found = await self.session.scalars(
            select(Worker.id).where(Worker.heartbeat_at >= now - stale_after)
        )
        return list(found)

    async def leave(self, worker_id: str) -> None:
        await self.session.execute(delete(Worker).where(Worker.id == worker_id))

    async def prune(self, before: datetime) -> int:
        result = await self.session.execute(delete(Worker).where(Worker.heartbeat_at < before))
        return result.rowcount

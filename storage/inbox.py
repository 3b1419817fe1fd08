"""Updates fetched by long polling wait here until their own transaction handles them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboxUpdate


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store(self, updates: list[dict[str, Any]], now: datetime) -> None:
        """Keep a fetched batch (one statement); an update stored before is left as it is."""
        if not updates:
            return
        dialect = self.session.bind.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self.session.execute(
            insert(InboxUpdate)
            .values(
                [{"update_id": u["update_id"], "received_at": now, "payload": u} for u in updates]
            )
            .on_conflict_do_nothing(index_elements=["update_id"])
        )

    async def waiting(self) -> list[dict[str, Any]]:
        """What a previous run fetched and did not handle, oldest first."""
        rows = await self.session.scalars(select(InboxUpdate).order_by(InboxUpdate.update_id))
        return [row.payload for row in rows]

    async def remove(self, update_id: int) -> None:
        """Part of the transaction that handled the update."""
        await self.session.execute(delete(InboxUpdate).where(InboxUpdate.update_id == update_id))

"""inbox of polled updates, workers with heartbeats, outbox claims by worker

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("received_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_table(
        "workers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("started_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("at_most_once", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Reminders already queued are at most once too.
    op.execute("UPDATE outbox SET at_most_once = true WHERE booking_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("at_most_once")
        batch_op.drop_column("claimed_by")
    op.drop_table("workers")
    op.drop_table("inbox")

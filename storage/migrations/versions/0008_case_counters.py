"""case message counters

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 03:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("citizen_messages", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("window_started_at", storage.models.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("window_messages", sa.Integer(), nullable=False, server_default="0")
        )
    # Cases open during the upgrade: count what they already hold.
    op.execute(
        "UPDATE cases SET citizen_messages = (SELECT count(*) FROM case_messages "
        "WHERE case_messages.case_id = cases.id AND case_messages.sender = 'citizen')"
    )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("window_messages")
        batch_op.drop_column("window_started_at")
        batch_op.drop_column("citizen_messages")

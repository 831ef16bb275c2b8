"""outbox waiting index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 21:35:11.825315
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_status_next_attempt_at"))
        batch_op.create_index(
            "ix_outbox_waiting_due",
            ["next_attempt_at", "id"],
            unique=False,
            sqlite_where=sa.text("status IN ('pending', 'held')"),
            postgresql_where=sa.text("status IN ('pending', 'held')"),
        )


def downgrade() -> None:

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_waiting_due",
            sqlite_where=sa.text("status IN ('pending', 'held')"),
            postgresql_where=sa.text("status IN ('pending', 'held')"),
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_status_next_attempt_at"),
            ["status", "next_attempt_at"],
            unique=False,
        )

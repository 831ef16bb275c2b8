"""send budgets

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 21:10:54.290601
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "sends",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rate_key", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sends")),
    )
    with op.batch_alter_table("sends", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sends_rate_key_at"), ["rate_key", "at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("sends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sends_rate_key_at"))

    op.drop_table("sends")

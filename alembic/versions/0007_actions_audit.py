"""actions: the audit trail of 办结, 重新打开, 签收 and 反馈

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 05:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sa.String(length=64), nullable=False),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("via", sa.String(length=12), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["occurrence_id"], ["occurrences.id"], name="fk_actions_occurrence_id_occurrences"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_actions"),
    )
    op.create_index("ix_actions_occurrence_id_at", "actions", ["occurrence_id", "at"])
    op.create_index("ix_actions_office_id_at", "actions", ["office_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_actions_office_id_at", table_name="actions")
    op.drop_index("ix_actions_occurrence_id_at", table_name="actions")
    op.drop_table("actions")

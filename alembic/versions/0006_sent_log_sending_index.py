"""sent log indexes: the messages in flight, and a message's rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 03:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SENDING = "status = 'sending'"


def upgrade() -> None:
    with op.batch_alter_table("sent_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sent_log_sending",
            ["at"],
            unique=False,
            sqlite_where=sa.text(SENDING),
            postgresql_where=sa.text(SENDING),
        )
        batch_op.create_index("ix_sent_log_message_id", ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sent_log", schema=None) as batch_op:
        batch_op.drop_index("ix_sent_log_message_id")
        batch_op.drop_index(
            "ix_sent_log_sending",
            sqlite_where=sa.text(SENDING),
            postgresql_where=sa.text(SENDING),
        )

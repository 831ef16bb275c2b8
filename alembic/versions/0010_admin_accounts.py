"""admins and admin_sessions: administrator accounts (scrypt hashes) and their logins

Revision ID: 0010
Revises: 0009
Create Date: 2027-01-25 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admins",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_admins"),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("admin_name", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name="pk_admin_sessions"),
    )
    op.create_index("ix_admin_sessions_admin_name", "admin_sessions", ["admin_name"])


def downgrade() -> None:
    op.drop_index("ix_admin_sessions_admin_name", table_name="admin_sessions")
    op.drop_table("admin_sessions")
    op.drop_table("admins")

"""document_numbers: the n of each 通报's 文号 and each 督办通知单's, per kind and year

Revision ID: 0009
Revises: 0008
Create Date: 2027-01-20 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_numbers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document_numbers"),
        sa.UniqueConstraint("kind", "subject", name="uq_document_numbers_kind_subject"),
        sa.UniqueConstraint("kind", "year", "n", name="uq_document_numbers_kind_year_n"),
    )


def downgrade() -> None:
    op.drop_table("document_numbers")

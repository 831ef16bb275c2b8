"""Alembic environment: the one metadata of `reminder.store.models`, on SQLite or PostgreSQL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, text

from reminder.store.migrate import MIGRATE_LOCK
from reminder.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # plain `alembic upgrade head` from the project folder
        url = os.environ.get("REMINDER_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
        engine = create_engine(url or "sqlite:///reminder.db")
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # instances starting together migrate once
            connection.execute(text(MIGRATE_LOCK))
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

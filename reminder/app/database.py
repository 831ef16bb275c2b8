"""The configured database as the commands see it: opened and migrated (`open_database`),
migrated on request (`db upgrade`), named in messages with its password hidden, and held by one
`reminder run` at a time (SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from reminder.app.sync import open_database
from reminder.config.model import Config
from reminder.store import lock
from reminder.store.engine import database_url, make_engine, shown
from reminder.store.migrate import upgrade

__all__ = ["Migrated", "migrate", "name_of", "open_database", "single_instance"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Migrated:
    database: str  # its URL, password hidden
    before: str | None  # the schema revision it had (None: an empty database)
    after: str | None


def name_of(engine: Engine) -> str:
    """The database's URL for a message, password hidden."""
    return shown(str(engine.url))


def migrate(config: Config) -> Migrated:
    """Migrate the configured database to the newest schema, saying from which revision."""
    engine = make_engine(database_url(config.settings.database, config.path))
    try:
        before, after = upgrade(engine)
        return Migrated(database=name_of(engine), before=before, after=after)
    finally:
        engine.dispose()


@contextmanager
def single_instance(engine: Engine, since: datetime | None = None) -> Iterator[None]:
    """Hold the database for this process while the block runs: a second `reminder run` on the
    same SQLite file stops at once naming the first (PostgreSQL needs no such lock)."""
    with lock.single_instance(engine, since=since):
        yield

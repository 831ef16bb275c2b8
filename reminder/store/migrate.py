"""Alembic migrations, run from code: `reminder db upgrade`, and automatically by sync and run.

A database already at the newest revision (every start but the first after an upgrade) is
recognised without importing alembic: the revision ids are read from the migration files. An
empty database (a first start, every test) gets the newest schema in one step, the models'
tables made as the migrations would make them and stamped with the newest revision: 0.01 s
where alembic's ten steps take 0.15 s and its import 0.1 s more. `tests/test_sync.py` holds the
two ways to the same tables, columns, keys and indexes on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect, text
from sqlalchemy.engine import Engine

from reminder.errors import DatabaseError
from reminder.shipped import shipped
from reminder.store.engine import translate_errors
from reminder.store.models import Base

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

SCRIPT_DIR = shipped("alembic")
VERSION_TABLE = "alembic_version"
MIGRATE_LOCK = "SELECT pg_advisory_xact_lock(hashtext('reminder:migrate'))"  # as alembic/env.py
# The table alembic keeps its revision in, as alembic makes it.
_VERSIONS = Table(
    VERSION_TABLE,
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)
_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*(?:\"([^\"]*)\"|None)\s*$", re.M)


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    if not (SCRIPT_DIR / "env.py").is_file():
        raise DatabaseError(
            f"migrations not found at {SCRIPT_DIR} (a broken install: reinstall the package)"
        )
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(SCRIPT_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with translate_errors(engine), engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@cache
def file_head() -> str | None:
    """The newest revision named in the migration files (None when they cannot be read or do
    not form one line of revisions: then alembic decides)."""
    revisions: dict[str, str | None] = {}
    try:
        for script in (SCRIPT_DIR / "versions").glob("*.py"):
            found = dict((k, v or None) for k, v in _REVISION.findall(script.read_text("utf-8")))
            if "revision" not in found or found["revision"] is None:
                return None
            revisions[found["revision"]] = found.get("down_revision")
    except OSError:
        return None
    heads = set(revisions) - set(revisions.values())
    return heads.pop() if len(heads) == 1 else None


def _at_head(engine: Engine) -> bool:
    """The database records exactly the newest revision (read with one query, no alembic)."""
    head = file_head()
    if head is None:
        return False
    with translate_errors(engine), engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return False
        versions = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return versions == [head]


def _created_empty(engine: Engine, head: str) -> bool:
    """An empty database given the newest schema at once (False, nothing done, when it holds
    any table: then the migrations run). Instances starting together on PostgreSQL take
    turns, as alembic's do: the second finds the tables and has nothing left to do."""
    with translate_errors(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(MIGRATE_LOCK))
        if inspect(conn).get_table_names():
            return False
        Base.metadata.create_all(conn)
        _VERSIONS.create(conn)
        conn.execute(_VERSIONS.insert().values(version_num=head))
    return True


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision; return (before, after)."""
    if _at_head(engine):
        head = file_head()
        return head, head
    if (head := file_head()) is not None and _created_empty(engine, head):
        return None, head
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = alembic_config(engine)
    scripts = ScriptDirectory.from_config(cfg)
    before = current_revision(engine)
    if before is not None and before not in {s.revision for s in scripts.walk_revisions()}:
        raise DatabaseError(
            f"the database is at schema revision {before}, which this version of reminder does "
            "not know: it was written by a newer version"
        )
    with translate_errors(engine):
        command.upgrade(cfg, "head")
    return before, current_revision(engine)

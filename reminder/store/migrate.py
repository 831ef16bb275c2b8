"""Alembic migrations, run from code: `reminder db upgrade`, and automatically by sync and run."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from reminder.errors import DatabaseError
from reminder.store.engine import translate_errors

SCRIPT_DIR = Path(__file__).resolve().parents[2] / "alembic"


def alembic_config(engine: Engine) -> AlembicConfig:
    if not (SCRIPT_DIR / "env.py").is_file():
        raise DatabaseError(
            f"migrations not found at {SCRIPT_DIR} (install from a source checkout)"
        )
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(SCRIPT_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with translate_errors(engine), engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision; return (before, after)."""
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

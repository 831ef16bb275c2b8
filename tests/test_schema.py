"""The schema, two ways: alembic's migrations step by step, and an empty database made in one
step from the models (store/migrate.py). Both must give the same tables, columns, keys and
indexes on SQLite and PostgreSQL, and the migrations must match the models."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from reminder.store.engine import make_engine
from reminder.store.migrate import alembic_config, current_revision, file_head, upgrade
from reminder.store.models import Base
from tests.conftest import pg_database


def _migrated(url: str, to: str = "head") -> Engine:
    """A database built by alembic's migrations, one step after another."""
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), to)
    return engine


@pytest.fixture
def second_url(db_url: str) -> Iterator[str]:
    """A second empty database of the same kind as `db_url`."""
    if db_url.startswith("sqlite"):
        yield db_url.replace("reminder.db", "second.db")
        return
    with pg_database() as url:
        yield url


def _plain(fact: object) -> str:
    """One inspector fact as text (a partial index's WHERE by its SQL)."""
    return json.dumps(fact, sort_keys=True, default=str, ensure_ascii=False)


def _described(conn: Connection) -> dict[str, Any]:
    """Everything a table is made of, column order aside."""
    seen = inspect(conn)
    out: dict[str, Any] = {}
    for table in sorted(seen.get_table_names()):
        out[table] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in seen.get_columns(table)
            ),
            "primary key": seen.get_pk_constraint(table),
            "foreign keys": sorted(map(_plain, seen.get_foreign_keys(table))),
            "indexes": sorted(map(_plain, seen.get_indexes(table))),
            "unique": sorted(map(_plain, seen.get_unique_constraints(table))),
            "checks": sorted(map(_plain, seen.get_check_constraints(table))),
        }
    if conn.dialect.name == "sqlite":  # partial indexes' WHERE, as written
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    else:
        rows = conn.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
        )
    out["index definitions"] = sorted((name, sql) for name, sql in rows if sql)
    out["revision"] = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    return out


def test_the_migrations_match_the_models(db_url: str) -> None:
    engine = _migrated(db_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []
    assert current_revision(engine) == file_head()


def test_an_empty_database_made_at_once_is_the_migrations_schema(
    db_url: str, second_url: str
) -> None:
    stepwise = _migrated(db_url)
    at_once = make_engine(second_url)
    assert upgrade(at_once) == (None, file_head())
    with stepwise.connect() as a, at_once.connect() as b:
        expected, made = _described(a), _described(b)
    assert len(expected) > 10
    assert made == expected


def test_a_database_with_tables_is_migrated_step_by_step(db_url: str) -> None:
    engine = _migrated(db_url, "0007")
    assert upgrade(engine) == ("0007", file_head())
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []


def test_a_first_start_imports_no_alembic(db_url: str) -> None:
    """Start-up cost: alembic is imported only when a database with tables needs a step."""
    code = (
        "import sys; from reminder.store.engine import make_engine; "
        "from reminder.store.migrate import upgrade; "
        f"print(upgrade(make_engine({db_url!r})), 'alembic' in sys.modules)"
    )
    head = file_head()
    for before in (None, head):  # empty, then at the newest revision
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert out.stdout.strip() == f"({before!r}, {head!r}) False", out.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_instances_starting_together_make_the_schema_once(db_url: str) -> None:
    code = (
        "from reminder.store.engine import make_engine; "
        "from reminder.store.migrate import upgrade; "
        f"print(upgrade(make_engine({db_url!r})))"
    )
    starts = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    said = sorted(p.communicate(timeout=120)[0].strip() for p in starts)
    assert [p.returncode for p in starts] == [0] * 4
    head = file_head()
    assert said == sorted([f"(None, {head!r})"] + [f"({head!r}, {head!r})"] * 3)
    with make_engine(db_url).connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [(head,)]

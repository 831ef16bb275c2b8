"""Database URL, engine and transactions, with errors turned into messages people can act on."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from reminder.errors import DatabaseError

ENV_URL = "REMINDER_DATABASE_URL"
BUSY_TIMEOUT_MS = 10_000  # how long SQLite waits for another writer before "database is locked"
CHUNK = 500  # ids or keys per IN list or batch (SQLite takes at most 32,766 variables)
T = TypeVar("T")


PLAN_LOCK = "reminder:plan"  # sync, planning and done/reopen write the schedule one at a time


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`items` in slices of at most `size`, for statements with one variable per item."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def database_url(
    configured: str, config_path: str | None, environ: Mapping[str, str] | None = None
) -> str:
    """REMINDER_DATABASE_URL wins; a relative SQLite path is relative to schedules.toml."""
    env = os.environ if environ is None else environ
    url_text = env.get(ENV_URL) or configured
    try:
        url = make_url(url_text)
    except ArgumentError:
        raise DatabaseError(
            f"database: {url_text!r} is not a database URL (e.g. sqlite:///reminder.db)"
        ) from None
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database)
        if not path.is_absolute() and config_path is not None and not env.get(ENV_URL):
            path = Path(config_path).resolve().parent / path
            url = url.set(database=str(path))
    return url.render_as_string(hide_password=False)


def shown(url: str) -> str:
    """The URL for messages and logs, password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver must not BEGIN by itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: a killed process loses nothing; only a power cut may roll back the last
    # commits (then at worst a message is sent again), and each commit skips an fsync.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a 10 s busy timeout."""
    try:
        # pre_ping: a connection the server dropped (PostgreSQL restarted) is replaced, not
        # used. A SQLite file has no server to drop it: no ping (a statement per transaction).
        server = make_url(url).get_backend_name() != "sqlite"
        engine = create_engine(url, pool_pre_ping=server)
    except (ArgumentError, ImportError) as exc:
        raise DatabaseError(f"database {shown(url)}: {exc}") from None
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_session)
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            private_file(Path(database))
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _postgres_session(dbapi_connection: Any, _record: Any) -> None:
    # A backstop for every transaction (planning's included, whose Python work between
    # statements can take a while): a process that stopped answering in one holds its
    # locks five minutes at most. The dispatcher's own transactions set the lease instead.
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET idle_in_transaction_session_timeout = 300000")
    dbapi_connection.commit()


def private_file(path: Path) -> None:
    """Create `path` readable by its owner only (0600), if it does not exist yet. SQLite then
    gives its -wal and -shm files the same mode: reminders, names and the sent log are not
    for every user of the server."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        pass  # a folder that does not exist or cannot be written: opening it says so


def _sqlite_begin(connection: Connection) -> None:
    # Take the write lock at BEGIN: a transaction that reads, then writes, never fails with
    # "database is locked" half-way because another process wrote in between; it waits.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def serialize(session: Session, name: str, *, patience: timedelta | None = None) -> None:
    """Let one process at a time through: sync and planning, and a robot's send budget.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: BEGIN IMMEDIATE already did it.
    With `patience`, wait that long at most, then raise DatabaseError: a caller with other
    work (the service, whose dispatch waits while its planning job waits) does not wait for
    an instance that stalled holding the lock (until the server ends its transaction).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    if patience is None:
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
    elif not try_serialize(session, name, patience):
        raise DatabaseError(
            f"another instance has held {name} for over {patience.total_seconds():g} s "
            "(planning, or stalled in it); this instance plans later and sends meanwhile"
        )


def try_serialize(session: Session, name: str, patience: timedelta) -> bool:
    """`serialize`, but waiting at most `patience`: False when another transaction still
    holds the lock (one that stalled holds it until the server ends it, and a caller with
    other work should not wait that long). SQLite: always True (BEGIN IMMEDIATE did it)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    give_up = time.monotonic() + patience.total_seconds()
    pause = threading.Event()
    while True:
        got = session.execute(
            text("SELECT pg_try_advisory_xact_lock(hashtext(:name))"), {"name": name}
        ).scalar()
        if got or time.monotonic() >= give_up:
            return bool(got)
        pause.wait(0.01)  # the holder's transaction is a few milliseconds, unless it stalled


_sessions: WeakKeyDictionary[Engine, sessionmaker[Session]] = WeakKeyDictionary()


@contextmanager
def transaction(engine: Engine, *, idle_limit: timedelta | None = None) -> Iterator[Session]:
    """One session in one transaction: committed on success, rolled back on any error.

    `idle_limit` (PostgreSQL): the server ends the transaction, and frees its locks, should
    its process stop answering for that long (SIGSTOP, a hung host) in the middle of it: the
    dispatcher's short transactions use the lease, so a stalled instance holds up the others
    no longer than its leases do."""
    factory = _sessions.get(engine)
    if factory is None:
        factory = _sessions[engine] = sessionmaker(engine, expire_on_commit=False)
    with translate_errors(engine), factory.begin() as session:
        if idle_limit is not None and engine.dialect.name == "postgresql":
            ms = max(int(idle_limit.total_seconds() * 1000), 1000)
            session.execute(text(f"SET LOCAL idle_in_transaction_session_timeout = {ms}"))
        yield session


@contextmanager
def translate_errors(engine: Engine) -> Iterator[None]:
    """Turn driver errors (locked, unreachable, read-only) into a DatabaseError message."""
    try:
        yield
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        hint = ""
        if "locked" in reason:
            hint = " (another process holds a write lock; try again when it is done)"
        raise DatabaseError(f"database {shown(str(engine.url))}: {reason}{hint}") from None
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"database {shown(str(engine.url))}: {reason}") from None

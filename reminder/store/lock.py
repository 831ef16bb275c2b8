"""One `reminder run` per SQLite file: a second one exits at once, naming the first.

PostgreSQL needs no such lock: several instances share the work through leases and locks.
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from reminder.errors import ReminderError


class AlreadyRunning(ReminderError):
    """Raised by `single_instance` when another `reminder run` uses the same SQLite file."""


@contextmanager
def single_instance(engine: Engine, since: datetime | None = None) -> Iterator[None]:
    """Hold an exclusive lock beside the SQLite file for as long as the block runs; the file
    names the holder (and `since`, the clock's instant it started, for whoever finds it)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    path = Path(f"{database}.lock")
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    handle = os.fdopen(descriptor, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise AlreadyRunning(
                f"{database} is in use by another `reminder run` ({holder}); SQLite takes one "
                "instance: stop that one, or use PostgreSQL for several"
            ) from None
        handle.seek(0)
        handle.truncate()
        started = f" since {since.isoformat(timespec='seconds')}" if since else ""
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}{started}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock

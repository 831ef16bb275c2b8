"""What /healthz and /metrics report, read from the database at each request (so true across
instances): is it there, when did any instance last dispatch, what is due next, reminders by
status and channel, how late the earliest due one is, how many occurrences are overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from reminder.app.status import status_rows
from reminder.config.model import Config
from reminder.errors import DatabaseError
from reminder.store import health, outbox
from reminder.store.engine import transaction

LATE = timedelta(minutes=5)  # a due reminder waiting longer: dispatch is behind


@dataclass(frozen=True, kw_only=True, slots=True)
class Health:
    now: datetime
    last_pass: datetime | None  # of any instance
    next_due: datetime | None

    @property
    def behind(self) -> bool:
        return self.next_due is not None and self.now - self.next_due > LATE


@dataclass(frozen=True, kw_only=True, slots=True)
class Gauges:
    now: datetime
    reminders: dict[tuple[str, str], int]  # (status, channel) -> count
    oldest_waiting: datetime | None
    last_pass: datetime | None
    open_overdue: int


def check(engine: Engine, now: datetime) -> Health:
    """The database answers, and what it says; DatabaseError when it does not answer."""
    try:
        with transaction(engine) as s:
            health.ping(s)
            return Health(now=now, last_pass=health.last_pass(s), next_due=outbox.next_due(s))
    except SQLAlchemyError as exc:
        raise DatabaseError(str(exc).splitlines()[0]) from exc


def gauges(config: Config, engine: Engine, now: datetime) -> Gauges:
    with transaction(engine) as s:
        counts = health.outbox_counts(s)
        oldest = health.oldest_waiting(s)
        last = health.last_pass(s)
    lights = [r.light for r in status_rows(config, engine, now, None)]
    return Gauges(
        now=now,
        reminders=counts,
        oldest_waiting=oldest,
        last_pass=last,
        open_overdue=lights.count("red"),
    )

"""Scenario 3: the due-reminder poll (claim the next 100 due) with 1,000,000 pending rows costs
under 2x what it costs with 10,000: an index range scan, not a table scan. SQLite and PostgreSQL.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bench.common import Result, median_of
from reminder.store import outbox
from reminder.store.engine import make_engine
from reminder.store.migrate import upgrade

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2030, 1, 1, tzinfo=UTC)  # every row is due


@contextmanager
def database(kind: str) -> Iterator[Engine]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'poll.db'}")
            yield engine
            engine.dispose()
        return
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"reminder_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fill(engine: Engine, rows: int) -> None:
    """One office, one deadline, one occurrence, and `rows` pending outbox rows over a year."""
    upgrade(engine)
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO offices (id, name, email, wecom, channels, mention_mobiles, enabled, "
                "fingerprint, created_at, updated_at) VALUES ('o', 'o', '[]', NULL, NULL, '[]', "
                ":t, 'x', :now, :now)"
            ),
            {"t": True, "now": stamp.replace(tzinfo=None)},
        )
        conn.execute(
            text(
                "INSERT INTO deadlines (id, task, title, requirement, limit_text, lead, cooperate, "
                'due_rule, start, "end", remind, shift, send_time, active_since, enabled, '
                "disabled_at, fingerprint, created_at, updated_at) VALUES ('d', NULL, 't', '', '', "
                "'[]', '[]', 'monthly 1', NULL, NULL, NULL, NULL, NULL, :day, :t, NULL, 'x', :now, "
                ":now)"
            ),
            {"t": True, "day": date(2026, 1, 1), "now": stamp.replace(tzinfo=None)},
        )
        conn.execute(
            text(
                "INSERT INTO occurrences (deadline_id, period_key, period_start, nominal_due, due, "
                "provisional, created_at, updated_at, withdrawn_at) VALUES ('d', 'p', :day, :day, "
                ":day, :f, :now, :now, NULL)"
            ),
            {"f": False, "day": date(2026, 1, 1), "now": stamp.replace(tzinfo=None)},
        )
    step = timedelta(days=365) / rows
    batch = []
    cols = (
        "deadline_id, occurrence_id, kind, step, office_id, channel, role, remind_at, "
        "working_days_left, provisional, status, attempts, next_attempt_at, created_at, "
        "updated_at"
    )
    stmt = text(
        f"INSERT INTO outbox ({cols}) VALUES ('d', 1, 'before', :s, 'o', 'email', "
        "'lead', :at, 0, :f, 'pending', 0, :at, :now, :now)"
    )
    with engine.begin() as conn:
        for i in range(rows):
            at = (stamp + step * i).replace(tzinfo=None)
            batch.append({"s": f"s{i}", "at": at, "f": False, "now": at})
            if len(batch) == 10_000:
                conn.execute(stmt, batch)
                batch = []
        if batch:
            conn.execute(stmt, batch)
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE outbox"))


def poll_time(engine: Engine) -> float:
    """The median time of one claim of 100 due rows (rolled back, so every run sees the same)."""

    def claim() -> None:
        with Session(engine) as session:
            rows = outbox.claim(
                session, owner="bench", now=NOW, until=NOW + timedelta(minutes=5), limit=100
            )
            assert len(rows) == 100
            session.rollback()

    claim()  # warm the cache and the connection
    return median_of(21, claim)


def run(small: int = 10_000, large: int = 1_000_000) -> list[Result]:
    out = []
    for kind in ("sqlite", "postgresql"):
        try:
            times = {}
            for rows in (small, large):
                with database(kind) as engine:
                    fill(engine, rows)
                    times[rows] = poll_time(engine)
        except Exception as exc:  # no PostgreSQL here: say so in the table
            out.append(
                Result(
                    f"3 poll 100 due ({kind})",
                    f"{large:,} rows",
                    0.0,
                    None,
                    "-",
                    "s",
                    "< 2x",
                    None,
                    f"not measured: {type(exc).__name__}",
                )
            )
            continue
        ratio = times[large] / times[small]
        out.append(
            Result(
                f"3 poll 100 due ({kind})",
                f"{large:,} vs {small:,} rows",
                times[large],
                times[small],
                f"{small:,} rows",
                "s",
                "< 2x the small table",
                ratio < 2,
                f"cost ratio {ratio:.2f}",
            )
        )
    return out

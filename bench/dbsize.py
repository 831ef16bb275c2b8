"""Scenario 8: how big the database grows. The shipped schedules.toml for a year (2026, with
nothing ever marked done: the most it can hold), one `tick` at every reminder time, as the
service does; then the SQLite file's size per office. Target: under 1 MB per office per year.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from datetime import date, datetime
from pathlib import Path

from bench.common import Result
from reminder.app.runtime import Runtime
from reminder.clock import FixedClock
from reminder.config.loader import load_config
from reminder.planning.planner import plan
from reminder.shipped import shipped

TARGET_MB = 1.0


def ours() -> tuple[float, int, int]:
    """(MB per office, reminders, offices) for one year of the shipped file."""
    os.environ.pop("REMINDER_DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "schedules.toml"
        path.write_text(shipped("schedules.toml").read_text(encoding="utf-8"), encoding="utf-8")
        config = load_config(path, environ={})
        tz = config.settings.tz
        moments = sorted({r.remind_at for r in plan(config, date(2026, 1, 1), date(2026, 12, 31))})
        clock = FixedClock(datetime(2026, 1, 1, 0, 0, tzinfo=tz))
        runtime = Runtime(str(path), clock=clock, dry_run=True)
        runtime.sync_and_plan()
        for moment in moments:
            clock.set(moment)
            runtime.tick()
        runtime.engine.dispose()
        db = Path(tmp) / "reminder.db"
        with sqlite3.connect(db) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            reminders = conn.execute("SELECT count(*) FROM sent_log").fetchone()[0]
        size = db.stat().st_size / 1e6
        return size / len(config.offices), reminders, len(config.offices)


def run() -> list[Result]:
    per_office, rows, offices = ours()
    return [
        Result(
            scenario="8 database size, a year of the shipped file",
            size=f"{offices} offices, nothing done",
            ours=per_office,
            peer=TARGET_MB,
            peer_name="target",
            unit="MB/office",
            target=f"< {TARGET_MB:g} MB",
            ok=per_office < TARGET_MB,
            note=f"{rows:,} sent-log rows in the year, before any pruning",
        )
    ]

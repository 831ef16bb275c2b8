"""A whole year of the shipped schedules.toml, one `tick` at every reminder time: the sent log
(in dry-run) matches `preview` for the same year exactly, on every channel."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from reminder.app.runtime import Runtime
from reminder.clock import FixedClock
from reminder.config.loader import load_config
from reminder.planning.planner import plan
from reminder.store.engine import transaction
from reminder.store.models import SentLogRow
from tests.conftest import SHIPPED


@pytest.mark.slow
def test_a_year_of_ticks_matches_preview(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REMINDER_DATABASE_URL", raising=False)
    path = tmp_path / "schedules.toml"
    path.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    config = load_config(path, environ={})
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    expected = Counter(
        (r.deadline.id, r.occurrence.period_key, r.office, r.kind, r.remind_at)
        for r in plan(config, first, last)
    )
    tz = config.settings.tz
    clock = FixedClock(datetime(2026, 1, 1, 0, 0, tzinfo=tz))
    runtime = Runtime(str(path), clock=clock, dry_run=True)
    runtime.sync_and_plan()
    for moment in sorted({key[4] for key in expected}):
        clock.set(moment)
        runtime.tick()
    with transaction(runtime.engine) as s:
        rows = s.query(SentLogRow).all()
    assert {r.status for r in rows} == {"dry-run"}
    for channel in ("email", "wecom"):
        got = Counter(
            (r.deadline_id, r.period_key, r.office_id, r.kind, r.at.astimezone(tz))
            for r in rows
            if r.channel == channel
        )
        # Every office has both channels; the 分管领导 are reached by email only.
        wanted = Counter(
            {
                k: n
                for k, n in expected.items()
                if channel in config.channels_for(config.addressee(k[2]))
            }
        )
        assert got == wanted, channel
    assert sum(expected.values()) > 300  # 378 with the 2026 calendar
    # The 督办 loop is in it: escalations to 办公室 and the 分管领导's overdue items.
    roles = Counter(r.role for r in plan(config, first, last))
    assert roles["escalation"] > 0 and roles["leader"] > 0

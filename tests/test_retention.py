"""Pruning: sent and failed messages stay for [delivery] keep, superseded, cancelled and
dry-run rows for 90 days, waiting reminders and completions for ever (store/retention.py)."""

from __future__ import annotations

import json

import pytest

from reminder.cli.main import main
from tests.delivery_harness import FULL_LEAD_TIMES, Harness


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_prune_keeps_what_matters_for_its_time_and_never_what_waits(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.write(FULL_LEAD_TIMES)
    cfg = str(harness.path)
    harness.start("2026-03-20 08:00")
    harness.tick("2026-03-20 08:00")
    harness.tick("2026-03-31 09:30")  # catch-up: older reminders superseded, the due ones sent
    code, out, _ = run(capsys, "log", "--config", cfg, "--format", "json")
    assert code == 0
    before = json.loads(out)
    statuses = {e["status"] for e in before}
    assert statuses == {"sent", "superseded"}
    superseded = sum(e["status"] == "superseded" for e in before)
    sent = sum(e["status"] == "sent" for e in before)

    def prune(now: str, *extra: str) -> str:
        code, out, err = run(capsys, "prune", "--config", cfg, "--now", now, *extra)
        assert (code, err) == (0, "")
        return out.strip()

    assert (
        prune("2026-05-01T09:00", "--dry-run") == "would remove 0 sent-log row(s), 0 outbox row(s)"
    )
    # After 90 days the superseded rows go, log and outbox alike; what was sent stays.
    assert prune("2026-07-15T09:00", "--dry-run") == (
        f"would remove {superseded} sent-log row(s), {superseded} outbox row(s)"
    )
    assert prune("2026-07-15T09:00") == (
        f"removed {superseded} sent-log row(s), {superseded} outbox row(s)"
    )
    _, out, _ = run(capsys, "log", "--config", cfg, "--format", "json")
    assert [e["status"] for e in json.loads(out)] == ["sent"] * sent
    # After three years (of 366 days) the sent ones go too; the waiting overdue reminders of
    # March 2026 (never sent: no tick since) stay, as do the completions and the config.
    assert prune("2029-04-01T09:00", "--dry-run").startswith("would remove 0 sent-log")
    assert prune("2029-04-03T09:00") == f"removed {sent} sent-log row(s), {sent} outbox row(s)"
    waiting = [r for r in harness.outbox() if r.status in ("pending", "held")]
    assert waiting and {r.kind for r in waiting} <= {"overdue", "escalation"}


def test_a_digest_keeps_its_body_once_and_the_log_shows_it_on_every_entry(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.write(
        "".join(
            f'\n[[deadlines]]\nid = "t{i}"\ntitle = "任务{i}"\nlead = ["legal"]\ndue = "2026-03-31"\n'
            for i in range(5)
        )
    )
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    rows = harness.log(office_id="legal", channel="wecom")
    assert len(rows) == 6 and len({r.message_id for r in rows}) == 1
    assert sum(r.body is not None for r in rows) == 1
    _, out, _ = run(
        capsys, "log", "--config", str(harness.path), "--office", "legal", "--format", "json"
    )
    entries = json.loads(out)
    assert len({e["body"] for e in entries}) == 1 and "任务4" in entries[0]["body"]


def test_the_service_prunes_on_its_daily_round(harness: Harness) -> None:
    from reminder.app.service import Service
    from tests.delivery_harness import at

    harness.write(FULL_LEAD_TIMES)
    runtime = harness.start("2026-03-20 08:00")
    harness.tick("2026-03-20 08:00")
    harness.tick("2026-03-31 09:30")
    assert any(r.status == "superseded" for r in harness.log())
    harness.clock.set(at("2026-07-15 00:05"))
    Service(runtime)._plan()
    assert {r.status for r in harness.log()} == {"sent"}

"""The APScheduler service arms its dispatch job for the exact instant the next reminder is
due, and re-arms after every pass; no waiting on the wall clock here."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reminder.app.runtime import Runtime
from reminder.app.service import Service
from reminder.clock import SystemClock
from tests.conftest import postgresql_only
from tests.delivery_harness import Harness, at
from tests.test_catch_up import FREQUENT

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_dispatch_job_is_armed_for_the_next_due_reminder(harness: Harness) -> None:
    day = (datetime.now(UTC) + timedelta(days=3)).astimezone(SHANGHAI).date()
    text = harness.path.read_text(encoding="utf-8").replace(
        'due = "2026-03-31"', f'due = "{day}"\nsend_time = "10:30"'
    )
    text += f'\n[calendar]\nworkdays = ["{day}"]\n'  # a working day whatever the weekday
    harness.path.write_text(text, encoding="utf-8")
    service = Service(Runtime(str(harness.path), clock=SystemClock()))
    service.start()
    try:
        dispatch = service.scheduler.get_job("dispatch")
        assert dispatch is not None
        assert dispatch.next_run_time == datetime.fromisoformat(f"{day}T10:30:00+08:00")
        jobs = {j.id for j in service.scheduler.get_jobs()}
        assert jobs == {"dispatch", "plan", "reload", "poll", "report"}
        plan = service.scheduler.get_job("plan")
        assert plan.next_run_time.astimezone(SHANGHAI).strftime("%H:%M") == "00:05"
    finally:
        service.stop()
    assert service.scheduler.running is False


def test_failures_back_off_and_recover(harness: Harness) -> None:
    from reminder.errors import DatabaseError

    service = Service(Runtime(str(harness.path), clock=SystemClock()))
    service.start()
    try:
        calls = []

        def down() -> None:
            calls.append(1)
            raise DatabaseError("database postgresql://x: connection refused")

        delays = []
        for _ in range(3):
            before = datetime.now(UTC)
            service._guarded("dispatch", down)
            retry = service.scheduler.get_job("retry")
            assert retry is not None
            delays.append(round((retry.next_run_time - before).total_seconds()))
        assert delays == [1, 2, 4] and service.failures == 3
        # A reload with nothing to do (every 2 s) says nothing about the database: the next
        # failure still waits longer.
        service._guarded("reload", lambda: None)
        before = datetime.now(UTC)
        service._guarded("retry", down)
        retry = service.scheduler.get_job("retry")
        assert retry is not None
        assert round((retry.next_run_time - before).total_seconds()) == 8
        service._guarded("dispatch", lambda: None)
        assert service.failures == 0
    finally:
        service.stop()


def _paused(service: Service) -> Service:
    """The scheduler starts paused: its jobs are looked at and run here, not by its threads."""
    start = service.scheduler.start
    service.scheduler.start = lambda: start(paused=True)  # type: ignore[method-assign]
    return service


def test_after_downtime_start_sends_first_and_plans_the_days_ahead_a_moment_later(
    harness: Harness,
) -> None:
    harness.write(FREQUENT)
    runtime = harness.start("2026-03-02 08:00")
    runtime.sync_and_plan()
    harness.clock.set(at("2026-03-24 08:00"))  # down for three weeks, until a Tuesday
    service = _paused(Service(runtime))
    service.start()
    try:
        planned = {
            r.remind_at.astimezone(SHANGHAI).date()
            for r in harness.outbox(deadline_id="daily-check", status="pending")
        }
        assert max(planned) == date(2026, 3, 24)  # the missed stretch and today, no further
        ahead = service.scheduler.get_job("plan-ahead")
        assert ahead is not None and service.scheduler.get_job("dispatch") is not None
        assert ahead.next_run_time > harness.clock.now()  # after the first dispatch pass
        ahead.func()
        planned = {
            r.remind_at.astimezone(SHANGHAI).date()
            for r in harness.outbox(deadline_id="daily-check")
        }
        assert max(planned) == date(2026, 3, 26)  # then two days ahead
    finally:
        service.stop()


def test_a_start_without_downtime_plans_the_days_ahead_at_once(harness: Harness) -> None:
    harness.write(FREQUENT)
    runtime = harness.start("2026-03-02 08:00")
    runtime.sync_and_plan()
    harness.clock.set(at("2026-03-02 09:30"))  # restarted the same morning
    service = _paused(Service(runtime))
    service.start()
    try:
        assert service.scheduler.get_job("plan-ahead") is None
        planned = {
            r.remind_at.astimezone(SHANGHAI).date()
            for r in harness.outbox(deadline_id="daily-check")
        }
        assert max(planned) == date(2026, 3, 4)
    finally:
        service.stop()


def test_a_stop_while_a_job_re_arms_dispatch_does_not_deadlock(harness: Harness) -> None:
    """SIGTERM just as a pass ends: the job re-arming dispatch and `stop` meet. APScheduler's
    shutdown holds its job-store lock while it waits for running jobs, so a job reaching
    add_job after it would wait forever (seen once in the four-instance test)."""
    runtime = harness.start("2026-03-02 08:00")
    service = _paused(Service(runtime))
    service.start()
    if (armed := service.scheduler.get_job("dispatch")) is not None:
        armed.remove()
    reading, go_on = threading.Event(), threading.Event()
    due = runtime.next_due

    def slow_next_due() -> datetime | None:  # the job is past its first stopping check
        reading.set()
        go_on.wait(5)
        return due()

    runtime.next_due = slow_next_due  # type: ignore[method-assign]
    job = threading.Thread(target=service._arm_dispatch)
    job.start()
    assert reading.wait(5)
    stopper = threading.Thread(target=service.stop)
    stopper.start()
    while not service.stopping.is_set():  # stop has set it, under the arming lock
        threading.Event().wait(0.001)
    go_on.set()
    job.join(5)
    stopper.join(5)
    assert not job.is_alive() and not stopper.is_alive()
    assert service.scheduler.get_job("dispatch") is None  # nothing armed after the stop


def test_a_clock_that_jumps_forward_more_than_a_day_is_logged(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = harness.start("2026-03-02 08:00")
    service = Service(runtime)
    harness.clock.set(at("2026-03-02 08:00:30"))
    service._poll()
    assert "jumped" not in caplog.text
    harness.clock.set(at("2026-03-05 08:01"))
    service._poll()
    assert (
        "the clock jumped forward from 2026-03-02T08:00:30+08:00 to 2026-03-05T08:01:00+08:00"
        in caplog.text
    )


@postgresql_only
def test_a_plan_job_does_not_wait_for_an_instance_stalled_in_planning(
    harness: Harness, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Another instance stalled while it held the planning lock (until the server ends its
    transaction, minutes later). This service's plan job gives up after its patience and
    frees the service's lock, so its dispatch jobs run meanwhile; it plans again later."""
    from sqlalchemy import text

    from reminder.store.engine import PLAN_LOCK, make_engine

    service = _paused(Service(Runtime(str(harness.path), clock=SystemClock())))
    service.start()
    service.runtime.plan_patience = timedelta(milliseconds=200)  # the test's: 5 s in service
    stalled = make_engine(db_url).connect()
    try:
        stalled.begin()
        stalled.execute(text("SELECT pg_advisory_xact_lock(hashtext(:n))"), {"n": PLAN_LOCK})
        service._guarded("plan", service._plan)
        assert service.lock.acquire(blocking=False)  # free: a dispatch job would run now
        service.lock.release()
        assert service.scheduler.get_job("retry") is not None  # it plans again later
        assert "another instance has held reminder:plan" in caplog.text
        service._guarded("dispatch", service._dispatch)  # not waiting for the planning lock
    finally:
        stalled.close()
        service.stop()
    assert service.failures == 0  # the dispatch pass went through

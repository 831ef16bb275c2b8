"""`reminder run`: the long-running service. The only module that imports APScheduler.

APScheduler 3 is the in-process clock: a memory job store and five code-defined jobs. The
durable state (what is planned, claimed, sent) lives in the project's own tables, never in
APScheduler's store, which cannot be shared between processes.

- dispatch: a one-shot job at the exact instant the next reminder falls due, re-armed after
  every pass, so a reminder goes out within a second or two of its time;
- plan: at start and every day just after midnight;
- reload: every 2 s, re-reads schedules.toml when it changed;
- poll: every 30 s, re-arms dispatch in case another instance or a clock change moved things;
- report: every minute, sends the 通报 of [report] once its moment has come.
SIGTERM and SIGINT let the message in flight finish, then the process exits 0.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import timedelta
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from reminder.app.retention import prune
from reminder.app.runtime import Runtime
from reminder.errors import ReminderError

log = logging.getLogger("reminder.service")

RELOAD_EVERY = timedelta(seconds=2)
SIGNAL_POLL = 0.2  # seconds; only bounds how long a missed wake-up could take
MAX_BACKOFF = 60  # seconds between attempts while the database or network is down
POLL_EVERY = timedelta(seconds=30)
REPORT_EVERY = timedelta(seconds=60)  # is the 通报 due? (a date check; the database only then)
JUMP = timedelta(days=1)  # between two polls: the system clock was moved, not time passing
# Jobs whose success shows the database is back, and so ends a run of failures; a reload that
# found the files unchanged (every 2 s) shows nothing, and must not cut the back-off short.
RESETS = ("dispatch", "plan", "retry")
PLAN_PATIENCE = timedelta(seconds=5)  # a job's wait for another instance's planning
PLAN_AHEAD_AFTER = timedelta(seconds=1)  # after start: a dispatch pass due now goes first


class Service:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.clock = runtime.clock  # the one clock: the runtime's, also for the job times
        self.stopping = threading.Event()
        self.lock = threading.Lock()  # one pass, plan or reload at a time
        # Held by a job while it changes the scheduler's jobs, and by `stop` while it sets
        # `stopping`: APScheduler's shutdown holds its job-store lock while it waits for the
        # running jobs, so a job that reached add_job or get_job after it would wait forever.
        self.arming = threading.Lock()
        self.failures = 0
        self.seen = self.clock.now()  # the clock at the last poll: a jump is logged
        runtime.dispatcher.stop_requested = self.stopping.is_set
        tz = runtime.config.settings.tz
        self.scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            # Two threads: a reload or dispatch due during a long pass returns at once (skips)
            # instead of queueing behind it, which APScheduler logs as a skipped run every 2 s.
            executors={"default": ThreadPoolExecutor(2)},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=tz,
        )

    def _guarded(self, name: str, work: Any) -> None:
        """Run one job's work under the service lock; on failure log, back off and retry.

        No job waits for the lock (a waiting job would hold a pool thread and make APScheduler
        skip the others): when another job holds it, dispatch and reload are dropped (that job
        re-arms dispatch when it ends; reload comes round in 2 s), plan and retry come back
        in a second.
        """
        if self.stopping.is_set():
            return
        if not self.lock.acquire(blocking=False):
            if name in ("plan", "retry"):
                self._retry_in(1)
            return
        try:
            try:
                work()
                if name in RESETS:
                    self.failures = 0
            except Exception as exc:  # the service must not die: log, back off, try again
                self.failures += 1
                delay = min(MAX_BACKOFF, 2 ** (self.failures - 1))
                if isinstance(exc, ReminderError):  # database down, locked: a known condition
                    log.error("%s failed: %s; retrying in %d s", name, exc, delay)
                else:
                    log.exception("%s failed; retrying in %d s", name, delay)
                self._retry_in(delay)
                return
        finally:
            self.lock.release()
        self._arm_dispatch()

    def _recover(self) -> None:
        self.runtime.sync_and_plan()
        self._dispatch()

    def _retry_in(self, seconds: float) -> None:
        with self.arming:
            if self.stopping.is_set():
                return
            self.scheduler.add_job(
                lambda: self._guarded("retry", self._recover),
                DateTrigger(run_date=self.clock.now() + timedelta(seconds=seconds)),
                id="retry",
                replace_existing=True,
            )

    def _dispatch(self) -> None:
        report = self.runtime.dispatch()
        if report.counts:
            log.info("dispatch: %s", report.summary())

    def _plan(self) -> None:
        """The daily round: plan the day entering the horizon, then prune what ended long
        ago (in small batches)."""
        log.info("%s", self.runtime.plan().summary())
        prune(self.runtime.config, self.runtime.engine, self.clock.now())

    def _poll(self) -> None:
        """Every 30 s: notice a clock that jumped, then re-arm dispatch."""
        now = self.clock.now()
        if now - self.seen > JUMP:
            log.warning(
                "the clock jumped forward from %s to %s: reminders due in between go out "
                "now, per task and office only the latest (is the system clock right?)",
                self.seen.isoformat(timespec="seconds"),
                now.isoformat(timespec="seconds"),
            )
        self.seen = now
        self._arm_dispatch()

    def _arm_dispatch(self) -> None:
        if self.stopping.is_set():
            return
        try:
            due = self.runtime.next_due()
        except Exception:
            log.exception("cannot read the outbox; will try again")
            return
        with self.arming:
            if self.stopping.is_set():
                return
            if due is None:
                job = self.scheduler.get_job("dispatch")
                if job is not None:
                    job.remove()
                return
            self.scheduler.add_job(
                lambda: self._guarded("dispatch", self._dispatch),
                DateTrigger(run_date=max(due, self.clock.now())),
                id="dispatch",
                replace_existing=True,
            )

    def start(self) -> None:
        # What is due by today first. After downtime (a missed stretch was planned) the days
        # ahead are planned a moment later, after the first dispatch pass (plan waits for the
        # lock); otherwise at once.
        synced, planned = self.runtime.catch_up()
        today = self.clock.now().astimezone(self.runtime.config.settings.tz).date()
        backlog = planned.first < today
        if not backlog:
            planned = planned.then(self.runtime.plan())
        log.info("started with %s: %s; %s", self.runtime.path, synced.summary(), planned.summary())
        # From now on a job that plans does not wait long for another instance's planning: it
        # holds this service's lock meanwhile, and dispatch waits for that lock. One stalled
        # in planning holds it until the server ends its transaction (five minutes).
        self.runtime.plan_patience = PLAN_PATIENCE
        self.runtime.report_unreachable()
        tz = self.runtime.config.settings.tz
        add = self.scheduler.add_job
        add(
            lambda: self._guarded("plan", self._plan),
            CronTrigger(hour=0, minute=5, timezone=tz),
            id="plan",
        )
        if backlog:
            add(
                lambda: self._guarded("plan", self._plan),
                DateTrigger(run_date=self.clock.now() + PLAN_AHEAD_AFTER),
                id="plan-ahead",
            )
        add(
            lambda: self._guarded("reload", self.runtime.reload_if_changed),
            IntervalTrigger(seconds=RELOAD_EVERY.total_seconds()),
            id="reload",
        )
        add(self._poll, IntervalTrigger(seconds=POLL_EVERY.total_seconds()), id="poll")
        add(
            lambda: self._guarded("report", self.runtime.send_report),
            IntervalTrigger(seconds=REPORT_EVERY.total_seconds()),
            id="report",
        )
        self.scheduler.start()
        self._arm_dispatch()

    def stop(self) -> None:
        """Finish the message in flight, then stop."""
        with self.arming:  # no job is changing the scheduler's jobs, and none will
            self.stopping.set()
        self.scheduler.shutdown(wait=True)
        log.info("stopped")

    def run_forever(self) -> int:
        received: list[int] = []

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            # Nothing that takes a lock here (no logging, no Event.set): the signal may land
            # while this very thread holds one, mid-write to the log, and never get further.
            received.append(signum)

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.start()
        while not received:
            time.sleep(SIGNAL_POLL)  # a signal interrupts the sleep; the loop sees it at once
        log.info("received %s: finishing the message in flight", signal.Signals(received[0]).name)
        self.stop()
        return 0

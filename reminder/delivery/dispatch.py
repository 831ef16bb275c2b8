"""Dispatching: claim due reminders, log, send, record. Nothing lost, nothing sent twice.

One pass, at one `now`: claim due rows under a lease kept alive by a heartbeat (`parallel`
x 32 at a time, with the rest of those offices' due rows when digests are on); triage them
(`triage`: cancel what is no longer wanted, supersede older reminders of the same task and
office that piled up while the service was down, hold what cannot be sent yet); compose one
digest per office and channel (`compose`); then send them by the protocol of `protocol`: up
to `[delivery] parallel` messages in flight at once, at most one per budget key (a robot, the
SMTP server, a webhook URL), each key's in order, on worker threads when sends wait on the
network, else one after another (`inflight.Flight`).

What is due is decided at the pass's `now`; leases and the times written in the records are
read once per round, since a round may come minutes after the pass began.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reminder.clock import Clock
from reminder.config.model import Config
from reminder.delivery.channels.base import Transport
from reminder.delivery.compose import Composer
from reminder.delivery.heartbeat import Heartbeat
from reminder.delivery.inflight import Flight, KeyedQueue, Timings, collect
from reminder.delivery.outgoing import Attempt, Outgoing, PassReport
from reminder.delivery.protocol import SendProtocol, free_ended_owners, owner_name
from reminder.delivery.ratelimit import Limiter
from reminder.delivery.rendering import Renderer
from reminder.delivery.triage import Triage
from reminder.store import budget, health, outbox, sentlog
from reminder.store.engine import transaction
from reminder.store.models import OutboxRow

__all__ = ["BATCH", "WHOLE", "Dispatcher", "PassReport"]

log = logging.getLogger("reminder.dispatch")

BATCH = 500  # the most rows claimed at once (a claim is `parallel` x CLAIM_ROUNDS, below)
CLAIM_ROUNDS = 32  # a claim holds what the in-flight slots start in a few dozen rounds (a
# second or two at a remote robot's pace), no more: all a dead instance strands for a lease,
# and what a live one keeps from the others; smaller claims cost throughput (bench 4: 8
# rounds ran about 5% slower, and were within the noise of 32)
WHOLE = 5000  # with digests, the rest of the claimed offices' due rows, up to this many
COMPOSE = 100  # reminders composed in one transaction (a tenth of a second or so)


class Dispatcher:
    """Sends what is due. One per process; `run_pass` may be called from one thread at a time."""

    def __init__(
        self,
        config: Config,
        engine: Engine,
        *,
        clock: Clock,
        transports: dict[str, Transport],
        limiter: Limiter,
        renderer: Renderer,
        dry_run: bool = False,
        owner: str | None = None,
    ) -> None:
        self.engine, self.clock, self.limiter = engine, clock, limiter
        self.dry_run = dry_run
        self.owner = owner or owner_name()
        self.stop_requested: Callable[[], bool] = lambda: False
        self.timings = Timings()  # how long sends took, kept from pass to pass
        self.transports: dict[str, Transport] = {}
        self.reconfigure(config, transports, renderer)

    @property
    def renderer(self) -> Renderer:
        return self.composer.renderer

    @renderer.setter
    def renderer(self, renderer: Renderer) -> None:
        self.composer.renderer = renderer

    def reconfigure(
        self, config: Config, transports: dict[str, Transport], renderer: Renderer
    ) -> None:
        for t in self.transports.values():
            t.close()
        self.config, self.transports = config, transports
        self.triage = Triage(config, transports, self.dry_run)
        self.composer = Composer(config, transports, renderer, dry_run=self.dry_run)
        self.protocol = SendProtocol(
            config,
            owner=self.owner,
            transports=transports,
            limiter=self.limiter,
            dry_run=self.dry_run,
        )

    def run_pass(self, now: datetime | None = None) -> PassReport:
        """Send everything due at `now` (default: the clock's now); return what happened."""
        now = self.clock.now() if now is None else now
        report = PassReport()
        with self._transaction() as s:
            report.counts["superseded"] += outbox.coalesce_backlog(s, now)
            sentlog.close_orphans(s, now, self._longest_send())
            today = now.astimezone(self.config.settings.tz).date()
            if not self.composer.cal.is_workday(today):
                report.counts["waiting for a working day"] += outbox.defer_to(
                    s, now, self._waits(today), today
                )
            budget.prune(s, now)
            health.record_pass(s, now)  # /healthz: when any instance last dispatched
        flight: Flight[Attempt] = Flight(self.config.delivery.parallel, self.timings)
        ended: list[Attempt] = []  # tried, outcome not yet committed
        beat = Heartbeat(self.engine, self.clock, self.owner, self.config.delivery.lease)
        try:
            with beat:
                while not self.stop_requested():
                    rows = self._claim(now)
                    if not rows:
                        break
                    self._send(self._prepare(rows, now, report), flight, ended, report)
        finally:
            # Whatever stopped the pass (a stop, a failed round, a bug), what was tried is
            # recorded: an outcome dropped here would be a message sent again after its lease.
            try:
                try:
                    collect(flight.close(), ended)
                finally:
                    if ended:
                        with self._transaction() as s:
                            self.protocol.record(s, ended, self.clock.now(), report)
            finally:
                for t in self.transports.values():
                    t.close()
        return report

    def _transaction(self) -> AbstractContextManager[Session]:
        """A transaction of this dispatcher's: should the process stall in one, the server
        ends it a lease later, freeing its locks for the other instances."""
        return transaction(self.engine, idle_limit=self.config.delivery.lease)

    def _longest_send(self) -> timedelta:
        """No live instance has a message in flight longer than this (its lease is kept alive
        by the heartbeat, so the lease alone does not say)."""
        c = self.config
        robots = (c.wecom.timeout, c.webhook.timeout, c.dingtalk.timeout, c.feishu.timeout)
        # An SMS goes to an office's numbers one after another.
        numbers = max((len(o.sms) for o in c.addressees.values()), default=1)
        longest = max(c.email.timeout, *robots, c.sms.timeout * numbers if c.sms else 0.0)
        return max(c.delivery.lease, timedelta(seconds=2 * longest + 60))

    def _waits(self, today: date) -> dict[datetime, list[str]]:
        """Rest days are quiet: what falls due on one (a catch-up, a tick on a Saturday) waits
        for the next working day's send time of its deadline."""
        day = self.composer.cal.next_workday(today)
        out: dict[datetime, list[str]] = defaultdict(list)
        for d in self.config.deadlines:
            at = datetime.combine(day, self.config.send_time_for(d), self.config.settings.tz)
            out[at].append(d.id)
        return out

    def _claim(self, now: datetime) -> list[OutboxRow]:
        with self._transaction() as s:
            free_ended_owners(s)  # an instance that died meanwhile: its rows are due now
            return outbox.claim(
                s,
                owner=self.owner,
                now=now,
                until=self.clock.now() + self.config.delivery.lease,
                limit=min(BATCH, self.config.delivery.parallel * CLAIM_ROUNDS),
                whole_offices=WHOLE if self.config.delivery.digest else 0,
            )

    def _prepare(self, rows: list[OutboxRow], now: datetime, report: PassReport) -> list[Outgoing]:
        """Triage the claimed rows, then compose the messages that carry the rest, about
        COMPOSE reminders to a transaction: composing is Python, with nothing asked of the
        database, and one transaction left idle while a thousand were rendered (a second and
        more) outlasted a short lease, the server's idle limit for it."""
        with self._transaction() as s:
            occurrences = sentlog.occurrences_by_id(s, {r.occurrence_id for r in rows})
            groups = self.triage.groups(s, rows, now, report)
            known = self.composer.known(s, [r for g in groups for r in g.rows])
        out: list[Outgoing] = []
        while groups:
            size, take = 0, 0
            while take < len(groups) and (take == 0 or size < COMPOSE):
                size, take = size + len(groups[take].rows), take + 1
            with self._transaction() as s:
                for group in groups[:take]:
                    out += self.composer.messages(s, group, occurrences, now, report, known)
            groups = groups[take:]
        return out

    def _send(
        self,
        messages: list[Outgoing],
        flight: Flight[Attempt],
        ended: list[Attempt],
        report: PassReport,
    ) -> None:
        """Start `messages`, keeping `flight` full. Each round is one transaction: the outcomes
        of the sends that ended, and the start of the next ones. `ended` is cleared only once
        that transaction has committed. Returns once the last is started, not ended: the next
        batch is claimed and composed while these are in flight (their outcomes are recorded
        by its first round, or when the pass ends)."""
        queue = KeyedQueue(messages, key=lambda m: m.target.rate_key)
        while queue:
            collect(
                flight.done(block=flight.crowded or not queue.ready(flight.free, flight.busy)),
                ended,
            )
            # Asked after the wait for sends to end: a stop that came meanwhile starts nothing.
            if self.stop_requested():
                with self._transaction() as s:
                    self.protocol.release(s, queue.drain())
                return  # what ended or is in flight is recorded when the pass ends
            ready = [
                (m, self.protocol.payloads(m)) for _, m in queue.take(flight.free, flight.busy)
            ]
            round_now = self.clock.now()
            with self._transaction() as s:
                self.protocol.record(s, ended, round_now, report)
                started = self.protocol.start(s, ready, round_now, report)
            ended.clear()
            for message, log_ids, payloads in started:
                if self.dry_run:
                    ended.append(Attempt(message, log_ids, "dry-run"))
                else:
                    flight.submit(
                        message.target.rate_key,
                        partial(self.protocol.send, message, log_ids, payloads),
                    )

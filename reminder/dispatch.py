"""Dispatching: claim due reminders, log, send, record. Nothing lost, nothing sent twice.

One pass: claim due rows under a lease (500 at a time, with the rest of those offices' due rows
when digests are on); cancel what is no longer wanted; supersede older reminders of the same
task and office that piled up while the service was down; hold what cannot be sent yet
(channel not configured); group the rest into one digest per office and channel. Then up to
`[delivery] parallel` messages are in flight at once, at most one per budget key (a robot, the
SMTP server, a webhook URL), each key's in order. One transaction records the outcomes of the
sends that finished and starts the next ones: renews their lease (rows that another instance
took after the lease ran out are left to it), takes their budget and logs them `sending`; then
they are sent, on worker threads when sends wait on the network, else one after another
(`inflight.Flight`). A crash between a send and its record leaves the log row
`sending` and the lease to expire: at worst the messages in flight are repeated (one for
email, which goes one at a time), never lost.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reminder.channels.base import Rendered, Target, Transport, resolve_target
from reminder.clock import Clock
from reminder.coalesce import older
from reminder.config import Config
from reminder.errors import DeliveryError, NotConfigured
from reminder.inflight import Flight, KeyedQueue, Timings, collect
from reminder.planning import NO_CHANNEL
from reminder.ratelimit import Limiter
from reminder.rendering import Item, Renderer, make_item, template_issue
from reminder.store import budget, outbox, sentlog
from reminder.store.budget import Ask
from reminder.store.engine import transaction
from reminder.store.models import CompletionRow, OccurrenceRow, OutboxRow, SentLogRow
from reminder.store.sentlog import log_rows

log = logging.getLogger("reminder.dispatch")

HOLD_RECHECK = timedelta(minutes=10)
BATCH = 500  # rows claimed at once, so that several instances share a backlog
WHOLE = 5000  # with digests, the rest of the claimed offices' due rows, up to this many


def owner_name() -> str:
    """Who holds a lease: host, process and a per-process nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class PassReport:
    counts: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        order = (
            "sent",
            "dry-run",
            "retrying",
            "failed",
            "held",
            "superseded",
            "cancelled",
            "deferred",
        )
        parts = [f"{self.counts[k]} {k}" for k in order if self.counts[k]]
        return ", ".join(parts) or "nothing due"


@dataclass
class Attempt:
    """A message tried; its outcome is recorded in the transaction that starts the next ones."""

    message: Outgoing
    log_ids: list[int]
    outcome: str  # sent, error or dry-run
    error: DeliveryError | None = None
    code: str | None = None


@dataclass
class Outgoing:
    """One message: one office, one channel, one or more reminders."""

    office_id: str
    channel: str
    target: Target
    rows: list[OutboxRow]
    rendered: Rendered
    occurrences: dict[int, OccurrenceRow]


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
        self.config, self.engine, self.clock = config, engine, clock
        self.transports, self.limiter, self.renderer = transports, limiter, renderer
        self.dry_run = dry_run
        self.owner = owner or owner_name()
        self.cal = config.calendar()
        self.stop_requested: Callable[[], bool] = lambda: False
        self.timings = Timings()  # how long sends took, kept from pass to pass

    def reconfigure(
        self, config: Config, transports: dict[str, Transport], renderer: Renderer
    ) -> None:
        for t in self.transports.values():
            t.close()
        self.config, self.transports, self.renderer = config, transports, renderer
        self.cal = config.calendar()

    def run_pass(self) -> PassReport:
        """Send everything due now; return what happened."""
        report = PassReport()
        with transaction(self.engine) as s:
            report.counts["superseded"] += outbox.coalesce_backlog(s, self.clock.now())
            budget.prune(s, self.clock.now())
        flight: Flight[Attempt] = Flight(self.config.delivery.parallel, self.timings)
        ended: list[Attempt] = []  # tried, outcome not yet committed
        try:
            while not self.stop_requested():
                now = self.clock.now()
                with transaction(self.engine) as s:
                    rows = outbox.claim(
                        s,
                        owner=self.owner,
                        now=now,
                        until=now + self.config.delivery.lease,
                        limit=BATCH,
                        whole_offices=WHOLE if self.config.delivery.digest else 0,
                    )
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
                        with transaction(self.engine) as s:
                            self._record(s, ended, report)
            finally:
                for t in self.transports.values():
                    t.close()
        return report

    def _send(
        self,
        messages: list[Outgoing],
        flight: Flight[Attempt],
        ended: list[Attempt],
        report: PassReport,
    ) -> None:
        """Send `messages`, keeping `flight` full. Each round is one transaction: the outcomes
        of the sends that ended, and the start of the next ones. `ended` is cleared only once
        that transaction has committed."""
        queue = KeyedQueue(messages, key=lambda m: m.target.rate_key)
        while queue or flight or ended:
            collect(flight.done(block=not queue.ready(flight.free, flight.busy)), ended)
            # Asked after the wait for sends to end: a stop that came meanwhile starts nothing.
            if self.stop_requested():
                with transaction(self.engine) as s:
                    outbox.release(
                        s, [r.id for m in queue.drain() for r in m.rows], owner=self.owner
                    )
                return  # what ended or is in flight is recorded when the pass ends
            ready = [(m, self._payloads(m)) for _, m in queue.take(flight.free, flight.busy)]
            with transaction(self.engine) as s:
                self._record(s, ended, report)
                started = self._start(s, ready, report)
            ended.clear()
            for message, log_ids, payloads in started:
                if self.dry_run:
                    ended.append(Attempt(message, log_ids, "dry-run"))
                else:
                    flight.submit(
                        message.target.rate_key, partial(self._try, message, log_ids, payloads)
                    )

    # -- deciding -------------------------------------------------------------------------

    def _prepare(self, rows: list[OutboxRow], now: datetime, report: PassReport) -> list[Outgoing]:
        with transaction(self.engine) as s:
            occurrences = {
                o.id: o
                for o in s.scalars(
                    select(OccurrenceRow).where(
                        OccurrenceRow.id.in_({r.occurrence_id for r in rows})
                    )
                )
            }
            done = set(
                s.scalars(
                    select(CompletionRow.occurrence_id).where(
                        CompletionRow.occurrence_id.in_(occurrences),
                        CompletionRow.reopened_at.is_(None),
                    )
                )
            )
            live = self._drop_unwanted(s, rows, done, now, report)
            live = self._supersede(s, live, now, report)
            groups: dict[tuple[str, str, bool], list[OutboxRow]] = defaultdict(list)
            for row in live:
                groups[(row.office_id, row.channel, row.kind == "alert")].append(row)
            messages: list[Outgoing] = []
            for (office_id, channel, _), members in groups.items():
                target = self._target(s, office_id, channel, members, now, report)
                if target is None:
                    continue
                for batch in self._batches(members):
                    for part, rendered in self._rendered(s, target, batch, occurrences, report):
                        messages.append(
                            Outgoing(office_id, channel, target, part, rendered, occurrences)
                        )
        return messages

    def _rendered(
        self,
        s: Any,
        target: Target,
        rows: list[OutboxRow],
        occurrences: dict[int, OccurrenceRow],
        report: PassReport,
    ) -> list[tuple[list[OutboxRow], Rendered]]:
        """`_fitting`, except that a template failing on these reminders' data (`check` renders
        sample data only) fails only the reminders it cannot render, for good, with the admin
        told; the others of a digest go one by one."""
        try:
            return self._fitting(s, target, rows, occurrences)
        except Exception as exc:
            if len(rows) > 1:
                return [
                    m for r in rows for m in self._rendered(s, target, [r], occurrences, report)
                ]
            now = self.clock.now()
            reason = f"cannot render: {template_issue(exc)}"
            outbox.set_status(s, rows, "failed", now, reason=reason)
            self._failed_for_good(s, rows, reason, now)
            report.counts["failed"] += len(rows)
            return []

    def _drop_unwanted(
        self, s: Any, rows: list[OutboxRow], done: set[int], now: datetime, report: PassReport
    ) -> list[OutboxRow]:
        deadlines = self.config.deadline_by_id
        gone = [
            r
            for r in rows
            if (r.occurrence_id in done and r.kind != "alert")
            or r.deadline_id not in deadlines
            or r.office_id not in self.config.offices
        ]
        if gone:
            outbox.cancel(s, gone, now, reason="done, or no longer in schedules.toml")
            report.counts["cancelled"] += len(gone)
        return [r for r in rows if r not in gone]

    def _supersede(
        self, s: Any, rows: list[OutboxRow], now: datetime, report: PassReport
    ) -> list[OutboxRow]:
        """Per task, office and channel only the most recent due reminder goes out.

        Within one occurrence a "7 days left" replaces the "30 days left" before it; across
        occurrences the newer one replaces the older, as the planner's overdue repeats do.
        """
        old = older(
            [r for r in rows if r.kind != "alert"],
            lambda r: (r.deadline_id, r.office_id, r.channel),
            lambda r: r.remind_at,
        )
        if old:
            outbox.supersede(s, old, now)
            report.counts["superseded"] += len(old)
        return [r for r in rows if r not in old]

    def _target(
        self,
        s: Any,
        office_id: str,
        channel: str,
        rows: list[OutboxRow],
        now: datetime,
        report: PassReport,
    ) -> Target | None:
        office = self.config.offices[office_id]
        try:
            return resolve_target(self.transports, office, channel)
        except NotConfigured as exc:
            if self.dry_run:
                return Target(
                    channel=channel,
                    address="",
                    shown=f"(not configured: {exc})",
                    rate_key="dry-run",
                    per_minute=10**9,
                )
            fresh = [r for r in rows if r.status != "held"]
            if fresh:
                log_rows(s, fresh, at=now, status="held", error=str(exc), finished_at=now)
                log.warning(
                    "held %d reminder(s) for %s by %s: %s", len(fresh), office_id, channel, exc
                )
            outbox.hold(s, [r.id for r in rows], now, str(exc), recheck=now + HOLD_RECHECK)
            report.counts["held"] += len(rows)
            return None

    def _batches(self, rows: list[OutboxRow]) -> list[list[OutboxRow]]:
        if self.config.delivery.digest and rows[0].kind != "alert":
            return [rows]
        return [[r] for r in rows]

    def _fitting(
        self,
        s: Any,
        target: Target,
        rows: list[OutboxRow],
        occurrences: dict[int, OccurrenceRow],
    ) -> list[tuple[list[OutboxRow], Rendered]]:
        """`rows` rendered as one message; or, when the channel would have to cut it into
        parts (a WeCom digest over 4096 bytes), as several messages of whole reminders, each
        holding as many as fit. Each is then logged, sent and retried on its own: a failed
        second part never repeats the first. Only a reminder too long by itself is cut."""
        office_id, channel = rows[0].office_id, rows[0].channel
        transport = self.transports.get(channel)

        def render(part: list[OutboxRow]) -> Rendered:
            return self._render(s, target, office_id, channel, part, occurrences)

        def fits(rendered: Rendered) -> bool:
            return transport is None or transport.parts(target, rendered) == 1

        out: list[tuple[list[OutboxRow], Rendered]] = []
        rest = rows
        while rest:
            whole = render(rest)
            if len(rest) == 1 or fits(whole):
                out.append((rest, whole))
                break
            # The most reminders that fit, by binary search; the best fit keeps its rendering.
            fit, too_many, best = 1, len(rest), None
            while too_many - fit > 1:
                mid = (fit + too_many) // 2
                tried = render(rest[:mid])
                if fits(tried):
                    fit, best = mid, tried
                else:
                    too_many = mid
            out.append((rest[:fit], best or render(rest[:1])))
            rest = rest[fit:]
        return out

    def _render(
        self,
        s: Any,
        target: Target,
        office_id: str,
        channel: str,
        rows: list[OutboxRow],
        occurrences: dict[int, OccurrenceRow],
    ) -> Rendered:
        office = self.config.offices[office_id]
        if rows[0].kind == "alert":
            return self.renderer.alert(office, self._failure(s, rows[0]))
        items = [self._item(r, occurrences[r.occurrence_id]) for r in rows]
        return self.renderer.reminder(
            channel,
            office,
            items,
            digest=self.config.delivery.digest,
            mentions=bool(target.mentions),
        )

    def _item(self, row: OutboxRow, occ: OccurrenceRow) -> Item:
        day = row.remind_at.astimezone(self.config.settings.tz).date()
        days = (occ.nominal_due, occ.due, day)
        years = [
            y for y in range(min(days).year, max(days).year + 1) if not self.cal.is_official(y)
        ]
        return make_item(
            self.config,
            deadline_id=row.deadline_id,
            kind=row.kind,
            role=row.role,
            office_id=row.office_id,
            due=occ.due,
            nominal_due=occ.nominal_due,
            period_key=occ.period_key,
            working_days_left=row.working_days_left,
            provisional_years=years,
        )

    def _failure(self, s: Any, alert: OutboxRow) -> dict[str, Any]:
        failed = s.get(OutboxRow, alert.about_id)
        last = s.scalars(
            select(SentLogRow)
            .where(SentLogRow.outbox_id == alert.about_id)
            .order_by(SentLogRow.id.desc())
            .limit(1)
        ).first()
        deadline = self.config.deadline_by_id.get(alert.deadline_id)
        office = self.config.offices.get(failed.office_id) if failed else None
        return {
            "office_name": office.name if office else (failed.office_id if failed else "?"),
            "channel": failed.channel if failed else "?",
            "target": last.target if last else "",
            "task": deadline.task if deadline else None,
            "title": deadline.title if deadline else alert.deadline_id,
            "attempts": failed.attempts if failed else 0,
            "error": (last.error if last else None) or (failed.last_error if failed else ""),
        }

    # -- sending --------------------------------------------------------------------------

    def _body(self, message: Outgoing) -> str:
        r = message.rendered
        if message.channel == "wecom" and not message.target.mentions and r.markdown:
            return r.markdown
        return r.text

    def _payloads(self, message: Outgoing) -> list[object]:
        """What will be posted (one item per request), built before any transaction."""
        transport = self.transports.get(message.channel)
        if self.dry_run or transport is None:
            return []
        return transport.payloads(message.target, message.rendered)

    def _start(
        self, s: Session, messages: Sequence[tuple[Outgoing, list[object]]], report: PassReport
    ) -> list[tuple[Outgoing, list[int], list[object]]]:
        """Start sending `messages`: renew their lease, take their budget, log them `sending`
        (`dry-run`). Those another instance took, or whose budget is spent, are not started."""
        if not messages:
            return []
        now = self.clock.now()
        mine = outbox.renew(
            s,
            [r.id for m, _ in messages for r in m.rows],
            owner=self.owner,
            until=now + self.config.delivery.lease,
        )
        going: list[tuple[Outgoing, list[object]]] = []
        for message, payloads in messages:
            ids = [r.id for r in message.rows]
            if not mine.issuperset(ids):
                log.warning(
                    "lease on %d reminder(s) for %s ran out and another instance took "
                    "them; not sending them here",
                    len(ids),
                    message.office_id,
                )
                outbox.release(s, ids, owner=self.owner)
                continue
            going.append((message, payloads))
        if not self.dry_run:
            waits = self.limiter.reserve(
                [Ask(m.target.rate_key, len(p), m.target.per_minute) for m, p in going],
                now,
                session=s,
            )
            for (message, _), wait in zip(going, waits, strict=True):
                if wait is not None:
                    outbox.defer(s, [r.id for r in message.rows], wait)
                    report.counts["deferred"] += len(message.rows)
            going = [g for g, wait in zip(going, waits, strict=True) if wait is None]
        log_ids = sentlog.log_messages(
            s,
            [
                (
                    m.rows,
                    {
                        "message_id": str(uuid.uuid4()),
                        "target": m.target.shown,
                        "subject": m.rendered.subject,
                        "body": self._body(m),
                        "attempt": max(r.attempts for r in m.rows) + 1,
                    },
                )
                for m, _ in going
            ],
            at=now,
            status="dry-run" if self.dry_run else "sending",
            occurrences={
                r.occurrence_id: m.occurrences[r.occurrence_id] for m, _ in going for r in m.rows
            },
        )
        return [(m, ids, p) for (m, p), ids in zip(going, log_ids, strict=True)]

    def _try(self, message: Outgoing, log_ids: list[int], payloads: list[object]) -> Attempt:
        """Send one message (here or on a worker thread); the outcome, never an exception."""
        transport = self.transports[message.channel]
        try:
            code = ""
            for payload in payloads:
                code = transport.send(message.target, payload)
        except DeliveryError as exc:
            return Attempt(message, log_ids, "error", exc, exc.code)
        except Exception as exc:  # a bug must not leave the message `sending` until its lease
            log.exception("sending to %s by %s", message.office_id, message.channel)
            error = DeliveryError(
                f"unexpected error: {type(exc).__name__}", permanent=False, code="error"
            )
            return Attempt(message, log_ids, "error", error, error.code)
        return Attempt(message, log_ids, "sent", None, code)

    def _record(self, s: Session, attempts: Sequence[Attempt], report: PassReport) -> None:
        """Write attempts' outcomes: sent, retrying later, or failed (the admin told). Attempts
        with the same outcome are written by one statement."""
        now = self.clock.now()
        same: dict[tuple[Any, ...], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for attempt in attempts:
            status, values, reason = self._outcome(attempt, now)
            ids, log_ids = same[(status, reason, attempt.code, tuple(sorted(values.items())))]
            ids += [r.id for r in attempt.message.rows]
            log_ids += attempt.log_ids
            if status == "failed":
                self._failed_for_good(s, attempt.message.rows, reason, now)
            report.counts[status] += len(attempt.message.rows)
        for (status, reason, code, values), (ids, log_ids) in same.items():
            outbox.finish(
                s, ids, "pending" if status == "retrying" else status, now, reason, **dict(values)
            )
            sentlog.finish(s, log_ids, status, now, reason, code)

    def _outcome(self, attempt: Attempt, now: datetime) -> tuple[str, dict[str, Any], str | None]:
        """The status an attempt ends in, the outbox values that go with it, and the reason."""
        error = attempt.error
        retries, backoff = self.config.delivery.retries, self.config.delivery.backoff
        attempts = max(r.attempts for r in attempt.message.rows) + 1
        reason = str(error) if error else None
        if attempt.outcome in ("sent", "dry-run"):
            return attempt.outcome, {"sent_at": now}, reason
        if error is not None and (error.permanent or attempts > retries):
            return "failed", {}, reason
        wait = (
            timedelta(seconds=error.retry_after)
            if error and error.retry_after
            else backoff * (2 ** (attempts - 1))
        )
        return "retrying", {"next_attempt_at": now + wait}, reason

    def _failed_for_good(
        self, s: Any, rows: list[OutboxRow], reason: str | None, now: datetime
    ) -> None:
        """Log a message that failed for good, and tell the admin office, once per message, by
        its own channels."""
        first = rows[0]
        log.error("failed for good: %s by %s (%s)", first.office_id, first.channel, reason)
        admin_id = self.config.delivery.admin
        if admin_id is None or first.kind == "alert" or admin_id not in self.config.offices:
            return
        admin = self.config.offices[admin_id]
        values = [
            {
                "deadline_id": first.deadline_id,
                "occurrence_id": first.occurrence_id,
                "kind": "alert",
                "step": f"failed-{first.id}",
                "office_id": admin_id,
                "channel": channel,
                "role": "admin",
                "remind_at": now,
                "working_days_left": 0,
                "provisional": False,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "about_id": first.id,
                "created_at": now,
                "updated_at": now,
            }
            for channel in self.config.channels_for(admin) or (NO_CHANNEL,)
        ]
        outbox.insert_ignoring_duplicates(s, values)

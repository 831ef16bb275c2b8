"""The working parts of `tick` and `run`: config, database, planner, dispatcher, reload.

One `Runtime` holds the last good config. A reload that fails validation is logged with its
`check` messages and changes nothing; the last good config keeps running.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from reminder.app.bulletin import send_due_report
from reminder.app.plan import PlanReport, plan_outbox
from reminder.app.sync import SyncReport, config_digest, open_database, sync
from reminder.clock import Clock
from reminder.config import cache as config_cache
from reminder.config.loader import load_config
from reminder.config.model import Config
from reminder.delivery.channels import transports
from reminder.delivery.channels.base import Transport, resolve_target
from reminder.delivery.dispatch import Dispatcher, PassReport
from reminder.delivery.protocol import free_ended_owners
from reminder.delivery.ratelimit import DatabaseLimiter, Limiter
from reminder.delivery.rendering import Renderer, template_files, templates_stamp
from reminder.errors import ConfigError, Issue, NotConfigured
from reminder.store import health, outbox
from reminder.store.engine import transaction
from reminder.vocabulary import NO_CHANNEL

CHECKED = "checked-templates"  # the config cache's folder of checks that passed
log = logging.getLogger("reminder")


def renderer_for(config: Config) -> Renderer:
    return Renderer(config.delivery.templates_dir, base=_folder(config))


def _folder(config: Config) -> Path:
    return Path(config.path).resolve().parent


def _templates_stamp(config: Config) -> tuple[tuple[str, int, int], ...]:
    return templates_stamp(template_files(config.delivery.templates_dir, _folder(config)))


def _log_refused(issues: list[Issue], path: str) -> None:
    for issue in issues:
        log.error("%s", issue)
    log.error("%s or its templates have errors: keeping the last good config and templates", path)


def checked_renderer(config: Config) -> Renderer:
    """The config's templates, each rendered once with sample data; ConfigError naming the
    file and line of every one that fails (a service must not start, or reload, with them).
    A check passed before with the same templates, file, code and holiday data is not made
    again (a `tick` each minute would make it each minute); `reminder check` always makes it."""
    renderer = renderer_for(config)
    key = _check_key(config, renderer)
    if key is not None and config_cache.known(CHECKED, key):
        return renderer
    if problems := renderer.check(config):
        raise ConfigError(problems)
    if key is not None:
        config_cache.remember(CHECKED, key)
    return renderer


def _check_key(config: Config, renderer: Renderer) -> str | None:
    """What the check's outcome depends on: the templates (and Jinja), the file, the holiday
    data (config_digest) and this code; None when the file cannot be read again."""
    try:
        text = Path(config.path).read_bytes()
    except OSError:
        return None
    parts = (renderer.digest, config_digest(text), config_cache.code_stamp())
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def unreachable(config: Config, channels: dict[str, Transport]) -> list[str]:
    """Every office and channel that cannot be used now, with the reason (for start and check)."""
    out = []
    for office in config.addressees.values():
        for channel in config.channels_for(office) or (NO_CHANNEL,):
            try:
                resolve_target(channels, office, channel)
            except NotConfigured as exc:
                out.append(f"{office.id} ({office.name}) by {channel}: {exc}")
    return out


@dataclass(frozen=True, kw_only=True, slots=True)
class TickReport:
    sync: SyncReport
    plan: PlanReport
    dispatch: PassReport
    report: dict[str, int] = field(default_factory=dict)  # the 通报, on its day

    def summary(self) -> str:
        text = (
            f"sync: {self.sync.summary()}; {self.plan.summary()}; sent: {self.dispatch.summary()}"
        )
        if self.report:
            text += "; 通报: " + ", ".join(f"{n} {k}" for k, n in sorted(self.report.items()))
        return text


class Runtime:
    """Everything one process needs to plan and send."""

    def __init__(
        self,
        path: str,
        *,
        clock: Clock,
        dry_run: bool = False,
        limiter: Limiter | None = None,
        engine: Engine | None = None,
        config: Config | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        """`config`: the file at `path` already loaded by the caller (not read twice);
        `renderer`: its templates, checked by the caller (`checked_renderer`)."""
        self.path = path
        self.clock = clock
        # How long sync and planning wait for another instance's (None: as long as it takes,
        # as a command should); the service waits a moment, then sends and plans later.
        self.plan_patience: timedelta | None = None
        self.config = config or load_config(path)
        self.fingerprint = self._fingerprint()  # of the config in use: the planning digest
        renderer = renderer or renderer_for(self.config)
        # What the files looked like when last read, applied or not (a bad edit is logged
        # once), and the config whose templates_dir is watched: the last one read.
        self._seen = (self.fingerprint, renderer.stamp)
        self._watched = self.config
        self.engine = engine or open_database(self.config)
        self.dispatcher = Dispatcher(
            self.config,
            self.engine,
            clock=clock,
            transports=transports(self.config, clock),
            limiter=limiter or DatabaseLimiter(self.engine),
            renderer=renderer,
            dry_run=dry_run,
        )
        if not dry_run:
            with transaction(self.engine) as s:
                rearmed = outbox.rearm_dry_run(s, clock.now())
            if rearmed:
                log.info("%d reminder(s) rendered by an earlier dry run are pending again", rearmed)

    def _fingerprint(self) -> str:
        try:
            return config_digest(Path(self.path).read_bytes())
        except OSError:
            return ""

    def report_unreachable(self) -> list[str]:
        problems = unreachable(self.config, self.dispatcher.transports)
        what = (
            "dry run: a real run would hold these reminders"
            if self.dispatcher.dry_run
            else "not configured, reminders will be held"
        )
        said = "; ".join(problems)
        if problems and not self.dispatcher.dry_run and not self._first_today("unreachable", said):
            return problems  # said today already (cron's ticks would repeat it every pass)
        for problem in problems:
            log.warning("%s: %s", what, problem)
        return problems

    def _first_today(self, key: str, what: str) -> bool:
        today = self.clock.now().astimezone(self.config.settings.tz).date().isoformat()
        digest = hashlib.sha256(what.encode()).hexdigest()[:16]
        with transaction(self.engine) as s:
            return health.first_today(s, f"reported_{key}", today, digest)

    def sync_and_plan(self, *, today_only: bool = False) -> tuple[SyncReport, PlanReport]:
        now = self.clock.now()
        synced = sync(
            self.config, self.engine, now, digest=self.fingerprint, patience=self.plan_patience
        )
        return synced, self._plan(now, today_only=today_only)

    def catch_up(self) -> tuple[SyncReport, PlanReport]:
        """Sync, and plan up to the end of today only (a changed file: in full). After downtime
        that is the missed stretch, as catch-up sends it: dispatch it, then `plan` the days
        ahead, so that what is overdue goes out first."""
        return self.sync_and_plan(today_only=True)

    def plan(self) -> PlanReport:
        return self._plan(self.clock.now())

    def _plan(self, now: datetime, *, today_only: bool = False) -> PlanReport:
        return plan_outbox(
            self.config,
            self.engine,
            now,
            digest=self.fingerprint,
            today_only=today_only,
            patience=self.plan_patience,
        )

    def dispatch(self) -> PassReport:
        """One dispatch pass, deciding at this moment's `now` (read once). Reminders held
        before this pass (no address yet) are counted once a day, not in every pass."""
        report = self.dispatcher.run_pass(self.clock.now())
        held, still = report.counts["held"], report.counts["still held"]
        if held or still:
            first = self._first_today("held", "")  # also marks the day when rows become held
            if still and (held or not first):
                del report.counts["still held"]
        return report

    def tick(self) -> TickReport:
        synced, caught_up = self.catch_up()
        dispatched = self.dispatch()
        planned = caught_up.then(self.plan())
        return TickReport(sync=synced, plan=planned, dispatch=dispatched, report=self.send_report())

    def send_report(self) -> dict[str, int]:
        """The 通报 of [report], when its moment has come and it has not gone yet."""
        d = self.dispatcher
        return send_due_report(
            self.config,
            self.engine,
            self.clock.now(),
            d.transports,
            d.renderer,
            d.limiter,
            dry_run=d.dry_run,
        )

    def next_due(self) -> datetime | None:
        with transaction(self.engine) as s:
            free_ended_owners(s)  # their rows are due now, not when their leases run out
            return outbox.next_due(s)

    def reload_if_changed(self) -> bool:
        """Apply schedules.toml and the templates if either changed on disk and both are
        valid (every template renders); True when applied. Otherwise nothing changes."""
        fingerprint = self._fingerprint()
        stamp = _templates_stamp(self._watched)
        if (fingerprint, stamp) == self._seen:
            return False
        self._seen = (fingerprint, stamp)  # a bad edit is reported once
        try:
            config = self.config if fingerprint == self.fingerprint else load_config(self.path)
        except ConfigError as exc:
            _log_refused(exc.issues, self.path)
            return False
        # From now on the templates of this config are watched, even when they are refused:
        # fixing them (in a new templates_dir, say) is the next change to see.
        renderer = renderer_for(config)
        self._watched, self._seen = config, (fingerprint, renderer.stamp)
        if problems := renderer.check(config):
            _log_refused(problems, self.path)
            return False
        if config is self.config:
            if renderer.stamp == self.dispatcher.renderer.stamp:
                return False  # back to what runs (a refused edit undone)
            self.dispatcher.renderer = renderer
            log.info("reloaded the templates: %d file(s)", len(renderer.stamp))
            return True
        self.config, self.fingerprint = config, fingerprint
        self.dispatcher.reconfigure(config, transports(config, self.clock), renderer)
        synced, planned = self.sync_and_plan()
        with transaction(self.engine) as s:
            outbox.wake_held(s, self.clock.now())
        log.info("reloaded %s: %s; %s", self.path, synced.summary(), planned.summary())
        self.report_unreachable()
        return True

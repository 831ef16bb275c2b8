"""`reminder sync`: apply a valid schedules.toml to the database in one transaction.

Unchanged rows are not written; changed ones are updated; removed offices, groups and
deadlines are disabled (their history stays). An invalid file never gets this far.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from reminder.calendar.leadtime import lookahead
from reminder.calendar.workcal import WorkCalendar, calendar_data_version
from reminder.config.model import Config, env_names
from reminder.planning.planner import occurrence_values, occurrences, plan_ahead
from reminder.store import completions, schedule
from reminder.store.engine import PLAN_LOCK, database_url, make_engine, serialize, transaction
from reminder.store.migrate import upgrade
from reminder.store.schedule import Changes, Values

log = logging.getLogger("reminder.sync")


@dataclass(frozen=True, kw_only=True, slots=True)
class SyncReport:
    offices: Changes
    groups: Changes
    deadlines: Changes
    occurrences: Changes

    @property
    def changed(self) -> bool:
        return any(c.changed for c in (self.offices, self.groups, self.deadlines, self.occurrences))

    def summary(self) -> str:
        if not self.changed:
            return "nothing changed"
        return "; ".join(
            f"{name} {changes.summary()}"
            for name, changes in (
                ("offices", self.offices),
                ("groups", self.groups),
                ("deadlines", self.deadlines),
                ("occurrences", self.occurrences),
            )
        )


def open_database(config: Config) -> Engine:
    """The configured database, migrated to the newest schema."""
    engine = make_engine(database_url(config.settings.database, config.path))
    before, after = upgrade(engine)
    if before != after:  # one line, where alembic would print one per step
        log.info("database migrated to %s (was %s)", after, before or "empty")
    return engine


def office_values(config: Config) -> dict[str, Values]:
    """The offices, and the 分管领导 beside them (messages name them as an office is named)."""
    return {
        o.id: {
            "name": o.name,
            "email": list(o.email),
            "wecom": stored_address(o.wecom),
            "channels": list(o.channels) if o.channels is not None else None,
            "mention_mobiles": list(o.mention_mobiles),
        }
        for o in (*config.offices.values(), *config.leaders.values())
    }


def stored_address(raw: str | None) -> str | None:
    """What the database keeps of an office's robot address: the ${NAME} reference as
    written; a key or URL written into the file itself only as a fingerprint (enough to see
    that it changed, useless to send with)."""
    if raw is None or env_names(raw):
        return raw
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()[:16]


def group_values(config: Config) -> dict[str, Values]:
    return {g.id: {"name": g.name, "members": list(g.members)} for g in config.groups.values()}


def deadline_values(config: Config) -> dict[str, Values]:
    out: dict[str, Values] = {}
    for d in config.deadlines:
        out[d.id] = {
            "task": d.task,
            "title": d.title,
            "requirement": d.requirement,
            "limit_text": d.limit,
            "lead": list(d.lead),
            "cooperate": list(d.cooperate),
            "due_rule": d.due_text,
            "start": d.rule.start,
            "end": d.rule.end,
            "remind": [str(o) for o in d.remind] if d.remind is not None else None,
            "shift": d.shift,
            "send_time": d.send_time.strftime("%H:%M") if d.send_time else None,
        }
    return out


def occurrences_ahead(config: Config, cal: WorkCalendar, today: date) -> dict[str, list[Values]]:
    """Occurrences due from `today` to as far as the deadline is planned plus its longest lead."""
    out: dict[str, list[Values]] = {}
    for d in config.deadlines:
        last = today + plan_ahead(config, d) + lookahead(config.remind_offsets(d))
        out[d.id] = [
            {"period_key": o.period_key, **occurrence_values(o, cal)}
            for o in occurrences(config, cal, d, today, last)
        ]
    return out


def config_digest(text: bytes) -> str:
    """What a plan depends on besides the clock: the file, and the holiday data installed (a
    new chinesecalendar with next year's official days must re-plan an unchanged file)."""
    return hashlib.sha256(text + calendar_data_version().encode()).hexdigest()


def sync(
    config: Config,
    engine: Engine,
    now: datetime,
    *,
    digest: str | None = None,
    patience: timedelta | None = None,
) -> SyncReport:
    """Apply `config` as of `now`; all or nothing. With `digest` (of the file, see
    `config_digest`), a file already synced is not compared again: the rows it wants are there,
    and planning adds the occurrences that come into its window on later days. `patience`:
    wait at most that long for another instance's sync or planning (see `serialize`)."""
    today = now.astimezone(config.settings.tz).date()
    if digest is not None and _synced(engine, digest):
        return SyncReport(
            offices=Changes(), groups=Changes(), deadlines=Changes(), occurrences=Changes()
        )
    cal = config.calendar()
    wanted_occurrences = occurrences_ahead(config, cal, today)
    with transaction(engine) as session:
        serialize(session, PLAN_LOCK, patience=patience)
        report = SyncReport(
            offices=schedule.apply_offices(session, office_values(config), now),
            groups=schedule.apply_groups(session, group_values(config), now),
            deadlines=schedule.apply_deadlines(session, deadline_values(config), now, today),
            occurrences=schedule.apply_occurrences(session, wanted_occurrences, today, now),
        )
        if digest is not None:
            schedule.set_meta(
                session,
                {
                    "config_sha256": digest,
                    "config_path": config.path,
                    "synced_at": now.isoformat(),
                    "synced_day": today.isoformat(),
                },
            )
    return report


def _synced(engine: Engine, digest: str) -> bool:
    """The same file (and holiday data) was synced last: the same rows would be wanted."""
    with transaction(engine) as session:
        return schedule.get_meta(session, "config_sha256") == digest


NOT_SYNCED = (
    "warning: the database knows no deadline yet: run `reminder sync` first (`reminder run` "
    "and `tick` do it)"
)


def never_synced(engine: Engine) -> bool:
    """True when the database knows no deadline yet (`sync`, `tick` or the service not run)."""
    with transaction(engine) as s:
        return not completions.active_deadlines(s)

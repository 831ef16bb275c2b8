"""Sending the 通报 by itself ([report]): on its day, once per span, office and channel, across
instances. The statistics are `reminder report`'s; the message is the report/ templates'."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from reminder.app.circular import circular as make_circular
from reminder.app.circular import span_key
from reminder.config.model import Config, Office
from reminder.delivery.channels.base import Rendered, Transport
from reminder.delivery.oneoff import OneOff, send_one_off
from reminder.delivery.ratelimit import Limiter
from reminder.delivery.rendering import Renderer
from reminder.planning.bulletin import Span, due_moment
from reminder.store import sentlog
from reminder.store.engine import PLAN_LOCK, serialize

log = logging.getLogger("reminder.report")
_HELD: set[tuple[str, str, str]] = set()  # said once per process
GRACE_WORKDAYS = 5


def readers(config: Config) -> list[str]:
    """Who gets the 通报: every office (or those `[report] to` names), every 分管领导 and
    the 督办 (escalation) office, each once."""
    report = config.report
    offices = config.expand(report.to) if report and report.to else list(config.offices)
    escalation = config.expand(config.settings.escalate_to)
    return list(dict.fromkeys((*offices, *config.leaders, *escalation)))


def _link(config: Config, span: Span) -> str:
    base = config.web.base_url
    if not base:
        return ""
    key = span_key(span)
    return f"{base}/report?{'month' if '-' in key else 'year'}={key}"


def send_due_report(
    config: Config,
    engine: Engine,
    now: datetime,
    transports: dict[str, Transport],
    renderer: Renderer,
    limiter: Limiter,
    *,
    dry_run: bool = False,
) -> dict[str, int]:
    """Send the 通报 if its moment has come and it has not gone yet; counts by outcome."""
    today = now.astimezone(config.settings.tz).date()
    due = due_moment(config, today)
    counts: dict[str, int] = {}
    if due is None or now < due[0] or config.report is None:
        return counts
    # Down on the day: it goes when the service is back, that week; later it would be news
    # of another month (and a fresh install would send the month before it existed).
    if config.calendar().workdays_between(due[0].date(), today) > GRACE_WORKDAYS:
        return counts
    span = due[1]
    key = span_key(span)
    circular = make_circular(config, engine, now, span, numbered=not dry_run)
    for office_id in readers(config):
        office = config.addressee(office_id)
        at = now.astimezone(config.settings.tz)
        for channel in config.channels_for(office, "report"):  # SMS: if it takes "report"
            rendered = renderer.bulletin(office, circular, _link(config, span), channel)
            sending = (transports[channel], limiter)
            message = replace(rendered, at=at)
            outcome = _send_one(engine, now, key, office, channel, sending, message, dry_run)
            if outcome:
                counts[outcome] = counts.get(outcome, 0) + 1
    if counts:
        log.info("通报 %s: %s", key, ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return counts


def _send_one(
    engine: Engine,
    now: datetime,
    key: str,
    office: Office,
    channel: str,
    sending: tuple[Transport, Limiter],
    rendered: Rendered,
    dry_run: bool,
) -> str | None:
    """One office, one channel, as any message outside the schedule goes (`send_one_off`:
    the robot's budget, logged before it is sent); claimed in the log under the planning lock,
    so two instances never both send it. None when it had gone already."""
    transport, limiter = sending

    def not_sent_yet(s: Session) -> bool:
        serialize(s, PLAN_LOCK)
        return not sentlog.logged_report(s, key, office.id, channel)

    one = OneOff(office=office, channel=channel, kind="report", rendered=rendered, period_key=key)
    outcome = send_one_off(
        engine, transport, limiter, one, now, dry_run=dry_run, claim=not_sent_yet
    )
    if outcome.status == "skipped":
        return None
    if outcome.status == "held" and (key, office.id, channel) not in _HELD:
        _HELD.add((key, office.id, channel))
        log.warning("通报 %s to %s by %s is held: %s", key, office.id, channel, outcome.error)
    if outcome.status == "deferred":
        log.info("通报 %s to %s by %s waits for its robot's budget", key, office.id, channel)
    return outcome.status

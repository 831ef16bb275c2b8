"""A test message to an office, to check a robot key or a mailbox: sent as every message
outside the schedule is (`delivery.oneoff`: the channel's budget, logged before it goes)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.engine import Engine

from reminder.app.runtime import renderer_for
from reminder.clock import FixedClock
from reminder.config.model import Config
from reminder.delivery.channels import transports
from reminder.delivery.oneoff import OneOff, Outcome, send_one_off
from reminder.delivery.ratelimit import DatabaseLimiter
from reminder.errors import UsageError


@dataclass(frozen=True, kw_only=True, slots=True)
class TestSent:
    channel: str
    outcome: Outcome


def send_test(
    config: Config, engine: Engine, office_id: str, channel: str | None, now: datetime
) -> list[TestSent]:
    """One test message per channel of the office (or the one named); how each went."""
    office = config.addressees.get(office_id)
    if office is None:
        raise UsageError(f"--office: no office {office_id!r} in {config.path}")
    channels = [channel] if channel else list(config.channels_for(office))
    if not channels:
        raise UsageError(f"office {office.id} has no email, wecom or webhook")
    # Signed robots date the signature `now`: the instant the command read from the clock.
    made, renderer = transports(config, FixedClock(now)), renderer_for(config)
    limiter = DatabaseLimiter(engine)
    sent = []
    try:
        for name in channels:
            rendered = replace(
                renderer.test_message(office, name), at=now.astimezone(config.settings.tz)
            )
            one = OneOff(office=office, channel=name, kind="test", rendered=rendered)
            outcome = send_one_off(engine, made[name], limiter, one, now, log_held=True)
            sent.append(TestSent(channel=name, outcome=outcome))
    finally:
        for t in made.values():
            t.close()
    return sent

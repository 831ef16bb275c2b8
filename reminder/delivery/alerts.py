"""Telling the admin office: a message that failed for good is logged, and the admin gets one
alert per failed message by its own channels (never an alert about an alert)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from reminder.config.model import Config
from reminder.store import outbox, sentlog
from reminder.store.models import OutboxRow
from reminder.vocabulary import NO_CHANNEL, Kind, OutboxStatus, Role

log = logging.getLogger("reminder.dispatch")


def failed_for_good(
    s: Session, config: Config, rows: list[OutboxRow], reason: str | None, now: datetime
) -> None:
    """Log a message that failed for good, and plan the admin's alert about it."""
    first = rows[0]
    log.error("failed for good: %s by %s (%s)", first.office_id, first.channel, reason)
    admin_id = config.delivery.admin
    if admin_id is None or first.kind == "alert" or admin_id not in config.offices:
        return
    admin = config.offices[admin_id]
    values = [
        {
            "deadline_id": first.deadline_id,
            "occurrence_id": first.occurrence_id,
            "kind": Kind.ALERT,
            "step": f"failed-{first.id}",
            "office_id": admin_id,
            "channel": channel,
            "role": Role.ADMIN,
            "remind_at": now,
            "working_days_left": 0,
            "provisional": False,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "about_id": first.id,
            "created_at": now,
            "updated_at": now,
        }
        for channel in config.channels_for(admin) or (NO_CHANNEL,)
    ]
    outbox.insert_ignoring_duplicates(s, values)


def failure_facts(s: Session, config: Config, alert: OutboxRow) -> dict[str, Any]:
    """What the alert templates show about the failed message an alert row is about."""
    failed = outbox.get(s, alert.about_id) if alert.about_id is not None else None
    last = sentlog.last_entry(s, alert.about_id) if alert.about_id is not None else None
    deadline = config.deadline_by_id.get(alert.deadline_id)
    office = config.offices.get(failed.office_id) if failed else None
    return {
        "office_name": office.name if office else (failed.office_id if failed else "?"),
        "channel": failed.channel if failed else "?",
        "target": last.target if last else "",
        "task": deadline.task if deadline else None,
        "title": deadline.title if deadline else alert.deadline_id,
        "attempts": failed.attempts if failed else 0,
        "error": (last.error if last else None) or (failed.last_error if failed else ""),
    }

"""Telling the admin office: a message that failed for good is logged, and the admin gets one
alert per failing office and channel and pass by its own channels (never an alert about an
alert), in Chinese, with what went wrong in words and the technical error beside it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from reminder import labels
from reminder.config.model import Config, Deadline, Office
from reminder.store import alerts as store_alerts
from reminder.store import outbox, sentlog
from reminder.store.models import OutboxRow
from reminder.vocabulary import NO_CHANNEL, Kind, OutboxStatus, Role

log = logging.getLogger("reminder.dispatch")
# Alerts about one failing target made this close together belong to one pass (a digest in
# several parts, or several rounds of one pass): the admin is told once.
ONE_PASS = timedelta(minutes=10)
URL_HINT = "填写的 key 看起来是一个网址：请只填写网址中 key= 后面的部分，或填写完整的机器人网址。"


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
    if store_alerts.alerted_since(s, first.office_id, first.channel, now - ONE_PASS):
        return
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
        for channel in config.channels_for(admin, Kind.ALERT) or (NO_CHANNEL,)
    ]
    outbox.insert_ignoring_duplicates(s, values)


def failure_facts(s: Session, config: Config, alert: OutboxRow) -> dict[str, Any]:
    """What the alert templates show about the failed message an alert row is about."""
    failed = outbox.get(s, alert.about_id) if alert.about_id is not None else None
    last = sentlog.last_entry(s, alert.about_id) if alert.about_id is not None else None
    deadline = config.deadline_by_id.get(alert.deadline_id)
    office = config.offices.get(failed.office_id) if failed else None
    channel = failed.channel if failed else "?"
    error = (last.error if last else None) or (failed.last_error if failed else "") or ""
    code = (last.response_code if last else None) or ""
    return {
        "office_name": office.name if office else (failed.office_id if failed else "?"),
        "channel": labels.channel(channel),
        "reason": labels.failure(code or None, error or "failed") or "发送失败",  # as pages say
        "hint": URL_HINT if "a full URL pasted as a key?" in error else "",
        "target": last.target if last else "",
        "task": deadline.task if deadline else None,
        "title": deadline.title if deadline else alert.deadline_id,
        "others": _others(s, config, alert, failed),
        "attempts": failed.attempts if failed else 0,
        "error": error,
    }


def _others(s: Session, config: Config, alert: OutboxRow, failed: OutboxRow | None) -> list[str]:
    """The other tasks whose reminders to the same office and channel failed in the same
    pass: one alert covers them all, so it names them."""
    if failed is None:
        return []
    ids = store_alerts.failed_since(
        s,
        failed.office_id,
        failed.channel,
        alert.created_at - ONE_PASS,
        alert.created_at + ONE_PASS,
    )
    out = []
    for deadline_id in ids:
        d = config.deadline_by_id.get(deadline_id)
        if deadline_id != failed.deadline_id and d is not None:
            out.append(f"第{d.task}项 {d.title}" if d.task else d.title)
    return out


def sample_failure(office: Office, d: Deadline) -> dict[str, Any]:
    """A failed delivery as the admin alert reports it, for the templates' check."""
    return {
        "office_name": office.name,
        "channel": "企业微信",
        "target": "key=abcd…wxyz",
        "reason": "企业微信机器人 key 无效",
        "hint": "",
        "others": [],
        "task": d.task,
        "title": d.title,
        "attempts": 5,
        "error": "sample",
    }

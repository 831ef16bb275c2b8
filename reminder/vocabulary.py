"""The words the layers share: channels, reminder kinds and roles, outbox and sent-log statuses.

Every layer may import this module; it imports nothing of the project. The values are the
strings stored in the database and shown in `preview`, `log` and exports: a `StrEnum` member
equals its string, so a row read back needs no conversion.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class Channel(StrEnum):
    """A delivery channel; `delivery/channels` has one module per member."""

    EMAIL = "email"
    WECOM = "wecom"
    WEBHOOK = "webhook"
    DINGTALK = "dingtalk"
    FEISHU = "feishu"
    SMS = "sms"


CHANNELS: tuple[Channel, ...] = tuple(Channel)
# An office with no address at all: its reminders are planned on this channel and held, not
# dropped, so they go out once an address is added.
NO_CHANNEL = "none"


class Kind(StrEnum):
    """What a reminder is about: before the due day, on it, after it, to the supervisors, a
    standing duty's once-a-period check, or an alert to the admin that a message failed."""

    BEFORE = "before"
    DUE = "due"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    ROUTINE = "routine"
    ALERT = "alert"


PLANNED_KINDS: tuple[Kind, ...] = (
    Kind.BEFORE,
    Kind.DUE,
    Kind.OVERDUE,
    Kind.ESCALATION,
    Kind.ROUTINE,
)
PlannedKind = Literal["before", "due", "overdue", "escalation", "routine"]


class Role(StrEnum):
    """Why an office gets a reminder: it leads (牵头), cooperates (配合), supervises (督办),
    or administers the service (alerts)."""

    LEAD = "lead"
    COOPERATE = "cooperate"
    ESCALATION = "escalation"
    ADMIN = "admin"


TaskRole = Literal["lead", "cooperate", "escalation"]


class OutboxStatus(StrEnum):
    """Where an outbox row stands."""

    PENDING = "pending"  # waiting for its time (or its retry)
    HELD = "held"  # its channel is not configured yet
    SENT = "sent"
    DRY_RUN = "dry-run"
    FAILED = "failed"  # for good
    CANCELLED = "cancelled"  # no longer wanted (done, re-planned, removed)
    SUPERSEDED = "superseded"  # a later reminder for the same task and office replaced it


WAITING: tuple[OutboxStatus, ...] = (OutboxStatus.PENDING, OutboxStatus.HELD)
# Final statuses of a reminder that was tried.
WENT: tuple[OutboxStatus, ...] = (OutboxStatus.SENT, OutboxStatus.DRY_RUN, OutboxStatus.FAILED)


class LogStatus(StrEnum):
    """A sent-log entry's status."""

    SENDING = "sending"  # in flight: written before the send
    UNKNOWN = "unknown"  # was in flight when its instance died: it may or may not have arrived
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"
    HELD = "held"
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"
    DRY_RUN = "dry-run"


LOG_STATUSES: tuple[LogStatus, ...] = tuple(LogStatus)


class Action(StrEnum):
    """What an office or an administrator does to an occurrence (the audit trail's verbs)."""

    DONE = "done"  # 办结
    REOPEN = "reopen"  # 重新打开
    ACK = "ack"  # 签收
    FEEDBACK = "feedback"  # 反馈


class Submission(StrEnum):
    """What a lead office submits about an occurrence (the submissions table's kinds, and the
    audit trail's verb for submitting it)."""

    EXPLAIN = "explain"  # 情况说明: why it is late, and the day it plans to finish
    EXTEND = "extend"  # 延期申请: a new due date, for an administrator to decide


class SubmissionStatus(StrEnum):
    """Where a submission stands; a decision on a 延期 request is also the audit trail's verb
    for it. A 情况说明 needs no decision: it is approved when it is made."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"

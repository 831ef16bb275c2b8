"""What a dispatch pass hands from step to step: the messages it composed, the attempts it
made, and its report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from reminder import labels, links
from reminder.delivery.channels.base import Rendered, Target
from reminder.errors import DeliveryError
from reminder.store.models import OccurrenceRow, OutboxRow

REPORT_ORDER = (
    "sent",
    "dry-run",
    "retrying",
    "failed",
    "held",
    "still held",  # held before this pass; said once a day (`Runtime.dispatch`)
    "superseded",
    "cancelled",
    "deferred",
    "waiting for a working day",
)


@dataclass
class PassReport:
    counts: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [f"{self.counts[k]} {k}" for k in REPORT_ORDER if self.counts[k]]
        return ", ".join(parts) or "nothing due"


@dataclass
class Outgoing:
    """One message: one office, one channel, one or more reminders."""

    office_id: str
    channel: str
    target: Target
    rows: list[OutboxRow]
    rendered: Rendered
    occurrences: dict[int, OccurrenceRow]
    payloads: list[object] | None = None  # what will be posted, when built while composing

    @property
    def body(self) -> str:
        """What the sent log keeps: the body that goes out on this channel, its links to
        the web pages replaced by a marker (a working link kept at rest would let whoever
        reads the log or an export act as the office)."""
        r = self.rendered
        if self.channel == "wecom" and not self.target.mentions and r.markdown:
            return links.redact(r.markdown, labels.LINK_MARKER)
        return links.redact(r.text, labels.LINK_MARKER)

    @property
    def attempt(self) -> int:
        """The number of the attempt about to be made (1 for the first)."""
        return max(r.attempts for r in self.rows) + 1


@dataclass
class Attempt:
    """A message tried; its outcome is recorded in the transaction that starts the next ones."""

    message: Outgoing
    log_ids: list[int]
    outcome: str  # sent, error or dry-run
    error: DeliveryError | None = None
    code: str | None = None

"""Pruning the database on the service's daily round, and by hand (`reminder prune`)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.engine import Engine

from reminder import labels, links
from reminder.config.model import Config
from reminder.store import retention
from reminder.store.retention import Pruned

log = logging.getLogger("reminder.prune")


def prune(config: Config, engine: Engine, now: datetime, *, dry_run: bool = False) -> Pruned:
    """Remove what ended before `[delivery] keep` (sent, failed) or 90 days (superseded,
    cancelled, dry-run); with `dry_run`, only count it."""
    if dry_run:
        return retention.count(engine, now, config.delivery.keep)
    pruned = retention.prune(engine, now, config.delivery.keep)
    if pruned.sent_log or pruned.outbox:
        log.info("pruned %s", pruned.summary())
    # Bodies logged before links were taken out at logging time lose theirs now.
    scrubbed = retention.scrub_bodies(engine, lambda text: links.redact(text, labels.LINK_MARKER))
    if scrubbed:
        log.info("took the links out of %d kept message(s)", scrubbed)
    return pruned

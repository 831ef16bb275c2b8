"""Revoking an office's links (`reminder links revoke --office ID`): every link already sent
to it stops working at once (pages, actions, the API, calendar feeds); its next messages carry
new ones. For a lost phone, a forwarded message, a departed colleague."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine

from reminder.config.model import Config
from reminder.errors import UsageError
from reminder.store import linkgen
from reminder.store.engine import transaction

log = logging.getLogger("reminder.links")


def generations(engine: Engine) -> dict[str, int]:
    """Each office's link generation (offices never revoked are absent: generation 0)."""
    with transaction(engine) as s:
        return linkgen.generations(s)


def revoke(config: Config, engine: Engine, office: str) -> int:
    """Revoke every link of `office`; its new generation."""
    if office not in config.offices:
        raise UsageError(f"--office: no office {office!r} in {config.path}")
    with transaction(engine) as s:
        generation = linkgen.bump(s, office)
    log.info("links of %s revoked (generation %d)", office, generation)
    return generation

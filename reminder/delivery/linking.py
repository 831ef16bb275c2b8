"""The links a reminder carries to the web pages: one per item (its page, where the office
confirms 办结, 签收 or leaves 反馈) and one to the office's page. Made only when [web] base_url
is set and $REMINDER_SECRET is there to sign them; each is valid [web] link_days."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from reminder import links
from reminder.config.model import Config


@dataclass(frozen=True, kw_only=True, slots=True)
class Linker:
    base: str
    secret: str
    days: int
    now: datetime
    generations: Mapping[str, int] = field(default_factory=dict)  # revoked offices

    def item(self, office: str, occurrence_id: int) -> str:
        token = links.issue(
            office,
            links.item(occurrence_id),
            self.now,
            self.secret,
            days=self.days,
            generation=self.generations.get(office, 0),
        )
        return f"{self.base}/i/{token}"

    def office(self, office: str) -> str:
        token = links.issue(
            office,
            links.OFFICE,
            self.now,
            self.secret,
            days=self.days,
            generation=self.generations.get(office, 0),
        )
        return f"{self.base}/o/{token}"


def linker_for(
    config: Config,
    now: datetime,
    environ: Mapping[str, str] | None = None,
    generations: Mapping[str, int] | None = None,
) -> Linker | None:
    """The linker of a pass at `now`, or None when messages go without links."""
    base = config.web.base_url
    keys = links.secrets_from(environ)
    if not base or not keys or links.secret_problem(environ) is not None:
        return None
    return Linker(
        base=base,
        secret=keys[0],
        days=config.web.link_days,
        now=now,
        generations=dict(generations or {}),
    )

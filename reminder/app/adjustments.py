"""What 情况说明 and approved 延期 change for planning, per occurrence id: the due date an
approved 延期 moved it to, and for each lead office that explained the delay the day its
overdue chase stays quiet until. Read in the planner's transaction; `plan` applies it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from reminder.store import submissions


@dataclass(frozen=True, kw_only=True, slots=True)
class Adjustment:
    """One occurrence as 情况说明 and 延期 leave it; `due` None: not extended."""

    occurrence_id: int
    deadline_id: str
    period_key: str
    nominal_due: date
    due: date | None = None  # the effective due date after an approved 延期
    quiet_until: dict[str, date] = field(default_factory=dict)  # per lead office

    def quiet(self, office: str, day: date) -> bool:
        """Whether `office`'s overdue chase on `day` is held back by its 情况说明."""
        until = self.quiet_until.get(office)
        return until is not None and day < until


def adjustments(session: Session) -> dict[int, Adjustment]:
    """Every occurrence an approved 延期 or a 情况说明 is about, by id (few: most have none)."""
    found = submissions.in_force(session)
    if not found:
        return {}
    dues = submissions.extended_dues(session, [occ for occ, *_ in found])
    quiet: dict[int, dict[str, date]] = {}
    for (occ, office), until in submissions.explained_until(session).items():
        quiet.setdefault(occ, {})[office] = until
    return {
        occ: Adjustment(
            occurrence_id=occ,
            deadline_id=deadline,
            period_key=period,
            nominal_due=nominal,
            due=dues.get(occ),
            quiet_until=quiet.get(occ, {}),
        )
        for occ, deadline, period, nominal in found
    }

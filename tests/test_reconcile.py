"""Reconcile's decision on its own: update, revive, cancel, supersede or insert, from plain
rows and wanted values, without a database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from reminder.planning.reconcile import reconcile

NOW = datetime(2027, 1, 20, 1, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@dataclass
class Row:
    id: int
    step: str
    remind_at: datetime
    status: str = "pending"
    attempts: int = 0
    lease_until: datetime | None = None
    deadline_id: str = "report"
    occurrence_id: int = 1
    kind: str = "before"
    office_id: str = "legal"
    channel: str = "wecom"
    role: str = "lead"
    working_days_left: int = 5
    provisional: bool = False
    updated_at: datetime = NOW - DAY


def want(step: str, remind_at: datetime, **extra: Any) -> dict[str, Any]:
    row = Row(0, step, remind_at)
    keys = ("deadline_id", "occurrence_id", "kind", "office_id", "channel", "role")
    return (
        {k: getattr(row, k) for k in keys}
        | {
            "step": step,
            "remind_at": remind_at,
            "working_days_left": 5,
            "provisional": False,
        }
        | extra
    )


def test_a_wanted_reminder_without_a_row_is_inserted() -> None:
    wanted = [want("7d", NOW + DAY)]
    decided = reconcile([], wanted, orphans=set(), now=NOW)
    assert decided.insert == wanted
    assert (decided.update, decided.cancel, decided.supersede) == ([], [], [])


def test_a_waiting_row_whose_time_changed_is_updated_and_an_unchanged_one_left_alone() -> None:
    moved, same = Row(1, "7d", NOW + DAY), Row(2, "1wd", NOW + 5 * DAY)
    wanted = [want("7d", NOW + 2 * DAY), want("1wd", NOW + 5 * DAY)]
    decided = reconcile([moved, same], wanted, orphans=set(), now=NOW)
    assert decided.update == [(moved, wanted[0])]
    assert decided.insert == []


def test_a_row_tried_or_in_flight_is_never_changed() -> None:
    tried = Row(1, "7d", NOW - DAY, attempts=1)
    leased = Row(2, "1wd", NOW - DAY, lease_until=NOW + DAY)
    wanted = [want("7d", NOW + DAY), want("1wd", NOW + DAY)]
    decided = reconcile([tried, leased], wanted, orphans=set(), now=NOW)
    assert (decided.update, decided.revive, decided.insert) == ([], [], [])


def test_an_unwanted_row_is_cancelled_unless_a_later_wanted_reminder_is_due() -> None:
    later = Row(1, "30d", NOW + 3 * DAY)
    decided = reconcile([later], [], orphans=set(), now=NOW)
    assert decided.cancel == [later] and decided.supersede == []


def test_an_unwanted_row_before_a_due_wanted_one_is_superseded() -> None:
    old = Row(1, "30d", NOW - 3 * DAY)
    decided = reconcile([old], [want("7d", NOW - DAY)], orphans=set(), now=NOW)
    assert decided.supersede == [old] and decided.cancel == []


def test_a_cancelled_row_wanted_again_in_the_future_is_revived() -> None:
    gone = Row(1, "7d", NOW + DAY, status="cancelled")
    wanted = [want("7d", NOW + DAY)]
    decided = reconcile([gone], wanted, orphans=set(), now=NOW)
    assert decided.revive == [(gone, wanted[0])]


def test_orphans_are_left_to_the_store() -> None:
    orphan = Row(7, "7d", NOW + DAY)
    decided = reconcile([orphan], [], orphans={7}, now=NOW)
    assert (decided.cancel, decided.supersede) == ([], [])


def test_rows_a_pass_at_a_later_instant_superseded_or_put_off_are_due_again() -> None:
    """After `tick --now` into the future (or a clock set back), what that pass superseded
    and never sent, or put off to its own time, goes as if it had not happened."""
    later = NOW + 3000 * DAY
    superseded = Row(1, "0d", NOW - DAY, status="superseded", updated_at=later)
    put_off = Row(2, "1wd", NOW - 2 * DAY, attempts=1, updated_at=later)
    sent = Row(3, "3wd", NOW - 3 * DAY, status="sent", updated_at=later)
    old_superseded = Row(4, "7d", NOW - 5 * DAY, status="superseded")
    rows = [superseded, put_off, sent, old_superseded]
    wanted = [want(r.step, r.remind_at) for r in rows]
    decided = reconcile(rows, wanted, orphans=set(), now=NOW)
    assert [row.id for row, _ in decided.revive] == [1, 2]  # never what was sent

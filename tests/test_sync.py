"""Sync on a real SQLite file: idempotent, all-or-nothing, history kept."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine

from reminder.app.sync import config_digest, sync
from reminder.calendar.workcal import calendar_data_version
from reminder.config.loader import load_config
from reminder.errors import DatabaseError
from reminder.store.engine import make_engine, transaction
from reminder.store.migrate import file_head, head_revision, upgrade
from reminder.store.models import (
    DeadlineRow,
    MetaRow,
    OccurrenceRow,
    OfficeRow,
    UTCDateTime,
)
from tests.conftest import BASE, SHIPPED, config_from, variant

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def writes(engine: Engine) -> list[str]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen


def test_upgrade_twice_is_a_no_op(engine: Engine) -> None:
    assert upgrade(engine) == (head_revision(engine), head_revision(engine))


def test_the_head_read_from_the_files_is_alembics(engine: Engine) -> None:
    assert file_head() == head_revision(engine) is not None


def test_a_database_from_a_newer_version_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseError, match="9999, which this version of reminder does not know"):
        upgrade(engine)


def test_shipped_file_syncs_then_resync_writes_nothing(engine: Engine) -> None:
    config = load_config(SHIPPED, environ={})
    first = sync(config, engine, NOW)
    # Ten offices and the two 分管领导 (kept beside them: messages to them are logged alike).
    assert (len(first.offices.added), len(first.groups.added), len(first.deadlines.added)) == (
        12,
        3,
        42,
    )
    assert len(first.occurrences.added) > 42
    seen = writes(engine)
    again = sync(config, engine, NOW)
    assert not again.changed
    assert again.summary() == "nothing changed"
    assert seen == []


def test_changed_deadline_is_updated_and_its_future_occurrences_follow(engine: Engine) -> None:
    sync(config_from(BASE), engine, NOW)
    edited = config_from(variant('due = "yearly 01-31"', 'due = "yearly 01-15"'))
    report = sync(edited, engine, NOW)
    assert report.deadlines.updated == ["annual-report"]
    assert report.occurrences.updated == ["annual-report/2027"]
    with transaction(engine) as s:
        occ = s.scalars(select(OccurrenceRow)).one()
        assert (occ.nominal_due, occ.due, occ.provisional) == (
            date(2027, 1, 15),
            date(2027, 1, 15),
            True,
        )


def test_removed_deadline_is_disabled_and_keeps_history(engine: Engine) -> None:
    sync(config_from(BASE), engine, NOW)
    without = BASE.split("[[deadlines]]")[0]
    report = sync(config_from(without), engine, NOW)
    assert report.deadlines.disabled == ["annual-report"]
    assert report.occurrences.removed == ["annual-report/2027"]  # a future one that never was
    with transaction(engine) as s:
        row = s.get(DeadlineRow, "annual-report")
        assert row is not None and not row.enabled and row.disabled_at == NOW
    back = sync(config_from(BASE), engine, datetime(2027, 3, 1, tzinfo=UTC))
    assert back.deadlines.added == ["annual-report"]
    with transaction(engine) as s:
        row = s.get(DeadlineRow, "annual-report")
        assert row is not None and row.enabled and row.disabled_at is None
        assert row.active_since == date(2027, 3, 1)


def test_past_occurrences_stay_when_the_rule_changes(engine: Engine) -> None:
    monthly = variant('due = "yearly 01-31"', 'due = "monthly last"')
    sync(config_from(monthly), engine, datetime(2026, 1, 5, tzinfo=UTC))
    sync(config_from(monthly), engine, datetime(2026, 3, 5, tzinfo=UTC))
    sync(
        config_from(variant('due = "yearly 01-31"', 'due = "monthly 20"')),
        engine,
        datetime(2026, 3, 5, tzinfo=UTC),
    )
    with transaction(engine) as s:
        got = {o.period_key: o.nominal_due.isoformat() for o in s.scalars(select(OccurrenceRow))}
    assert got["2026-01"] == "2026-01-31" and got["2026-02"] == "2026-02-28"  # history
    assert got["2026-03"] == "2026-03-20"  # the future follows the new rule


def test_office_edits_and_removals(engine: Engine) -> None:
    sync(config_from(BASE), engine, NOW)
    renamed = variant('name = "法规信访科"', 'name = "法规科"')
    assert sync(config_from(renamed), engine, NOW).offices.updated == ["legal"]
    with transaction(engine) as s:
        assert [o.name for o in s.scalars(select(OfficeRow).order_by(OfficeRow.id))] == [
            "法规科",
            "办公室",
        ]


def test_secrets_are_stored_as_references_not_values(engine: Engine) -> None:
    text = variant(
        'email = ["fgxfk@example.gov.cn"]',
        'email = ["fgxfk@example.gov.cn"]\nwecom = "${WECOM_KEY_LEGAL}"',
    )
    sync(config_from(text, WECOM_KEY_LEGAL="s3cret-key"), engine, NOW)
    with transaction(engine) as s:
        legal = s.get(OfficeRow, "legal")
        assert legal is not None and legal.wecom == "${WECOM_KEY_LEGAL}"


def test_a_file_synced_already_is_not_compared_again(engine: Engine) -> None:
    """A restart with the same file (and holiday data), that day or later, skips the comparison
    (planning adds the occurrences that come into its window); another file, or new holiday
    data, syncs in full."""
    config = config_from(BASE)
    digest = config_digest(BASE.encode())
    assert sync(config, engine, NOW, digest=digest).deadlines.added == ["annual-report"]
    seen = writes(engine)
    queries: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: queries.append(a[2]))  # type: ignore[arg-type]
    assert sync(config, engine, NOW + timedelta(hours=5), digest=digest).summary() == (
        "nothing changed"
    )
    assert seen == [] and not any("deadlines" in q for q in queries)  # only meta was read
    # A month later, the same.
    later = sync(config, engine, NOW + timedelta(days=30), digest=digest)
    assert later.summary() == "nothing changed" and seen == []
    assert not any("deadlines" in q for q in queries)
    # Another file compares in full (writing only meta when nothing else changed).
    edited = BASE + "\n# a comment\n"
    other = sync(
        config_from(edited), engine, NOW + timedelta(days=30), digest=config_digest(edited.encode())
    )
    assert other.deadlines.unchanged == 1 and any("deadlines" in q for q in queries)
    with transaction(engine) as s:
        assert s.get(MetaRow, "synced_day").value == "2026-12-28"  # type: ignore[union-attr]
    # The digest covers the holiday data installed, not only the file.
    assert "chinesecalendar 1." in calendar_data_version()
    assert digest != hashlib.sha256(BASE.encode()).hexdigest()


def test_instants_are_bound_by_their_utc_value(engine: Engine) -> None:
    """Bound values are converted once per instant (bulk writes repeat a few), keyed by the
    instant: the repeated hour when clocks go back is two instants, not one."""
    bind = UTCDateTime().bind_processor(engine.dialect)
    assert bind is not None
    first = datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York"))  # 05:30 UTC
    second = first.replace(fold=1)  # the same wall time an hour later: 06:30 UTC
    assert first == second  # as Python compares them
    assert bind(first) == bind(first.astimezone(UTC)) != bind(second)
    assert bind(second) == bind(datetime(2026, 11, 1, 6, 30, tzinfo=UTC))
    assert bind(None) is None
    with pytest.raises(ValueError, match="naive datetime"):
        bind(datetime(2026, 11, 1, 1, 30))

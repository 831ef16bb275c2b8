"""The sent log through `app.sentlog`: one query type for the command line, the pages and the
API, and one meaning of `until` (a day: that whole day included)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from reminder.app import sentlog
from reminder.errors import BadQuery
from tests.delivery_harness import Harness


@pytest.fixture
def logged(harness: Harness) -> Harness:
    harness.write()
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    return harness


def test_until_a_day_includes_that_whole_day_and_since_starts_at_its_beginning(
    logged: Harness,
) -> None:
    runtime = logged.runtime
    assert runtime is not None
    config, engine = runtime.config, runtime.engine

    def ids(**q: object) -> list[int]:
        return [e.id for e, _ in sentlog.read(config, engine, sentlog.LogQuery(**q))]  # type: ignore[arg-type]

    every = ids()
    assert every and ids(until=date(2026, 3, 31)) == every
    assert ids(until=date(2026, 3, 30)) == []
    assert ids(since=date(2026, 3, 31)) == every and ids(since=date(2026, 4, 1)) == []
    shanghai = ZoneInfo("Asia/Shanghai")
    assert ids(until=datetime(2026, 3, 31, 9, 0, tzinfo=shanghai)) == []  # an instant: before it
    entries = sentlog.read(config, engine, sentlog.LogQuery(office="legal"), bodies=True)
    assert entries and all(e.office == "legal" and body for e, body in entries)
    first = entries[0][0]
    assert first.at.tzinfo is not None and first.at.utcoffset() == shanghai.utcoffset(first.at)
    assert isinstance(first.due, date) and first.period_name == "2026年3月31日"


@pytest.mark.parametrize(
    ("field", "value"),
    [("office", "nobody"), ("deadline", "nothing"), ("channel", "fax"), ("status", "lost")],
)
def test_a_field_that_names_nothing_is_refused_naming_the_field(
    logged: Harness, field: str, value: str
) -> None:
    runtime = logged.runtime
    assert runtime is not None
    with pytest.raises(BadQuery) as refused:
        sentlog.read(runtime.config, runtime.engine, sentlog.LogQuery(**{field: value}))
    assert (refused.value.code, refused.value.field, refused.value.value) == (
        "bad-query",
        field,
        value,
    )

from __future__ import annotations

from datetime import date

import pytest

from reminder.calendar.parse import parse_date, parse_offset, parse_rule
from reminder.calendar.rules import Offset
from reminder.calendar.workcal import WorkCalendar
from reminder.errors import RuleError

D = date


def dues(
    text: str, first: date, last: date, cal: WorkCalendar, **bounds: date
) -> list[tuple[str, str]]:
    rule = parse_rule(text, **bounds)
    return [(d.period_key, d.nominal.isoformat()) for d in rule.dues_between(first, last, cal)]


@pytest.mark.parametrize(
    ("text", "first", "last", "expected"),
    [
        ("2027-06-30", D(2027, 1, 1), D(2027, 12, 31), [("2027-06-30", "2027-06-30")]),
        ("2027-06-30", D(2027, 7, 1), D(2027, 12, 31), []),
        (
            "yearly 01-31",
            D(2026, 6, 1),
            D(2028, 6, 1),
            [("2027", "2027-01-31"), ("2028", "2028-01-31")],
        ),
        ("yearly 12-31", D(2026, 12, 31), D(2027, 1, 1), [("2026", "2026-12-31")]),
        (
            "yearly 02-last",
            D(2023, 1, 1),
            D(2025, 12, 31),
            [("2023", "2023-02-28"), ("2024", "2024-02-29"), ("2025", "2025-02-28")],
        ),
        ("yearly 2-last", D(2100, 1, 1), D(2100, 12, 31), [("2100", "2100-02-28")]),  # not leap
        ("yearly 02-28", D(2024, 1, 1), D(2024, 12, 31), [("2024", "2024-02-28")]),
        (
            "monthly last",
            D(2023, 12, 15),
            D(2024, 3, 1),
            [("2023-12", "2023-12-31"), ("2024-01", "2024-01-31"), ("2024-02", "2024-02-29")],
        ),
        (
            "monthly 15",
            D(2026, 12, 1),
            D(2027, 1, 31),
            [("2026-12", "2026-12-15"), ("2027-01", "2027-01-15")],
        ),
        ("monthly 28", D(2027, 2, 1), D(2027, 2, 28), [("2027-02", "2027-02-28")]),
        (
            "quarterly last",
            D(2026, 11, 1),
            D(2027, 7, 1),
            [("2026-Q4", "2026-12-31"), ("2027-Q1", "2027-03-31"), ("2027-Q2", "2027-06-30")],
        ),
        (
            "quarterly 15",
            D(2026, 1, 1),
            D(2026, 12, 31),
            [
                ("2026-Q1", "2026-01-15"),
                ("2026-Q2", "2026-04-15"),
                ("2026-Q3", "2026-07-15"),
                ("2026-Q4", "2026-10-15"),
            ],
        ),
        (
            "half-yearly last",
            D(2026, 1, 1),
            D(2027, 6, 30),
            [("2026-H1", "2026-06-30"), ("2026-H2", "2026-12-31"), ("2027-H1", "2027-06-30")],
        ),
        (
            "half-yearly 10",
            D(2026, 1, 1),
            D(2026, 12, 31),
            [("2026-H1", "2026-01-10"), ("2026-H2", "2026-07-10")],
        ),
        (
            "weekly FRI",
            D(2026, 12, 24),
            D(2027, 1, 10),
            [("2026-W52", "2026-12-25"), ("2026-W53", "2027-01-01"), ("2027-W01", "2027-01-08")],
        ),
        (
            "weekly mon",
            D(2026, 12, 28),
            D(2027, 1, 4),
            [("2026-W53", "2026-12-28"), ("2027-W01", "2027-01-04")],
        ),
        (
            "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1",
            D(2024, 1, 15),
            D(2024, 3, 31),
            [
                ("2024-01-31", "2024-01-31"),
                ("2024-02-29", "2024-02-29"),
                ("2024-03-31", "2024-03-31"),
            ],
        ),
        (
            "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
            D(2023, 1, 1),
            D(2028, 12, 31),
            [("2024-02-29", "2024-02-29"), ("2028-02-29", "2028-02-29")],
        ),
        (
            "RRULE:FREQ=WEEKLY;BYDAY=TU,TH",
            D(2026, 12, 28),
            D(2027, 1, 3),
            [("2026-12-29", "2026-12-29"), ("2026-12-31", "2026-12-31")],
        ),
    ],
)
def test_rule_forms(
    cal: WorkCalendar, text: str, first: date, last: date, expected: list[tuple[str, str]]
) -> None:
    assert dues(text, first, last, cal) == expected


@pytest.mark.parametrize(
    ("text", "first", "last", "expected"),
    [
        # 2026: 31 Jan is a Saturday; 30 Jan the last working day.
        (
            "monthly last-workday",
            D(2026, 1, 1),
            D(2026, 3, 31),
            [("2026-01", "2026-01-30"), ("2026-02", "2026-02-28"), ("2026-03", "2026-03-31")],
        ),
        # October 2026: the 1st to the 7th are National Day; the first working day is the 8th.
        (
            "monthly workday 1",
            D(2026, 10, 1),
            D(2026, 11, 30),
            [("2026-10", "2026-10-08"), ("2026-11", "2026-11-02")],
        ),
        ("monthly workday 3", D(2026, 2, 1), D(2026, 2, 28), [("2026-02", "2026-02-04")]),
        (
            "quarterly last-workday",
            D(2026, 9, 1),
            D(2026, 12, 31),
            [("2026-Q3", "2026-09-30"), ("2026-Q4", "2026-12-31")],
        ),
        # 4 January 2026 is a make-up Sunday: the first working day of the year.
        ("quarterly workday 2", D(2026, 1, 1), D(2026, 3, 31), [("2026-Q1", "2026-01-05")]),
        (
            "half-yearly last-workday",
            D(2027, 1, 1),
            D(2027, 12, 31),
            [("2027-H1", "2027-06-30"), ("2027-H2", "2027-12-31")],
        ),
    ],
)
def test_workday_anchors_follow_the_china_calendar(
    cal: WorkCalendar, text: str, first: date, last: date, expected: list[tuple[str, str]]
) -> None:
    assert dues(text, first, last, cal) == expected


def test_start_and_end_bound_a_rule(cal: WorkCalendar) -> None:
    got = dues(
        "monthly 10", D(2026, 1, 1), D(2026, 12, 31), cal, start=D(2026, 3, 10), end=D(2026, 5, 9)
    )
    assert got == [("2026-03", "2026-03-10"), ("2026-04", "2026-04-10")]


def test_rrule_interval_is_anchored_at_start(cal: WorkCalendar) -> None:
    got = dues(
        "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
        D(2026, 1, 1),
        D(2026, 1, 31),
        cal,
        start=D(2026, 1, 5),
    )
    assert got == [("2026-01-05", "2026-01-05"), ("2026-01-19", "2026-01-19")]


@pytest.mark.parametrize(
    ("text", "day", "previous", "following"),
    [
        ("yearly 01-31", D(2027, 1, 31), "2026-01-31", "2028-01-31"),
        ("monthly workday 2", D(2026, 3, 3), "2026-02-03", "2026-04-02"),
        ("half-yearly workday 1", D(2026, 7, 1), "2026-01-04", "2027-01-04"),
        ("weekly SUN", D(2027, 1, 3), "2026-12-27", "2027-01-10"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=10", D(2026, 1, 10), "2025-12-10", "2026-02-10"),
    ],
)
def test_previous_and_next(
    cal: WorkCalendar, text: str, day: date, previous: str, following: str
) -> None:
    rule = parse_rule(text)
    before, after = rule.previous_before(day, cal), rule.next_after(day, cal)
    assert before is not None and before.nominal.isoformat() == previous
    assert after is not None and after.nominal.isoformat() == following


def test_a_fixed_date_has_no_neighbours(cal: WorkCalendar) -> None:
    rule = parse_rule("2027-06-30")
    assert rule.next_after(D(2027, 6, 30), cal) is None
    assert rule.previous_before(D(2027, 6, 30), cal) is None
    assert parse_rule("monthly 1", end=D(2027, 3, 1)).next_after(D(2027, 3, 1), cal) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yearly 02-30", '"yearly 02-30" is not a date (February has at most 29 days)'),
        ("yearly 04-31", '"yearly 04-31" is not a date (April has 30 days)'),
        ("yearly 13-01", '"yearly 13-01" is not a date (there is no month 13)'),
        ("yearly 02-29", '"yearly 02-29" exists only in leap years; write "yearly 02-last"'),
        ("yearly 0131", '"yearly 0131": yearly takes MM-DD or MM-last, e.g. "yearly 01-31"'),
        (
            "monthly 31",
            '"monthly 31" is not a date in every period (the shortest first month '
            'has 28 days); write "monthly last" for the end of the period',
        ),
        (
            "quarterly 31",
            '"quarterly 31" is not a date in every period (the shortest first '
            'month has 30 days); write "quarterly last" for the end of the period',
        ),
        (
            "monthly workday 0",
            '"monthly workday 0": workday takes a number from 1 to 15 for monthly',
        ),
        (
            "quarterly workday x",
            '"quarterly workday x": workday takes a number from 1 to 50 for quarterly',
        ),
        ("monthly first", '"monthly first": monthly takes DD, last, last-workday or workday N'),
        ("weekly FUNDAY", '"weekly FUNDAY": weekly takes one day of MON TUE WED THU FRI SAT SUN'),
        ("2027-02-30", '"2027-02-30" is not a date (February 2027 has 28 days)'),
        (
            "RRULE:FREQ=SOMETIMES",
            "\"RRULE:FREQ=SOMETIMES\" is not a valid RRULE (invalid 'FREQ': SOMETIMES)",
        ),
        (
            "RRULE:FREQ=HOURLY",
            '"RRULE:FREQ=HOURLY": a deadline is a day; use FREQ=DAILY or coarser',
        ),
        (
            "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            '"RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30" never fires',
        ),
        (
            "",
            '"" is not a due rule: write a date (2027-06-30), "yearly MM-DD", "yearly MM-last", '
            '"half-yearly|quarterly|monthly DD|last|last-workday|workday N", "weekly MON..SUN" '
            'or "RRULE:..."',
        ),
    ],
)
def test_bad_rules_say_why(text: str, message: str) -> None:
    with pytest.raises(RuleError) as exc:
        parse_rule(text)
    assert str(exc.value) == message


def test_a_rule_that_never_fires_within_its_bounds() -> None:
    with pytest.raises(RuleError, match=r'^"2027-06-30" never fires on or after start 2027-07-01$'):
        parse_rule("2027-06-30", start=D(2027, 7, 1))
    with pytest.raises(RuleError, match="start 2027-07-01 is after end 2027-01-01"):
        parse_rule("monthly 1", start=D(2027, 7, 1), end=D(2027, 1, 1))
    with pytest.raises(
        RuleError, match="never fires on or after start 2027-03-02 on or before end 2027-03-31"
    ):
        parse_rule("monthly 1", start=D(2027, 3, 2), end=D(2027, 3, 31))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", Offset(30, "d")),
        ("3wd", Offset(3, "wd")),
        ("0d", Offset(0, "d")),
        (" 7d ", Offset(7, "d")),
    ],
)
def test_offsets(text: str, expected: Offset) -> None:
    assert parse_offset(text) == expected
    assert str(expected) == text.strip()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "30",
            '"30" is not a lead time: write a number of calendar days ("7d") or working '
            'days ("3wd")',
        ),
        (
            "-1d",
            '"-1d" is not a lead time: write a number of calendar days ("7d") or working '
            'days ("3wd")',
        ),
        (7, 'must be a string like "7d" or "3wd", got 7'),
    ],
)
def test_bad_offsets(value: object, message: str) -> None:
    with pytest.raises(RuleError) as exc:
        parse_offset(value)
    assert str(exc.value) == message


def test_zero_interval_is_refused_where_it_would_loop() -> None:
    with pytest.raises(RuleError, match='"0wd" must be at least 1 day'):
        parse_offset("0wd", allow_zero=False)


def test_dates() -> None:
    assert parse_date("2024-02-29") == D(2024, 2, 29)
    assert parse_date(D(2026, 1, 1)) == D(2026, 1, 1)
    with pytest.raises(RuleError, match=r'"2023-02-29" is not a date \(February 2023 has 28'):
        parse_date("2023-02-29")
    with pytest.raises(RuleError, match=r'"9999-01-01" is out of range \(1970 to 2200\)'):
        parse_date("9999-01-01")


@pytest.mark.parametrize(
    ("text", "frequent"),
    [
        ("RRULE:FREQ=DAILY", True),
        ("RRULE:FREQ=DAILY;INTERVAL=3", True),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO,TH", True),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=1,2", True),
        ("RRULE:FREQ=WEEKLY", False),
        ("RRULE:FREQ=DAILY;INTERVAL=7", False),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15", False),
        ("weekly MON", False),
        ("monthly last-workday", False),
        ("yearly 01-31", False),
        ("2027-06-30", False),
    ],
)
def test_a_rule_is_frequent_when_dues_fall_less_than_a_week_apart(
    text: str, frequent: bool
) -> None:
    assert parse_rule(text).frequent is frequent

"""Who hears how often: the overdue chase that thins out, cooperating offices' fewer lead
times, routine duties' one check a month, weekly digests (planning/cadence.py)."""

from __future__ import annotations

import copy
import itertools
from datetime import date, datetime, timedelta

import pytest

from reminder.config.model import Config
from reminder.planning.cadence import weekly_digest
from reminder.planning.model import Kind, Occurrence, PlannedReminder
from reminder.planning.planner import plan, plan_deadline
from tests.conftest import BASE, config_from, variant
from tests.test_planner import days, make

D = date


def test_overdue_thins_out_after_one_three_and_five_working_days_then_weekly() -> None:
    config = make("2026-03-02", remind='["0d"]')
    got = days(plan(config, D(2026, 3, 2), D(2026, 4, 3)))
    assert got == [
        ("2026-03-02", "due", "0d", 0),
        ("2026-03-03", "overdue", "overdue-1", -1),
        ("2026-03-05", "overdue", "overdue-2", -3),
        ("2026-03-09", "overdue", "overdue-3", -5),
        ("2026-03-16", "overdue", "overdue-4", -10),
        ("2026-03-23", "overdue", "overdue-5", -15),
        ("2026-03-30", "overdue", "overdue-6", -20),
    ]


def test_overdue_limit_stops_the_chase() -> None:
    config = make("2026-03-02", remind='["0d"]', extra="overdue_limit = 2")
    got = days(plan(config, D(2026, 3, 2), D(2026, 4, 30)))
    assert [step for _, _, step, _ in got] == ["0d", "overdue-1", "overdue-2"]


def test_overdue_steps_landing_on_one_day_make_one_reminder_and_count_once() -> None:
    # Due Friday 27 March: "1d" and "1wd" after it both land on Monday the 30th.
    config = make(
        "2026-03-27", remind='["0d"]', extra='overdue = ["1d", "1wd", "2wd"]\noverdue_limit = 3'
    )
    got = days(plan(config, D(2026, 3, 27), D(2026, 4, 30)))
    assert got == [
        ("2026-03-27", "due", "0d", 0),
        ("2026-03-30", "overdue", "overdue-1", -1),
        ("2026-03-31", "overdue", "overdue-2", -2),
        ("2026-04-08", "overdue", "overdue-3", -7),  # 4-6 April: Qingming
    ]


def test_weekly_chase_continues_until_the_next_occurrence_falls_due() -> None:
    config = make("monthly last-workday", remind='["0d"]')
    cal = config.calendar()
    for month, next_due in (("2026-01", D(2026, 2, 27)), ("2026-03", D(2026, 4, 30))):
        sent = [
            r.day
            for r in plan(config, D(2026, 1, 1), D(2026, 5, 31))
            if r.office == "office" and r.occurrence.period_key == month
        ]
        gaps = [cal.workdays_between(a, b) for a, b in itertools.pairwise(sent)]
        assert max(gaps) <= 5  # at least every fifth working day: weekly
        assert next_due - sent[-1] < timedelta(days=7)  # up to the next due, which takes over


def test_cooperating_offices_get_the_farthest_lead_time_and_the_due_day_only() -> None:
    config = make("2026-03-31", cooperate='["legal"]')
    reminders = plan(config, D(2026, 3, 1), D(2026, 4, 30))
    assert [step for _, _, step, _ in days(reminders, "legal")] == ["7d", "0d"]
    assert [step for _, _, step, _ in days(reminders, "office")][:4] == ["7d", "3wd", "1wd", "0d"]


def test_cooperate_remind_is_a_setting_and_per_deadline() -> None:
    config = make("2026-03-31", cooperate='["legal"]', settings='cooperate_remind = ["1wd"]')
    reminders = plan(config, D(2026, 3, 1), D(2026, 4, 30))
    assert [step for _, _, step, _ in days(reminders, "legal")] == ["1wd"]
    config = make("2026-03-31", cooperate='["legal"]', extra='cooperate_remind = ["3wd", "0d"]')
    reminders = plan(config, D(2026, 3, 1), D(2026, 4, 30))
    assert [step for _, _, step, _ in days(reminders, "legal")] == ["3wd", "0d"]


def test_a_routine_duty_is_one_check_on_the_first_working_day_of_its_month() -> None:
    config = make(
        "quarterly last-workday",
        extra='kind = "routine"\nroutine_to = "all"',
        cooperate='["legal"]',
    )
    reminders = plan(config, D(2026, 1, 1), D(2026, 12, 31))
    for office in ("office", "legal"):
        # No lead times, no overdue; 1 April 2026 is a Wednesday, 1 October a holiday.
        assert days(reminders, office) == [
            ("2026-03-02", "routine", "routine", 21),
            ("2026-06-01", "routine", "routine", 20),
            ("2026-09-01", "routine", "routine", 21),
            ("2026-12-01", "routine", "routine", 22),
        ]


def test_routine_checks_of_one_month_go_out_on_one_day() -> None:
    quarterly = (
        '\n[[deadlines]]\nid = "b"\ntitle = "b"\nlead = ["office"]\nkind = "routine"\n'
        'due = "quarterly last-workday"'
    )
    config = make("monthly 20", extra=f'kind = "routine"\n{quarterly}')
    march = plan(config, D(2026, 3, 1), D(2026, 3, 31))
    assert {(r.deadline.id, r.day) for r in march if r.office == "office"} == {
        ("annual-report", D(2026, 3, 2)),
        ("b", D(2026, 3, 2)),
    }


def weekly_office(due: str) -> Config:
    text = variant('name = "办公室"', 'name = "办公室"\ndigest = "weekly MON"', BASE)
    text = variant('due = "yearly 01-31"', f'due = "{due}"', text)
    text = variant('remind = ["7d", "1wd", "0d"]', 'remind = ["7d", "3wd", "1wd", "0d"]', text)
    return config_from(text)


def test_a_weekly_office_gets_what_is_not_urgent_on_its_weekday() -> None:
    got = days(plan(weekly_office("2026-03-27"), D(2026, 3, 1), D(2026, 4, 30)))
    # 7d (Fri 20th) goes with Monday the 16th's digest, 3wd (Tue 24th) with the 23rd's;
    # 1wd, the due day and the first overdue are urgent: on their day. Later rounds wait for
    # Monday (3 April's joins 30 March's, which already tells; 6 April is Qingming).
    assert got == [
        ("2026-03-16", "before", "7d", 9),
        ("2026-03-23", "before", "3wd", 4),
        ("2026-03-26", "before", "1wd", 1),
        ("2026-03-27", "due", "0d", 0),
        ("2026-03-30", "overdue", "overdue-1", -1),
        ("2026-04-13", "overdue", "overdue-4", -10),
        ("2026-04-20", "overdue", "overdue-5", -15),
        ("2026-04-27", "overdue", "overdue-6", -20),
    ]
    # The daily office beside it is not affected.
    assert [
        d
        for d, _, _, _ in days(
            plan(weekly_office("2026-03-27"), D(2026, 3, 1), D(2026, 3, 31)), "legal"
        )
    ] == [
        "2026-03-20",
        "2026-03-27",
    ]


def test_the_weekly_digest_pass_returns_new_reminders_and_leaves_its_input_alone() -> None:
    config = weekly_office("2026-03-27")
    cal, deadline, tz = config.calendar(), config.deadlines[0], config.settings.tz
    due = D(2026, 3, 27)
    occ = Occurrence(
        deadline_id=deadline.id,
        period_key="2026-03",
        period_start=D(2026, 2, 28),
        nominal_due=due,
        due=due,
        next_due=None,
    )

    def reminder(office: str, kind: Kind, step: str, day: date) -> PlannedReminder:
        return PlannedReminder(
            deadline=deadline,
            occurrence=occ,
            office=office,
            role="lead",
            kind=kind,
            step=step,
            day=day,
            remind_at=datetime(day.year, day.month, day.day, 9, tzinfo=tz),
            working_days_left=cal.workdays_between(day, due),
            provisional_years=(),
        )

    given = [
        reminder("office", "before", "7d", D(2026, 3, 20)),
        reminder("office", "before", "3wd", D(2026, 3, 24)),
        reminder("office", "due", "0d", due),
        reminder("legal", "before", "7d", D(2026, 3, 20)),
    ]
    before = copy.deepcopy(given)
    got = weekly_digest(cal, given, {"office": 0})  # Mondays
    assert given == before
    assert sorted(
        (r.office, r.step, r.remind_at.isoformat(), r.working_days_left) for r in got
    ) == [
        ("legal", "7d", "2026-03-20T09:00:00+08:00", 5),
        ("office", "0d", "2026-03-27T09:00:00+08:00", 0),
        ("office", "3wd", "2026-03-23T09:00:00+08:00", 4),
        ("office", "7d", "2026-03-16T09:00:00+08:00", 9),
    ]
    assert [r.day for r in got if r.office == "office" and r.kind == "before"] == [
        D(2026, 3, 16),
        D(2026, 3, 23),
    ]


def weekly_config(weekday: str, due: str, remind: str, extra: str = "") -> Config:
    text = variant('name = "办公室"', f'name = "办公室"\ndigest = "weekly {weekday}"', BASE)
    text = variant('due = "yearly 01-31"', f'due = "{due}"\n{extra}', text)
    return config_from(variant('remind = ["7d", "1wd", "0d"]', f"remind = {remind}", text))


@pytest.mark.parametrize(
    ("weekday", "due", "remind", "extra"),
    [
        ("MON", "2026-03-27", '["7d", "3wd", "1wd", "0d"]', ""),
        # Spring Festival moves the due (23 Feb) to the 14th: a week's lookahead more is needed.
        ("THU", "yearly 02-23", '["7d", "0d"]', ""),
        ("FRI", "monthly last-workday", '["0d"]', 'kind = "routine"'),
        ("WED", "quarterly 20", '["30d", "7d", "0d"]', 'overdue = ["2wd"]'),
    ],
)
def test_a_weekly_office_gets_the_same_days_however_the_planning_windows_fall(
    weekday: str, due: str, remind: str, extra: str
) -> None:
    """The service plans day by day at the far end of its horizon; preview plans a span at
    once: a reminder moved back to the digest day must not depend on where a window ends."""
    config = weekly_config(weekday, due, remind, extra)
    cal = config.calendar()
    deadline = config.deadlines[0]
    first, last, epoch = D(2026, 1, 10), D(2026, 12, 31), D(2025, 12, 1)
    whole = plan_deadline(config, cal, deadline, first, last, epoch)
    daily = []
    day = first
    while day <= last:
        daily += plan_deadline(config, cal, deadline, day, day, epoch)
        day += timedelta(days=1)
    assert sorted((r.office, r.day, r.step) for r in daily) == sorted(
        (r.office, r.day, r.step) for r in whole
    )
    assert any(r.office == "office" for r in whole)
    for r in whole:
        assert cal.is_workday(r.day)
        if r.kind == "routine":  # never out of its month
            assert r.day.month == r.occurrence.nominal_due.month


def test_a_weekly_reminder_whose_digest_day_passed_before_planning_starts_goes_at_once() -> None:
    config = weekly_config("MON", "2026-03-27", '["7d", "3wd", "1wd", "0d"]')
    cal = config.calendar()
    deadline = config.deadlines[0]
    # Started on Wednesday the 18th: the 7d reminder (Friday the 20th) belonged to Monday
    # the 16th's digest, which never went out; it goes on the 18th.
    start = D(2026, 3, 18)
    got = plan_deadline(config, cal, deadline, start, D(2026, 3, 31), start, starts_now=True)
    assert sorted((r.day, r.step) for r in got if r.office == "office")[:2] == [
        (D(2026, 3, 18), "7d"),
        (D(2026, 3, 23), "3wd"),
    ]


def test_a_routine_check_stays_in_the_month_of_its_nominal_due() -> None:
    # January 2026's last day is a Saturday: with shift = "after" the due is 2 February, but
    # January's check goes out in January.
    config = make("monthly last", extra='kind = "routine"\nshift = "after"')
    got = days(plan(config, D(2026, 1, 1), D(2026, 2, 28)))
    assert [d for d, *_ in got] == ["2026-01-04", "2026-02-02"]  # 4 Jan: a make-up Sunday


@pytest.mark.parametrize("weekly", [False, True])
def test_counting_provisional_reminders_agrees_with_planning_them(weekly: bool) -> None:
    from reminder.config.loader import load_config
    from reminder.planning.counting import counts_of, provisional_counts
    from tests.conftest import SHIPPED

    text = SHIPPED.read_text(encoding="utf-8")
    if weekly:
        text = text.replace('name = "人事科"', 'name = "人事科"\ndigest = "weekly WED"')
    config = config_from(text) if weekly else load_config(SHIPPED, environ={})
    first, last = D(2026, 11, 28), D(2027, 11, 28)
    counts = provisional_counts(config, first, last)
    assert counts == counts_of(plan(config, first, last))
    assert counts[2027][0] > 300  # a year of the shipped file: enough to disagree in

from __future__ import annotations

import itertools
from datetime import date

import pytest

from reminder.config.model import Config
from reminder.planning.model import PlannedReminder
from reminder.planning.planner import plan
from tests.conftest import BASE, config_from, variant

D = date


def make_text(due: str, remind: str = '["0d"]') -> str:
    text = variant('remind = ["7d", "1wd", "0d"]', f"remind = {remind}", BASE)
    return variant('due = "yearly 01-31"', f'due = "{due}"', text)


def make(
    due: str,
    *,
    remind: str = '["7d", "3wd", "1wd", "0d"]',
    extra: str = "",
    settings: str = "",
    cooperate: str = "[]",
) -> Config:
    text = variant('remind = ["7d", "1wd", "0d"]', f"remind = {remind}\n{settings}", BASE)
    text = variant('due = "yearly 01-31"', f'due = "{due}"\n{extra}', text)
    text = variant('cooperate = ["all"]', f"cooperate = {cooperate}", text)
    return config_from(text)


def days(
    reminders: list[PlannedReminder], office: str = "office"
) -> list[tuple[str, str, str, int]]:
    return [
        (r.day.isoformat(), r.kind, r.step, r.working_days_left)
        for r in reminders
        if r.office == office
    ]


@pytest.mark.parametrize(
    ("shift", "due"),
    [("before", "2026-01-30"), ("after", "2026-02-02"), ("none", "2026-01-31")],
)
def test_due_on_a_saturday_moves_by_shift(shift: str, due: str) -> None:
    config = make("yearly 01-31", settings=f'shift = "{shift}"', remind='["0d"]')
    (r,) = [r for r in plan(config, D(2026, 1, 1), D(2026, 2, 2)) if r.kind == "due"]
    assert r.occurrence.nominal_due == D(2026, 1, 31)
    assert r.occurrence.due.isoformat() == due
    # With shift = "none" the due day itself is a rest day: the reminder goes out on Friday.
    assert r.day == D(2026, 1, 30) if shift != "after" else r.day == D(2026, 2, 2)


def test_per_deadline_shift_overrides_the_setting() -> None:
    config = make("yearly 01-31", extra='shift = "after"', remind='["0d"]')
    (r,) = plan(config, D(2026, 1, 1), D(2026, 2, 2))
    assert r.occurrence.due == D(2026, 2, 2)


def test_lead_times_in_calendar_and_working_days() -> None:
    config = make("yearly 01-31")
    got = days(plan(config, D(2026, 1, 1), D(2026, 1, 30)))
    assert got == [
        ("2026-01-23", "before", "7d", 5),
        ("2026-01-27", "before", "3wd", 3),
        ("2026-01-29", "before", "1wd", 1),
        ("2026-01-30", "due", "0d", 0),
    ]


def test_a_lead_time_on_a_holiday_moves_to_the_previous_working_day_and_merges() -> None:
    # Due Tuesday 24 Feb 2026, right after Spring Festival (15-23 Feb, with Saturday 14th worked).
    config = make("2026-02-24", remind='["7d", "1wd", "0d"]')
    got = days(plan(config, D(2026, 2, 1), D(2026, 2, 24)))
    # 7d = 17 Feb (holiday) -> 14 Feb; 1wd = 14 Feb too: one reminder, the nearer lead time.
    assert got == [("2026-02-14", "before", "1wd", 1), ("2026-02-24", "due", "0d", 0)]


def test_overdue_every_working_day_skips_national_day() -> None:
    config = make("2026-09-30", remind='["0d"]', settings='overdue = []\noverdue_every = "1wd"')
    got = days(plan(config, D(2026, 9, 30), D(2026, 10, 12)))
    assert got == [
        ("2026-09-30", "due", "0d", 0),
        ("2026-10-08", "overdue", "overdue-1", -1),
        ("2026-10-09", "overdue", "overdue-2", -2),
        ("2026-10-10", "overdue", "overdue-3", -3),  # a make-up Saturday
        ("2026-10-12", "overdue", "overdue-4", -4),
    ]


def test_overdue_in_calendar_days_lands_on_the_next_working_day_once() -> None:
    config = make("2026-09-30", remind='["0d"]', settings='overdue = []\noverdue_every = "1d"')
    reminders = plan(config, D(2026, 10, 1), D(2026, 10, 12), epoch=D(2026, 9, 30))
    got = [d for d, _, _, _ in days(reminders)]
    assert got == ["2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12"]


def test_overdue_stops_when_the_next_occurrence_falls_due() -> None:
    config = make(
        "monthly last",
        remind='["0d"]',
        settings='overdue = []\noverdue_every = "1wd"\noverdue_limit = 1000',
    )
    january = [
        r
        for r in plan(config, D(2026, 1, 1), D(2026, 3, 31))
        if r.office == "office" and r.occurrence.period_key == "2026-01"
    ]
    assert january[0].day == D(2026, 1, 30)
    # February's due is Saturday the 28th, a make-up workday: January's reminders stop before.
    assert january[-1].day == D(2026, 2, 27)
    assert january[-1].working_days_left == -15


def test_escalation_after_three_working_days_overdue() -> None:
    config = make("2026-01-30", remind='["0d"]', settings='escalate_to = ["legal"]')
    reminders = plan(config, D(2026, 1, 30), D(2026, 2, 6))
    # Chased 1, 3 and 5 working days after the due; told upwards from the third on, once each.
    assert days(reminders, "legal") == [
        ("2026-02-04", "escalation", "overdue-2", -3),
        ("2026-02-06", "escalation", "overdue-3", -5),
    ]
    assert {r.role for r in reminders if r.office == "legal"} == {"escalation"}


def test_escalation_office_on_the_task_is_not_told_twice() -> None:
    config = make("2026-01-30", remind='["0d"]', settings='escalate_to = ["office"]')
    reminders = plan(config, D(2026, 2, 4), D(2026, 2, 4), epoch=D(2026, 1, 30))
    assert [(r.office, r.role, r.kind) for r in reminders] == [("office", "lead", "overdue")]


def test_a_cooperating_escalation_office_is_told_all_the_same() -> None:
    # The 督办 office (办公室) cooperates on nearly every task: it must still hear of a chase.
    config = make(
        "2026-01-30", remind='["0d"]', settings='escalate_to = ["legal"]', cooperate='["legal"]'
    )
    reminders = plan(config, D(2026, 2, 4), D(2026, 2, 4), epoch=D(2026, 1, 30))
    assert [(r.office, r.role, r.kind) for r in reminders] == [
        ("office", "lead", "overdue"),
        ("legal", "escalation", "escalation"),
    ]


def test_the_chase_ends_after_six_messages_weekly_after_the_fifth_working_day() -> None:
    config = make("2026-01-30", remind='["0d"]', settings='escalate_to = ["legal"]')
    reminders = plan(config, D(2026, 1, 30), D(2026, 12, 31), epoch=D(2026, 1, 1))
    chase = [r for r in reminders if r.office == "office" and r.kind == "overdue"]
    assert [-r.working_days_left for r in chase] == [1, 3, 5, 10, 15, 20]
    assert len([r for r in reminders if r.office == "legal"]) == 5  # from the third day on


def test_leaders_hear_from_ten_working_days_overdue_once_a_week_at_most() -> None:
    leader = '[[leaders]]\nid = "deputy"\nname = "李副局长"\noffices = ["office"]\n'
    leader += 'email = ["li@example.gov.cn"]\n'
    config = config_from(
        variant("[[deadlines]]", leader + "[[deadlines]]", make_text("2026-01-30"))
    )
    reminders = plan(config, D(2026, 1, 30), D(2026, 12, 31), epoch=D(2026, 1, 1))
    told = [r for r in reminders if r.office == "deputy"]
    assert [(r.role, r.kind, -r.working_days_left) for r in told] == [
        ("leader", "escalation", 10),
        ("leader", "escalation", 15),
        ("leader", "escalation", 20),
    ]
    cal = config.calendar()
    assert all(cal.workdays_between(a.day, b.day) >= 5 for a, b in itertools.pairwise(told))
    # Never before the due, never a routine duty, never as a cooperating office.
    assert not [r for r in plan(config, D(2026, 1, 1), D(2026, 1, 30)) if r.office == "deputy"]


def test_leader_after_is_a_setting_and_per_deadline() -> None:
    leader = '[[leaders]]\nid = "deputy"\nname = "李副局长"\noffices = ["office"]\n'
    text = variant("[[deadlines]]", leader + "[[deadlines]]", make_text("2026-01-30"))
    for changed in (
        variant('remind = ["0d"]', 'remind = ["0d"]\nleader_after = "5wd"', text),
        variant('due = "2026-01-30"', 'due = "2026-01-30"\nleader_after = "5wd"', text),
    ):
        reminders = plan(config_from(changed), D(2026, 1, 30), D(2026, 12, 31), epoch=D(2026, 1, 1))
        assert [-r.working_days_left for r in reminders if r.office == "deputy"] == [5, 10, 15, 20]


def test_a_routine_duty_goes_to_its_lead_only_unless_routine_to_is_all() -> None:
    config = make("quarterly last-workday", extra='kind = "routine"', cooperate='["legal"]')
    assert {r.office for r in plan(config, D(2026, 1, 1), D(2026, 12, 31))} == {"office"}
    config = make(
        "quarterly last-workday",
        extra='kind = "routine"\nroutine_to = "all"',
        cooperate='["legal"]',
    )
    assert {r.office for r in plan(config, D(2026, 1, 1), D(2026, 12, 31))} == {"office", "legal"}
    # In [settings] for every routine duty; a deadline's own routine_to wins.
    everyone = 'routine_to = "all"'
    config = make(
        "quarterly last-workday", extra='kind = "routine"', settings=everyone, cooperate='["legal"]'
    )
    assert {r.office for r in plan(config, D(2026, 1, 1), D(2026, 12, 31))} == {"office", "legal"}
    config = make(
        "quarterly last-workday",
        extra='kind = "routine"\nroutine_to = "lead"',
        settings=everyone,
        cooperate='["legal"]',
    )
    assert {r.office for r in plan(config, D(2026, 1, 1), D(2026, 12, 31))} == {"office"}
    # A dated deadline still reaches its cooperating offices.
    config = make("2026-03-31", cooperate='["legal"]')
    assert "legal" in {r.office for r in plan(config, D(2026, 3, 1), D(2026, 3, 31))}


def test_lead_and_cooperate_roles_without_duplicates() -> None:
    config = make("2026-03-31", remind='["0d"]', cooperate='["all"]')
    reminders = plan(config, D(2026, 3, 31), D(2026, 3, 31))
    assert [(r.office, r.role) for r in reminders] == [("office", "lead"), ("legal", "cooperate")]


def test_provisional_years_are_flagged() -> None:
    config = make("yearly 01-31", remind='["30d", "0d"]')
    reminders = plan(config, D(2026, 12, 1), D(2027, 1, 29))
    assert [
        (r.day.isoformat(), r.provisional, r.provisional_years)
        for r in reminders
        if r.office == "office"
    ] == [
        ("2026-12-30", True, (2027,)),  # the reminder is in 2026, its due date in 2027
        ("2027-01-29", True, (2027,)),
    ]
    assert not any(r.provisional for r in plan(config, D(2026, 1, 1), D(2026, 1, 31)))


def test_send_time_and_timezone() -> None:
    config = make("2026-03-31", remind='["0d"]', extra='send_time = "14:30"')
    (r,) = plan(config, D(2026, 3, 31), D(2026, 3, 31))
    assert r.remind_at.isoformat() == "2026-03-31T14:30:00+08:00"


def test_occurrences_before_the_window_are_taken_as_done() -> None:
    config = make("monthly last", remind='["0d"]')
    reminders = plan(config, D(2026, 3, 1), D(2026, 3, 31))
    assert {r.occurrence.period_key for r in reminders} == {"2026-03"}
    assert plan(config, D(2026, 3, 1), D(2026, 3, 31), epoch=D(2026, 2, 1))[0].kind == "overdue"


def test_period_runs_from_the_day_after_the_previous_due() -> None:
    config = make("yearly 01-31", remind='["0d"]')
    (r,) = plan(config, D(2026, 1, 30), D(2026, 1, 30))
    assert r.occurrence.period_start == D(2025, 2, 1)
    assert r.occurrence.next_due == D(2027, 1, 29)


def test_filters_and_order() -> None:
    config = make("weekly MON", remind='["0d"]', cooperate='["legal"]')
    reminders = plan(config, D(2026, 3, 1), D(2026, 3, 31), offices={"legal"})
    assert {r.office for r in reminders} == {"legal"}
    assert [r.remind_at for r in reminders] == sorted(r.remind_at for r in reminders)
    assert plan(config, D(2026, 3, 1), D(2026, 3, 31), deadlines={"other"}) == []


@pytest.mark.slow
def test_the_planning_memo_changes_nothing() -> None:
    """Deadlines sharing rules and due dates share the planner's memo within a run; planning
    each deadline alone on a fresh calendar gives the very same reminders (shipped file, two
    years, overdue repeats and escalation included)."""
    from reminder.config.loader import load_config
    from reminder.planning.planner import plan_deadline
    from tests.conftest import SHIPPED

    config = load_config(SHIPPED, environ={})
    first, last = D(2026, 1, 1), D(2027, 12, 31)
    shared = plan(config, first, last, epoch=D(2025, 12, 1))
    alone = [
        r
        for d in config.deadlines
        for r in plan_deadline(config, config.calendar(), d, first, last, D(2025, 12, 1))
    ]

    def row(r: PlannedReminder) -> tuple[object, ...]:
        return (
            r.deadline.id,
            r.occurrence,
            r.office,
            r.role,
            r.kind,
            r.step,
            r.remind_at,
            r.working_days_left,
            r.provisional_years,
        )

    assert len(shared) > 500  # 738: routine duties to their leads, six chases at most
    assert sorted(map(row, shared), key=repr) == sorted(map(row, alone), key=repr)


def test_deadlines_with_the_same_rule_keep_their_own_offices_and_lead_times() -> None:
    """What a deadline's occurrences share (recipients, lead times, send time) is worked out
    once per distinct combination; each deadline still gets exactly its own."""
    extra = "".join(
        f'\n[[deadlines]]\nid = "{id_}"\ntitle = "{id_}"\nlead = ["{lead}"]\n'
        f'due = "yearly 01-31"\nremind = {remind}\n{more}'
        for id_, lead, remind, more in [
            ("same-as-first", "office", '["0d"]', ""),
            ("other-lead", "legal", '["0d"]', ""),
            ("other-lead-times", "office", '["1wd", "0d"]', ""),
            ("other-send-time", "office", '["0d"]', 'send_time = "15:00"\n'),
        ]
    )
    config = config_from(variant('remind = ["7d", "1wd", "0d"]', 'remind = ["0d"]', BASE) + extra)
    got = {
        (r.deadline.id, r.office, r.step, r.remind_at.strftime("%m-%d %H:%M"))
        for r in plan(config, D(2026, 1, 1), D(2026, 1, 30))
        if r.role != "cooperate"
    }
    assert got == {
        ("annual-report", "office", "0d", "01-30 09:00"),
        ("same-as-first", "office", "0d", "01-30 09:00"),
        ("other-lead", "legal", "0d", "01-30 09:00"),
        ("other-lead-times", "office", "1wd", "01-29 09:00"),
        ("other-lead-times", "office", "0d", "01-30 09:00"),
        ("other-send-time", "office", "0d", "01-30 15:00"),
    }


def test_a_memo_given_to_a_planning_run_is_the_one_filled() -> None:
    from reminder.config.loader import load_config
    from reminder.planning.memo import PlanMemo
    from reminder.planning.planner import plan_deadline
    from tests.conftest import SHIPPED

    config = load_config(SHIPPED, environ={})
    d = config.deadlines[0]
    memo = PlanMemo()  # empty, as at the start of every run: it must still be used
    plan_deadline(
        config, config.calendar(), d, D(2027, 1, 1), D(2027, 3, 31), D(2027, 1, 1), memo=memo
    )
    assert ("fixed", d.id, id(config)) in memo

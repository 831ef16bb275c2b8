"""How far ahead reminders are planned, and how a missed stretch is planned after downtime."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reminder.app.actions import mark_done, reopen
from reminder.app.completion import Which
from reminder.app.plan import PlanReport
from reminder.planning.planner import plan_ahead, plan_deadline
from reminder.store.engine import transaction
from reminder.store.models import DeadlineRow
from tests.delivery_harness import FULL_LEAD_TIMES, LATEST_ONLY, Harness, at

SHANGHAI = ZoneInfo("Asia/Shanghai")
FREQUENT = """
[[deadlines]]
id = "daily-check"
title = "每日巡查"
lead = ["legal"]
cooperate = ["finance"]
due = "RRULE:FREQ=DAILY"
start = "2026-03-01"

[[deadlines]]
id = "twice-weekly"
title = "每周两次通报"
lead = ["finance"]
due = "RRULE:FREQ=WEEKLY;BYDAY=MO,TH"
start = "2026-03-01"
remind = ["1wd", "0d"]

[[deadlines]]
id = "monthly-stats"
title = "月度统计"
lead = ["legal"]
due = "monthly last-workday"
remind = ["5wd", "1wd", "0d"]
"""


def _last_planned(harness: Harness, deadline_id: str) -> date:
    rows = harness.outbox(deadline_id=deadline_id)
    return max(r.remind_at for r in rows).astimezone(SHANGHAI).date()


def test_a_frequent_task_is_planned_two_days_ahead_the_others_the_whole_horizon(
    harness: Harness,
) -> None:
    harness.write(FREQUENT)
    runtime = harness.start("2026-03-02 08:00")
    runtime.sync_and_plan()
    config = runtime.config
    assert [plan_ahead(config, d).days for d in config.deadlines] == [60, 2, 2, 60]
    assert _last_planned(harness, "daily-check") == date(2026, 3, 4)
    assert _last_planned(harness, "twice-weekly") <= date(2026, 3, 4)
    assert _last_planned(harness, "monthly-stats") == date(2026, 4, 30)  # 60 days: 05-01
    # The next day adds that day, and nothing is compared again.
    harness.clock.set(at("2026-03-03 00:05"))
    report = runtime.plan()
    assert (report.first, report.last) == (date(2026, 3, 5), date(2026, 5, 2))
    assert report.changes.updated == report.changes.cancelled == 0
    assert _last_planned(harness, "daily-check") == date(2026, 3, 5)


def _what_catch_up_sends(harness: Harness, first: date, now: datetime) -> set[tuple[str, ...]]:
    """From the pure planner over the whole stretch: per task, office and channel, the latest
    reminder due by `now` (all of them when several share that time)."""
    assert harness.runtime is not None
    config = harness.runtime.config
    cal = config.calendar()
    with transaction(harness.runtime.engine) as s:
        since = {d.id: d.active_since for d in s.query(DeadlineRow)}
    latest: dict[tuple[str, str], datetime] = {}
    due = []
    for d in config.deadlines:
        for r in plan_deadline(config, cal, d, first, now.date(), since[d.id]):
            if r.remind_at <= now:
                due.append(r)
                key = (d.id, r.office)
                latest[key] = max(latest.get(key, r.remind_at), r.remind_at)
    return {
        (r.deadline.id, r.office, channel, r.step, r.occurrence.period_key)
        for r in due
        if r.remind_at == latest[(r.deadline.id, r.office)]
        for channel in config.channels_for(config.offices[r.office])
    }


def test_a_month_offline_sends_what_planning_every_day_would_have_coalesced_to(
    harness: Harness,
) -> None:
    """The missed stretch is planned as catch-up sends it: per task, office and channel only
    the latest reminder due, so a month of a daily task is a few rows, not thirty; and what
    goes out is exactly what planning each missed day and coalescing would send."""
    harness.write(FREQUENT)
    harness.start("2026-03-02 08:00")
    harness.tick("2026-03-02 08:00")  # nothing due yet; then down until after Qingming
    now = at("2026-04-08 09:30")
    harness.tick("2026-04-08 09:30")
    steps = {r.id: r.step for r in harness.outbox()}
    sent = {
        (r.deadline_id, r.office_id, r.channel, steps[r.outbox_id], r.period_key)
        for r in harness.log()
        if r.status == "sent"
    }
    expected = _what_catch_up_sends(harness, date(2026, 3, 2), now)
    assert sent == expected
    assert {d for d, *_ in sent} == {
        "annual-report",
        "daily-check",
        "twice-weekly",
        "monthly-stats",
    }
    # Every other row that came due is superseded: none is left waiting, none sent twice.
    assert not [r for r in harness.outbox() if r.status == "pending" and r.remind_at <= now]
    statuses = [r.status for r in harness.log()]
    assert set(statuses) == {"sent", "superseded"} and statuses.count("sent") == len(sent)
    # A month of the daily task (two offices, three channels) is not written out row by row:
    # today's reminder is the latest due, so nothing of the stretch before it is.
    daily = harness.outbox(deadline_id="daily-check")
    assert not [r for r in daily if at("2026-03-05 00:00") <= r.remind_at < at("2026-04-08 00:00")]


def test_after_downtime_what_is_due_is_planned_first_then_the_days_ahead(
    harness: Harness,
) -> None:
    harness.write(FREQUENT)
    runtime = harness.start("2026-03-02 08:00")
    runtime.sync_and_plan()
    harness.clock.set(at("2026-04-08 09:30"))
    _, caught_up = runtime.catch_up()
    assert (caught_up.first, caught_up.last) == (date(2026, 3, 5), date(2026, 4, 8))
    assert _last_planned(harness, "daily-check") == date(2026, 4, 8)
    runtime.dispatch()
    ahead: PlanReport = runtime.plan()
    # The days ahead only: the missed stretch is not searched or compared again.
    assert ahead.first == date(2026, 4, 9) and ahead.changes.total == ahead.changes.added
    assert _last_planned(harness, "daily-check") == date(2026, 4, 10)
    assert date(2026, 5, 29) < _last_planned(harness, "monthly-stats") <= date(2026, 6, 7)
    assert runtime.plan().changes.total == 0


def test_an_edit_during_downtime_supersedes_the_missed_reminders_it_replans(
    harness: Harness,
) -> None:
    """A changed file re-plans from the day after the last plan: the waiting rows that a later
    due reminder replaces are superseded by planning (as catch-up would), not cancelled."""
    harness.write(FULL_LEAD_TIMES)
    harness.start("2026-03-20 08:00")
    harness.tick("2026-03-20 08:00")
    # Edited while the service was down (same dates: the 31st is a working day).
    harness.write(FULL_LEAD_TIMES + '\nshift = "after"')
    runtime = harness.start("2026-03-31 09:30")
    _, planned = runtime.catch_up()
    assert planned.first == date(2026, 3, 21)
    # Three each for legal's robot and finance's robot and mailbox.
    assert (planned.changes.superseded, planned.changes.cancelled) == (9, 0)
    harness.tick("2026-03-31 09:30")
    log = harness.log(office_id="legal")
    assert [(r.status, r.kind) for r in log] == LATEST_ONLY
    assert not [r for r in harness.outbox() if r.status == "cancelled"]


def test_a_deadline_added_during_downtime_gets_no_reminder_from_before_it_existed(
    harness: Harness,
) -> None:
    harness.write()
    harness.start("2026-03-02 08:00")
    harness.tick("2026-03-02 08:00")
    harness.write("""
[[deadlines]]
id = "new-task"
title = "新任务"
lead = ["legal"]
due = "2026-04-14"
remind = ["7d", "0d"]
""")
    harness.start("2026-04-08 09:30")  # 04-07 was its 7-days-left day
    harness.tick("2026-04-08 09:30")
    rows = harness.outbox(deadline_id="new-task")
    assert rows and all(r.remind_at >= at("2026-04-08 00:00") for r in rows)
    assert "7d" not in {r.step for r in rows} and "0d" in {r.step for r in rows}


def test_an_edit_after_catch_up_does_not_plan_the_missed_stretch_again(
    harness: Harness,
) -> None:
    """Catch-up sent the missed stretch; an edit before the days ahead were planned re-plans
    from today, so nothing of that stretch goes out a second time."""
    harness.write(FREQUENT)
    runtime = harness.start("2026-03-02 08:00")
    runtime.sync_and_plan()
    harness.clock.set(at("2026-04-08 09:30"))
    runtime.catch_up()
    runtime.dispatch()
    sent = len([r for r in harness.log() if r.status == "sent"])
    harness.write(FREQUENT.replace("每日巡查", "每日巡查（改）"))
    edited = harness.start("2026-04-08 09:40")
    _, planned = edited.catch_up()
    assert planned.first == date(2026, 4, 8)
    assert edited.dispatch().summary() == "nothing due"
    assert len([r for r in harness.log() if r.status == "sent"]) == sent


def test_plan_ahead_is_the_horizon_when_it_is_shorter(harness: Harness) -> None:
    harness.write(FREQUENT)
    text = harness.path.read_text(encoding="utf-8")
    harness.path.write_text(
        text.replace("[delivery]\n", '[delivery]\nhorizon = "1d"\n'), encoding="utf-8"
    )
    runtime = harness.start("2026-03-02 08:00")
    assert {plan_ahead(runtime.config, d) for d in runtime.config.deadlines} == {timedelta(days=1)}


def test_done_then_reopened_during_downtime_reminds_from_the_reopen_on(harness: Harness) -> None:
    """`reopen` plans the occurrence's reminders from the moment it runs, whether the service
    is up or down: after downtime, catch-up sends none that came due before the reopen (the
    office reopened it itself), and the next goes out at its time."""
    harness.write('remind = ["7d", "1wd", "0d"]')
    runtime = harness.start("2026-03-01 08:00")
    harness.tick("2026-03-24 09:00")  # the 7-day reminder; then the service is down
    which = Which(deadline="annual-report", office="legal")
    mark_done(runtime.config, runtime.engine, at("2026-03-30 08:00"), which)
    reopen(runtime.config, runtime.engine, at("2026-04-02 10:00"), which)
    harness.tick("2026-04-02 10:30")  # back after the reopen
    sent = [(r.kind, r.at) for r in harness.log(office_id="legal", status="sent")]
    assert sent == [("before", at("2026-03-24 09:00"))]
    assert not harness.log(status="sending")
    harness.tick("2026-04-03 09:00")
    sent = [(r.kind, r.at) for r in harness.log(office_id="legal", status="sent")]
    assert sent[1:] == [("overdue", at("2026-04-03 09:00"))]


def test_a_catch_up_on_a_rest_day_waits_for_the_next_working_day_and_reads_from_then(
    harness: Harness,
) -> None:
    """Back on Saturday 4 April (Qingming: 4-6 April are rest days) after missing the
    overdue reminders of 1 and 3 April: nothing goes out until Tuesday 09:00, and then the
    text counts from Tuesday, not from the day it was planned for."""
    harness.write()
    harness.start("2026-03-20 08:00")
    harness.tick("2026-03-20 08:00")
    runtime = harness.start("2026-04-04 10:00")
    runtime.catch_up()
    harness.tick("2026-04-04 10:00")
    assert harness.smtp.received == [] and harness.wecom.received == []
    assert runtime.next_due() == at("2026-04-07 09:00")
    harness.tick("2026-04-07 09:00")
    got = sorted((m.rcpt_tos[0], m.message["Subject"]) for m in harness.smtp.received)
    # Finance (cooperating) had only the due-day reminder of 31 March to catch up: planned as
    # "due today", it now reads as overdue. The office is told as supervisor.
    assert got == [
        ("bgs@example.gov.cn", "【督办】第41项 发布年度报告（已逾期4个工作日）"),
        ("jck@example.gov.cn", "【逾期】第41项 发布年度报告（已逾期4个工作日）"),
    ]
    assert all(m.message["Date"].endswith("+0800") for m in harness.smtp.received)


def test_a_tick_into_the_future_does_not_stop_the_reminders_of_today(harness: Harness) -> None:
    """`tick --now` nine months ahead on the real database (someone testing) planned and
    caught up to then, superseding today's reminders; back at today's instant they go out,
    and nothing the future pass really sent is sent again."""
    harness.write('remind = ["7d", "0d"]')
    harness.start("2026-03-20 08:00")
    harness.tick("2026-03-20 08:00")
    harness.tick("2026-12-01 09:00")  # the future: the whole backlog caught up, then
    sent_then = len(harness.smtp.received) + len(harness.wecom.received)
    runtime = harness.start("2026-03-31 09:00")
    runtime.catch_up()
    harness.tick("2026-03-31 09:00")
    got = harness.log(office_id="legal")
    today = [r for r in got if r.status == "sent" and r.at == at("2026-03-31 09:00")]
    assert [(r.kind, r.channel) for r in today] == [("due", "wecom")]
    # Finance's due-day reminders were the latest of its backlog in the future pass, and went
    # then; legal's were superseded there by a later overdue one: only legal's go now.
    assert len(harness.smtp.received) + len(harness.wecom.received) == sent_then + 1
    # The next days plan again as usual (the future markers are gone).
    harness.tick("2026-04-01 09:00")
    assert runtime.next_due() is not None

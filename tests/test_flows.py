"""Service behaviour over time: restarts, catch-up, reload, done/reopen, escalation."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from reminder.app.runtime import Runtime
from reminder.delivery.channels.base import Rendered, Target
from reminder.delivery.ratelimit import DatabaseLimiter, MemoryLimiter
from reminder.errors import DatabaseError
from reminder.store import outbox
from reminder.store.budget import WINDOW, Ask
from reminder.store.engine import make_engine
from reminder.store.migrate import upgrade
from tests.conftest import postgresql_only
from tests.delivery_harness import FULL_LEAD_TIMES, KEY_FINANCE, KEY_LEGAL, LATEST_ONLY, Harness, at

MANY = "".join(
    f"""
[[deadlines]]
id = "task-{i:02d}"
title = "任务{i:02d}"
lead = ["legal"]
due = "2026-03-31"
"""
    for i in range(12)
)


class Crash(BaseException):
    """Stands for kill -9: nothing after it runs."""


def test_restart_in_the_middle_of_a_batch_loses_nothing(harness: Harness) -> None:
    harness.write(MANY, digest=False)
    runtime = harness.start("2026-03-01 08:00")
    runtime.sync_and_plan()
    wecom = runtime.dispatcher.transports["wecom"]
    real_send = wecom.send
    sent = 0

    def send_then_die(target: Target, payload: object) -> str:
        nonlocal sent
        code = real_send(target, payload)
        sent += 1
        if sent == 5:  # the fifth message reaches WeCom, then the process dies
            raise Crash
        return code

    wecom.send = send_then_die  # type: ignore[method-assign]
    harness.clock.set(at("2026-03-31 09:00"))
    with pytest.raises(Crash):
        runtime.dispatch()
    # A new owner; the dead one's lease (10 s, no heartbeat since) must expire first (it is
    # this process, which cannot be told dead; another process of this host's would be
    # taken over at once: test_instances.py).
    fresh = Runtime(str(harness.path), clock=harness.clock)
    harness.clock.set(at("2026-03-31 09:00:05"))
    assert fresh.dispatch().summary() == "nothing due"  # claimed rows wait for the lease
    harness.clock.set(at("2026-03-31 09:00:12"))
    fresh.dispatch()
    legal = [m.content.splitlines()[0] for m in harness.wecom.received if m.key == KEY_LEGAL]
    titles = {f"**【到期】任务{i:02d}**" for i in range(12)} | {"**【到期】第41项 发布年度报告**"}
    assert set(legal) == titles  # nothing lost
    assert len(legal) == len(titles) + 1  # one duplicate: the message in flight at the crash
    statuses = [r.status for r in harness.log(office_id="legal")]
    assert statuses.count("sending") == 1  # the trace the crash left
    # A pass after the longest a live send can take closes it: it may or may not have arrived.
    harness.clock.set(at("2026-03-31 09:05"))
    fresh.dispatch()
    statuses = [r.status for r in harness.log(office_id="legal")]
    assert statuses.count("unknown") == 1 and "sending" not in statuses
    assert statuses.count("sent") == 13


def test_a_round_that_fails_still_records_the_sends_that_ended(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database fails a round's transaction after some sends ended: their outcomes are
    written when the pass ends, so none of them is sent again once the lease runs out."""
    harness.write(MANY, digest=False)
    runtime = harness.start("2026-03-01 08:00")
    runtime.sync_and_plan()
    real_renew, calls = outbox.renew, 0

    def renew_fails_in_the_third_round(*args: Any, **kwargs: Any) -> set[int]:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise DatabaseError("database sqlite:///reminder.db: disk I/O error")
        return real_renew(*args, **kwargs)

    monkeypatch.setattr(outbox, "renew", renew_fails_in_the_third_round)
    harness.clock.set(at("2026-03-31 09:00"))
    with pytest.raises(DatabaseError):
        runtime.dispatch()
    sent_before = len(harness.wecom.received) + len(harness.smtp.received)
    assert sent_before >= 4  # two rounds went out (legal's robot takes one at a time)
    assert not harness.log(status="sending")  # every send that ended is recorded
    monkeypatch.setattr(outbox, "renew", real_renew)
    harness.clock.set(at("2026-03-31 09:06"))  # the failed round's leases ran out
    runtime.dispatch()
    legal = Counter(m.content for m in harness.wecom.received if m.key == KEY_LEGAL)
    assert len(legal) == 13 and set(legal.values()) == {1}  # all, and none twice
    assert len(harness.smtp.received) == 1 and not harness.log(status="sending")


def test_catch_up_after_a_week_offline_sends_only_the_latest(harness: Harness) -> None:
    harness.write(FULL_LEAD_TIMES)
    harness.start("2026-03-20 08:00")
    harness.tick("2026-03-20 08:00")
    assert harness.wecom.received == []
    harness.tick("2026-03-31 09:30")  # down from the 20th until after the due reminder
    legal = [m for m in harness.wecom.received if m.key == KEY_LEGAL]
    assert len(legal) == 1 and legal[0].content.startswith("**【到期】")
    log = harness.log(office_id="legal")
    assert [(r.status, r.kind) for r in log] == LATEST_ONLY


def test_reload_with_a_bad_edit_keeps_the_last_good_config(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = harness.start("2026-03-01 08:00")
    good = harness.path.read_text(encoding="utf-8")
    harness.path.write_text(
        good.replace('due = "2026-03-31"', 'due = "2026-02-30"'), encoding="utf-8"
    )
    with caplog.at_level(logging.ERROR):
        assert runtime.reload_if_changed() is False
    assert any(
        m.endswith('deadlines[0].due: "2026-02-30" is not a date (February 2026 has 28 days)')
        for m in caplog.messages
    )
    assert caplog.messages[-1].endswith("errors: keeping the last good config and templates")
    assert runtime.config.deadlines[0].due_text == "2026-03-31"
    harness.tick("2026-03-31 09:00")  # the last good config keeps sending
    assert len([m for m in harness.wecom.received if m.key == KEY_LEGAL]) == 1
    harness.path.write_text(
        good.replace('due = "2026-03-31"', 'due = "2026-04-01"'), encoding="utf-8"
    )
    assert runtime.reload_if_changed() is True
    assert runtime.config.deadlines[0].due_text == "2026-04-01"


def test_a_template_edit_applies_at_reload_once_it_renders(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.write('remind = ["1wd", "0d"]')
    custom = harness.use_templates("my-templates")
    runtime = harness.start("2026-03-01 08:00")
    (custom / "markdown.j2").write_text("{{ item.title }\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        assert runtime.reload_if_changed() is False
        assert runtime.reload_if_changed() is False  # a bad edit is reported once
    assert [m for m in caplog.messages if "markdown.j2" in m] == [
        f"{custom / 'markdown.j2'}:1: template: unexpected '}}'"
    ]
    harness.tick("2026-03-30 09:00")  # the templates read at start keep going
    (custom / "markdown.j2").write_text("自定义：{{ item.title }}\n", encoding="utf-8")
    assert runtime.reload_if_changed() is True
    assert runtime.reload_if_changed() is False
    harness.tick("2026-03-31 09:00")
    legal = [m.content for m in harness.wecom.received if m.key == KEY_LEGAL]
    assert len(legal) == 2 and legal[0].startswith("**【提醒】")
    assert legal[1] == "自定义：发布年度报告"
    # The edit is read at reload, not at each send: a later bad edit on disk changes nothing.
    (custom / "markdown.j2").write_text("{{ broken\n", encoding="utf-8")
    harness.tick("2026-04-01 09:00")
    assert [m.content for m in harness.wecom.received if m.key == KEY_LEGAL][2:] == [
        "自定义：发布年度报告"
    ]


def test_a_new_templates_dir_is_applied_once_its_templates_render(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """An edit that points to another templates_dir is refused while a template there fails;
    fixing that template is seen (the new folder is watched) and applies the edit."""
    harness.write('remind = ["1wd", "0d"]')
    runtime = harness.start("2026-03-01 08:00")
    custom = harness.use_templates("new-templates")
    (custom / "markdown.j2").write_text("{{ item.title }\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        assert runtime.reload_if_changed() is False
        assert runtime.reload_if_changed() is False
    assert [m for m in caplog.messages if "markdown.j2" in m] == [
        f"{custom / 'markdown.j2'}:1: template: unexpected '}}'"
    ]
    assert runtime.config.delivery.templates_dir is None  # the last good config runs
    (custom / "markdown.j2").write_text("新模板：{{ item.title }}\n", encoding="utf-8")
    assert runtime.reload_if_changed() is True
    assert runtime.config.delivery.templates_dir == "new-templates"
    harness.tick("2026-03-30 09:00")
    assert [m.content for m in harness.wecom.received if m.key == KEY_LEGAL] == [
        "新模板：发布年度报告"
    ]


def test_a_template_that_fails_on_real_data_fails_only_those_reminders(harness: Harness) -> None:
    """`check` renders sample data; a template can still fail on a reminder's own (here,
    dividing by the working days left, 0 on the due day). That reminder fails for good with
    the reason and the admin is told; the others go out; the next day's renders and goes."""
    custom = harness.use_templates("my-templates")
    (custom / "markdown.j2").write_text(
        "{{ item.title }}：每天{{ 10 // item.working_days_left }}次\n", encoding="utf-8"
    )
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    (failed,) = harness.log(office_id="legal")
    assert failed.status == "failed" and failed.kind == "due"
    assert failed.error == (
        f"cannot render: {custom / 'markdown.j2'}:1: template: ZeroDivisionError: integer "
        "division or modulo by zero"
    )
    assert [m.key for m in harness.wecom.received] == [KEY_FINANCE]  # @-mentions: text.j2
    by_rcpt = {m.rcpt_tos[0]: m.message for m in harness.smtp.received}
    assert sorted(by_rcpt) == ["bgs@example.gov.cn", "jck@example.gov.cn"]  # alert; finance
    alert = by_rcpt["bgs@example.gov.cn"].get_body(preferencelist=("plain",))
    assert alert is not None and "cannot render" in alert.get_content()
    harness.tick("2026-04-01 09:00")  # overdue: -1 working day left renders
    legal = [m.content for m in harness.wecom.received if m.key == KEY_LEGAL]
    assert legal == ["发布年度报告：每天-10次"]


def test_changed_rule_replans_pending_and_never_resends(harness: Harness) -> None:
    harness.write('remind = ["7d", "0d"]')
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-24 09:00")  # the 7-day reminder goes out
    text = harness.path.read_text(encoding="utf-8").replace('"2026-03-31"', '"2026-04-03"')
    harness.path.write_text(text, encoding="utf-8")
    assert harness.runtime is not None and harness.runtime.reload_if_changed()
    harness.tick("2026-03-31 09:00")
    harness.tick("2026-04-03 09:00")
    legal = [(r.status, r.kind, r.period_key) for r in harness.log(office_id="legal")]
    assert [x for x in legal if x[0] == "sent"] == [
        ("sent", "before", "2026-03-31"),  # went out before the change: never again
        ("sent", "before", "2026-04-03"),  # the new 7-day reminder (27 March)
        ("sent", "due", "2026-04-03"),
    ]
    old = [x for x in legal[1:] if x[2] == "2026-03-31"]
    assert old[0] == ("cancelled", "due", "2026-03-31")
    assert {x[:2] for x in old[1:]} == {("cancelled", "overdue")}


def test_done_cancels_and_reopen_replans(harness: Harness) -> None:
    from reminder.app.actions import mark_done, reopen
    from reminder.app.completion import Which

    harness.write('remind = ["7d", "0d"]')
    runtime = harness.start("2026-03-01 08:00")
    harness.tick("2026-03-24 09:00")
    waiting = len(harness.outbox(status="pending"))  # the due day's and the overdue ones
    assert waiting > 3
    which = Which(deadline="annual-report", office="legal")
    message = mark_done(
        runtime.config, runtime.engine, at("2026-03-25 10:00"), which, note="已发布"
    )
    assert message == (
        "annual-report 2026-03-31 (due 2026-03-31) marked done by legal; "
        f"{waiting} pending reminder(s) cancelled"
    )
    assert harness.outbox(status="pending") == []
    harness.tick("2026-03-31 09:00")
    assert [r.status for r in harness.log(kind="due")] == ["cancelled"] * 3
    which = Which(deadline="annual-report", office="legal", period="2026-03-31")
    message = reopen(runtime.config, runtime.engine, at("2026-03-30 10:00"), which)
    assert message.startswith("annual-report 2026-03-31 (due 2026-03-31) reopened by legal; ")
    harness.tick("2026-03-31 09:00")
    assert [r.status for r in harness.log(kind="due")] == ["cancelled"] * 3 + ["sent"] * 3


def test_planning_cancels_a_waiting_reminder_of_a_done_occurrence(harness: Harness) -> None:
    """A row put back to pending after `done` (an instance recording a retry it started
    before) is cancelled by the next planning, even when it lies before the planned window."""
    from sqlalchemy import update

    from reminder.app.actions import mark_done
    from reminder.app.completion import Which
    from reminder.app.plan import plan_outbox
    from reminder.store.engine import transaction
    from reminder.store.models import OutboxRow

    harness.write('remind = ["7d", "0d"]')
    runtime = harness.start("2026-03-01 08:00")
    harness.tick("2026-03-24 09:00")
    which = Which(deadline="annual-report", office="legal")
    mark_done(runtime.config, runtime.engine, at("2026-03-25 10:00"), which)
    row = harness.outbox(kind="due", office_id="legal")[0]
    with transaction(runtime.engine) as s:
        s.execute(update(OutboxRow).where(OutboxRow.id == row.id).values(status="pending"))
    report = plan_outbox(
        runtime.config, runtime.engine, at("2026-03-26 08:00"), digest=runtime.fingerprint
    )
    assert report.first > row.remind_at.date()  # the row is before the window
    assert harness.outbox(id=row.id)[0].status == "cancelled"
    assert harness.tick("2026-03-31 09:00").endswith("nothing due")


def test_escalation_after_three_working_days(harness: Harness) -> None:
    harness.start("2026-03-01 08:00")
    for day in ("03-31", "04-01", "04-02", "04-03", "04-07", "04-08"):  # 4-6 April: Qingming
        harness.tick(f"2026-{day} 09:00")
    escalations = [
        m.message["Subject"] for m in harness.smtp.received if m.rcpt_tos == ["bgs@example.gov.cn"]
    ]
    assert escalations == [
        "【督办】第41项 发布年度报告（已逾期3个工作日）",
        "【督办】第41项 发布年度报告（已逾期5个工作日）",
    ]
    body = next(m for m in harness.smtp.received if m.rcpt_tos == ["bgs@example.gov.cn"])
    text = body.message.get_body(("plain",)).get_content()
    assert "已逾期3个工作日，牵头科室：法规信访科\n" in text
    assert "\n责任分工：法规信访科牵头，计财科配合（本科室负责督办）\n" in text
    assert "请督促牵头科室抓紧办结。" in text


def test_dry_run_renders_and_a_real_run_still_sends(harness: Harness) -> None:
    harness.start("2026-03-01 08:00", dry_run=True)
    harness.tick("2026-03-31 09:00")
    assert harness.wecom.received == [] and harness.smtp.received == []
    dry = harness.log()
    assert {r.status for r in dry} == {"dry-run"} and len(dry) == 3
    assert all(r.body for r in dry)
    harness.start("2026-03-31 09:05")
    harness.tick("2026-03-31 09:05")
    assert len(harness.wecom.received) == 2 and len(harness.smtp.received) == 1


def test_long_wecom_content_is_split_on_character_boundaries(harness: Harness) -> None:
    from reminder.delivery.channels.wecom import WecomTransport, split_bytes

    parts = split_bytes("政" * 3000, 4096)
    assert [len(p.encode()) for p in parts] == [4095, 4095, 810]
    assert "".join(parts) == "政" * 3000
    runtime = harness.start("2026-03-01 08:00")
    transport = runtime.dispatcher.transports["wecom"]
    assert isinstance(transport, WecomTransport)
    target = transport.target(runtime.config.offices["legal"])
    payloads = transport.payloads(target, Rendered(subject="s", text="t", markdown="一\n" * 3000))
    for payload in payloads:
        transport.send(target, payload)
    assert len(harness.wecom.received) == 3
    assert all(len(m.content.encode()) <= 4096 for m in harness.wecom.received)


@pytest.mark.parametrize("kind", ["memory", "database"])
def test_limiters_answer_a_batch_in_order(kind: str, db_url: str) -> None:
    """One batch of asks: each is answered as if asked alone, after those before it (the
    dispatcher starts several messages in one transaction); the database budget persists."""
    engine = make_engine(db_url)
    upgrade(engine)
    limiter = MemoryLimiter() if kind == "memory" else DatabaseLimiter(engine)
    nine, ten = at("2026-03-31 09:00"), at("2026-03-31 09:00:10")
    assert limiter.reserve([Ask("a", 1, 20)] * 19 + [Ask("b", 3, 20)], nine) == [None] * 20
    answers = limiter.reserve([Ask("a", 1, 20), Ask("a", 1, 20), Ask("b", 30, 20)], ten)
    # a: the 20th send fits; the 21st waits until the first leaves the window. b: a message
    # longer than a minute's budget takes the whole budget, so it waits for b's first 3.
    assert answers == [None, nine + WINDOW, nine + WINDOW]
    assert limiter.reserve([Ask("a", 1, 20)], nine + WINDOW) == [None]
    # Sends at three times: the wait is counted from the right one of them.
    later = at("2026-03-31 09:00:40")
    assert limiter.reserve([Ask("c", 1, 20)] * 10, nine) == [None] * 10
    assert limiter.reserve([Ask("c", 1, 20)] * 9, ten) == [None] * 9
    assert limiter.reserve(
        [Ask("c", 5, 20), Ask("c", 15, 20), Ask("c", 1, 20), Ask("c", 1, 20)], later
    ) == [
        nine + WINDOW,
        ten + WINDOW,
        None,
        nine + WINDOW,
    ]
    # Within one batch: what it took itself counts, the newest of all.
    assert limiter.reserve([Ask("d", 2, 2), Ask("d", 2, 2)], nine) == [
        None,
        nine + WINDOW,
    ]
    engine.dispose()


@postgresql_only
def test_database_connections_dropped_between_passes(harness: Harness) -> None:
    """PostgreSQL restarted: the pool's connections are dead; the next pass reconnects."""
    runtime = harness.start("2026-03-01 08:00")
    harness.tick("2026-03-30 09:00")
    from sqlalchemy import create_engine, text

    name = runtime.engine.url.database
    admin = create_engine(runtime.engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": name},
        ).scalar()
    admin.dispose()
    assert killed >= 1
    assert harness.tick("2026-03-31 09:00").endswith("sent: 3 sent")


def test_catch_up_coalesces_across_the_whole_backlog(harness: Harness) -> None:
    """A backlog larger than one claim batch is still coalesced as a whole."""
    from reminder.delivery import dispatch

    harness.write(FULL_LEAD_TIMES)
    harness.start("2026-03-20 08:00")
    harness.tick("2026-03-20 08:00")
    old_batch = dispatch.BATCH
    dispatch.BATCH = 2  # smaller than the backlog of each office
    try:
        harness.tick("2026-03-31 09:30")
    finally:
        dispatch.BATCH = old_batch
    statuses = [(r.office_id, r.channel, r.status, r.kind) for r in harness.log()]
    for office, channel in (("legal", "wecom"), ("finance", "wecom"), ("finance", "email")):
        mine = [(s, k) for o, c, s, k in statuses if (o, c) == (office, channel)]
        assert sorted(mine) == sorted([("superseded", "before")] * 3 + [("sent", "due")])
    # The log rows written in SQL say as much as the ones written row by row.
    rows = {r.id: r for r in harness.outbox()}
    for entry in (r for r in harness.log() if r.status == "superseded"):
        row = rows[entry.outbox_id]
        assert (entry.deadline_id, entry.office_id, entry.channel, entry.kind, entry.role) == (
            row.deadline_id,
            row.office_id,
            row.channel,
            row.kind,
            row.role,
        )
        assert entry.occurrence_id == row.occurrence_id and entry.period_key and entry.due
        assert entry.at == entry.finished_at == at("2026-03-31 09:30")
        assert entry.attempt == 0 and "later reminder" in (entry.error or "")
        assert row.status == "superseded" and row.lease_owner is None


@pytest.mark.slow
def test_a_backlog_beyond_sqlite_variable_limits(harness: Harness) -> None:
    """Catch-up after a long downtime supersedes tens of thousands of rows in one pass."""
    from reminder.store import outbox
    from reminder.store.engine import transaction

    runtime = harness.start("2026-03-01 08:00")
    runtime.sync_and_plan()
    base = harness.outbox()[0]
    now = at("2026-03-31 09:00")
    copies = [
        {
            "deadline_id": base.deadline_id,
            "occurrence_id": base.occurrence_id,
            "kind": "overdue",
            "step": f"bulk-{i}",
            "office_id": base.office_id,
            "channel": base.channel,
            "role": base.role,
            "remind_at": base.remind_at,
            "working_days_left": -1,
            "provisional": False,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": base.remind_at,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(40_000)
    ]
    with transaction(runtime.engine) as s:
        assert outbox.insert_ignoring_duplicates(s, copies) == 40_000
        superseded = outbox.coalesce_backlog(s, now + timedelta(days=1))
    assert superseded >= 40_000

"""Who may do what to an occurrence, which occurrence `done` means, and the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reminder.app.actions import Actor, Refused, mark_done, note_on, reopen
from reminder.app.completion import Which
from reminder.errors import UsageError
from reminder.store.engine import transaction
from reminder.store.models import ActionRow
from reminder.vocabulary import Action
from tests.delivery_harness import Harness, at

WEEKLY = (
    '\n[[deadlines]]\nid = "weekly-check"\ntitle = "每周巡查"\nlead = ["legal"]\n'
    'cooperate = ["finance"]\ndue = "weekly FRI"\nremind = ["1wd", "0d"]\n'
)


def audit(harness: Harness) -> list[tuple[str, str, str, str, str | None]]:
    assert harness.runtime is not None
    with transaction(harness.runtime.engine) as s:
        rows = s.scalars(select(ActionRow).order_by(ActionRow.id)).all()
        return [(r.deadline_id, r.office_id, r.action, r.actor, r.note) for r in rows]


def test_done_without_a_period_takes_the_current_one_not_the_oldest_open(
    harness: Harness,
) -> None:
    """Weeks left open pile up; `done` on Wednesday means this week's check (the one the next
    reminder is about), not the one of four weeks ago."""
    harness.write(WEEKLY)
    runtime = harness.start("2026-03-02 08:00")
    for day in range(2, 32):
        harness.tick(f"2026-03-{day:02d} 09:00")
    harness.tick("2026-04-01 09:00")
    message = mark_done(
        runtime.config,
        runtime.engine,
        at("2026-04-01 10:00"),
        Which(deadline="weekly-check", office="legal"),
    )
    assert message.startswith("weekly-check 2026-W14 (due 2026-04-03) marked done by legal; ")
    assert audit(harness) == [("weekly-check", "legal", "done", "office:legal", None)]


def test_a_cooperating_office_cannot_close_and_an_outsider_can_do_nothing(
    harness: Harness,
) -> None:
    harness.write()
    runtime = harness.start("2026-03-01 08:00")
    harness.tick("2026-03-24 09:00")
    config, engine, now = runtime.config, runtime.engine, at("2026-03-25 10:00")
    which = Which(deadline="annual-report", office="finance")
    with pytest.raises(Refused, match=r"^finance cooperates on annual-report; only its lead"):
        mark_done(config, engine, now, which)
    with pytest.raises(Refused, match=r"^office is not on annual-report: it can do nothing"):
        mark_done(config, engine, now, Which(deadline="annual-report", office="office", by="张三"))
    assert harness.outbox(status="pending")  # nothing was cancelled
    this = Which(deadline="annual-report", office="finance", period="2026-03-31")
    # The cooperating office may acknowledge and report progress; the outsider may not.
    note_on(config, engine, now, this, Actor(office="finance", via="link"), Action.ACK)
    note_on(
        config,
        engine,
        now,
        this,
        Actor(office="finance", via="link"),
        Action.FEEDBACK,
        "已提供数据",
    )
    with pytest.raises(Refused):
        note_on(config, engine, now, this, Actor(office="office"), Action.ACK)
    with pytest.raises(UsageError, match="反馈 needs a note"):
        note_on(config, engine, now, this, Actor(office="finance"), Action.FEEDBACK, "  ")
    with pytest.raises(UsageError, match="at most 2000"):
        note_on(config, engine, now, this, Actor(office="finance"), Action.FEEDBACK, "长" * 2001)
    # An administrator closes for the cooperating office; the audit row names them.
    mark_done(config, engine, now, Which(deadline="annual-report", office="finance", by="张三"))
    reopen(config, engine, at("2026-03-26 10:00"), Which(deadline="annual-report", office="legal"))
    assert audit(harness) == [
        ("annual-report", "finance", "ack", "office:finance", None),
        ("annual-report", "finance", "feedback", "office:finance", "已提供数据"),
        ("annual-report", "finance", "done", "admin:张三", None),
        ("annual-report", "legal", "reopen", "office:legal", None),
    ]


def test_every_refusal_carries_its_code_and_facts_and_reads_in_chinese(harness: Harness) -> None:
    """The app says which refusal it is and its facts; pages and the API word it from the code
    (labels.refusal), never from the command line's message."""
    from reminder import labels
    from reminder.app.actions import perform
    from reminder.errors import AppError

    harness.write(WEEKLY)
    runtime = harness.start("2026-03-01 08:00")
    harness.tick("2026-03-24 09:00")
    config, engine, now = runtime.config, runtime.engine, at("2026-03-25 10:00")
    legal, finance = Actor(office="legal", via="api"), Actor(office="finance", via="api")
    report = Which(deadline="annual-report", office="legal", period="2026-03-31")

    def refusal(which: Which, actor: Actor, action: Action, note: str | None = None) -> str:
        with pytest.raises(AppError) as refused:
            perform(config, engine, now, which, actor, action, note)
        words = labels.refusal(refused.value.code, refused.value.fields)
        assert "--" not in words and not any(c.isascii() and c.isalpha() for c in words)
        return f"{refused.value.code}: {words}"

    finance_report = Which(deadline="annual-report", office="finance", period="2026-03-31")
    assert refusal(finance_report, finance, Action.DONE) == (
        "not-lead: 只有牵头科室（法规信访科）或管理员可以办结此事项；配合科室可以签收和反馈。"
    )
    outsider = Which(deadline="annual-report", office="office", period="2026-03-31")
    assert refusal(outsider, Actor(office="office"), Action.ACK) == (
        "not-on-task: 本科室不承担此事项，不能操作。"
    )
    assert refusal(report, legal, Action.FEEDBACK, " ") == "note-required: 反馈需要填写说明。"
    assert refusal(report, legal, Action.FEEDBACK, "长" * 2001) == (
        "note-too-long: 说明最多 2000 字，本次为 2001 字。"
    )
    for hostile in ("已\u202e办结", "进展\x1b[2J", "进展\u2066隐藏\u2069", "\x00"):
        assert refusal(report, legal, Action.FEEDBACK, hostile) == (
            "note-unsafe: 填写的内容中含有不可见的控制字符，请删除后重新提交。"
        )
        assert refusal(report, legal, Action.DONE, hostile).startswith("note-unsafe: ")
    assert refusal(report, legal, Action.REOPEN) == "not-done: 此事项尚未办结。"
    later = Which(deadline="weekly-check", office="legal", period="2026-W15")
    assert refusal(later, legal, Action.DONE) == (
        "period-not-begun: 此事项本期（2026-04-04起）的办理期间尚未开始，暂不能办结。"
    )
    nowhere = Which(deadline="annual-report", office="legal", period="2031")
    assert refusal(nowhere, legal, Action.DONE) == "no-occurrence: 没有找到这一期事项。"
    perform(config, engine, now, report, legal, Action.DONE)
    with pytest.raises(AppError) as again:
        perform(config, engine, now, report, legal, Action.DONE)
    assert again.value.code == "already-done" and again.value.fields["by"] == "legal"

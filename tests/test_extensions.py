"""情况说明 and 延期 (app.extensions): the chase that waits for a planned date, a due date an
administrator moves, what the office reads of it, the 通报, `reminder extend` and its refusals,
and the audit trail. The annual report is due 2026-03-31 (a Tuesday); legal leads it, finance
cooperates, the office is told from three working days overdue."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
from sqlalchemy import select

from reminder import labels
from reminder.app.actions import Actor, Refused, mark_done
from reminder.app.completion import Which
from reminder.app.extensions import (
    decide_extension,
    grant_extension,
    request_extension,
    submit_explanation,
)
from reminder.app.report import span_of, statistics
from reminder.app.status import status_rows
from reminder.cli.main import main
from reminder.errors import AppError
from reminder.store.engine import transaction
from reminder.store.models import ActionRow, SubmissionRow
from reminder.vocabulary import Submission, SubmissionStatus
from tests.delivery_harness import Harness, at

REPORT = Which(deadline="annual-report", office="legal", period="2026-03-31")
LOCAL = at("2026-01-01 00:00").tzinfo


def audit(harness: Harness) -> list[tuple[str, str, str, str | None]]:
    assert harness.runtime is not None
    with transaction(harness.runtime.engine) as s:
        rows = s.scalars(select(ActionRow).order_by(ActionRow.id)).all()
        return [(r.office_id, r.action, r.actor, r.note) for r in rows]


def waiting(harness: Harness) -> list[tuple[str, str, str, str]]:
    """(day, kind, step, office) of every pending reminder, in time order."""
    rows = sorted(harness.outbox(status="pending"), key=lambda r: (r.remind_at, r.id))
    return sorted(
        {(f"{r.remind_at.astimezone(LOCAL):%m-%d}", r.kind, r.step, r.office_id) for r in rows}
    )


def overdue_on_the_31st(harness: Harness) -> Harness:
    """The annual report a day overdue: its first chase went this morning."""
    harness.write()
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-02 09:00")
    harness.tick("2026-03-31 09:00")
    harness.tick("2026-04-01 09:00")
    return harness


def sent_texts(harness: Harness, office: str = "legal") -> list[tuple[str, str]]:
    """(local day, message text) of what went to an office by WeCom, in order."""
    return [
        (f"{e.at.astimezone(LOCAL):%m-%d}", e.body or "")
        for e in harness.log(office_id=office, status="sent", channel="wecom")
    ]


def test_a_situation_report_quiets_the_leads_chase_until_its_date_but_not_the_escalation(
    harness: Harness,
) -> None:
    overdue_on_the_31st(harness)
    assert harness.runtime is not None
    config, engine = harness.runtime.config, harness.runtime.engine
    message = submit_explanation(
        config, engine, at("2026-04-01 10:00"), REPORT, until=date(2026, 4, 20), reason="数据未齐"
    )
    assert message.startswith(
        "annual-report 2026-03-31: 情况说明 by legal, planned for 2026-04-20; its overdue "
        "reminders wait until then ("
    )
    chase = [w for w in waiting(harness) if w[1] == "overdue"]
    escalation = [w for w in waiting(harness) if w[1] == "escalation"]
    assert chase and all(day >= "04-20" for day, *_ in chase)
    assert [day for day, *_ in escalation][:3] == ["04-03", "04-08", "04-15"]
    for day in ("04-02", "04-03", "04-08", "04-15", "04-20", "04-22"):
        harness.tick(f"2026-{day} 09:00")
    assert [day for day, _ in sent_texts(harness)] == ["03-31", "04-01", "04-22"]
    told = [e for e in harness.log(office_id="office", status="sent", kind="escalation")]
    assert [f"{e.at.astimezone(LOCAL):%m-%d}" for e in told] == ["04-03", "04-08", "04-15", "04-22"]
    # The 督办 office reads the 情况说明 beside the item it is asked to supervise.
    to_office = [m for m in harness.smtp.received if m.rcpt_tos == ["bgs@example.gov.cn"]]
    texts = [m.message.get_body(("plain",)).get_content() for m in to_office]
    assert len(texts) == 4
    assert (
        "截止日期：2026年3月31日（星期二），已逾期3个工作日，牵头科室：法规信访科\n"
        "牵头科室已报送情况说明：数据未齐，计划于2026年4月20日前完成。\n"
    ) in texts[0]
    assert all("牵头科室已报送情况说明：数据未齐，计划于2026年4月20日前完成。" in x for x in texts)
    # So does the 督办通知单 attached to the first of them.
    part = next(to_office[0].message.iter_attachments())
    notice = [p.text for p in docx.Document(io.BytesIO(part.get_content())).paragraphs]
    assert notice[3] == (
        "第41项 发布年度报告，截止2026年3月31日，已逾期3个工作日，至今未办结。"
        "牵头科室已报送情况说明：数据未齐，计划于2026年4月20日前完成。现予督办。"
    )
    assert "情况说明" not in "".join(body for _, body in sent_texts(harness))  # legal's own
    assert audit(harness) == [("legal", "explain", "office:legal", "2026-04-20：数据未齐")]


def test_an_approved_extension_replans_to_the_new_date_and_counts_on_time(
    harness: Harness,
) -> None:
    overdue_on_the_31st(harness)
    assert harness.runtime is not None
    config, engine = harness.runtime.config, harness.runtime.engine
    asked = request_extension(
        config, engine, at("2026-04-01 10:00"), REPORT, until=date(2026, 4, 20), reason="待审计"
    )
    assert asked == "annual-report 2026-03-31: 延期 to 2026-04-20 requested by legal (#1)"
    before = waiting(harness)
    assert ("04-03", "overdue", "overdue-2", "legal") in before  # a request moves nothing
    decided = decide_extension(config, engine, at("2026-04-01 11:00"), 1, approve=True, by="张三")
    assert decided.startswith("annual-report 2026-03-31: due 2026-04-20 now, approved by 张三 (")
    now = waiting(harness)
    assert [w for w in now if w[1] in ("overdue", "escalation") and w[0] <= "04-20"] == []
    assert ("04-20", "due", "0d@2026-04-20", "legal") in now
    assert ("04-20", "due", "0d@2026-04-20", "finance") in now
    assert ("04-21", "overdue", "overdue-1@2026-04-20", "legal") in now
    (row,) = status_rows(config, engine, at("2026-04-01 12:00"), None)
    assert (row.due, row.light, row.working_days_left) == (date(2026, 4, 20), "green", 12)
    harness.tick("2026-04-20 09:00")
    day, text = sent_texts(harness)[-1]
    assert day == "04-20" and "延期申请已批准，截止日期调整为2026年4月20日（星期一）" in text
    mark_done(config, engine, at("2026-04-20 16:00"), REPORT)
    (legal,) = [
        r
        for r in statistics(config, engine, at("2026-04-21 10:00"), span_of("2026-03"))
        if r.office == "legal"
    ]
    assert (legal.due, legal.on_time, legal.late, legal.overdue, legal.extended) == (1, 1, 0, 0, 1)
    assert audit(harness)[:2] == [
        ("legal", "extend", "office:legal", "2026-04-20：待审计"),
        ("legal", "approved", "admin:张三", "2026-04-20"),
    ]


def test_a_refused_extension_moves_nothing_and_the_office_reads_why_in_its_next_message(
    harness: Harness,
) -> None:
    overdue_on_the_31st(harness)
    assert harness.runtime is not None
    config, engine = harness.runtime.config, harness.runtime.engine
    request_extension(
        config, engine, at("2026-04-01 10:00"), REPORT, until=date(2026, 4, 20), reason="待审计"
    )
    before = waiting(harness)
    with pytest.raises(AppError, match=r"^a reason is needed$"):
        decide_extension(config, engine, at("2026-04-01 11:00"), 1, approve=False, by="张三")
    said = decide_extension(
        config, engine, at("2026-04-01 11:00"), 1, approve=False, by="张三", answer="已多次[催办]"
    )
    assert said == "annual-report 2026-03-31: 延期 to 2026-04-20 refused by 张三"
    assert waiting(harness) == before
    harness.tick("2026-04-03 09:00")
    harness.tick("2026-04-08 09:00")
    (_, first), (_, second) = sent_texts(harness)[-2:]
    assert "延期申请未获批准：已多次［催办］" in first  # inert in WeCom markdown
    assert "延期申请未获批准" not in second  # told once
    with pytest.raises(AppError, match=r"^延期 request #1 is refused already$"):
        decide_extension(config, engine, at("2026-04-08 11:00"), 1, approve=True, by="张三")
    assert audit(harness) == [
        ("legal", "extend", "office:legal", "2026-04-20：待审计"),
        ("legal", "refused", "admin:张三", "2026-04-20：已多次[催办]"),
    ]


def submissions(harness: Harness) -> list[tuple[str, str, date, str]]:
    assert harness.runtime is not None
    with transaction(harness.runtime.engine) as s:
        rows = s.scalars(select(SubmissionRow).order_by(SubmissionRow.id)).all()
        return [(r.office_id, r.kind, r.until, r.status) for r in rows]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_extend_on_the_command_line_moves_the_due_date(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    overdue_on_the_31st(harness)
    code, out, err = run(
        capsys,
        "extend",
        "annual-report",
        "--config",
        str(harness.path),
        "--office",
        "legal",
        "--until",
        "2026-04-30",
        "--by",
        "张三",
        "--reason",
        "上级要求补充材料",
        "--now",
        "2026-04-01T10:00",
    )
    assert (code, err) == (0, "")
    assert out.startswith(
        "annual-report 2026-03-31 (due 2026-03-31) extended to 2026-04-30 for legal by 张三; "
    )
    assert [w for w in waiting(harness) if w[1] == "overdue" and w[0] <= "04-30"] == []
    assert ("04-30", "due", "0d@2026-04-30", "legal") in waiting(harness)
    assert submissions(harness) == [("legal", "extend", date(2026, 4, 30), "approved")]
    assert audit(harness) == [("legal", "approved", "admin:张三", "2026-04-30：上级要求补充材料")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["annual-report", "--office", "legal", "--until", "2026-03-30"],
            "the new due date 2026-03-30 is before today (2026-04-01)",
        ),
        (
            ["annual-report", "--office", "legal", "--until", "2026-04-01", "--period", "2026"],
            "annual-report has no occurrence with period 2026",
        ),
        (
            ["annual-report", "--office", "finance", "--until", "2026-04-30"],
            "finance does not lead annual-report (its lead: legal): only a lead office can "
            "explain a delay or have its due date extended",
        ),
        (
            ["annual-report", "--office", "office", "--until", "2026-04-30"],
            "office does not lead annual-report (its lead: legal): only a lead office can "
            "explain a delay or have its due date extended",
        ),
        (
            ["annual-reprot", "--office", "legal", "--until", "2026-04-30"],
            "no deadline 'annual-reprot' in {path}",
        ),
        (
            ["annual-report", "--office", "legl", "--until", "2026-04-30"],
            "--office: no office 'legl' in {path}",
        ),
        (
            ["annual-report", "--office", "legal", "--until", "30/04/2026"],
            "--until: '30/04/2026' is not a date (write YYYY-MM-DD)",
        ),
        (
            ["annual-report", "--office", "legal", "--until", "2026-04-30", "--reason", "a\u202eb"],
            "the note holds an invisible control character: U+202E (RIGHT-TO-LEFT OVERRIDE) "
            "at character 2; remove it",
        ),
    ],
)
def test_extend_refuses_bad_input_with_exit_2_and_changes_nothing(
    harness: Harness, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    overdue_on_the_31st(harness)
    before = (waiting(harness), audit(harness), submissions(harness))
    cfg = str(harness.path)
    code, out, err = run(
        capsys, "extend", *args, "--config", cfg, "--by", "张三", "--now", "2026-04-01T10:00"
    )
    assert (code, out) == (2, "")
    assert err.startswith("reminder: " + message.format(path=cfg)), err
    assert (waiting(harness), audit(harness), submissions(harness)) == before


def test_a_new_due_date_must_be_after_the_current_one_and_asked_once(harness: Harness) -> None:
    overdue_on_the_31st(harness)
    assert harness.runtime is not None
    config, engine, now = harness.runtime.config, harness.runtime.engine, at("2026-04-01 10:00")
    grant_extension(config, engine, now, REPORT, until=date(2026, 4, 10), by="张三")
    with pytest.raises(AppError, match=r"^the new due date 2026-04-08 is not after the current"):
        request_extension(config, engine, now, REPORT, until=date(2026, 4, 8), reason="再延")
    request_extension(config, engine, now, REPORT, until=date(2026, 4, 17), reason="再延")
    with pytest.raises(AppError, match=r"legal asked for 2026-04-17 already"):
        request_extension(config, engine, now, REPORT, until=date(2026, 4, 24), reason="再延")
    # Approved on the 20th: the day asked for has passed, so it cannot be approved any more.
    with pytest.raises(AppError, match=r"^the new due date 2026-04-17 is before today"):
        decide_extension(config, engine, at("2026-04-20 10:00"), 2, approve=True, by="张三")
    assert [s[3] for s in submissions(harness)] == ["approved", "pending"]


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("", "reason-required"),
        ("   \n ", "reason-required"),
        ("长" * 2001, "note-too-long"),
        ("理由\x1b[2J", "note-unsafe"),
        ("理由\u2066隐藏\u2069", "note-unsafe"),
    ],
)
def test_a_hostile_or_missing_reason_is_refused(harness: Harness, reason: str, code: str) -> None:
    overdue_on_the_31st(harness)
    assert harness.runtime is not None
    config, engine, now = harness.runtime.config, harness.runtime.engine, at("2026-04-01 10:00")
    for submit in (submit_explanation, request_extension):
        with pytest.raises(AppError) as refused:
            submit(config, engine, now, REPORT, until=date(2026, 4, 20), reason=reason)
        assert refused.value.code == code
    assert audit(harness) == [] and submissions(harness) == []


def test_every_refusal_reads_in_chinese(harness: Harness) -> None:
    overdue_on_the_31st(harness)
    assert harness.runtime is not None
    config, engine, now = harness.runtime.config, harness.runtime.engine, at("2026-04-01 10:00")
    finance = Which(deadline="annual-report", office="finance", period="2026-03-31")

    def words(call: object, *args: object, **kwargs: object) -> str:
        with pytest.raises(AppError) as refused:
            call(*args, **kwargs)  # type: ignore[operator]
        text = labels.refusal(refused.value.code, refused.value.fields)
        assert not any(c.isascii() and c.isalpha() for c in text), text
        return f"{refused.value.code}: {text}"

    day = date(2026, 4, 20)
    assert words(submit_explanation, config, engine, now, finance, until=day, reason="x") == (
        "lead-only: 只有牵头科室（法规信访科）可以提交情况说明或申请延期；配合科室可以签收和反馈。"
    )
    past = date(2026, 3, 20)
    assert words(submit_explanation, config, engine, now, REPORT, until=past, reason="x") == (
        "date-past: 日期（2026-03-20）不能早于今天（2026-04-01）。"
    )
    assert (
        words(request_extension, config, engine, now, REPORT, until=date(2026, 3, 31), reason="x")
        == "date-past: 日期（2026-03-31）不能早于今天（2026-04-01）。"
    )
    assert words(decide_extension, config, engine, now, 9, approve=True, by="张三") == (
        "no-submission: 没有找到这项延期申请。"
    )
    request_extension(config, engine, now, REPORT, until=day, reason="x")
    assert words(request_extension, config, engine, now, REPORT, until=day, reason="x") == (
        "extension-pending: 已申请延期至2026-04-20，正在等待审批，请勿重复申请。"
    )
    mark_done(config, engine, now, REPORT)
    with pytest.raises(AppError) as refused:
        submit_explanation(config, engine, now, REPORT, until=day, reason="x")
    assert refused.value.code == "already-done" and refused.value.fields["by"] == "legal"


def test_a_routine_duty_has_nothing_to_explain(harness: Harness) -> None:
    harness.write(
        '\n[[deadlines]]\nid = "site-check"\ntitle = "网站日常巡查"\nkind = "routine"\n'
        'lead = ["legal"]\ndue = "monthly last"\n'
    )
    runtime = harness.start("2026-03-01 08:00")
    harness.tick("2026-03-02 09:00")
    which = Which(deadline="site-check", office="legal", period="2026-03")
    with pytest.raises(AppError) as refused:
        request_extension(
            runtime.config,
            runtime.engine,
            at("2026-03-02 10:00"),
            which,
            until=date(2026, 4, 20),
            reason="x",
        )
    assert refused.value.code == "routine-duty"


def test_an_administrator_acts_for_the_lead_and_the_audit_row_says_so(harness: Harness) -> None:
    overdue_on_the_31st(harness)
    assert harness.runtime is not None
    config, engine, now = harness.runtime.config, harness.runtime.engine, at("2026-04-01 10:00")
    for_legal = Actor(office="legal", admin="李四", via="login", client="10.0.0.1")
    submit_explanation(
        config, engine, now, REPORT, until=date(2026, 4, 9), reason="电话说明", actor=for_legal
    )
    with pytest.raises(Refused):  # an administrator cannot act for an office that does not lead
        submit_explanation(
            config,
            engine,
            now,
            Which(deadline="annual-report", office="finance", period="2026-03-31", by="李四"),
            until=date(2026, 4, 9),
            reason="x",
        )
    assert audit(harness) == [("legal", "explain", "admin:李四", "2026-04-09：电话说明")]


def test_every_submission_value_has_its_words() -> None:
    assert {k.value for k in Submission} <= set(labels.SUBMISSIONS)
    assert {k.value for k in SubmissionStatus} <= set(labels.SUBMISSION_STATUSES)
    verbs = {Submission.EXPLAIN, Submission.EXTEND, SubmissionStatus.APPROVED}
    assert verbs | {SubmissionStatus.REFUSED} <= set(labels.ACTIONS)
    assert labels.extension_outcome(True, date(2027, 3, 10), None) == (
        "延期申请已批准，截止日期调整为2027年3月10日（星期三）"
    )
    assert labels.extension_outcome(False, date(2027, 3, 10), "理由不充分") == (
        "延期申请未获批准：理由不充分"
    )

"""通报 statistics: on time, late by working days, overdue, open, routine apart, sends."""

from __future__ import annotations

import json

import pytest

from reminder.app.actions import mark_done
from reminder.app.completion import Which
from reminder.cli.main import main
from tests.delivery_harness import Harness, at

MORE = """
[[deadlines]]
id = "monthly-stats"
title = "报送月度统计"
lead = ["legal"]
due = "monthly 25"
remind = ["0d"]

[[deadlines]]
id = "site-check"
title = "网站日常巡查"
kind = "routine"
lead = ["finance"]
due = "monthly last"
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_month_in_numbers(harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    harness.write(MORE)
    runtime = harness.start("2026-03-01 08:00")
    harness.tick("2026-03-25 09:00")
    harness.tick("2026-03-31 09:00")
    # The monthly statistics were done on time; the annual report two working days late.
    mark_done(
        runtime.config,
        runtime.engine,
        at("2026-03-25 16:00"),
        Which(deadline="monthly-stats", office="legal", period="2026-03"),
    )
    cfg = str(harness.path)
    code, out, _ = run(
        capsys,
        "report",
        "--config",
        cfg,
        "--month",
        "2026-03",
        "--now",
        "2026-04-02T10:00",
        "--format",
        "json",
    )
    rows = {r["office"]: r for r in json.loads(out)}
    assert code == 0
    assert rows["legal"] | {"sent": 0} == {
        "office": "legal",
        "name": "法规信访科",
        "due": 2,
        "on_time": 1,
        "late": 0,
        "late_days": 0,
        "overdue": 1,
        "carried": 0,
        "open": 0,
        "extended": 0,
        "rate": 50.0,
        "routine": 0,
        "routine_done": 0,
        "sent": 0,
        "failed": 0,
    }
    assert rows["legal"]["sent"] > 0
    assert (rows["finance"]["routine"], rows["finance"]["routine_done"]) == (1, 0)
    assert rows["finance"]["rate"] is None  # it leads nothing time-limited
    mark_done(
        runtime.config,
        runtime.engine,
        at("2026-04-02 10:00"),
        Which(deadline="annual-report", office="legal", period="2026-03-31"),
    )
    code, out, _ = run(
        capsys,
        "report",
        "--config",
        cfg,
        "--month",
        "2026-03",
        "--now",
        "2026-04-02T11:00",
        "--format",
        "json",
    )
    legal = next(r for r in json.loads(out) if r["office"] == "legal")
    assert (legal["on_time"], legal["late"], legal["late_days"], legal["overdue"]) == (1, 1, 2, 0)
    code, out, _ = run(
        capsys,
        "report",
        "--config",
        cfg,
        "--month",
        "2026-03",
        "--now",
        "2026-04-02T11:00",
        "--format",
        "table",
    )
    lines = out.splitlines()
    assert lines[0] == "2026年3月工作任务办理情况通报（截至2026年4月2日）"
    assert lines[2].split() == [
        "科室",
        "应办",
        "按时办结",
        "逾期办结",
        "最多逾期工作日",
        "逾期未办",
        "其中往期结转",
        "未到期",
        "延期",
        "按时办结率%",
        "例行工作",
        "例行已确认",
        "提醒送达",
        "发送失败",
    ]
    assert lines[-1].split()[:10] == ["合计", "2", "1", "1", "2", "0", "0", "0", "0", "50.0"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "reminder: name one of --month YYYY-MM or --year YYYY\n"),
        (["--month", "2027-13"], "reminder: '2027-13' is not a year (2027) or a month (2027-01)\n"),
        (
            ["--year", "2027", "--format", "xlsx"],
            "reminder: --format xlsx writes a file: give -o FILE\n",
        ),
    ],
)
def test_report_mistakes(
    harness: Harness, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, "report", "--config", str(harness.path), *args)
    assert (code, err) == (2, message)


def test_an_xlsx_report(harness: Harness, capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    import openpyxl

    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    out = tmp_path / "通报.xlsx"
    code, printed, _ = run(
        capsys,
        "report",
        "--config",
        str(harness.path),
        "--year",
        "2026",
        "--format",
        "xlsx",
        "-o",
        str(out),
        "--now",
        "2026-04-02T10:00",
    )
    assert code == 0 and printed.startswith(f"wrote {out}: ")
    sheet = openpyxl.load_workbook(out)["2026年"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "2026年工作任务办理情况通报（截至2026年4月2日）"
    assert rows[1][:3] == ("科室", "应办", "按时办结") and rows[-1][0] == "合计"


REPORT = '\n[report]\nto = ["office"]\nworkday = 1\n'


def test_the_report_goes_by_itself_on_its_day_once(harness: Harness) -> None:
    """[report]: on the first working day of April, March's 通报 goes to the office by email,
    once, whatever the number of passes that day."""
    harness.write(MORE + REPORT)
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-10 09:00")  # installed on 10 March: February's 通报 is old news
    harness.tick("2026-03-31 09:00")
    assert "通报" not in harness.tick("2026-03-31 18:00")
    summary = harness.tick("2026-04-01 09:00")
    assert summary.endswith("; 通报: 1 sent")
    assert "通报" not in harness.tick("2026-04-01 09:30")
    (mail,) = [m for m in harness.smtp.received if m.message["Subject"].startswith("【通报】")]
    assert mail.rcpt_tos == ["bgs@example.gov.cn"]
    assert mail.message["Subject"] == "【通报】关于2026年3月政务公开工作任务办理情况的通报"
    text = mail.message.get_body(("plain",)).get_content()
    assert text.splitlines()[:8] == [
        "关于2026年3月政务公开工作任务办理情况的通报",
        "通报〔2026〕1号",
        "",
        "各科室（单位）：",
        "2026年3月，各科室（单位）应办限时任务2项，按时办结0项，逾期办结0项，延期0项，"
        "逾期未办2项（含往期结转0项），按时办结率0.0%。现将有关情况通报如下：",
        "一、逾期任务",
        "1. 【红灯】报送月度统计（牵头科室：法规信访科）：截止2026年3月25日，"
        "已逾期5个工作日未办结；未报送情况说明。",
        "2. 【红灯】第41项 发布年度报告（牵头科室：法规信访科）：截止2026年3月31日，"
        "已逾期1个工作日未办结；未报送情况说明。",
    ]
    html = mail.message.get_body(("html",)).get_content()
    assert "<h3>一、逾期任务</h3>" in html and "通报〔2026〕1号" in html
    (entry,) = harness.log(kind="report")
    assert (entry.status, entry.period_key, entry.office_id) == ("sent", "2026-03", "office")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            'to = ["ofice"]',
            'report.to[0]: unknown office or group "ofice" (did you mean "office"?)',
        ),
        ('to = "office"', 'report.to: must list offices or groups, e.g. to = ["office"]'),
        ('to = ["office"]\nevery = "week"', 'report.every: "week" is not one of "month" | "year"'),
    ],
)
def test_report_section_mistakes(
    harness: Harness, capsys: pytest.CaptureFixture[str], section: str, message: str
) -> None:
    harness.write(f"\n[report]\n{section}\n")
    code, out, _ = run(capsys, "check", "--config", str(harness.path))
    assert code == 2 and message in out, out


def test_a_report_missed_for_over_a_week_is_not_sent_late(harness: Harness) -> None:
    """The service came up on 31 March: February's 通报 (due 2 March) is old news by then."""
    harness.write(REPORT)
    harness.start("2026-03-01 08:00")
    assert "通报" not in harness.tick("2026-03-31 09:00")
    assert "通报: 1 sent" in harness.tick("2026-04-03 10:00")  # 1 April missed: two days late


def test_the_report_waits_for_its_robots_budget_and_is_logged_before_it_goes(
    harness: Harness,
) -> None:
    """The 通报 goes as every message does: a robot that has had its 20 this minute is not
    pushed to 45009; the 通报 waits for the window, then goes once."""
    from reminder.delivery.ratelimit import DatabaseLimiter
    from reminder.store.budget import Ask
    from reminder.store.engine import transaction
    from tests.delivery_harness import KEY_LEGAL, at

    harness.write(MORE + '\n[report]\nto = ["legal"]\nworkday = 1\n')
    runtime = harness.start("2026-03-01 08:00")
    harness.tick("2026-03-10 09:00")
    harness.clock.set(at("2026-04-01 08:59:30"))
    target = runtime.dispatcher.transports["wecom"].target(runtime.config.offices["legal"])
    with transaction(runtime.engine) as s:  # another message spent the robot's minute
        DatabaseLimiter(runtime.engine).reserve(
            [Ask(target.rate_key, 20, target.per_minute)], harness.clock.now(), session=s
        )
    harness.clock.set(at("2026-04-01 09:00"))
    assert runtime.send_report() == {"deferred": 1, "sent": 1}  # the 督办 office's by email
    assert not harness.log(kind="report", office_id="legal")
    assert 45009 not in harness.wecom.errcodes()
    harness.clock.set(at("2026-04-01 09:02"))
    assert runtime.send_report() == {"sent": 1}
    assert runtime.send_report() == {}
    (entry,) = harness.log(kind="report", office_id="legal")
    assert (entry.status, entry.office_id, entry.channel) == ("sent", "legal", "wecom")
    posts = [m for m in harness.wecom.received if m.key == KEY_LEGAL and "通报" in m.content]
    assert len(posts) == 1


def test_a_bug_while_sending_outside_the_schedule_is_logged_failed_not_sent(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one send loop (`protocol.send_payloads`) turns an unexpected exception into a
    failure: the log row does not stay `sending`, nor pass for sent."""
    from reminder.delivery.channels.base import Rendered
    from reminder.delivery.oneoff import OneOff, send_one_off
    from reminder.delivery.ratelimit import DatabaseLimiter
    from tests.delivery_harness import at

    runtime = harness.start("2026-04-01 09:00")
    transport = runtime.dispatcher.transports["wecom"]

    def broken(*args: object) -> str:
        raise RuntimeError("a bug")

    monkeypatch.setattr(transport, "send", broken)
    one = OneOff(
        office=runtime.config.offices["legal"],
        channel="wecom",
        kind="test",
        rendered=Rendered(subject="测试", text="测试", markdown="测试"),
    )
    outcome = send_one_off(
        runtime.engine, transport, DatabaseLimiter(runtime.engine), one, at("2026-04-01 09:00")
    )
    assert (outcome.status, outcome.error, outcome.code) == (
        "failed",
        "unexpected error: RuntimeError",
        "error",
    )
    (entry,) = harness.log(kind="test")
    assert (entry.status, entry.response_code) == ("failed", "error")

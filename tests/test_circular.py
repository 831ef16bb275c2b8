"""The 通报 as a 公文: carry-over of open overdue items, the 文号 counter, the DOCX."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from reminder.app.actions import mark_done
from reminder.app.completion import Which
from reminder.cli.main import main
from reminder.store import numbers
from reminder.store.engine import make_engine, transaction
from reminder.store.migrate import upgrade
from tests.delivery_harness import Harness, at

DECEMBER = """
[settings.extra]

[[deadlines]]
id = "budget-disclosure"
task = 7
title = "公开部门预算"
lead = ["legal"]
due = "2026-12-25"

[[deadlines]]
id = "policy-reading"
task = 8
title = "发布政策解读"
lead = ["finance"]
due = "2026-12-28"

[[deadlines]]
id = "list-update"
task = 9
title = "更新主动公开目录"
lead = ["office"]
due = "2026-12-31"

[[deadlines]]
id = "january-stats"
task = 12
title = "报送1月统计数据"
lead = ["legal"]
due = "2027-01-20"

[report]
number = "江建办通〔{year}〕{n}号"
""".replace("[settings.extra]\n", "")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def december_left_open(harness: Harness) -> None:
    """Three December deadlines never closed; January's done on time."""
    harness.write(DECEMBER)
    runtime = harness.start("2026-12-01 08:00")
    harness.tick("2026-12-01 09:00")
    mark_done(
        runtime.config,
        runtime.engine,
        at("2027-01-19 16:00"),
        Which(deadline="january-stats", office="legal", period="2027-01-20"),
    )


def report(capsys: pytest.CaptureFixture[str], harness: Harness, *args: str) -> str:
    when = ("--now", "2027-02-03T10:00")
    code, out, err = run(capsys, "report", "--config", str(harness.path), *when, *args)
    assert code == 0, err
    return out


def test_a_january_report_carries_over_december_items_still_open(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    """Generated on 3 February, January's 通报 lists the three December deadlines still
    open, by number and title, as 往期结转, and its on-time rate counts them."""
    december_left_open(harness)
    text = report(capsys, harness, "--month", "2027-01")
    lines = [line for line in text.splitlines() if line]
    assert lines[:3] == [
        "关于2027年1月政务公开工作任务办理情况的通报",
        "江建办通〔2027〕1号",
        "各科室（单位）：",
    ]
    assert lines[3] == (
        "2027年1月，各科室（单位）应办限时任务4项，按时办结1项，逾期办结0项，延期0项，"
        "逾期未办3项（含往期结转3项），按时办结率25.0%。现将有关情况通报如下："
    )
    for task, title, office in (
        (7, "公开部门预算", "法规信访科"),
        (8, "发布政策解读", "计财科"),
        (9, "更新主动公开目录", "办公室"),
    ):
        (line,) = [x for x in lines if f"第{task}项 {title}" in x]
        assert "【红灯】" in line and "（往期结转）" in line
        assert f"牵头科室：{office}" in line
    assert "二、按时办结率排名" in lines
    assert "1. 法规信访科：应办2项，按时办结1项，按时办结率50.0%。" in lines
    assert lines[-1] == "2027年2月3日"
    assert "提醒送达" not in text and "发送失败" not in text  # the administrator's appendix


def test_the_number_is_taken_once_per_span_and_survives_restarts(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    december_left_open(harness)
    assert report(capsys, harness, "--month", "2027-01").splitlines()[1] == "江建办通〔2027〕1号"
    assert report(capsys, harness, "--month", "2026-12").splitlines()[1] == "江建办通〔2027〕2号"
    # Each command opens the database afresh: the counter lives there, not in a process.
    assert report(capsys, harness, "--month", "2027-01").splitlines()[1] == "江建办通〔2027〕1号"
    out = report(capsys, harness, "--month", "2027-01", "--format", "markdown")
    assert out.startswith("**关于2027年1月政务公开工作任务办理情况的通报**（江建办通〔2027〕1号）")


def test_the_docx_is_a_numbered_document_naming_every_red_item(
    harness: Harness, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import docx

    december_left_open(harness)
    out = tmp_path / "通报.docx"
    printed = report(capsys, harness, "--month", "2027-01", "--format", "docx", "-o", str(out))
    assert printed == f"wrote {out}: 江建办通〔2027〕1号, 3 item(s) late or overdue\n"
    document = docx.Document(str(out))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "关于2027年1月政务公开工作任务办理情况的通报"
    assert paragraphs[1] == "江建办通〔2027〕1号"
    assert paragraphs[2] == "各科室（单位）："
    whole = "\n".join(paragraphs)
    for title in ("公开部门预算", "发布政策解读", "更新主动公开目录"):
        assert title in whole
    assert paragraphs[-1] == "2027年2月3日"
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    body = document.paragraphs[3].runs[0]
    assert (body.font.name, body.font.size.pt) == ("仿宋_GB2312", 16)
    # The title in 方正小标宋简体, Chinese glyphs too, with 黑体 where it is not installed.
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml.ns import qn

    title = document.paragraphs[0].runs[0]
    fonts = title._element.rPr.find(qn("w:rFonts"))
    assert (title.font.name, fonts.get(qn("w:eastAsia"))) == ("方正小标宋简体", "方正小标宋简体")
    table = document.part.part_related_by(RELATIONSHIP_TYPE.FONT_TABLE).blob.decode()
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="黑体"/>' in table


def test_numbers_count_per_kind_and_year_and_never_repeat(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    now = datetime.fromisoformat("2027-02-03T10:00+08:00")
    with transaction(engine) as s:
        assert numbers.taken(s, "report", "2027-01") is None
        assert numbers.take(s, "report", "2027-01", 2027, now) == (2027, 1)
        assert numbers.take(s, "report", "2027-01", 2027, now) == (2027, 1)
        assert numbers.take(s, "notice", "12", 2027, now) == (2027, 1)
        assert numbers.take(s, "report", "2027-02", 2027, now) == (2027, 2)
        assert numbers.take(s, "report", "2027-12", 2028, now) == (2028, 1)
    engine.dispose()
    engine = make_engine(db_url)
    with transaction(engine) as s:
        assert numbers.taken(s, "report", "2027-02") == (2027, 2)
        assert numbers.take(s, "report", "2028-01", 2028, now) == (2028, 2)
    engine.dispose()


def test_a_bare_report_section_reaches_every_office(harness: Harness) -> None:
    """No `to`: the 通报 goes to every office, each by its own channels, once."""
    harness.write("\n[report]\n")
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-10 09:00")
    harness.tick("2026-04-01 09:00")
    entries = harness.log(kind="report")
    assert {e.office_id for e in entries} == {"finance", "legal", "office"}
    assert {e.status for e in entries} == {"sent"}
    assert len(entries) == len({(e.office_id, e.channel) for e in entries})


def test_a_year_report_is_titled_for_the_year(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    december_left_open(harness)
    lines = [line for line in report(capsys, harness, "--year", "2026").splitlines() if line]
    assert lines[:2] == ["关于2026年度政务公开工作任务办理情况的通报", "江建办通〔2027〕1号"]
    assert lines[3].startswith("2026年度，各科室（单位）应办限时任务3项，")


def test_an_overdue_item_shows_its_explanation_and_planned_date(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    from reminder.app.extensions import submit_explanation

    december_left_open(harness)
    assert harness.runtime is not None
    submit_explanation(
        harness.runtime.config,
        harness.runtime.engine,
        at("2027-02-02 15:00"),
        Which(deadline="budget-disclosure", office="legal", period="2026-12-25"),
        until=date(2027, 2, 10),
        reason="待财政部门批复后公开",
    )
    (line,) = [
        x for x in report(capsys, harness, "--month", "2027-01").splitlines() if "第7项" in x
    ]
    assert line == (
        "1. 【红灯】第7项 公开部门预算（牵头科室：法规信访科）：截止2026年12月25日，"
        "已逾期27个工作日未办结（往期结转）；情况说明：待财政部门批复后公开；"
        "计划完成时间：2027年2月10日。"
    )


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            'number = "江建办通〔{year}〕号"',
            'report.number: "江建办通〔{year}〕号" has no {n}, e.g. "通报〔{year}〕{n}号"',
        ),
        (
            'notice_number = "督办{x}{n}"',
            'report.notice_number: "督办{x}{n}": only {year} and {n} may be in braces, '
            'e.g. "督办〔{year}〕{n}号"',
        ),
    ],
)
def test_number_pattern_mistakes(
    harness: Harness, capsys: pytest.CaptureFixture[str], section: str, message: str
) -> None:
    harness.write(f"\n[report]\n{section}\n")
    code, out, _ = run(capsys, "check", "--config", str(harness.path))
    assert code == 2 and message in out, out


def test_the_xlsx_lists_the_late_and_overdue_items_on_a_second_sheet(
    harness: Harness, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import openpyxl

    december_left_open(harness)
    out = tmp_path / "通报.xlsx"
    report(capsys, harness, "--month", "2027-01", "--format", "xlsx", "-o", str(out))
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["2027年1月", "2027年1月逾期任务"]
    rows = list(book["2027年1月逾期任务"].iter_rows(values_only=True))
    header = rows.index(
        (
            "灯",
            "序号",
            "任务",
            "期间",
            "牵头科室",
            "截止日期",
            "逾期工作日",
            "往期结转",
            "情况说明",
            "计划完成",
        )
    )
    found = [(r[1], r[2], r[4], r[6], r[7]) for r in rows[header + 1 :]]
    assert found == [
        (7, "公开部门预算", "法规信访科", 27, "是"),
        (8, "发布政策解读", "计财科", 26, "是"),
        (9, "更新主动公开目录", "办公室", 23, "是"),
    ]

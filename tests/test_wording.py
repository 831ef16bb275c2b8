"""What offices read, exactly: every template's output for typical reminders, and the facts
behind it (delivery/wording.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from reminder.calendar.workcal import WorkCalendar
from reminder.config.model import Config
from reminder.delivery.rendering import Renderer
from reminder.delivery.wording import Item, make_item, moved
from tests.conftest import config_from

CONFIG = """\
[settings]
signature = "江门市住房城乡建设局办公室（联系电话：0750-0000000）"

[delivery]
admin = "office"

[email]
host = "smtp.example.gov.cn"
username = "notice@example.gov.cn"

[[offices]]
id = "office"
name = "办公室"
email = ["bgs@example.gov.cn"]

[[offices]]
id = "legal"
name = "法规信访科"
email = ["fgxfk@example.gov.cn"]
wecom = "legal-key"

[[offices]]
id = "units"
name = "局属各单位"
email = ["jsdw@example.gov.cn"]

[[groups]]
id = "all"
name = "各科室（单位）"
members = ["office", "legal", "units"]

[[deadlines]]
id = "annual-report"
task = 41
title = "发布上年度《政府信息公开工作年度报告》"
requirement = "按照规定于每年的1月31日前发布本单位上年度的《政府信息公开工作年度报告》。"
limit = "每年1月31日前"
lead = ["office"]
cooperate = ["all"]
due = "yearly 01-31"

[[deadlines]]
id = "rules-library"
task = 1
kind = "routine"
section = "一、优化政务公开工作基础"
title = "完善行政规章库并及时动态更新规章"
requirement = "及时做好规章动态更新。"
limit = "及时更新"
lead = ["legal"]
cooperate = ["all"]
due = "quarterly last-workday"

[[deadlines]]
id = "website-check"
task = 25
kind = "routine"
section = "四、优化政务公开平台建设"
title = "网站与政务新媒体安全防护和日常巡检"
limit = "及时更新"
lead = ["office"]
due = "monthly last-workday"
"""


@pytest.fixture(scope="module")
def config() -> Config:
    return config_from(CONFIG)


def item(config: Config, deadline: str, kind: str, role: str, left: int, **days: date) -> Item:
    due = days.get("due", date(2026, 1, 30))
    return make_item(
        config,
        config.calendar(),
        deadline_id=deadline,
        kind=kind,
        role=role,
        due=due,
        nominal_due=days.get("nominal", due),
        period_key="2026",
        working_days_left=left,
        provisional_years=[],
    )


@pytest.mark.parametrize(
    ("nominal", "due", "text"),
    [
        (date(2026, 1, 31), date(2026, 1, 30), "1月31日为休息日，提前至1月30日（星期五）"),
        (date(2026, 1, 31), date(2026, 2, 2), "1月31日为休息日，顺延至2月2日（星期一）"),
        (date(2026, 10, 1), date(2026, 9, 30), "10月1日为节假日，提前至9月30日（星期三）"),
        (date(2026, 10, 3), date(2026, 10, 9), "10月3日为节假日，顺延至10月9日（星期五）"),
        (date(2026, 3, 31), date(2026, 3, 31), ""),
    ],
)
def test_a_moved_date_says_why_and_which_way(nominal: date, due: date, text: str) -> None:
    assert moved(WorkCalendar(), nominal, due) == text


def test_one_reminder_by_email(config: Config) -> None:
    sample = item(config, "annual-report", "due", "cooperate", 0, nominal=date(2026, 1, 31))
    got = Renderer().reminder(
        "email", config.offices["legal"], [sample], config=config, digest=False
    )
    assert got.subject == "【到期】第41项 发布上年度《政府信息公开工作年度报告》（今日到期）"
    assert got.text == (
        "法规信访科：\n"
        "\n"
        "【到期】第41项 发布上年度《政府信息公开工作年度报告》\n"
        "截止日期：2026年1月30日（星期五），今日到期\n"
        "1月31日为休息日，提前至1月30日（星期五）。\n"
        "完成时限：每年1月31日前\n"
        "本科室职责：配合\n"
        "牵头：办公室\n"
        "配合：各科室（单位）\n"
        "具体要求：按照规定于每年的1月31日前发布本单位上年度的《政府信息公开工作年度报告》。\n"
        "\n"
        "请按时办理。完成后请告知办公室登记。\n"
        "\n"
        "江门市住房城乡建设局办公室（联系电话：0750-0000000）"
    )


def test_a_routine_duty_by_email_names_the_source_limit_and_the_bureaus_cadence(
    config: Config,
) -> None:
    sample = item(config, "rules-library", "routine", "lead", 21, due=date(2026, 3, 31))
    got = Renderer().reminder(
        "email", config.offices["legal"], [sample], config=config, digest=False
    )
    assert (
        got.subject
        == "【例行】本月例行工作：第1项 完善行政规章库并及时动态更新规章（还剩21个工作日）"
    )
    assert got.text.splitlines()[2:6] == [
        "【例行】本月例行工作：第1项 完善行政规章库并及时动态更新规章",
        "本期至2026年3月31日（星期二），还剩21个工作日",
        "原文时限：及时更新；自查周期由本局确定：每季度一次",
        "本科室职责：牵头",
    ]


def digest_items(config: Config) -> list[Item]:
    return [
        item(config, "rules-library", "routine", "cooperate", 21, due=date(2026, 3, 31)),
        item(config, "annual-report", "before", "lead", 3, nominal=date(2026, 1, 31)),
        item(config, "annual-report", "overdue", "lead", -2, nominal=date(2026, 1, 31)),
    ]


def test_a_digest_lists_overdue_first_then_due_soon_then_routine_with_counts(
    config: Config,
) -> None:
    got = Renderer().reminder(
        "email", config.offices["office"], digest_items(config), config=config, digest=True
    )
    assert got.subject == "【政务公开工作提醒】办公室：逾期1项、即将到期1项、例行工作1项"
    assert got.text == (
        "办公室：\n"
        "\n"
        "今日共3项工作提醒：逾期1项，即将到期1项，例行工作1项。\n"
        "\n"
        "一、逾期（1项）\n"
        "1. 【逾期】第41项 发布上年度《政府信息公开工作年度报告》\n"
        "   截止日期：2026年1月30日（星期五），已逾期2个工作日\n"
        "   1月31日为休息日，提前至1月30日（星期五）\n"
        "   完成时限：每年1月31日前\n"
        "   本科室职责：牵头；牵头：办公室；配合：各科室（单位）\n"
        "   具体要求：按照规定于每年的1月31日前发布本单位上年度的《政府信息公开工作年度报告》。\n"
        "\n"
        "二、即将到期（1项）\n"
        "1. 【提醒】第41项 发布上年度《政府信息公开工作年度报告》\n"
        "   截止日期：2026年1月30日（星期五），还剩3个工作日\n"
        "   1月31日为休息日，提前至1月30日（星期五）\n"
        "   完成时限：每年1月31日前\n"
        "   本科室职责：牵头；牵头：办公室；配合：各科室（单位）\n"
        "   具体要求：按照规定于每年的1月31日前发布本单位上年度的《政府信息公开工作年度报告》。\n"
        "\n"
        "三、例行工作（1项）\n"
        "【一、优化政务公开工作基础】\n"
        "1. 第1项 完善行政规章库并及时动态更新规章\n"
        "   本期至2026年3月31日（星期二），还剩21个工作日\n"
        "   原文时限：及时更新；自查周期由本局确定：每季度一次\n"
        "   本科室职责：配合；牵头：法规信访科；配合：各科室（单位）\n"
        "   具体要求：及时做好规章动态更新。\n"
        "\n"
        "请按时办理。完成后请告知办公室登记。\n"
        "\n"
        "江门市住房城乡建设局办公室（联系电话：0750-0000000）"
    )


def test_a_wecom_digest_of_more_than_ten_shows_the_ten_most_urgent(config: Config) -> None:
    items = [item(config, "annual-report", "before", "lead", n) for n in range(12, 0, -1)]
    got = Renderer().reminder(
        "wecom", config.offices["legal"], items, config=config, digest=True, part="(1/2)"
    )
    assert got.markdown is not None
    lines = got.markdown.splitlines()
    assert lines[:5] == [
        "**法规信访科：今日工作提醒(1/2)**",
        "即将到期12项",
        "**一、即将到期**",
        "1. 第41项 发布上年度《政府信息公开工作年度报告》",
        '> 2026年1月30日（星期五），<font color="info">还剩1个工作日</font>；牵头',
    ]
    assert lines[-4:] == [
        '> 2026年1月30日（星期五），<font color="info">还剩10个工作日</font>；牵头',
        "另有2项，详见邮件。",
        "请按时办理。完成后请告知办公室登记。",
        '<font color="comment">江门市住房城乡建设局办公室（联系电话：0750-0000000）</font>',
    ]


def test_a_wecom_digest_lists_everything_when_the_office_gets_no_email(config: Config) -> None:
    items = [item(config, "annual-report", "before", "lead", n) for n in range(12, 0, -1)]
    wecom_only = replace(config.offices["legal"], channels=("wecom",))
    without = replace(config, offices={**config.offices, "legal": wecom_only})
    got = Renderer().reminder("wecom", wecom_only, items, config=without, digest=True)
    assert got.markdown is not None
    assert got.markdown.count("第41项") == 12 and "另有" not in got.markdown


def test_digest_numbers_run_on_within_a_section_across_its_headings(config: Config) -> None:
    items = [
        item(config, "website-check", "routine", "lead", 21, due=date(2026, 3, 31)),
        item(config, "rules-library", "routine", "cooperate", 21, due=date(2026, 3, 31)),
        item(config, "annual-report", "overdue", "lead", -2, nominal=date(2026, 1, 31)),
    ]
    office = config.offices["office"]
    got = Renderer().reminder("wecom", office, items, config=config, digest=True)
    assert got.markdown is not None
    assert got.markdown.splitlines()[2:11] == [
        "**一、逾期**",
        "1. 第41项 发布上年度《政府信息公开工作年度报告》",
        '> 2026年1月30日（星期五），<font color="warning">已逾期2个工作日</font>；牵头',
        "**二、例行工作**",
        '<font color="comment">【一、优化政务公开工作基础】</font>',
        "1. 第1项 完善行政规章库并及时动态更新规章",
        "> 及时更新，本局安排每季度自查一次；配合",
        '<font color="comment">【四、优化政务公开平台建设】</font>',
        "2. 第25项 网站与政务新媒体安全防护和日常巡检",
    ]
    text = Renderer().reminder("email", office, items, config=config, digest=True).text
    assert "2. 第25项 网站与政务新媒体安全防护和日常巡检" in text
    # No requirement written: no empty 具体要求 line.
    assert text.count("具体要求：") == 2  # the two of three items with a requirement


def test_no_message_holds_a_shell_command_or_a_placeholder_contact(config: Config) -> None:
    renderer = Renderer()
    for channel in ("email", "wecom", "webhook"):
        for digest in (False, True):
            for mentions in (False, True):
                got = renderer.reminder(
                    channel,
                    config.offices["units"],
                    digest_items(config),
                    config=config,
                    digest=digest,
                    mentions=mentions,
                )
                for text in (got.subject, got.text, got.html or "", got.markdown or ""):
                    assert "reminder " not in text and "--period" not in text
                    assert "联络人" not in text and "今天" not in text

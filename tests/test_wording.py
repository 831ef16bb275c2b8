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
from tests.conftest import config_from, variant

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
        "责任分工：办公室牵头，各科室（单位）配合（本科室为配合单位）\n"
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
        "责任分工：法规信访科牵头，各科室（单位）配合（本科室为牵头单位）",
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
    # The subject names the most urgent item.
    assert got.subject == "【逾期】第41项 发布上年度《政府信息公开工作年度报告》等3项"
    assert got.text == (
        "办公室：\n"
        "\n"
        "今日共3项工作提醒：逾期未办1项，即将到期1项，例行工作1项。\n"
        "\n"
        "一、逾期未办（1项）\n"
        "1. 【逾期】第41项 发布上年度《政府信息公开工作年度报告》\n"
        "   截止日期：2026年1月30日（星期五），已逾期2个工作日\n"
        "   1月31日为休息日，提前至1月30日（星期五）\n"
        "   完成时限：每年1月31日前\n"
        "   责任分工：办公室牵头，各科室（单位）配合（本科室为牵头单位）\n"
        "   请于3个工作日内（2月6日前）办结\n"
        "   具体要求：按照规定于每年的1月31日前发布本单位上年度的《政府信息公开工作年度报告》。\n"
        "\n"
        "二、即将到期（1项）\n"
        "1. 【提醒】第41项 发布上年度《政府信息公开工作年度报告》\n"
        "   截止日期：2026年1月30日（星期五），还剩3个工作日\n"
        "   1月31日为休息日，提前至1月30日（星期五）\n"
        "   完成时限：每年1月31日前\n"
        "   责任分工：办公室牵头，各科室（单位）配合（本科室为牵头单位）\n"
        "   具体要求：按照规定于每年的1月31日前发布本单位上年度的《政府信息公开工作年度报告》。\n"
        "\n"
        "三、例行工作（1项）\n"
        "【一、优化政务公开工作基础】\n"
        "1. 第1项 完善行政规章库并及时动态更新规章\n"
        "   本期至2026年3月31日（星期二），还剩21个工作日\n"
        "   原文时限：及时更新；自查周期由本局确定：每季度一次\n"
        "   责任分工：法规信访科牵头，各科室（单位）配合（本科室为配合单位）\n"
        "   具体要求：及时做好规章动态更新。\n"
        "\n"
        "逾期事项请在限期内办结，确实无法按期办结的，请说明原因和计划完成时间。"
        "例行工作请对照自查，落实后逐项确认。其余事项请按时办理。\n"
        "完成后请告知办公室登记。\n"
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
        '> 2026年1月30日（星期五），<font color="comment">还剩1个工作日</font>',
    ]
    assert lines[-4:] == [
        '> 2026年1月30日（星期五），<font color="comment">还剩10个工作日</font>',
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
        "**一、逾期未办**",
        "1. 第41项 发布上年度《政府信息公开工作年度报告》",
        '> 2026年1月30日（星期五），<font color="warning">已逾期2个工作日</font>'
        "；请于3个工作日内（2月6日前）办结",
        "**二、例行工作**",
        '<font color="comment">【一、优化政务公开工作基础】</font>',
        "1. 第1项 完善行政规章库并及时动态更新规章",
        "> 及时更新，本局安排每季度自查一次",
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


LEADER = """
[[leaders]]
id = "deputy"
name = "李副局长"
offices = ["legal", "office"]
email = ["li@example.gov.cn"]
"""


def test_an_overdue_item_asks_for_a_date_and_a_reason_not_to_be_on_time(config: Config) -> None:
    overdue = item(config, "annual-report", "overdue", "lead", -3, due=date(2026, 3, 31))
    overdue = replace(overdue, url="https://oa.example.gov.cn/r/i/x")
    got = Renderer().reminder(
        "email", config.offices["office"], [overdue], config=config, digest=False
    )
    assert "请按时办理" not in got.text
    # Three working days over on 3 April; Qingming (4-6 April) is not counted in the 限期.
    assert "已逾期3个工作日" in got.text
    assert "请于3个工作日内（4月9日前）办结" in got.text
    assert "说明原因和计划完成时间" in got.text
    md = Renderer().reminder(
        "wecom", config.offices["office"], [overdue], config=config, digest=True
    )
    today = item(config, "annual-report", "due", "lead", 0, due=date(2026, 3, 31))
    md_today = Renderer().reminder(
        "wecom", config.offices["office"], [today], config=config, digest=True
    )
    assert '<font color="warning">' in (md.markdown or "")
    assert '<font color="warning">' not in (md_today.markdown or "")  # one colour each


def test_an_escalation_names_the_lead_office_and_asks_to_see_it_done(config: Config) -> None:
    up = item(config, "rules-library", "escalation", "escalation", -3, due=date(2026, 3, 31))
    got = Renderer().reminder("email", config.offices["office"], [up], config=config, digest=True)
    assert got.subject.startswith("【督办】第1项")
    assert "已逾期3个工作日，牵头科室：法规信访科" in got.text
    assert "（本科室负责督办）" in got.text
    assert "请督促牵头科室抓紧办结" in got.text and "请按时办理" not in got.text
    linked = replace(up, url="https://oa.example.gov.cn/r/i/x")
    md = (
        Renderer()
        .reminder("wecom", config.offices["office"], [linked], config=config, digest=False)
        .markdown
    )
    assert md is not None and "，牵头科室：法规信访科" in md
    assert "[查看办理情况](https://oa.example.gov.cn/r/i/x)" in md  # it supervises, not acts


def test_a_leaders_digest_has_no_link_and_no_request_to_report_completion() -> None:
    config = config_from(CONFIG + LEADER)
    items = [
        item(config, "annual-report", "escalation", "leader", -10, due=date(2026, 3, 31)),
        item(config, "rules-library", "escalation", "leader", -15, due=date(2026, 3, 31)),
    ]
    leader = config.leaders["deputy"]
    for channel in ("email", "wecom"):
        got = Renderer().reminder(
            channel, leader, items, config=config, digest=True, sent_on=date(2026, 4, 21)
        )
        text = got.markdown or got.text
        assert text.startswith(("李副局长：", "**李副局长："))
        assert "督办事项" in text and "请督促责任科室抓紧办结" in text
        assert "完成后请告知" not in text and "http" not in text
        assert "2026年4月21日" in text  # the 落款 is dated
    assert got.subject.startswith("【督办】第1项") and got.subject.endswith("等2项")


def test_a_routine_duty_is_never_overdue_and_asks_for_a_confirmation(config: Config) -> None:
    late = item(config, "rules-library", "routine", "lead", -4, due=date(2026, 3, 31))
    got = Renderer().reminder(
        "email",
        config.offices["legal"],
        [replace(late, url="https://x.gov.cn/i/t")],
        config=config,
        digest=False,
    )
    assert "逾期" not in got.text and "请于本月内确认" in got.text
    assert "确认已落实，请打开：https://x.gov.cn/i/t" in got.text


def test_a_digest_puts_what_the_office_leads_before_what_it_cooperates_on(config: Config) -> None:
    items = [
        item(config, "rules-library", "before", "cooperate", 2, due=date(2026, 3, 31)),
        item(config, "annual-report", "before", "lead", 5, due=date(2026, 3, 31)),
        item(config, "website-check", "escalation", "escalation", -3, due=date(2026, 3, 31)),
    ]
    got = Renderer().reminder("email", config.offices["office"], items, config=config, digest=True)
    heads = [line for line in got.text.splitlines() if line[:2] in ("一、", "二、", "三、")]
    assert heads == ["一、即将到期（1项）", "二、配合事项：即将到期（1项）", "三、督办事项（1项）"]


def test_the_closing_carries_the_date_and_the_contact() -> None:
    contact = 'contact = "联系人：王科长，电话 3500000"'
    text = variant("[settings]\n", f"[settings]\n{contact}\n", CONFIG)
    config = config_from(text)
    one = item(config, "annual-report", "before", "lead", 5, due=date(2026, 3, 31))
    got = Renderer().reminder(
        "email",
        config.offices["office"],
        [one],
        config=config,
        digest=True,
        sent_on=date(2026, 3, 24),
    )
    assert got.text.endswith(
        "江门市住房城乡建设局办公室（联系电话：0750-0000000）\n"
        "2026年3月24日\n"
        "联系人：王科长，电话 3500000"
    )


def test_the_wecom_digests_carry_what_a_extension_or_explanation_says_made_inert(
    config: Config,
) -> None:
    """The compact WeCom digest leaves the rest-day line out, but not what the office is told
    of a 延期 or a lead's 情况说明; a reason typed into a form is no markdown there."""
    said = (
        "牵头科室已报送情况说明：见[附件](https://evil.example/x)<font>，计划于2026年2月6日前完成"
    )
    items = [
        replace(
            item(config, "annual-report", "overdue", "lead", -2, nominal=date(2026, 1, 31)),
            said_text=said,
            moved_text=said,
        ),
        item(config, "website-check", "routine", "lead", 21, due=date(2026, 3, 31)),
    ]
    office = config.offices["office"]
    got = Renderer().reminder("wecom", office, items, config=config, digest=True)
    assert got.markdown is not None and got.text is not None
    inert = "> 牵头科室已报送情况说明：见［附件］(https://evil.example/x)＜font＞，计划于2026年2月6日前完成"
    assert inert in got.markdown.splitlines()
    assert "[附件]" not in got.markdown and "<font>" not in got.markdown
    plain = Renderer().reminder("wecom", office, items, config=config, digest=True, mentions=True)
    assert f"   {said}" in plain.text.splitlines()  # text, as when it @-mentions: plain words
    single = Renderer().reminder("wecom", office, items[:1], config=config, digest=False)
    assert single.markdown is not None
    assert inert in single.markdown.splitlines() and "[附件]" not in single.markdown


def test_a_digest_of_routine_duties_asks_for_confirmations_not_to_be_on_time(
    config: Config,
) -> None:
    routine = [
        item(config, "website-check", "routine", "lead", 21, due=date(2026, 3, 31)),
        item(config, "rules-library", "routine", "cooperate", 21, due=date(2026, 3, 31)),
    ]
    office = config.offices["office"]
    text = Renderer().reminder("email", office, routine, config=config, digest=True).text
    assert "例行工作请对照自查，落实后逐项确认。" in text and "请按时办理" not in text
    due_soon = item(config, "annual-report", "before", "lead", 5, due=date(2026, 1, 30))
    mixed = Renderer().reminder("email", office, [due_soon, *routine], config=config, digest=True)
    assert "例行工作请对照自查，落实后逐项确认。其余事项请按时办理。" in mixed.text

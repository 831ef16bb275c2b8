"""分管领导 ([[leaders]]): who they hear about and when, what `check` says of them, and a
leader's messages through a real SMTP server. Also the other settings of the 督办 loop:
routine_to, leader_after, overdue_grant."""

from __future__ import annotations

import pytest

from reminder.errors import ConfigError
from tests.conftest import config_from, variant
from tests.delivery_harness import Harness

LEADER = """
[[leaders]]
id = "deputy-li"
name = "李副局长"
offices = ["legal"]
email = ["li@example.gov.cn"]
"""


def test_a_leader_is_read_with_the_offices_under_them() -> None:
    config = config_from(variant("[[deadlines]]", LEADER + "\n[[deadlines]]"))
    leader = config.leaders["deputy-li"]
    assert (leader.name, leader.offices, leader.email) == (
        "李副局长",
        ("legal",),
        ("li@example.gov.cn",),
    )
    assert config.leader_of == {"legal": "deputy-li"}
    assert config.name_of("deputy-li") == "李副局长"
    assert "deputy-li" not in config.offices  # not an office: no board row, no ranking


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (
            LEADER.replace('["legal"]', '["legl"]'),
            'leaders[0].offices[0]: unknown office "legl" (did you mean "legal"?)',
        ),
        (
            LEADER + LEADER.replace("deputy-li", "deputy-wang"),
            'leaders[1].offices[0]: office "legal" is already under leader "deputy-li": '
            "an office has one 分管领导",
        ),
        (
            LEADER.replace('id = "deputy-li"', 'id = "office"'),
            'leaders[0].id: duplicate id "office" (first used by an office or a group)',
        ),
        (
            LEADER.replace('offices = ["legal"]\n', ""),
            "leaders[0].offices: is required",
        ),
    ],
    ids=["unknown-office", "two-leaders", "id-of-an-office", "no-offices"],
)
def test_leader_mistakes_are_named(new: str, expected: str) -> None:
    with pytest.raises(ConfigError) as exc:
        config_from(variant("[[deadlines]]", new + "\n[[deadlines]]"))
    assert any(expected in str(i) for i in exc.value.issues), exc.value.issues


def test_a_leader_without_a_channel_or_never_reached_is_a_warning() -> None:
    bare = LEADER.replace('email = ["li@example.gov.cn"]\n', "")
    config = config_from(variant("[[deadlines]]", bare + "\n[[deadlines]]"))
    assert any("has no email, wecom or webhook" in str(w) for w in config.warnings)
    late = variant("[settings]\n", '[settings]\nleader_after = "30wd"\n')
    config = config_from(variant("[[deadlines]]", LEADER + "\n[[deadlines]]", late))
    assert any(
        'settings.leader_after: "30wd" comes after the last overdue reminder (20wd' in str(w)
        for w in config.warnings
    )


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        ('routine_to = "cooperating"', 'settings.routine_to: "cooperating" is not one of'),
        ('leader_after = "ten days"', "settings.leader_after:"),
        ('overdue_grant = "0wd"', "settings.overdue_grant:"),
    ],
)
def test_bad_settings_of_the_loop_are_errors(new: str, expected: str) -> None:
    with pytest.raises(ConfigError) as exc:
        config_from(variant("[settings]\n", f"[settings]\n{new}\n"))
    assert any(expected in str(i) for i in exc.value.issues), exc.value.issues


def test_a_leader_hears_ten_working_days_overdue_by_email(harness: Harness) -> None:
    harness.write(LEADER)
    harness.start("2026-03-01 08:00")
    # Due 31 March; Qingming 4-6 April. Chased 1, 3, 5, 10, 15, 20 working days after.
    days = ["03-31", "04-01", "04-03", "04-08", "04-15", "04-22", "04-29", "05-07", "05-14"]
    for day in days:
        harness.tick(f"2026-{day} 09:00")
    to_leader = [m for m in harness.smtp.received if m.rcpt_tos == ["li@example.gov.cn"]]
    assert [m.message["Subject"] for m in to_leader] == [
        "【督办】第41项 发布年度报告（已逾期10个工作日）",
        "【督办】第41项 发布年度报告（已逾期15个工作日）",
        "【督办】第41项 发布年度报告（已逾期20个工作日）",
    ]
    text = to_leader[0].message.get_body(("plain",)).get_content()
    assert text.startswith("李副局长：")
    assert "牵头科室：法规信访科" in text and "请督促分管科室抓紧办结" in text
    assert "/i/" not in text and "/o/" not in text  # a leader reads; offices act
    rows = [r for r in harness.log(office_id="deputy-li") if r.status == "sent"]
    assert len(rows) == 3
    # The lead office was chased six times, no more.
    chased = [r for r in harness.log(office_id="legal") if r.status == "sent"]
    assert len([r for r in chased if r.kind == "overdue"]) == 6


def test_a_leader_also_receives_the_report(harness: Harness) -> None:
    harness.write(LEADER + '\n[report]\nto = ["office"]\nworkday = 1\n')
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    assert harness.tick("2026-04-01 09:00").endswith("; 通报: 2 sent")
    reports = [m for m in harness.smtp.received if m.message["Subject"].startswith("【通报】")]
    assert sorted(m.rcpt_tos[0] for m in reports) == ["bgs@example.gov.cn", "li@example.gov.cn"]
    mail = next(m for m in reports if m.rcpt_tos == ["li@example.gov.cn"])
    # The same 公文 for every reader: addressed 各科室（单位）, not to the leader by name.
    text = mail.message.get_body(("plain",)).get_content()
    assert text.startswith("关于2026年3月政务公开工作任务办理情况的通报\n")

"""分管领导 ([[leaders]]): who they hear about and when, what `check` says of them, and a
leader's messages through a real SMTP server. Also the other settings of the 督办 loop:
routine_to, leader_after, overdue_grant."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reminder.app.completion import Which
from reminder.app.extensions import submit_explanation
from reminder.app.status import status_rows
from reminder.cli.main import main
from reminder.errors import ConfigError
from tests.conftest import config_from, variant
from tests.delivery_harness import Harness, at

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


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            'leader_after = "ten days"',
            'settings.leader_after: "ten days" is not a lead time: write a number of calendar '
            'days ("7d") or working days ("3wd")',
        ),
        (
            'routine_to = "cooperating"',
            'settings.routine_to: "cooperating" is not one of "lead" | "all"',
        ),
        (
            'overdue_grant = "3 days"',
            'settings.overdue_grant: "3 days" is not a lead time: write a number of calendar '
            'days ("7d") or working days ("3wd")',
        ),
        ('overdue_grant = "0wd"', 'settings.overdue_grant: "0wd" must be at least 1 day'),
    ],
    ids=["leader_after", "routine_to", "overdue_grant", "overdue_grant-zero"],
)
def test_check_names_a_bad_setting_of_the_loop_at_its_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setting: str, message: str
) -> None:
    path = tmp_path / "schedules.toml"
    text = variant('send_time = "09:00"\n', f'send_time = "09:00"\n{setting}\n')
    path.write_text(text, encoding="utf-8")
    code = main(["check", "--config", str(path), "--now", "2026-01-02T09:00"])
    out, _ = capsys.readouterr()
    # Written on line 4; nothing else is wrong with the file.
    assert (code, out) == (2, f"{path}:4: {message}\n{path}: 1 error(s)\n")


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


def test_a_leader_reads_the_lead_offices_situation_report_beside_the_item(
    harness: Harness,
) -> None:
    harness.write(LEADER)
    harness.start("2026-03-01 08:00")
    for day in ["03-31", "04-01", "04-03", "04-08"]:
        harness.tick(f"2026-{day} 09:00")
    assert harness.runtime is not None
    which = Which(deadline="annual-report", office="legal", period="2026-03-31")
    config, engine = harness.runtime.config, harness.runtime.engine
    submit_explanation(
        config, engine, at("2026-04-09 10:00"), which, until=date(2026, 5, 29), reason="待审计"
    )
    harness.tick("2026-04-15 09:00")
    (mail,) = [m for m in harness.smtp.received if m.rcpt_tos == ["li@example.gov.cn"]]
    text = mail.message.get_body(("plain",)).get_content()
    assert (
        "已逾期10个工作日，牵头科室：法规信访科\n"
        "牵头科室已报送情况说明：待审计，计划于2026年5月29日前完成。\n"
    ) in text


def test_after_the_sixth_chase_the_item_stays_red_and_in_every_report(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.write()
    harness.start("2026-03-01 08:00")
    days = ["03-31", "04-01", "04-03", "04-08", "04-15", "04-22", "04-29", "05-07", "05-14"]
    for day in [*days, "06-01", "07-01"]:
        harness.tick(f"2026-{day} 09:00")
    chased = [r for r in harness.log(office_id="legal", kind="overdue") if r.status == "sent"]
    assert len(chased) == 6 and max(r.at for r in chased) < at("2026-04-30 00:00")
    assert harness.runtime is not None
    config, engine = harness.runtime.config, harness.runtime.engine
    (row,) = status_rows(config, engine, at("2026-07-01 10:00"), None)
    assert (row.light, row.working_days_left) == ("red", -62)
    for month, on in (("2026-05", "2026-06-01"), ("2026-06", "2026-07-01")):
        cfg = str(harness.path)
        assert main(["report", "--config", cfg, "--month", month, "--now", f"{on}T10:00"]) == 0
        lines = capsys.readouterr().out.splitlines()
        (line,) = [x for x in lines if "第41项 发布年度报告" in x]
        assert line.startswith("1. 【红灯】") and "（往期结转）" in line, line


def test_a_leader_hears_of_two_items_on_one_day_in_one_message(harness: Harness) -> None:
    # Two overdue tasks of the offices under the leader reach ten working days on one day.
    second = (
        '\n[[deadlines]]\nid = "budget-disclosure"\ntask = 42\ntitle = "公开部门预算"\n'
        'limit = "每年3月底前"\nlead = ["finance"]\ndue = "2026-03-31"\n'
    )
    harness.write(LEADER.replace('["legal"]', '["legal", "finance"]') + second)
    harness.start("2026-03-01 08:00")
    for day in ["03-31", "04-01", "04-03", "04-08", "04-15"]:
        harness.tick(f"2026-{day} 09:00")
    to_leader = [m for m in harness.smtp.received if m.rcpt_tos == ["li@example.gov.cn"]]
    assert [m.message["Subject"] for m in to_leader] == ["【督办】第41项 发布年度报告等2项"]
    text = to_leader[0].message.get_body(("plain",)).get_content()
    assert "一、督办事项（2项）" in text
    assert "牵头科室：法规信访科" in text and "牵头科室：计财科" in text
    rows = [r for r in harness.log(office_id="deputy-li", channel="email") if r.status == "sent"]
    assert sorted(r.deadline_id for r in rows) == ["annual-report", "budget-disclosure"]
    assert len({r.at for r in rows}) == 1


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

"""DingTalk and Feishu robots end to end: the real channel code and dispatcher posting to local
stand-ins that check the signature, the timestamp window, the size and the rate as the
platforms do (tests/robot_servers.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from reminder.cli.main import main
from tests.delivery_harness import Harness, at
from tests.robot_servers import Bot, FakeDingtalk, FakeFeishu

TOKEN = "dt0token0planning0123456789abcdef"
DT_SECRET = "SEC" + "9f8e7d6c5b4a3210" * 4
HOOK = "fs0hook0housing-0000-1111-2222"
FS_SECRET = "fsSecretHousing2026xyz"

OFFICES = """
[[offices]]
id = "planning"
name = "规划科"
dingtalk = "${DINGTALK_URL_PLANNING}"
dingtalk_secret = "${DINGTALK_SECRET_PLANNING}"
mention_mobiles = ["13900000000"]

[[offices]]
id = "housing"
name = "住房科"
feishu = "${FEISHU_URL_HOUSING}"
feishu_secret = "${FEISHU_SECRET_HOUSING}"

[[leaders]]
id = "deputy"
name = "李副局长"
offices = ["planning"]
dingtalk = "${DINGTALK_URL_DEPUTY}"
dingtalk_secret = false

[[deadlines]]
id = "open-data"
task = 7
title = "公开数据目录"
lead = ["planning"]
cooperate = ["housing"]
due = "2026-03-31"
"""


def deadlines(office: str, n: int, tail: str = "") -> str:
    return "".join(
        f'\n[[deadlines]]\nid = "{office}-{i}"\ntitle = "任务{i:02d}{tail}"\n'
        f'lead = ["{office}"]\ndue = "2026-03-31"\n'
        for i in range(n)
    )


@pytest.fixture
def robots(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[FakeDingtalk, FakeFeishu]]:
    now = harness.clock.now
    dingtalk = FakeDingtalk({TOKEN: Bot(secret=DT_SECRET), "deputy0token": Bot()}, now)
    feishu = FakeFeishu({HOOK: Bot(secret=FS_SECRET)}, now)
    with dingtalk as dt, feishu as fs:
        monkeypatch.setenv("DINGTALK_URL_PLANNING", dt.url(TOKEN))
        monkeypatch.setenv("DINGTALK_SECRET_PLANNING", DT_SECRET)
        monkeypatch.setenv("DINGTALK_URL_DEPUTY", dt.url("deputy0token"))
        monkeypatch.setenv("FEISHU_URL_HOUSING", fs.url(HOOK))
        monkeypatch.setenv("FEISHU_SECRET_HOUSING", FS_SECRET)
        harness.write(OFFICES)
        yield dt, fs


def test_a_signed_dingtalk_robot_gets_markdown_that_mentions_by_mobile(
    harness: Harness, robots: tuple[FakeDingtalk, FakeFeishu]
) -> None:
    dingtalk, _ = robots
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    (posted,) = dingtalk.to(TOKEN)
    assert posted.query["timestamp"] == str(int(at("2026-03-31 09:00").timestamp() * 1000))
    payload = posted.payload
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"] == "【到期】第7项 公开数据目录（今日到期）"
    text = payload["markdown"]["text"]
    assert text.startswith("**【到期】第7项 公开数据目录**  \n> 截止日期：<font color=#")
    assert text.endswith("\n\n@13900000000")
    assert payload["at"] == {"atMobiles": ["13900000000"], "isAtAll": False}
    (row,) = harness.log(office_id="planning")
    assert (row.channel, row.status, row.response_code) == ("dingtalk", "sent", "0")
    assert row.target == "access_token=dt0t…cdef"
    assert TOKEN not in repr(vars(row)) and DT_SECRET not in repr(vars(row))


def test_a_signed_feishu_bot_gets_a_rich_text_post(
    harness: Harness, robots: tuple[FakeDingtalk, FakeFeishu]
) -> None:
    _, feishu = robots
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    (posted,) = feishu.to(HOOK)
    assert posted.payload["timestamp"] == str(int(at("2026-03-31 09:00").timestamp()))
    post = posted.payload["content"]["post"]["zh_cn"]
    assert posted.payload["msg_type"] == "post"
    assert post["title"] == "【到期】第7项 公开数据目录（今日到期）"
    lines = ["".join(e["text"] for e in line) for line in post["content"]]
    assert lines[0] == "【到期】第7项 公开数据目录"
    assert "责任分工：规划科牵头，住房科配合（本科室为配合单位）" in lines
    (row,) = harness.log(office_id="housing")
    assert (row.channel, row.status, row.target) == ("feishu", "sent", "hook/fs0h…2222")


@pytest.mark.parametrize(
    ("variable", "code", "channel", "reason"),
    [
        ("DINGTALK_SECRET_PLANNING", "310000", "钉钉", "钉钉机器人签名或关键词校验未通过"),
        ("FEISHU_SECRET_HOUSING", "19021", "飞书", "飞书机器人签名校验未通过"),
    ],
)
def test_a_refused_signature_fails_at_once_and_the_admin_is_told_once(
    harness: Harness,
    robots: tuple[FakeDingtalk, FakeFeishu],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    code: str,
    channel: str,
    reason: str,
) -> None:
    monkeypatch.setenv(variable, "SEC" + "0" * 64)  # the robot's secret was reset
    office = "planning" if code == "310000" else "housing"
    name = {"planning": "规划科", "housing": "住房科"}[office]
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    (failed,) = harness.log(office_id=office)
    assert (failed.status, failed.response_code, failed.attempt) == ("failed", code, 1)
    harness.tick("2026-03-31 09:30")
    harness.tick("2026-03-31 11:00")
    assert len(harness.log(office_id=office)) == 1  # never tried again
    alerts = [m for m in harness.smtp.received if m.message["Subject"].startswith("【发送失败】")]
    assert [a.message["Subject"] for a in alerts] == [f"【发送失败】{name}的{channel}提醒未能送达"]
    body = alerts[0].message.get_body(("plain",)).get_content()
    assert f"原因：{reason}\n" in body
    assert "SEC000" not in body and TOKEN not in body and HOOK not in body


def test_a_throttled_dingtalk_robot_is_tried_again_after_its_ten_minutes(
    harness: Harness, robots: tuple[FakeDingtalk, FakeFeishu]
) -> None:
    dingtalk, _ = robots
    dingtalk.fail_next(TOKEN, 410100)
    harness.start("2026-03-01 08:00")
    assert "1 retrying" in harness.tick("2026-03-31 09:00")
    harness.tick("2026-03-31 09:09")
    assert dingtalk.to(TOKEN) == []
    harness.tick("2026-03-31 09:10")
    assert len(dingtalk.to(TOKEN)) == 1
    rows = harness.log(office_id="planning")
    assert [(r.status, r.response_code) for r in rows] == [("retrying", "410100"), ("sent", "0")]


def test_a_throttled_feishu_bot_is_tried_again_a_minute_later(
    harness: Harness, robots: tuple[FakeDingtalk, FakeFeishu]
) -> None:
    _, feishu = robots
    feishu.fail_next(HOOK, 11232)
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    harness.tick("2026-03-31 09:01")
    rows = harness.log(office_id="housing")
    assert [(r.status, r.response_code) for r in rows] == [("retrying", "11232"), ("sent", "0")]


def test_twenty_a_minute_per_dingtalk_robot_never_throttled(
    harness: Harness, robots: tuple[FakeDingtalk, FakeFeishu]
) -> None:
    dingtalk, _ = robots
    harness.write(OFFICES + deadlines("planning", 23), digest=False)
    harness.start("2026-03-01 08:00")
    assert "4 deferred" in harness.tick("2026-03-31 09:00")
    assert len(dingtalk.to(TOKEN)) == 20
    harness.tick("2026-03-31 09:01:05")
    assert len(dingtalk.to(TOKEN)) == 24
    assert 410100 not in dingtalk.codes()


def test_five_a_second_per_feishu_bot_is_paced_not_refused(
    harness: Harness, robots: tuple[FakeDingtalk, FakeFeishu]
) -> None:
    _, feishu = robots
    harness.write(OFFICES + deadlines("housing", 11), digest=False)
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    assert len(feishu.to(HOOK)) == 12
    assert 11232 not in feishu.codes()


def test_a_long_digest_is_split_within_each_platforms_limit(
    harness: Harness, robots: tuple[FakeDingtalk, FakeFeishu]
) -> None:
    dingtalk, feishu = robots
    harness.write(
        OFFICES + deadlines("planning", 90) + deadlines("housing", 80, "：按要求完成并报送材料" * 5)
    )
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    dt = [p.payload["markdown"]["text"] for p in dingtalk.to(TOKEN)]
    assert len(dt) >= 2 and all(len(t.encode()) <= 5000 for t in dt)
    assert all(t.endswith("@13900000000") for t in dt)  # every part mentions
    for i in range(90):
        assert "".join(dt).count(f"任务{i:02d}") == 1, i
    fs = [p.payload for p in feishu.to(HOOK)]
    assert len(fs) >= 2
    assert all(len(json.dumps(p, ensure_ascii=False).encode()) <= 20 * 1024 for p in fs)
    text = json.dumps([p["content"]["post"]["zh_cn"]["content"] for p in fs], ensure_ascii=False)
    for i in range(80):
        assert text.count(f"任务{i:02d}") == 1, i
    assert {r.status for r in harness.log(office_id="housing")} == {"sent"}


def test_send_test_reaches_each_robot_and_a_leader(
    harness: Harness, robots: tuple[FakeDingtalk, FakeFeishu], capsys: pytest.CaptureFixture[str]
) -> None:
    dingtalk, feishu = robots
    cfg = str(harness.path)
    now = "2026-03-02T09:00"
    harness.clock.set(at("2026-03-02 09:00"))  # the platforms' time
    for office, channel, shown in [
        ("planning", "dingtalk", "access_token=dt0t…cdef"),
        ("housing", "feishu", "hook/fs0h…2222"),
        ("deputy", "dingtalk", "access_token=depu…oken"),
    ]:
        argv = ["send-test", "--config", cfg, "--office", office, "--channel", channel]
        assert main([*argv, "--now", now]) == 0
        assert capsys.readouterr().out == f"{channel}: sent to {shown}\n"
    (planning,) = dingtalk.to(TOKEN)
    assert planning.payload["markdown"]["title"] == "【测试】政务公开工作提醒"
    assert (
        "规划科：这是一条测试消息，用于确认钉钉渠道配置正确" in planning.payload["markdown"]["text"]
    )
    assert planning.query["timestamp"] == str(int(at("2026-03-02 09:00").timestamp() * 1000))
    (deputy,) = dingtalk.to("deputy0token")
    assert "sign" not in deputy.query  # an unsigned robot (dingtalk_secret = false)
    (housing,) = feishu.to(HOOK)
    assert "用于确认飞书渠道配置正确" in json.dumps(housing.payload, ensure_ascii=False)


def test_a_dingtalk_signature_dated_an_hour_off_is_refused(
    harness: Harness, robots: tuple[FakeDingtalk, FakeFeishu], capsys: pytest.CaptureFixture[str]
) -> None:
    """The stand-in checks the timestamp window: a send-test dated two hours before the
    platform's clock is refused with 310000, and the message says to look at the clock."""
    cfg = str(harness.path)
    harness.clock.set(at("2026-03-02 11:00"))  # the platform's time
    argv = ["send-test", "--config", cfg, "--office", "planning", "--now", "2026-03-02T09:00"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("dingtalk: failed: DingTalk errcode 310000: signature, keyword, ")
    assert "(is the server's clock right?) (invalid timestamp)" in err
    query = parse_qs(urlsplit(robots[0].url(TOKEN)).query)
    assert query["access_token"] == [TOKEN]


def test_a_leader_hears_ten_working_days_overdue_by_dingtalk(
    harness: Harness, robots: tuple[FakeDingtalk, FakeFeishu]
) -> None:
    dingtalk, _ = robots
    harness.start("2026-03-01 08:00")
    # Due 31 March; Qingming 4-6 April. Chased 1, 3, 5, 10, 15, 20 working days after.
    for day in ["03-31", "04-01", "04-03", "04-08", "04-15", "04-22", "04-29", "05-07"]:
        harness.tick(f"2026-{day} 09:00")
    to_leader = [p.payload["markdown"] for p in dingtalk.to("deputy0token")]
    assert [m["title"] for m in to_leader] == [
        "【督办】第7项 公开数据目录（已逾期10个工作日）",
        "【督办】第7项 公开数据目录（已逾期15个工作日）",
        "【督办】第7项 公开数据目录（已逾期20个工作日）",
    ]
    assert "牵头科室：规划科" in to_leader[0]["text"]
    assert [r.channel for r in harness.log(office_id="deputy", status="sent")] == ["dingtalk"] * 3

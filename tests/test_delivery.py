"""Delivery against real local servers: SMTP (aiosmtpd) and a WeCom robot API over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from reminder import labels
from tests.delivery_harness import KEY_FINANCE, KEY_LEGAL, PASSWORD, Harness, at


def test_email_and_wecom_reach_their_servers(harness: Harness) -> None:
    harness.start("2026-03-01 08:00")
    assert harness.tick("2026-03-31 09:00").endswith("sent: 3 sent")
    (mail,) = harness.smtp.received
    assert mail.mail_from == "notice@example.gov.cn"  # envelope sender = the login
    assert mail.login == "notice@example.gov.cn"
    assert mail.rcpt_tos == ["jck@example.gov.cn"]
    msg = mail.message
    assert msg["Subject"] == "【到期】第41项 发布年度报告（今日到期）"
    assert msg["Message-ID"].endswith("@example.gov.cn>")  # on the sender's domain
    assert msg["Date"] == "Tue, 31 Mar 2026 09:00:00 +0800"  # the clock's, in local time
    sender = msg["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("政务公开工作提醒", "notice@example.gov.cn")
    # On the wire the Chinese display name is RFC 2047-encoded, the address readable.
    from_line = next(line for line in mail.raw.splitlines() if line.startswith(b"From:"))
    assert from_line.startswith(b"From: =?utf-8?") and from_line.endswith(
        b"<notice@example.gov.cn>"
    )
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert text.startswith("计财科：\n\n【到期】第41项 发布年度报告\n")
    assert "\n责任分工：法规信访科牵头，计财科配合（本科室为配合单位）\n" in text
    assert "截止日期：2026年3月31日（星期二），今日到期" in text
    assert "<b>2026年3月31日（星期二）</b>" in html
    by_key = {m.key: m for m in harness.wecom.received}
    legal, finance = by_key[KEY_LEGAL], by_key[KEY_FINANCE]
    assert legal.payload["msgtype"] == "markdown"
    assert legal.content.startswith("**【到期】第41项 发布年度报告**")
    assert "> 责任分工：法规信访科牵头，计财科配合（本科室为牵头单位）\n" in legal.content
    assert finance.payload["msgtype"] == "text"  # only text carries @-mentions
    assert finance.payload["text"]["mentioned_mobile_list"] == ["13800000000"]


def test_log_says_who_what_when_and_never_a_secret(harness: Harness) -> None:
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    rows = harness.log()
    assert sorted((r.office_id, r.channel, r.status, r.kind, r.attempt) for r in rows) == [
        ("finance", "email", "sent", "due", 1),
        ("finance", "wecom", "sent", "due", 1),
        ("legal", "wecom", "sent", "due", 1),
    ]
    targets = {(r.office_id, r.channel): r.target for r in rows}
    assert targets[("legal", "wecom")] == "key=lega…ijkl"
    assert targets[("finance", "email")] == "jck@example.gov.cn"
    assert all(r.period_key == "2026-03-31" and r.due.isoformat() == "2026-03-31" for r in rows)
    dump = repr([vars(r) for r in rows])
    for secret in (KEY_LEGAL, KEY_FINANCE, PASSWORD):
        assert secret not in dump


def test_a_digest_per_office_and_channel(harness: Harness) -> None:
    harness.write("""
[[deadlines]]
id = "website-check"
task = 25
title = "网站安全巡检"
limit = "及时更新"
lead = ["legal"]
due = "2026-03-31"
""")
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    legal = [m for m in harness.wecom.received if m.key == KEY_LEGAL]
    assert len(legal) == 1
    assert legal[0].content.startswith("**法规信访科：今日工作提醒**\n今日到期2项\n")
    assert "第41项 发布年度报告" in legal[0].content and "第25项 网站安全巡检" in legal[0].content
    rows = harness.log(office_id="legal")
    assert len(rows) == 2 and rows[0].message_id == rows[1].message_id


def test_rate_limit_holds_twenty_a_minute_per_robot(harness: Harness) -> None:
    extra = "".join(
        f"""
[[deadlines]]
id = "task-{i}"
title = "任务{i}"
lead = ["legal"]
due = "2026-03-31"
"""
        for i in range(24)
    )
    harness.write(extra, digest=False)
    harness.start("2026-03-01 08:00")
    summary = harness.tick("2026-03-31 09:00")
    legal = [m for m in harness.wecom.received if m.key == KEY_LEGAL]
    assert len(legal) == 20
    assert "5 deferred" in summary
    # A send counts for a minute and a margin (it may arrive a little after it is counted).
    harness.tick("2026-03-31 09:01:04")
    assert len([m for m in harness.wecom.received if m.key == KEY_LEGAL]) == 20
    harness.tick("2026-03-31 09:01:05")
    assert len([m for m in harness.wecom.received if m.key == KEY_LEGAL]) == 25
    assert 45009 not in harness.wecom.errcodes()


def test_a_long_digest_goes_as_whole_reminders_and_a_failed_part_alone_is_retried(
    harness: Harness,
) -> None:
    """A digest over WeCom's 4096 bytes is sent as several messages of whole reminders; when
    the second fails, only its reminders are sent again: nobody gets the first part twice."""
    requirement = "按要求完成并报送材料，" * 12
    harness.write(
        "".join(
            f"""
[[deadlines]]
id = "long-{i}"
title = "长标题任务{i:02d}"
requirement = "{requirement}"
lead = ["legal"]
due = "2026-03-31"
"""
            for i in range(50)
        )
    )
    harness.wecom.fail_next(KEY_LEGAL, "ok", "500")
    harness.start("2026-03-01 08:00")
    first = harness.tick("2026-03-31 09:00")
    assert "retrying" in first
    harness.tick("2026-03-31 09:05")  # after the backoff
    legal = [m for m in harness.wecom.received if m.key == KEY_LEGAL]
    assert len(legal) >= 2 and all(len(m.content.encode()) <= 4096 for m in legal)
    text = "".join(m.content for m in legal)
    for i in range(50):
        assert text.count(f"长标题任务{i:02d}") == 1, i
    rows = [r for r in harness.log(office_id="legal", channel="wecom") if r.deadline_id]
    sent = sorted(r.deadline_id for r in rows if r.status == "sent")
    assert sent == sorted([f"long-{i}" for i in range(50)] + ["annual-report"])
    retried = {r.deadline_id for r in rows if r.status == "retrying"}
    assert retried and len(retried) < 51  # only the failed part's reminders
    assert len({r.message_id for r in rows if r.status == "retrying"}) == 1
    assert len([m for m in legal if len(m.content.encode()) < 3000]) <= 1  # packed, not halved
    # Each part says which it is: the first of two; the second, sent again alone, is whole.
    assert [m.content.splitlines()[0] for m in legal] == [
        "**法规信访科：今日工作提醒(1/2)**",
        "**法规信访科：今日工作提醒**",
    ]


@pytest.mark.parametrize("fault", ["500", "hang", "45009"])
def test_transient_wecom_faults_are_retried_then_sent(harness: Harness, fault: str) -> None:
    harness.wecom.fail_next(KEY_LEGAL, fault, fault)
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    wait = 60 if fault == "45009" else None
    harness.tick("2026-03-31 09:01")  # backoff 1m (45009: retry after 60 s)
    harness.tick("2026-03-31 09:03" if wait is None else "2026-03-31 09:02")
    rows = harness.log(office_id="legal")
    assert [(r.status, r.attempt) for r in rows] == [("retrying", 1), ("retrying", 2), ("sent", 3)]
    code = {"500": "500", "hang": "timeout", "45009": "45009"}[fault]
    assert rows[0].response_code == code
    assert len([m for m in harness.wecom.received if m.key == KEY_LEGAL]) == 1


def test_permanent_error_fails_at_once_and_tells_the_admin_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A full webhook URL works in place of a key; this one carries a wrong key.
    monkeypatch.setenv("WECOM_KEY_LEGAL", harness.wecom.url + "?key=wrong-key-pasted-here")
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    (failed,) = [r for r in harness.log(office_id="legal")]
    assert (failed.status, failed.response_code) == ("failed", "93000")
    assert failed.error.startswith("WeCom errcode 93000: invalid webhook key")
    harness.tick("2026-03-31 09:00:30")
    harness.tick("2026-03-31 10:00")
    alerts = [m for m in harness.smtp.received if m.message["Subject"].startswith("【发送失败】")]
    assert len(alerts) == 1
    assert alerts[0].rcpt_tos == ["bgs@example.gov.cn"]
    assert alerts[0].message["Subject"] == "【发送失败】法规信访科的企业微信提醒未能送达"
    body = alerts[0].message.get_body(("plain",)).get_content()
    assert body == (
        "办公室：\n\n"
        "发给法规信访科的企业微信提醒未能送达，已停止重试，请核查该科室的企业微信配置。\n"
        "接收科室：法规信访科\n"
        "渠道：企业微信（key=wron…here）\n"
        "原因：企业微信机器人 key 无效\n"
        "涉及任务：第41项 发布年度报告\n"
        "尝试次数：1\n"
        "错误信息（供技术人员参考）：WeCom errcode 93000: invalid webhook key (error 93000)\n"
    )
    assert "wrong-key-pasted-here" not in body


def test_the_alert_words_a_failure_as_the_pages_do(harness: Harness) -> None:
    """A code with no words of its own is named by what it is, not as a bare 发送失败."""
    harness.wecom.fail_next(KEY_LEGAL, *["40035"] * 4)  # unknown: retried 3 times, then failed
    harness.start("2026-03-01 08:00")
    for moment in ("09:00", "09:01", "09:03", "09:07", "09:07:30"):
        harness.tick(f"2026-03-31 {moment}")
    failed = harness.log(office_id="legal")[-1]
    assert (failed.status, failed.response_code, failed.attempt) == ("failed", "40035", 4)
    (alert,) = [m for m in harness.smtp.received if m.message["Subject"].startswith("【发送失败】")]
    body = alert.message.get_body(("plain",)).get_content()
    said = labels.failure(failed.response_code, failed.error)
    assert said == "对方服务器返回错误（代码 40035）"
    assert f"原因：{said}\n" in body


def test_a_key_that_looks_like_a_url_gets_the_hint_once_per_pass(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A URL pasted without its scheme is taken as a key: the admin is told it looks like a
    URL, once, though the office's digest and its retries are several messages."""
    monkeypatch.setenv("WECOM_KEY_LEGAL", "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
    harness.write(
        "".join(
            f'\n[[deadlines]]\nid = "t{i}"\ntitle = "{"很长的任务名称" * 40}"\n'
            f'lead = ["legal"]\ndue = "2026-03-31"\n'
            for i in range(8)
        )
    )
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    failed = [r for r in harness.log(office_id="legal") if r.status == "failed"]
    assert len({r.message_id for r in failed}) > 1  # the digest went as several messages
    assert all("(a full URL pasted as a key?)" in (r.error or "") for r in failed)
    harness.tick("2026-03-31 09:00:30")
    alerts = [m for m in harness.smtp.received if m.message["Subject"].startswith("【发送失败】")]
    assert len(alerts) == 1
    body = alerts[0].message.get_body(("plain",)).get_content()
    # The one alert names every task that failed for that robot in the pass.
    assert "\n同时未能送达的还有" in body and body.count("很长的任务名称") >= 5
    assert (
        "\n提示：填写的 key 看起来是一个网址：请只填写网址中 key= 后面的部分，"
        "或填写完整的机器人网址。\n" in body
    )


def test_retries_run_out_then_fail_and_alert(harness: Harness) -> None:
    harness.wecom.fail_next(KEY_LEGAL, *["500"] * 10)
    harness.start("2026-03-01 08:00")
    for when in ("09:00", "09:01", "09:03", "09:07", "09:15"):
        harness.tick(f"2026-03-31 {when}")
    rows = harness.log(office_id="legal")
    assert [(r.status, r.attempt) for r in rows] == [
        ("retrying", 1),
        ("retrying", 2),
        ("retrying", 3),
        ("failed", 4),
    ]
    assert (
        len([m for m in harness.smtp.received if m.message["Subject"].startswith("【发送失败】")])
        == 1
    )


def test_unconfigured_channel_holds_then_sends_when_fixed(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WECOM_KEY_LEGAL")
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    harness.tick("2026-03-31 09:11")
    held = harness.log(office_id="legal")
    assert [(r.status, r.error) for r in held] == [
        ("held", "the environment variable in offices.legal.wecom (${WECOM_KEY_LEGAL}) is not set")
    ]
    monkeypatch.setenv("WECOM_KEY_LEGAL", KEY_LEGAL)
    harness.tick("2026-03-31 09:22")
    assert [r.status for r in harness.log(office_id="legal")] == ["held", "sent"]
    assert len([m for m in harness.wecom.received if m.key == KEY_LEGAL]) == 1


def test_smtp_down_then_up(harness: Harness) -> None:
    from tests.servers import SmtpServer, free_port

    port = free_port()
    harness.write(smtp_port=port)
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    (first,) = harness.log(channel="email")
    assert (first.status, first.response_code) == ("retrying", "network")
    assert first.error == f"cannot connect to SMTP server 127.0.0.1:{port} (ConnectionRefusedError)"
    late = SmtpServer(users={"notice@example.gov.cn": PASSWORD})
    late.port = port
    late.controller.port = port
    with late:
        harness.tick("2026-03-31 09:01")
    assert [r.status for r in harness.log(channel="email")] == ["retrying", "sent"]
    assert len(late.received) == 1


def test_email_without_auth(harness: Harness) -> None:
    from tests.servers import SmtpServer

    with SmtpServer() as open_relay:
        text = harness.path.read_text(encoding="utf-8")
        text = text.replace(f"port = {harness.smtp.port}", f"port = {open_relay.port}")
        text = text.replace(
            'username = "notice@example.gov.cn"\npassword = "${SMTP_PASSWORD}"\n', ""
        )
        harness.path.write_text(text, encoding="utf-8")
        harness.start("2026-03-01 08:00")
        harness.tick("2026-03-31 09:00")
        (mail,) = open_relay.received
    assert (mail.login, mail.mail_from) == (None, "notice@example.gov.cn")
    assert mail.message["Subject"] == "【到期】第41项 发布年度报告（今日到期）"


def test_planning_twice_creates_nothing_new(harness: Harness) -> None:
    runtime = harness.start("2026-03-01 08:00")
    _, first = runtime.sync_and_plan()
    assert first.changes.added > 0
    before = len(harness.outbox())
    from reminder.app.plan import plan_outbox

    again = plan_outbox(runtime.config, runtime.engine, harness.clock.now())  # no digest: full
    assert (again.changes.added, again.changes.updated, again.changes.cancelled) == (0, 0, 0)
    assert len(harness.outbox()) == before


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_email_over_tls_with_login(harness: Harness, security: str) -> None:
    from tests.servers import CERT, SmtpServer

    with SmtpServer(users={"notice@example.gov.cn": PASSWORD}, tls=security) as tls_server:
        text = harness.path.read_text(encoding="utf-8")
        text = text.replace(f"port = {harness.smtp.port}", f"port = {tls_server.port}")
        text = text.replace('security = "none"', f'security = "{security}"\nca_file = "{CERT}"')
        harness.path.write_text(text, encoding="utf-8")
        harness.start("2026-03-01 08:00")
        harness.tick("2026-03-31 09:00")
        (mail,) = tls_server.received
    assert mail.login == "notice@example.gov.cn"
    assert [r.status for r in harness.log(channel="email")] == ["sent"]


def test_email_tls_refuses_an_untrusted_server(harness: Harness) -> None:
    from tests.servers import SmtpServer

    with SmtpServer(users={"notice@example.gov.cn": PASSWORD}, tls="ssl") as tls_server:
        text = harness.path.read_text(encoding="utf-8")
        text = text.replace(f"port = {harness.smtp.port}", f"port = {tls_server.port}")
        text = text.replace('security = "none"', 'security = "ssl"')
        harness.path.write_text(text, encoding="utf-8")
        harness.start("2026-03-01 08:00")
        harness.tick("2026-03-31 09:00")
        assert tls_server.received == []
    (entry,) = harness.log(channel="email")
    assert (entry.status, entry.response_code) == ("retrying", "tls")
    assert entry.error.startswith(f"TLS with SMTP server 127.0.0.1:{tls_server.port} failed (")


@pytest.mark.parametrize(
    ("server", "security", "expected", "code", "status"),
    [
        (
            {"tls": None, "users": None},
            "starttls",
            'SMTP server 127.0.0.1:{port} does not offer STARTTLS: set security = "ssl" (465) '
            'or, on a trusted network only, "none"',
            "starttls",
            "failed",
        ),
        (
            {"tls": None, "users": None},
            "none",
            "SMTP server 127.0.0.1:{port} does not offer AUTH (login): most servers offer it "
            'only after STARTTLS or over "ssl"',
            "auth",
            "failed",
        ),
        (
            {"tls": None, "users": {"notice@example.gov.cn": "another"}},
            "none",
            "SMTP login refused (535)",
            "535",
            "failed",
        ),
        (
            {"tls": None, "users": None},
            "ssl",
            "TLS with SMTP server 127.0.0.1:{port} failed (WRONG_VERSION_NUMBER): is it "
            'security = "ssl" (465) or "starttls" (587)?',
            "tls",
            "retrying",
        ),
    ],
)
def test_each_smtp_step_that_fails_says_which(
    harness: Harness, server: dict[str, Any], security: str, expected: str, code: str, status: str
) -> None:
    from tests.servers import CERT, SmtpServer

    with SmtpServer(**server) as other:
        text = harness.path.read_text(encoding="utf-8")
        text = text.replace(f"port = {harness.smtp.port}", f"port = {other.port}")
        text = text.replace('security = "none"', f'security = "{security}"\nca_file = "{CERT}"')
        harness.path.write_text(text, encoding="utf-8")
        harness.start("2026-03-01 08:00")
        harness.tick("2026-03-31 09:00")
        port = other.port
    (entry,) = harness.log(channel="email", office_id="finance")
    assert (entry.status, entry.response_code, entry.error) == (
        status,
        code,
        expected.format(port=port),
    )


def test_a_message_left_in_flight_by_a_dead_instance_is_closed_as_unknown(
    harness: Harness,
) -> None:
    """After a crash its `sending` rows would read as in flight forever; once a lease has
    passed (no live instance sends that long) the next pass closes them as `unknown`."""
    import uuid

    from reminder.store.engine import transaction
    from reminder.store.models import SentLogRow
    from reminder.store.sentlog import add_entry

    runtime = harness.start("2026-03-30 09:00")
    with transaction(runtime.engine) as s:
        for minutes in (10, 0.5):  # one left by a dead instance, one still in flight
            add_entry(
                s,
                SentLogRow(
                    at=at("2026-03-30 09:00") - timedelta(minutes=minutes),
                    message_id=str(uuid.uuid4()),
                    office_id="legal",
                    channel="wecom",
                    kind="due",
                    status="sending",
                    attempt=1,
                ),
            )
    harness.tick("2026-03-30 09:00")
    rows = sorted(harness.log(office_id="legal"), key=lambda r: r.at)
    assert [(r.status, r.error) for r in rows] == [
        ("unknown", "in flight when its instance stopped: it may or may not have arrived"),
        ("sending", None),
    ]

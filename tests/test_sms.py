"""SMS (短信) through the bureau's gateway: who gets one, what it says and how long it is, the
body escaped for its type, the gateway's answers, the daily cap per number, `check` and
`send-test`. The gateway is a real local HTTP server (tests/sms_gateway.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from reminder.app.runtime import renderer_for
from reminder.cli.main import main
from reminder.config.loader import load_config
from reminder.config.model import Office
from reminder.config.smsmodel import SmsSettings
from reminder.delivery.channels.base import Rendered
from reminder.delivery.channels.sms import LIMIT, SmsTransport, fit, segments, short_text
from reminder.delivery.wording import make_item
from tests.delivery_harness import Harness
from tests.sms_gateway import Sms, SmsGateway

TOKEN = "sms-token-0123456789abcdef"
LEADER_MOBILE = "13900000000"
OFFICE_MOBILE = "13700000000"  # 办公室: the 督办 office (escalate_to) and the admin
LEGAL_MOBILE = "13600000000"

SMS = """
[sms]
url = "{url}"
auth_header = "Authorization"
auth_value = "Bearer ${{SMS_TOKEN}}"
ok_field = "code"
ok_value = 0
message_field = "msg"
timeout = 0.5
{more}

[[leaders]]
id = "deputy-li"
name = "李副局长"
offices = ["legal"]
sms = ["{leader}"]
"""

ESCALATION = "【督办】{who}：第41项“发布年度报告”（法规信访科牵头）3月31日到期，已逾期{n}个工作日，请督促办结。"


@pytest.fixture
def gateway() -> Iterator[SmsGateway]:
    with SmsGateway(token=TOKEN) as gw:
        yield gw


@pytest.fixture
def sms(harness: Harness, gateway: SmsGateway, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("SMS_TOKEN", TOKEN)
    write(harness, gateway)
    return harness


def write(
    harness: Harness,
    gateway: SmsGateway,
    *,
    more: str = "",
    legal: str = "",
    leader: str = LEADER_MOBILE,
) -> None:
    """The harness's config with [sms], a leader over legal reached by SMS, the 督办 office
    with a mobile, and `legal` added to the legal office's table."""
    harness.write(SMS.format(url=gateway.url, more=more, leader=leader))
    text = harness.path.read_text(encoding="utf-8")
    text = text.replace(
        'email = ["bgs@example.gov.cn"]\n',
        f'email = ["bgs@example.gov.cn"]\nsms = ["{OFFICE_MOBILE}"]\n',
    )
    text = text.replace(
        'wecom = "${WECOM_KEY_LEGAL}"\n', f'wecom = "${{WECOM_KEY_LEGAL}}"\n{legal}'
    )
    harness.path.write_text(text, encoding="utf-8")


def sent_to(gateway: SmsGateway, mobile: str) -> list[str]:
    return [m.text for m in gateway.received if m.mobile == mobile]


# Due 31 March; Qingming 4-6 April. Chased 1, 3, 5, 10, 15, 20 working days after; the 督办
# office hears from 3 on, the leader from 10 on.
CHASE = ["03-31", "04-01", "04-03", "04-08", "04-15", "04-22", "04-29"]


def test_leaders_and_the_escalation_office_get_sms_and_offices_only_when_they_ask(
    sms: Harness, gateway: SmsGateway
) -> None:
    legal = f'sms = ["{LEGAL_MOBILE}"]\n'  # the default: SMS for 督办 only, which legal never is
    write(sms, gateway, legal=legal)
    sms.start("2026-03-01 08:00")
    for day in CHASE:
        sms.tick(f"2026-{day} 09:00")
    assert sent_to(gateway, LEADER_MOBILE) == [
        ESCALATION.format(who="李副局长", n=n) for n in (10, 15, 20)
    ]
    assert sent_to(gateway, OFFICE_MOBILE) == [
        ESCALATION.format(who="办公室", n=n) for n in (3, 5, 10, 15, 20)
    ]
    assert sent_to(gateway, LEGAL_MOBILE) == []
    assert set(gateway.auth_seen) == {f"Bearer {TOKEN}"}
    assert all(m.how == "json" for m in gateway.received)
    rows = sms.log(channel="sms")
    assert {(r.office_id, r.target, r.kind, r.status) for r in rows} == {
        ("deputy-li", LEADER_MOBILE, "escalation", "sent"),
        ("office", OFFICE_MOBILE, "escalation", "sent"),
    }
    assert rows[0].body == ESCALATION.format(who="办公室", n=3)
    assert TOKEN not in repr([vars(r) for r in sms.log()])


def test_an_office_that_asks_for_overdue_sms_gets_them_and_no_others(
    sms: Harness, gateway: SmsGateway
) -> None:
    write(sms, gateway, legal=f'sms = ["{LEGAL_MOBILE}"]\nsms_kinds = ["overdue"]\n')
    sms.start("2026-03-01 08:00")
    for day in CHASE[:3]:
        sms.tick(f"2026-{day} 09:00")
    assert sent_to(gateway, LEGAL_MOBILE) == [
        "【逾期】法规信访科：第41项“发布年度报告”3月31日到期，已逾期1个工作日，请尽快办结。",
        "【逾期】法规信访科：第41项“发布年度报告”3月31日到期，已逾期3个工作日，请尽快办结。",
    ]
    # The due-day reminder went by WeCom only.
    assert [r.kind for r in sms.log(office_id="legal", channel="sms")] == ["overdue", "overdue"]
    assert [r.kind for r in sms.log(office_id="legal", channel="wecom")] == [
        "due",
        "overdue",
        "overdue",
    ]


@pytest.mark.parametrize(
    ("method", "body_type", "body", "how"),
    [
        ("POST", "json", '{"mobile": "{mobile}", "content": "{text}", "pw": "${SMS_PW}"}', "json"),
        ("POST", "form", "mobile={mobile}&content={text}&pw=${SMS_PW}", "form"),
        ("GET", "json", "", "get"),
    ],
)
def test_the_text_is_escaped_for_where_it_goes(
    gateway: SmsGateway, method: str, body_type: str, body: str, how: str
) -> None:
    url = gateway.url + ("?mobile={mobile}&content={text}" if method == "GET" else "")
    settings = SmsSettings(
        url=url,
        method="GET" if method == "GET" else "POST",
        body_type="form" if body_type == "form" else "json",
        auth_header="Authorization",
        auth_value="Bearer ${SMS_TOKEN}",
        ok_field="code",
        **({"body": body} if body else {}),
    )
    password = 'p"a&s=s+w\\d'  # escaped in the body as the text is
    transport = SmsTransport(settings, environ={"SMS_TOKEN": TOKEN, "SMS_PW": password})
    target = transport.target(Office(id="x", name="某科", sms=("13800000000", "13900000000")))
    text = '【督办】“年报”&"引号"\\反斜杠 100% a+b=c #1 {text} 换行\n之后'
    try:
        codes = [
            transport.send(target, p)
            for p in transport.payloads(target, Rendered(subject="s", text=text))
        ]
    finally:
        transport.close()
    assert codes == ["0", "0"]
    sent = '【督办】“年报”&"引号"\\反斜杠 100% a+b=c #1 {text} 换行之后'  # one line
    assert gateway.received == [Sms("13800000000", sent, how), Sms("13900000000", sent, how)]
    if method == "POST":
        assert [f["pw"] for f in gateway.fields] == [password, password]


def test_a_refusal_fails_with_the_gateways_words_and_never_the_token(
    sms: Harness, gateway: SmsGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMS_TOKEN", "a-wrong-token-of-some-length")
    sms.start("2026-03-01 08:00")
    for day in CHASE[:3]:
        sms.tick(f"2026-{day} 09:00")
    (row,) = sms.log(office_id="office", channel="sms")
    assert (row.status, row.response_code, row.attempt) == ("failed", "sms-refused", 1)
    assert row.error == "SMS gateway refused it: code = 1001 (鉴权失败)"
    assert gateway.answers == [1001]
    sms.tick("2026-04-03 09:00:30")  # the admin's alert is due once the failure is recorded
    dump = repr([vars(r) for r in sms.log()])
    assert "a-wrong-token" not in dump and TOKEN not in dump
    alerts = [m for m in sms.smtp.received if m.message["Subject"].startswith("【发送失败】")]
    assert [m.message["Subject"] for m in alerts] == ["【发送失败】办公室的短信提醒未能送达"]
    assert "原因：短信网关拒绝发送" in alerts[0].message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(("fault", "code"), [("500", "500"), ("hang", "timeout")])
def test_gateway_errors_and_timeouts_are_retried(
    sms: Harness, gateway: SmsGateway, fault: str, code: str
) -> None:
    sms.start("2026-03-01 08:00")
    for day in CHASE[:2]:
        sms.tick(f"2026-{day} 09:00")
    gateway.fail_next(fault)
    sms.tick("2026-04-03 09:00")
    sms.tick("2026-04-03 09:01")  # after the backoff
    rows = sms.log(office_id="office", channel="sms")
    assert [(r.status, r.attempt, r.response_code) for r in rows] == [
        ("retrying", 1, code),
        ("sent", 2, "0"),
    ]
    assert sent_to(gateway, OFFICE_MOBILE) == [ESCALATION.format(who="办公室", n=3)]


def test_a_retry_after_one_number_failed_does_not_repeat_the_others(
    sms: Harness, gateway: SmsGateway
) -> None:
    """One message to a leader's two numbers: the gateway takes the first and fails the second;
    the retry sends to the second only."""
    write(sms, gateway, leader=f'{LEADER_MOBILE}", "13500000000')
    sms.start("2026-03-01 08:00")
    for day in CHASE[:4]:
        sms.tick(f"2026-{day} 09:00")
    gateway.received.clear()
    gateway.fail_number("13500000000", "500")
    sms.tick("2026-04-15 09:00")
    sms.tick("2026-04-15 09:01")  # after the backoff
    text = ESCALATION.format(who="李副局长", n=10)
    assert sorted((m.mobile, m.text) for m in gateway.received if m.text == text) == [
        ("13500000000", text),
        (LEADER_MOBILE, text),
    ]
    rows = sms.log(office_id="deputy-li", channel="sms")
    assert [(r.status, r.attempt) for r in rows] == [("retrying", 1), ("sent", 2)]


def test_the_daily_cap_holds_a_number_that_had_its_sms_until_the_next_working_day(
    sms: Harness, gateway: SmsGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two test messages use up 办公室's number (cap 2): its 督办 of the day waits for the next
    working day's send time, with the reason in the log. The leader, whose second number is
    that same one, gets it at once on the first, and the log says which did not."""
    write(sms, gateway, more="daily_cap = 2", leader=f'{LEADER_MOBILE}", "{OFFICE_MOBILE}')
    sms.start("2026-03-01 08:00")
    for day in CHASE[:4]:
        sms.tick(f"2026-{day} 09:00")
    cfg = str(sms.path)
    for minute in ("00", "01"):
        now = f"2026-04-15T08:{minute}"
        assert (
            main(
                [
                    "send-test",
                    "--config",
                    cfg,
                    "--office",
                    "office",
                    "--channel",
                    "sms",
                    "--now",
                    now,
                ]
            )
            == 0
        )
    capsys.readouterr()
    gateway.received.clear()
    sms.tick("2026-04-15 09:00")
    assert [(m.mobile, m.text) for m in gateway.received] == [
        (LEADER_MOBILE, ESCALATION.format(who="李副局长", n=10))
    ]
    (held,) = [r for r in sms.log(office_id="office", channel="sms") if r.status == "held"]
    assert (held.kind, held.target) == ("escalation", OFFICE_MOBILE)
    assert held.error == (
        f"daily SMS cap reached: {OFFICE_MOBILE} had 2 SMS today ([sms] daily_cap); "
        "held until 2026-04-16 09:00"
    )
    leader_rows = sms.log(office_id="deputy-li", channel="sms")
    assert [(r.status, r.target) for r in leader_rows] == [
        ("cancelled", OFFICE_MOBILE),
        ("sent", LEADER_MOBILE),
    ]
    assert leader_rows[0].error == (
        f"daily SMS cap reached: {OFFICE_MOBILE} had 2 SMS today ([sms] daily_cap); not sent "
        "to it, the other numbers were"
    )
    sms.tick("2026-04-15 15:00")
    assert sent_to(gateway, OFFICE_MOBILE) == []
    sms.tick("2026-04-16 09:00")  # a new day: the held 督办 goes, as of that day
    assert sent_to(gateway, OFFICE_MOBILE) == [ESCALATION.format(who="办公室", n=11)]


def test_a_text_is_at_most_two_segments_and_drops_its_link_before_it_is_cut() -> None:
    assert [segments("字" * n) for n in (70, 71, 134, 135)] == [1, 2, 2, 3]
    assert LIMIT == 134 and len(fit("字" * 200)) == 134 and fit("字" * 200).endswith("…")
    link_url = (
        "https://oa.example.gov.cn/reminder/i/legal.occ-12.1799135156.ZySMgixfsQliGZWX6xC-Pmni"
    )
    fits = short_text(lambda link: "通" * 40 + ("办理：" + link_url if link else ""))
    assert fits.endswith(link_url) and len(fits) <= LIMIT
    dropped = short_text(lambda link: "通" * 60 + ("办理：" + link_url if link else ""))
    assert dropped == "通" * 60
    cut = short_text(lambda link: "通" * 200)
    assert len(cut) == LIMIT and segments(cut) == 2


def test_sms_through_the_renderer_keep_within_two_segments(sms: Harness) -> None:
    """A long title and a long link: the link is left out, the title shortened."""
    config = load_config(sms.path)
    d = replace(config.deadlines[0], title="政府信息公开工作年度报告编制和发布的有关工作安排")
    config = replace(config, deadlines=(d,))
    item = make_item(
        config,
        config.calendar(),
        deadline_id=d.id,
        kind="overdue",
        role="lead",
        due=date(2026, 3, 31),
        nominal_due=date(2026, 3, 31),
        period_key="2026-03-31",
        working_days_left=-3,
        provisional_years=[],
    )
    long_link = "https://oa.example.gov.cn/zwgk/reminder/i/" + "x" * 51
    office = config.offices["legal"]
    text = (
        renderer_for(config)
        .reminder("sms", office, [replace(item, url=long_link)], config=config, digest=True)
        .text
    )
    assert (
        text
        == "【逾期】法规信访科：第41项“政府信息公开工作年度报告编制和…”3月31日到期，已逾期3个工作日，请尽快办结。"
    )
    short_link = "https://oa.gov.cn/r/i/" + "x" * 51
    text = (
        renderer_for(config)
        .reminder("sms", office, [replace(item, url=short_link)], config=config, digest=True)
        .text
    )
    assert text.endswith("请尽快办结。办理：" + short_link) and len(text) <= LIMIT


def test_send_test_sends_an_sms(
    sms: Harness, gateway: SmsGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = str(sms.path)
    code = main(
        ["send-test", "--config", cfg, "--office", "deputy-li", "--now", "2026-03-02T09:00"]
    )
    out = capsys.readouterr().out
    assert (code, out) == (0, f"sms: sent to {LEADER_MOBILE}\n")
    (message,) = gateway.received
    assert message.mobile == LEADER_MOBILE and message.text.startswith("【测试】李副局长：")
    code = main(["log", "--config", cfg, "--channel", "sms", "--format", "json"])
    (entry,) = json.loads(capsys.readouterr().out)
    assert (entry["kind"], entry["status"], entry["target"]) == ("test", "sent", LEADER_MOBILE)


def test_a_leader_gets_a_notice_of_the_report_by_sms(sms: Harness, gateway: SmsGateway) -> None:
    """The 通报 itself goes by email; a leader (sms_kinds ["escalation", "report"] by default)
    gets a short SMS that it is out; the 督办 office (only 督办 by SMS) does not."""
    write(sms, gateway, more='\n[report]\nto = ["office"]\nworkday = 1')
    sms.start("2026-03-01 08:00")
    sms.tick("2026-03-31 09:00")
    assert sms.tick("2026-04-01 09:00").endswith("; 通报: 2 sent")  # by email and by SMS
    assert sent_to(gateway, LEADER_MOBILE) == [
        "【通报】李副局长：《关于2026年3月政务公开工作任务办理情况的通报》已印发，"
        "按时办结率0.0%，逾期未办结1项。"
    ]
    assert sent_to(gateway, OFFICE_MOBILE) == []
    (row,) = sms.log(channel="sms", kind="report")
    assert (row.office_id, row.target, row.status) == ("deputy-li", LEADER_MOBILE, "sent")

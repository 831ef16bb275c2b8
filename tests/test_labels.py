"""Every value a person reads is Chinese: `labels` in words, and every admin page, with data
in every state, free of English but for file formats and the ids an administrator chose."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reminder import labels, links
from reminder.calendar.parse import parse_rule
from reminder.store.engine import transaction
from reminder.store.models import OccurrenceRow, SentLogRow
from reminder.web.app import create_app
from tests.delivery_harness import KEY_LEGAL, Harness, web_context

SECRET = "s" * 32
PASSWORD = "督办-password-1"


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("2027", "2027年度"),
        ("2027-H1", "2027年上半年"),
        ("2027-H2", "2027年下半年"),
        ("2027-Q1", "2027年第一季度"),
        ("2027-Q4", "2027年第四季度"),
        ("2027-01", "2027年1月"),
        ("2027-12", "2027年12月"),
        ("2027-W05", "2027年第5周"),
        ("2027-03-31", "2027年3月31日"),
        (None, ""),
    ],
)
def test_periods_in_words(key: str | None, words: str) -> None:
    assert labels.period(key) == words


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("yearly 01-31", "每年1月31日"),
        ("yearly 02-last", "每年2月最后一天"),
        ("quarterly last-workday", "每季度最后一个工作日"),
        ("half-yearly last", "每半年最后一天"),
        ("monthly 15", "每月15日"),
        ("monthly workday 3", "每月第3个工作日"),
        ("monthly last", "每月最后一天"),
        ("weekly MON", "每周一"),
        ("weekly FRI", "每周五"),
        ("2026-12-31", "2026年12月31日"),
    ],
)
def test_due_rules_in_words(rule: str, words: str) -> None:
    assert labels.due_rule(parse_rule(rule)) == words


def test_failures_in_words_with_the_code_kept_apart() -> None:
    assert labels.failure("93000", "WeCom errcode 93000: invalid webhook url") == (
        "企业微信机器人 key 无效"
    )
    assert labels.failure("503", "WeCom answered HTTP 503") == "对方服务器出错（HTTP 503）"
    assert labels.failure("timeout", "timed out after 0.5 s") == "连接超时，对方服务器未响应"
    assert labels.failure(None, "done: marked by legal") == "已办结"
    assert labels.failure(None, None) == "" and labels.failure("0", None) == ""  # it went
    assert labels.chinese_number(12) == "十二" and labels.chinese_number(20) == "二十"


def test_every_stored_value_has_its_words() -> None:
    from reminder.vocabulary import Action, Channel, Kind, LogStatus, OutboxStatus, Role

    for values, words in [
        (Channel, labels.CHANNELS),
        (Kind, labels.KINDS),
        (Role, labels.ROLES),
        (Action, labels.ACTIONS),
        (LogStatus, labels.LOG_STATUSES),
        (OutboxStatus, labels.OUTBOX_STATUSES),
    ]:
        assert {v.value for v in values} <= set(words), values
        english = {w for text in words.values() for w in re.findall(r"[A-Za-z]+", text)}
        assert english <= ALLOWED, words


# -- every admin page, every state -------------------------------------------------------

# Words that may appear: file formats, product names, the technical detail's own units.
ALLOWED = {"CSV", "Excel", "XLSX", "Webhook", "ICS", "HTTP", "TLS", "STARTTLS", "key", "RRULE"}
ALLOWED |= {"Outlook", "WPS"}  # calendar programs an office may subscribe with


def visible_words(page: str) -> Counter[str]:
    """The English words a reader sees: not in markup, scripts, styles or <code> (the
    technical detail shown beside the words), nor a message body as it was sent (<pre>)."""
    text = re.sub(r"<(script|style|code|pre)\b.*?</\1>", " ", page, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(text)
    return Counter(re.findall(r"[A-Za-z][A-Za-z-]*[A-Za-z]", text))


@pytest.fixture
def every_state(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """Sent, failed, retried, held, superseded and cancelled (done) reminders; done, reopened,
    signed and answered occurrences; a routine duty; the admin's failure alert."""
    monkeypatch.delenv("WECOM_KEY_FINANCE", raising=False)  # finance's robot: held
    harness.write(
        '\n[[deadlines]]\nid = "quarterly-stats"\ntask = 7\ntitle = "报送统计数据"\n'
        'lead = ["legal"]\ncooperate = ["office"]\ndue = "quarterly last-workday"\n'
        '\n[[deadlines]]\nid = "update-site"\ntask = 9\ntitle = "及时更新网站"\n'
        'lead = ["legal"]\nkind = "routine"\ndue = "monthly last-workday"\n'
        '\n[[deadlines]]\nid = "weekly-check"\ntitle = "每周巡查"\n'
        'lead = ["office"]\ndue = "weekly MON"\n'
    )
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-02 09:00")
    harness.wecom.fail_next(KEY_LEGAL, "500", "93000", "93000", "93000", "93000")
    for when in ["2026-03-30 09:00", "2026-03-31 09:00", "2026-03-31 09:10", "2026-04-01 09:00"]:
        harness.tick(when)
    ctx = web_context(harness, SECRET, password=PASSWORD)
    client = TestClient(create_app(ctx), follow_redirects=False)
    r = client.post("/login", data={"name": "张三", "password": PASSWORD})
    assert r.status_code == 303
    return client


def test_no_admin_page_speaks_english(every_state: TestClient, harness: Harness) -> None:
    web = every_state
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    config = ctx.current_config()
    board = web.get("/board").text
    csrf = re.search(r'name="csrf" value="([0-9a-f]{32})"', board)
    assert csrf
    for verb, note in [
        ("ack", ""),
        ("feedback", "已报送初稿"),
        ("done", "已发布"),
        ("reopen", ""),
        ("done", "已发布"),
    ]:
        form = {
            "csrf": csrf.group(1),
            "deadline": "annual-report",
            "period": "2026-03-31",
            "office": "legal",
            "back": "deadline",
            "action": verb,
            "note": note,
            "confirm": "yes",  # 办结 without its confirmation page
        }
        r = web.post("/act", data=form)
        assert r.status_code == 303, (verb, r.status_code, r.text[:500])
    harness.tick("2026-04-02 09:00")
    with transaction(ctx.engine) as s:
        statuses = set(s.scalars(select(SentLogRow.status)))
        entries = list(s.scalars(select(SentLogRow.id)))
        occurrence = s.scalars(select(OccurrenceRow.id)).first()
    assert {"sent", "failed", "held", "superseded", "cancelled"} <= statuses, statuses
    r = web.post("/login", data={"name": "张三", "password": PASSWORD})  # a day later
    assert r.status_code == 303
    now = ctx.clock.now()
    paths = [
        "/board",
        *(f"/board?light={light}" for light in labels.LIGHTS),
        "/board?kind=routine",
        *(f"/office/{o}" for o in config.offices),
        *(f"/deadline/{d.id}" for d in config.deadlines),
        "/log",
        *(f"/log?status={status}" for status in labels.LOG_STATUSES),
        *(f"/log/message/{i}" for i in entries),
        "/report",
        "/report?year=2026",
        "/calendar",
        "/calendar?year=2027",
        f"/o/{links.issue('legal', 'office', now, SECRET)}",
        f"/i/{links.issue('legal', links.item(occurrence), now, SECRET)}",
        "/log?channel=123",  # an error page (what was asked is echoed)
        "/nowhere",
    ]
    chosen = set(config.offices) | {d.id for d in config.deadlines} | set(config.groups)
    found: dict[str, Counter[str]] = {}
    for path in paths:
        r = web.get(path)
        assert r.status_code in (200, 400, 404), (path, r.status_code)
        english = Counter(
            {w: n for w, n in visible_words(r.text).items() if w not in ALLOWED | chosen}
        )
        if english:
            found[path] = english
    assert not found, "\n".join(f"{path}: {dict(words)}" for path, words in found.items())

"""The web pages over HTTP (Starlette's test client: the same ASGI app uvicorn serves): who
may see and do what, signed links, CSRF, hostile text, bad requests. The browser tests are in
test_browser.py."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reminder import links
from reminder.app.report import span_of, statistics
from reminder.app.status import status_rows
from reminder.cli.main import main
from reminder.config.model import Web
from reminder.store.engine import transaction
from reminder.store.models import ActionRow, OccurrenceRow
from reminder.web.app import create_app
from reminder.web.context import Secrets
from tests.delivery_harness import KEY_LEGAL, Harness, at, web_context

SECRET = "web-test-secret-7Hq2Lw9Xz4Kp8Rv3Nm6Bt1"
PASSWORD = "督办-password-1"


@pytest.fixture
def web(harness: Harness) -> TestClient:
    harness.write()
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    ctx = web_context(harness, SECRET, password=PASSWORD)
    return TestClient(create_app(ctx), follow_redirects=False)


def occurrence_id(web: TestClient) -> int:
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    with transaction(ctx.engine) as s:
        return s.scalars(select(OccurrenceRow.id)).one()


def audit(web: TestClient) -> list[tuple[str, str, str]]:
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    with transaction(ctx.engine) as s:
        rows = s.scalars(select(ActionRow).order_by(ActionRow.id)).all()
        return [(r.office_id, r.action, r.via) for r in rows]


def link(web: TestClient, office: str, scope: str, *, days: int = 30) -> str:
    now = web.app.state.ctx.clock.now()  # type: ignore[attr-defined]
    return links.issue(office, scope, now, SECRET, days=days)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]{32})"', html)
    assert m, html
    return m.group(1)


def login(web: TestClient) -> None:
    r = web.post("/login", data={"name": "张三", "password": PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/board"


def test_the_board_needs_a_login_and_a_wrong_password_is_refused(web: TestClient) -> None:
    assert web.get("/board").headers["location"] == "/login"
    r = web.post("/login", data={"name": "张三", "password": "wrong"})
    assert r.status_code == 401 and "姓名或密码不正确" in r.text
    login(web)
    r = web.get("/board")
    assert r.status_code == 200
    assert "发布年度报告" in r.text and "临近" in r.text
    cookie = r.request.headers["cookie"]
    assert "reminder_session" in cookie


def test_opening_an_item_link_changes_nothing_and_confirming_closes_it(
    web: TestClient, harness: Harness
) -> None:
    token = link(web, "legal", links.item(occurrence_id(web)))
    pending = len(harness.outbox(status="pending"))
    r = web.get(f"/i/{token}")
    assert r.status_code == 200 and "本科室为牵头科室" in r.text and "本科室</dt>" not in r.text
    assert 'aria-label="办结：第41项《发布年度报告》（2026年3月31日）">办结</button>' in r.text
    assert len(harness.outbox(status="pending")) == pending and audit(web) == []
    form = {
        "csrf": csrf_of(r.text),
        "t": token,
        "deadline": "annual-report",
        "period": "2026-03-31",
        "action": "done",
        "note": "已在门户网站发布",
    }
    # 办结 takes a second step: the first POST asks to confirm it and changes nothing.
    r = web.post("/act", data=form)
    assert r.status_code == 200 and "确认《发布年度报告》（2026年3月31日）已经办结" in r.text
    assert 'name="confirm" value="yes"' in r.text and "已在门户网站发布</textarea>" in r.text
    assert audit(web) == [] and len(harness.outbox(status="pending")) == pending
    form["confirm"] = "yes"
    r = web.post("/act", data=form)
    assert r.status_code == 303 and r.headers["location"] == f"/i/{token}?ok=done"
    assert harness.outbox(status="pending") == []
    assert audit(web) == [("legal", "done", "link")]
    r = web.get(r.headers["location"])
    assert "已办结" in r.text and "已在门户网站发布" in r.text
    r = web.post("/act", data=form)  # a second click
    assert r.status_code == 409 and "无需重复办结" in r.text


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"), "不是本系统签发的"),
        (lambda t: t.replace("legal", "finance", 1), "不是本系统签发的"),
        (lambda t: "nonsense", "链接不完整"),
    ],
)
def test_a_tampered_link_is_refused_and_changes_nothing(
    web: TestClient, make: object, reason: str
) -> None:
    token = link(web, "legal", links.item(occurrence_id(web)))
    bad = make(token)  # type: ignore[operator]
    r = web.get(f"/i/{bad}")
    assert r.status_code == 403 and reason in r.text
    form = {"csrf": "0" * 32, "t": bad, "deadline": "annual-report", "period": "2026-03-31"}
    r = web.post("/act", data={**form, "action": "done"})
    assert r.status_code == 403 and audit(web) == []


def test_an_expired_link_is_refused(web: TestClient, harness: Harness) -> None:
    token = link(web, "legal", links.item(occurrence_id(web)), days=1)
    harness.clock.set(harness.clock.now() + timedelta(days=1))
    r = web.get(f"/i/{token}")
    assert r.status_code == 403 and "链接已过期" in r.text


def test_a_cooperating_office_acknowledges_but_cannot_close(web: TestClient) -> None:
    token = link(web, "finance", links.item(occurrence_id(web)))
    r = web.get(f"/i/{token}")
    assert r.status_code == 200 and 'value="done"' not in r.text and "签收" in r.text
    assert "只有牵头科室（法规信访科）可以办结，配合情况请通过进展反馈报送。" in r.text
    base = {
        "csrf": csrf_of(r.text),
        "t": token,
        "deadline": "annual-report",
        "period": "2026-03-31",
    }
    r = web.post("/act", data={**base, "action": "done"})
    assert r.status_code == 403 and "只有牵头科室" in r.text
    r = web.post("/act", data={**base, "action": "ack"})
    assert r.status_code == 303
    assert audit(web) == [("finance", "ack", "link")]


def test_a_form_without_its_csrf_token_is_refused(web: TestClient) -> None:
    token = link(web, "legal", links.item(occurrence_id(web)))
    form = {"t": token, "deadline": "annual-report", "period": "2026-03-31", "action": "done"}
    r = web.post("/act", data={**form, "csrf": "0" * 32})
    assert r.status_code == 403 and "表单已失效" in r.text and audit(web) == []


def test_an_office_outside_the_task_sees_nothing(web: TestClient) -> None:
    token = link(web, "office", links.item(occurrence_id(web)))
    assert web.get(f"/i/{token}").status_code == 404


def test_bad_requests_get_a_page_naming_the_field(web: TestClient) -> None:
    login(web)
    r = web.get("/board", params={"light": "purple"})
    assert r.status_code == 400 and "light" in r.text
    r = web.get("/board", params={"office": "nosuch"})
    assert r.status_code == 400 and "office" in r.text
    assert web.get("/deadline/nosuch").status_code == 404
    assert web.get("/office/nosuch").status_code == 404
    assert web.get("/no/such/page").status_code == 404
    big = {"note": "长" * 2001, "csrf": "x", "deadline": "annual-report", "period": "p"}
    r = web.post("/act", data={**big, "action": "feedback"})
    assert r.status_code in (400, 413) and "Traceback" not in r.text
    r = web.post("/act", content=b"x" * 20000, headers={"content-type": "text/plain"})
    assert r.status_code == 413


def test_pages_send_security_headers(web: TestClient) -> None:
    r = web.get("/login")
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"


WEB = '\n[web]\nbase_url = "http://testserver/reminder"\n'


def test_every_reminder_carries_its_link_and_following_it_closes_the_task(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The email and the robot message each carry a signed link per item; the email's link,
    followed as received, opens the item (changing nothing), and confirming 办结 closes it."""
    monkeypatch.setenv("REMINDER_SECRET", SECRET)
    harness.write(WEB)
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    mail = [m for m in harness.smtp.received if "jck@example.gov.cn" in m.rcpt_tos]
    body = mail[-1].message.get_body(("plain",)).get_content()
    (mailed,) = re.findall(r"http://testserver/reminder/i/\S+", body)
    assert "请按时办理。\n办结、签收、反馈进展或说明情况，请打开：" + mailed in body
    html = mail[-1].message.get_body(("html",)).get_content()
    assert f'<a href="{mailed}">办结 / 签收 / 反馈进展 / 说明情况</a>' in html
    robot = [m.content for m in harness.wecom.received if m.key == KEY_LEGAL]
    found = re.findall(
        r"\[办结、签收、反馈进展或说明情况\]\((http://testserver/reminder/i/[^)]+)\)", robot[-1]
    )
    assert len(found) == 1, robot[-1]
    url = found[0]
    ctx = web_context(harness, SECRET)
    client = TestClient(create_app(ctx), follow_redirects=False)
    # The cooperating office's emailed link opens its page, with no 办结 on it.
    r = client.get(mailed.removeprefix("http://testserver/reminder"))
    assert r.status_code == 200 and "签收" in r.text and "确认办结" not in r.text
    path = url.removeprefix("http://testserver/reminder")
    pending = len(harness.outbox(status="pending"))
    r = client.get(path)
    assert r.status_code == 200 and 'value="done"' in r.text
    assert len(harness.outbox(status="pending")) == pending
    form = {"csrf": csrf_of(r.text), "t": path[3:], "action": "done", "confirm": "yes"}
    form |= {"deadline": "annual-report", "period": "2026-03-31"}
    r = client.post("/act", data=form)
    assert r.status_code == 303 and r.headers["location"] == f"/reminder{path}?ok=done"
    assert harness.outbox(status="pending") == []


def test_without_the_secret_messages_go_without_links_and_check_says_so(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reminder.cli.main import main

    monkeypatch.delenv("REMINDER_SECRET", raising=False)
    harness.write(WEB)
    assert main(["check", "--config", str(harness.path)]) == 0
    out = capsys.readouterr().out
    assert (
        f"{harness.path}:56: web.base_url: $REMINDER_SECRET is not set: reminders go without "
        "links to their pages (set it to 32 or more random characters) (warning)"
    ) in out
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    body = harness.smtp.received[-1].message.get_body(("plain",)).get_content()
    assert "http://testserver" not in body and "完成后请告知办公室登记" in body


def test_the_sent_log_page_filters_pages_and_exports_for_excel(web: TestClient) -> None:
    login(web)
    r = web.get("/log")
    assert r.status_code == 200 and "查看消息" in r.text
    r = web.get("/log", params={"office": "legal"})
    assert "法规信访科" in r.text and "计财科</td>" not in r.text
    r = web.get("/log", params={"since": "2026-02-30"})
    assert r.status_code == 400 and "since" in r.text and "不是日期" in r.text
    r = web.get("/log", params={"channel": "fax"})
    assert r.status_code == 400 and "channel" in r.text
    assert (
        "渠道：没有“fax”（应为邮件、企业微信、Webhook、钉钉、飞书、短信、未设置渠道之一）" in r.text
    )
    r = web.get("/log.csv")
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff时间,状态,科室代码,科室,渠道,类型,事项代码,事项,")
    lines = text.splitlines()
    assert len(lines) > 1
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", line.split(",")[0]) for line in lines[1:])
    r = web.get("/log.xlsx", params={"office": "legal"})
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("时间", "状态", "科室代码", "科室")  # under the title row
    assert {row[2] for row in rows[2:]} == {"legal"}
    entry = re.search(r'/log/message/(\d+)"', web.get("/log").text)
    assert entry
    r = web.get(f"/log/message/{entry.group(1)}")
    assert r.status_code == 200 and "消息内容" in r.text
    assert web.get("/log/message/999999").status_code == 404


HOSTILE = '<script>alert(1)</script><a href="http://evil.example/">点此登录</a>'


def test_hostile_text_from_the_config_is_shown_as_text(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = harness.path.read_text(encoding="utf-8")
    harness.path.write_text(
        text.replace('title = "发布年度报告"', f"title = '{HOSTILE}'")
        .replace('name = "法规信访科"', f"name = '法规{HOSTILE}'")
        .replace('requirement = "按照', f"requirement = '{HOSTILE}' # \"按照"),
        encoding="utf-8",
    )
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    ctx = web_context(harness, SECRET, password=PASSWORD)
    client = TestClient(create_app(ctx), follow_redirects=False)
    login(client)
    (occ,) = {r.occurrence_id for r in harness.outbox()}
    pages = [
        client.get("/board").text,
        client.get("/deadline/annual-report").text,
        client.get("/office/legal").text,
        client.get("/log").text,
        client.get(f"/i/{link(client, 'legal', links.item(occ))}").text,
    ]
    for html in pages:
        assert "<script>" not in html and 'href="http://evil.example/"' not in html
        assert "&lt;script&gt;" in html


def test_the_report_page_draws_its_chart_and_exports(web: TestClient, harness: Harness) -> None:
    harness.clock.set(harness.clock.now() + timedelta(days=2))  # the task is now overdue
    login(web)
    r = web.get("/report", params={"month": "2026-03"})
    assert r.status_code == 200
    assert "2026年3月工作任务办理情况通报" in r.text
    assert '<rect class="overdue"' in r.text and "<script" not in r.text
    assert web.get("/report", params={"month": "2026-13"}).status_code == 400
    r = web.get("/report.xlsx", params={"year": "2026"})
    import io

    import openpyxl

    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][0].startswith("2026年工作任务办理情况通报")  # type: ignore[union-attr]
    assert rows[1][0] == "科室" and rows[-1][0] == "合计"


def test_healthz_and_metrics_read_the_database(web: TestClient, harness: Harness) -> None:
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    ctx.secrets = replace(ctx.secrets, api_token="scrape-token-0123456789abcdefghijkl")
    scraper = {"Authorization": "Bearer scrape-token-0123456789abcdefghijkl"}
    r = web.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["last_dispatch_pass"] == "2026-03-31T01:00:00+00:00"  # the tick at 09:00
    assert body["next_due"] is not None
    r = web.get("/metrics", headers=scraper)
    assert r.status_code == 200
    text = r.text
    assert 'reminder_reminders{channel="wecom",status="sent"}' in text
    assert "reminder_dispatch_lateness_seconds 0.0" in text
    assert "reminder_open_overdue_occurrences 0.0" in text
    assert 'reminder_web_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    harness.clock.set(harness.clock.now() + timedelta(days=3))
    assert web.get("/healthz").json()["status"] == "behind"
    assert "reminder_open_overdue_occurrences 1.0" in web.get("/metrics", headers=scraper).text


def test_healthz_says_when_the_database_is_unreachable(web: TestClient, tmp_path) -> None:
    from sqlalchemy import create_engine

    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    ctx.engine = create_engine(f"sqlite:///{tmp_path}/no/such/dir/reminder.db")
    r = web.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "error", "database": "unreachable"}


def test_the_year_calendar_marks_holidays_makeup_days_and_dues(web: TestClient) -> None:
    login(web)
    r = web.get("/calendar", params={"year": "2026"})
    assert r.status_code == 200 and "2026年工作日历" in r.text
    # 2026-02-14 (a Saturday) is a make-up working day for the Spring Festival.
    assert re.search(r'<td class=" makeup" title="2026-02-14 春节调休上班">14</td>', r.text)
    assert re.search(r'<td class="rest holiday" title="2026-10-01 国庆节">1</td>', r.text)
    assert '2026-03-31&#10;41. 发布年度报告">31<sup>1</sup>' in r.text
    assert "国务院节假日安排尚未公布" not in r.text
    assert "国务院节假日安排尚未公布" in web.get("/calendar", params={"year": "2028"}).text
    assert web.get("/calendar", params={"year": "19x"}).status_code == 400


def test_password_guessing_is_slowed_down(web: TestClient, harness: Harness) -> None:
    for _ in range(5):
        assert web.post("/login", data={"name": "x", "password": "guess"}).status_code == 401
    r = web.post("/login", data={"name": "张三", "password": PASSWORD})
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    harness.clock.set(harness.clock.now() + timedelta(minutes=10))
    login(web)


def test_serve_without_its_secret_says_so(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reminder.cli.main import main

    monkeypatch.delenv("REMINDER_SECRET", raising=False)
    assert main(["serve", "--config", str(harness.path)]) == 2
    assert capsys.readouterr().err == (
        "reminder: set $REMINDER_SECRET (at least 32 random characters) before `reminder "
        "serve`: it signs the links in messages and the login sessions\n"
    )
    monkeypatch.setenv("REMINDER_SECRET", "short")
    assert main(["serve", "--config", str(harness.path)]) == 2
    assert capsys.readouterr().err == ("reminder: $REMINDER_SECRET is shorter than 32 characters\n")
    monkeypatch.setenv("REMINDER_SECRET", "s" * 40)  # long, but not random
    assert main(["serve", "--config", str(harness.path)]) == 2
    assert "has only 1 different characters" in capsys.readouterr().err
    monkeypatch.setenv("REMINDER_SECRET", SECRET)
    monkeypatch.setenv("REMINDER_API_TOKEN", SECRET)
    assert main(["serve", "--config", str(harness.path)]) == 2
    assert "is the same as $REMINDER_SECRET" in capsys.readouterr().err


def test_links_signed_with_the_previous_secret_work_during_a_rotation(
    web: TestClient, harness: Harness
) -> None:
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    occ = occurrence_id(web)
    old = link(web, "legal", links.item(occ))  # signed with SECRET
    ctx.secrets = Secrets(keys=("n" * 32, SECRET))  # rotated
    assert web.get(f"/i/{old}").status_code == 200
    ctx.secrets = Secrets(keys=("n" * 32,))  # the old one retired
    r = web.get(f"/i/{old}")
    assert r.status_code == 403 and "不是本系统签发的" in r.text


def test_session_cookie_flags_and_the_audit_on_the_deadline_page(
    web: TestClient, harness: Harness
) -> None:
    r = web.post("/login", data={"name": "张三", "password": PASSWORD})
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    page = web.get("/deadline/annual-report").text
    form = {"csrf": csrf_of(page), "deadline": "annual-report", "period": "2026-03-31"}
    form |= {"action": "done", "office": "legal", "back": "deadline", "confirm": "yes"}
    r = web.post("/act", data=form)
    assert r.status_code == 303 and r.headers["location"] == "/deadline/annual-report?ok=done"
    page = web.get(r.headers["location"]).text
    assert "法规信访科 办结（管理员张三代为操作）" in page
    assert audit(web) == [("legal", "done", "login")]
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    ctx.config = replace(ctx.config, web=Web(base_url="https://oa.example.gov.cn/reminder"))
    r = web.post("/login", data={"name": "张三", "password": PASSWORD})
    assert r.headers["location"] == "/reminder/board"
    cookie = r.headers["set-cookie"]
    assert "Secure" in cookie and "Path=/reminder" in cookie


def test_odd_cookies_csrf_values_and_chunked_bodies_get_plain_answers(web: TestClient) -> None:
    cookie = "reminder_session=61.1.é".encode()
    assert web.get("/board", headers={b"cookie": cookie}).status_code == 303  # no error
    token = link(web, "legal", links.item(occurrence_id(web)))
    form = {"t": token, "deadline": "annual-report", "period": "2026-03-31", "action": "ack"}
    r = web.post("/act", data={**form, "csrf": "é" * 10})
    assert r.status_code == 403 and "表单已失效" in r.text

    def chunks():  # type: ignore[no-untyped-def]
        yield b"name=x&"
        yield b"password=" + b"x" * 100

    r = web.post(
        "/login", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 411


def test_a_feed_carries_no_link_that_acts_and_ends_with_the_link_it_came_from(
    web: TestClient, harness: Harness
) -> None:
    from icalendar import Calendar

    token = link(web, "legal", links.OFFICE, days=3)
    page = web.get(f"/o/{token}").text
    feed = re.search(r'href="(/ics/legal\.ics\?token=[^"]+)"', page)
    assert feed
    r = web.get(feed.group(1).replace("&amp;", "&"))
    assert r.status_code == 200
    assert "/o/" not in r.text and "/i/" not in r.text
    (event,) = Calendar.from_ical(r.content).walk("VEVENT")
    assert "请打开提醒消息中的链接" in str(event["description"])
    harness.clock.set(harness.clock.now() + timedelta(days=3))
    assert web.get(feed.group(1).replace("&amp;", "&")).status_code == 403  # expired with it


def test_an_overdue_period_does_not_hide_the_current_one_on_the_office_page(
    harness: Harness,
) -> None:
    from reminder.web import views

    harness.write(
        '\n[[deadlines]]\nid = "monthly-check"\ntitle = "月度自查"\nlead = ["legal"]\n'
        'due = "monthly 10"\nremind = ["0d"]\n'
    )
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-02 09:00")
    harness.clock.set(at("2026-04-15 10:00"))  # March's is overdue, April's too; May's next
    ctx = web_context(harness, SECRET)
    rows = views.office_page(ctx, "legal", harness.clock.now()).rows
    periods = [r.period for r in rows if r.deadline == "monthly-check"]
    assert periods == ["2026-03", "2026-04", "2026-05"]


def test_metrics_count_a_reminder_that_failed_once_as_retrying(harness: Harness) -> None:
    harness.start("2026-03-01 08:00")
    harness.wecom.fail_next(KEY_LEGAL, "500")
    harness.tick("2026-03-31 09:00")
    token = "scrape-token-0123456789abcdefghijkl"
    client = TestClient(create_app(web_context(harness, SECRET, api_token=token)))
    text = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text
    assert 'reminder_reminders{channel="wecom",status="retrying"} 1.0' in text


def test_a_board_page_past_the_end_shows_the_last_page(web: TestClient) -> None:
    login(web)
    r = web.get("/board", params={"page": "999"})
    assert r.status_code == 200 and "发布年度报告" in r.text


def test_after_done_the_deadline_page_counts_the_reminders_never_sent_instead_of_listing_them(
    harness: Harness,
) -> None:
    harness.write(
        '\n[[deadlines]]\nid = "quarterly-stats"\ntask = 7\ntitle = "报送统计数据"\n'
        'lead = ["legal"]\ndue = "quarterly last-workday"\nremind = ["7d", "3wd", "1wd", "0d"]\n'
    )
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-24 09:00")  # the 7-day reminder goes
    ctx = web_context(harness, SECRET, password=PASSWORD)
    web = TestClient(create_app(ctx), follow_redirects=False)
    login(web)
    form = {
        "csrf": csrf_of(web.get("/board").text),
        "deadline": "quarterly-stats",
        "period": "2026-Q1",
        "office": "legal",
        "back": "deadline",
        "action": "done",
        "note": "已报送",
        "confirm": "yes",
    }
    assert web.post("/act", data=form).status_code == 303
    page = web.get("/deadline/quarterly-stats").text
    assert "到期规则：每季度最后一个工作日" in page and "2026年第一季度" in page
    rows = re.findall(r'<td data-label="结果">([^<]*)', page)
    assert rows == ["已送达"]  # the one that went; none of those cancelled by 办结
    assert re.search(r"另有未发出的提醒：已取消 \d+ 条", page)


ROUTINE = """
[[deadlines]]
id = "rules-library"
task = 1
kind = "routine"
title = "完善行政规章库"
limit = "及时更新"
lead = ["legal"]
cooperate = ["finance"]
due = "monthly last-workday"
"""


def test_a_routine_checklist_links_each_duty_to_a_confirmation_for_its_period(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 本月例行工作 list goes to the lead office only, each duty with its link; the page
    confirms the duty for the period (例行工作已落实) instead of closing it; the board and the
    通报 count the confirmation."""
    monkeypatch.setenv("REMINDER_SECRET", SECRET)
    harness.write(WEB + ROUTINE)
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-02 09:00")  # the first working day of March
    assert not [m for m in harness.smtp.received if "jck@example.gov.cn" in m.rcpt_tos]
    robot = [m.content for m in harness.wecom.received if m.key == KEY_LEGAL]
    assert len(robot) == 1 and "本月例行工作" in robot[0]
    (url,) = re.findall(r"\[确认已落实\]\((http://testserver/reminder/i/[^)]+)\)", robot[0])
    client = TestClient(create_app(web_context(harness, SECRET)), follow_redirects=False)
    path = url.removeprefix("http://testserver/reminder")
    r = client.get(path)
    assert r.status_code == 200 and "确认本期已落实" in r.text and "确认办结" not in r.text
    form = {"csrf": csrf_of(r.text), "t": path[3:], "action": "done"}
    form |= {"deadline": "rules-library", "period": "2026-03"}
    assert client.post("/act", data=form).status_code == 303
    assert "本期已落实" in client.get(path).text
    # The board and the 通报 count the confirmation.
    assert harness.runtime is not None
    config, engine, now = harness.runtime.config, harness.runtime.engine, at("2026-04-01 10:00")
    (row,) = [r for r in status_rows(config, engine, now, None) if r.period == "2026-03"]
    assert (row.deadline, row.light) == ("rules-library", "done")
    (legal,) = [
        r for r in statistics(config, engine, now, span_of("2026-03")) if r.office == "legal"
    ]
    assert (legal.routine, legal.routine_done) == (1, 1)
    cfg, month = str(harness.path), "2026-03"
    assert main(["report", "--config", cfg, "--month", month, "--now", "2026-04-01T10:00"]) == 0
    circular = capsys.readouterr().out
    assert "三、例行工作落实情况\n法规信访科：本期例行工作1项，已确认落实1项。\n" in circular

"""情况说明 and 延期 over HTTP: the lead office's forms on its item page (through its signed
link), the administrator's /requests page and its decisions, CSRF, and refusals shown on the
page with nothing changed. The annual report is due 2026-03-31; the pages are opened on
1 April, a day overdue."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reminder import links
from reminder.app.report import span_of, statistics
from reminder.store.engine import transaction
from reminder.store.models import ActionRow, OccurrenceRow, SubmissionRow
from reminder.web.app import create_app
from tests.delivery_harness import Harness, at, web_context
from tests.test_labels import ALLOWED, visible_words

SECRET = "s" * 32
PASSWORD = "督办-password-1"
ITEM = {"deadline": "annual-report", "period": "2026-03-31"}


@pytest.fixture
def web(harness: Harness) -> TestClient:
    harness.write()
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    harness.tick("2026-04-01 09:00")
    harness.clock.set(at("2026-04-01 10:00"))
    ctx = web_context(harness, SECRET, password=PASSWORD)
    return TestClient(create_app(ctx), follow_redirects=False)


def occurrence_id(web: TestClient) -> int:
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    with transaction(ctx.engine) as s:
        return s.scalars(select(OccurrenceRow.id)).one()


def audit(web: TestClient) -> list[tuple[str, str, str, str]]:
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    with transaction(ctx.engine) as s:
        rows = s.scalars(select(ActionRow).order_by(ActionRow.id)).all()
        return [(r.office_id, r.action, r.actor, r.via) for r in rows]


def stored(web: TestClient) -> list[tuple[str, str, str, str | None]]:
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    with transaction(ctx.engine) as s:
        rows = s.scalars(select(SubmissionRow).order_by(SubmissionRow.id)).all()
        return [(r.kind, r.until.isoformat(), r.status, r.answer) for r in rows]


def item_link(web: TestClient, office: str = "legal") -> str:
    now = web.app.state.ctx.clock.now()  # type: ignore[attr-defined]
    return links.issue(office, links.item(occurrence_id(web)), now, SECRET, days=60)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]{32})"', html)
    assert m, html
    return m.group(1)


def login(web: TestClient) -> str:
    r = web.post("/login", data={"name": "张三", "password": PASSWORD})
    assert r.status_code == 303
    return csrf_of(web.get("/requests").text)


def pending_days(harness: Harness, kind: str, office: str = "legal") -> list[str]:
    tz = at("2026-01-01 00:00").tzinfo
    rows = harness.outbox(status="pending", kind=kind, office_id=office)
    return sorted(f"{r.remind_at.astimezone(tz):%m-%d}" for r in rows)


def test_the_lead_asks_for_more_time_through_its_link_and_an_administrator_approves(
    web: TestClient, harness: Harness
) -> None:
    token = item_link(web)
    pending = [(r.id, r.remind_at) for r in harness.outbox(status="pending")]
    page = web.get(f"/i/{token}")
    assert page.status_code == 200 and "申请延期" in page.text and "提交情况说明" in page.text
    assert [(r.id, r.remind_at) for r in harness.outbox(status="pending")] == pending
    assert audit(web) == []  # opening a link changes nothing
    form = {**ITEM, "csrf": csrf_of(page.text), "t": token, "kind": "extend"}
    r = web.post("/submit", data={**form, "until": "2026-04-20", "reason": "等待审计结果"})
    assert r.status_code == 303 and r.headers["location"] == f"/i/{token}?ok=extend"
    page = web.get(r.headers["location"])
    assert "已提交延期申请" in page.text and "申请延期至 2026-04-20（待审批）" in page.text
    assert 'name="kind" value="extend"' not in page.text  # one request at a time
    assert pending_days(harness, "overdue")[0] == "04-03"  # a request moves nothing yet
    csrf = login(web)
    listed = web.get("/requests").text
    assert "法规信访科" in listed and "等待审计结果" in listed and "2026-04-20" in listed
    r = web.post("/decide", data={"csrf": csrf, "submission": "1", "verdict": "approve"})
    assert r.status_code == 303 and r.headers["location"] == "/requests?ok=approved"
    assert "没有待审批的延期申请" in web.get(r.headers["location"]).text
    assert pending_days(harness, "due") == ["04-20"]
    assert all(day > "04-20" for day in pending_days(harness, "overdue"))
    assert all(day > "04-20" for day in pending_days(harness, "escalation", "office"))
    page = web.get(f"/i/{token}").text
    assert "截止 2026-04-20（已延期，原截止 2026-03-31）" in re.sub(r"<[^>]+>", "", page)
    # Closed on the new due day: on time, and counted as 延期 in the 通报.
    harness.clock.set(at("2026-04-20 15:00"))
    form = {**ITEM, "csrf": csrf_of(page), "t": token, "action": "done", "confirm": "yes"}
    r = web.post("/act", data=form)
    assert r.status_code == 303
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    (legal,) = [
        r
        for r in statistics(ctx.config, ctx.engine, at("2026-04-21 09:00"), span_of("2026-03"))
        if r.office == "legal"
    ]
    assert (legal.on_time, legal.late, legal.overdue, legal.extended) == (1, 0, 0, 1)
    assert audit(web) == [
        ("legal", "extend", "office:legal", "link"),
        ("legal", "approved", "admin:张三", "login"),
        ("legal", "done", "office:legal", "link"),
    ]
    login(web)  # the morning's session has ended
    report = web.get("/report?month=2026-03").text
    assert '<th scope="col">延期</th>' in report


def test_a_refusal_keeps_the_due_date_and_says_why(web: TestClient, harness: Harness) -> None:
    token = item_link(web)
    page = web.get(f"/i/{token}").text
    form = {**ITEM, "csrf": csrf_of(page), "t": token, "kind": "extend"}
    web.post("/submit", data={**form, "until": "2026-04-20", "reason": "等待审计结果"})
    before = pending_days(harness, "overdue")
    csrf = login(web)
    refuse = {"csrf": csrf, "submission": "1", "verdict": "refuse"}
    r = web.post("/decide", data=refuse)
    assert r.status_code == 400 and "请填写理由" in r.text and stored(web)[0][2] == "pending"
    r = web.post("/decide", data={**refuse, "answer": "时间充足，请抓紧办理"})
    assert r.status_code == 303 and r.headers["location"] == "/requests?ok=refused"
    assert pending_days(harness, "overdue") == before
    assert stored(web) == [("extend", "2026-04-20", "refused", "时间充足，请抓紧办理")]
    r = web.post("/decide", data={**refuse, "answer": "再次"})
    assert r.status_code == 409 and "已处理（未获批准）" in r.text
    page = web.get(f"/i/{token}").text
    assert "未获批准" in page and "审批意见：时间充足，请抓紧办理" in page
    harness.tick("2026-04-03 09:00")
    (latest,) = harness.log(office_id="legal", status="sent", channel="wecom")[-1:]
    assert "延期申请未获批准：时间充足，请抓紧办理" in (latest.body or "")


def test_a_situation_report_through_the_link_quiets_the_chase_not_the_escalation(
    web: TestClient, harness: Harness
) -> None:
    token = item_link(web)
    page = web.get(f"/i/{token}").text
    form = {**ITEM, "csrf": csrf_of(page), "t": token, "kind": "explain"}
    r = web.post("/submit", data={**form, "until": "2026-04-16", "reason": "正在补充材料"})
    assert r.status_code == 303 and r.headers["location"] == f"/i/{token}?ok=explain"
    assert all(day >= "04-16" for day in pending_days(harness, "overdue"))
    assert pending_days(harness, "escalation", "office")[:2] == ["04-03", "04-08"]
    page = web.get(r.headers["location"]).text
    assert "已提交情况说明" in page and "计划于 2026-04-16 前完成。理由：正在补充材料" in page
    assert audit(web) == [("legal", "explain", "office:legal", "link")]


@pytest.mark.parametrize(
    ("office", "fields", "status", "words"),
    [
        ("legal", {"until": "2026-03-20"}, 400, "不能早于今天（2026-04-01）"),
        ("legal", {"until": "2026-03-31", "kind": "extend"}, 400, "不能早于今天"),
        ("legal", {"until": "4月20日"}, 400, "请填写日期（年-月-日）"),
        ("legal", {"reason": ""}, 400, "请填写理由"),
        ("legal", {"reason": "说明\u202e明说"}, 400, "不可见的控制字符"),
        ("legal", {"reason": "x" * 2001}, 413, "说明最多 2000 字，本次为 2001 字"),
        ("legal", {"kind": "delete"}, 400, "未知的操作"),
        ("finance", {}, 403, "只有牵头科室（法规信访科）可以提交情况说明或申请延期"),
        ("legal", {"csrf": "0" * 32}, 403, "表单已失效"),
        ("legal", {"period": "2027-03-31"}, 403, "此链接不能用于这项操作"),
    ],
)
def test_a_bad_form_is_refused_on_the_page_and_changes_nothing(
    web: TestClient,
    harness: Harness,
    office: str,
    fields: dict[str, str],
    status: int,
    words: str,
) -> None:
    token = item_link(web, office)
    page = web.get(f"/i/{token}").text
    pending = pending_days(harness, "overdue")
    form = {**ITEM, "csrf": csrf_of(page), "t": token, "kind": "explain"}
    form |= {"until": "2026-04-20", "reason": "正在补充材料"} | fields
    r = web.post("/submit", data=form)
    assert r.status_code == status and words in r.text, r.text[-800:]
    assert audit(web) == [] and stored(web) == [] and pending_days(harness, "overdue") == pending


def test_only_an_administrator_decides(web: TestClient) -> None:
    token = item_link(web)
    page = web.get(f"/i/{token}").text
    form = {**ITEM, "csrf": csrf_of(page), "t": token, "kind": "extend"}
    web.post("/submit", data={**form, "until": "2026-04-20", "reason": "等待审计结果"})
    assert web.get("/requests").headers["location"] == "/login"
    decision = {"csrf": csrf_of(page), "submission": "1", "verdict": "approve", "t": token}
    r = web.post("/decide", data=decision)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    csrf = login(web)
    r = web.post("/decide", data={**decision, "csrf": "0" * 32})
    assert r.status_code == 403 and "表单已失效" in r.text
    r = web.post("/decide", data={"csrf": csrf, "submission": "7", "verdict": "approve"})
    assert r.status_code == 404 and "没有找到这项延期申请" in r.text
    assert stored(web) == [("extend", "2026-04-20", "pending", None)]


def test_the_submission_pages_speak_chinese(web: TestClient) -> None:
    token = item_link(web)
    page = web.get(f"/i/{token}").text
    form = {**ITEM, "csrf": csrf_of(page), "t": token}
    web.post("/submit", data={**form, "kind": "explain", "until": "2026-04-10", "reason": "补材料"})
    web.post("/submit", data={**form, "kind": "extend", "until": "2026-04-20", "reason": "等审计"})
    csrf = login(web)
    assert web.get("/requests").status_code == 200
    web.post("/decide", data={"csrf": csrf, "submission": "2", "verdict": "refuse", "answer": "否"})
    web.post("/submit", data={**form, "kind": "extend", "until": "2026-04-24", "reason": "再等"})
    config = web.app.state.ctx.config  # type: ignore[attr-defined]
    chosen = set(config.offices) | {d.id for d in config.deadlines}
    for path in ("/requests", f"/i/{token}", "/requests?ok=approved", f"/i/{token}?ok=extend"):
        r = web.get(path)
        assert r.status_code == 200
        english = {w for w in visible_words(r.text) if w not in ALLOWED | chosen}
        assert english == set(), (path, english)

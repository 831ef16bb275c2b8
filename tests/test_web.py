"""The web pages over HTTP (Starlette's test client: the same ASGI app uvicorn serves): who
may see and do what, signed links, CSRF, hostile text, bad requests. The browser tests are in
test_browser.py."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reminder import links
from reminder.store.engine import transaction
from reminder.store.models import ActionRow, OccurrenceRow
from reminder.web.app import create_app
from reminder.web.context import Secrets, WebContext
from tests.delivery_harness import Harness

SECRET = "s" * 32
PASSWORD = "督办-password-1"


@pytest.fixture
def web(harness: Harness) -> TestClient:
    harness.write()
    runtime = harness.start("2026-03-01 08:00")
    harness.tick("2026-03-24 09:00")
    ctx = WebContext(
        config_path=str(harness.path),
        config=runtime.config,
        engine=runtime.engine,
        clock=harness.clock,
        secrets=Secrets(keys=(SECRET,), admin_password=PASSWORD),
    )
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
    assert r.status_code == 200 and "确认办结" in r.text and "本科室</dt><dd>牵头" in r.text
    assert len(harness.outbox(status="pending")) == pending and audit(web) == []
    form = {
        "csrf": csrf_of(r.text),
        "t": token,
        "deadline": "annual-report",
        "period": "2026-03-31",
        "action": "done",
        "note": "已在门户网站发布",
    }
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
    assert r.status_code == 200 and "确认办结" not in r.text and "签收" in r.text
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

"""The board as a supervisor reads it (issue 23 item 3) and the item page as an office works
it (item 4): who has not signed, the latest word, 延期, offices and sections in the table's
order, 临近 as the messages' 即将到期, 签收 once, 办结 confirmed, the role said once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from reminder import links
from reminder.app.completion import Which, light
from reminder.app.extensions import grant_extension
from reminder.app.status import standing
from reminder.config.loader import load_config
from reminder.store import actions, completions
from reminder.store.engine import transaction
from reminder.store.models import ActionRow, OccurrenceRow
from reminder.web.app import create_app
from tests.conftest import ROOT, postgresql_only
from tests.delivery_harness import Harness, web_context

SECRET = "board-test-secret-Vb7Qx2Mn9Lk4Zr8Wd3Ty6"
PASSWORD = "督办-password-1"
SECTIONS = """
[[deadlines]]
id = "ten"
task = 3
title = "第十类事项"
section = "十、其他"
lead = ["office"]
due = "2026-06-30"

[[deadlines]]
id = "two"
task = 2
title = "第二类事项"
section = "二、政策解读"
lead = ["office"]
due = "2026-06-30"

[[deadlines]]
id = "one"
task = 1
title = "第一类事项"
section = "一、基础工作"
lead = ["office"]
due = "2026-06-30"
"""


@pytest.fixture
def web(harness: Harness) -> TestClient:
    harness.write(SECTIONS)
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")  # the annual report's due day: its reminders went
    ctx = web_context(harness, SECRET, password=PASSWORD)
    client = TestClient(create_app(ctx), follow_redirects=False)
    r = client.post("/login", data={"name": "张三", "password": PASSWORD})
    assert r.status_code == 303
    return client


def item_link(web: TestClient, office: str) -> str:
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    with transaction(ctx.engine) as s:
        occ = s.scalars(
            select(OccurrenceRow.id).where(OccurrenceRow.deadline_id == "annual-report")
        ).one()
    return "/i/" + links.issue(office, links.item(occ), ctx.clock.now(), SECRET)


def audit(web: TestClient) -> list[tuple[str, str, str | None]]:
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    with transaction(ctx.engine) as s:
        rows = s.scalars(select(ActionRow).order_by(ActionRow.id)).all()
        return [(r.office_id, r.action, r.note) for r in rows]


def act(web: TestClient, path: str, action: str, **more: str) -> None:
    page = web.get(path).text
    csrf = re.search(r'name="csrf" value="([0-9a-f]{32})"', page)
    assert csrf
    form = {"csrf": csrf.group(1), "t": path[3:], "action": action}
    form |= {"deadline": "annual-report", "period": "2026-03-31", **more}
    assert web.post("/act", data=form).status_code == 303


def rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"<[^>]+>", "", r).strip() for r in body.split("</tr>") if "<td" in r]


def test_an_office_that_has_not_signed_is_in_the_unsigned_filter_until_it_signs(
    web: TestClient,
) -> None:
    (row,) = rows(web.get("/board?unsigned=1&office=finance").text)
    assert "发布年度报告" in row and "未签收：计财科、法规信访科" in row  # the office first
    (row,) = rows(web.get("/board?unsigned=1").text)
    assert "未签收：法规信访科、计财科" in row  # else in the task's order
    act(web, item_link(web, "finance"), "ack")
    assert rows(web.get("/board?unsigned=1&office=finance").text) == ["没有符合条件的事项。"]
    # The lead has not signed yet: still there without the office, naming only the lead.
    board = web.get("/board?unsigned=1").text
    (row,) = rows(board)
    assert "未签收：法规信访科（1/2 已签收）" in row
    assert '<a href="/office/legal">法规信访科</a>' in board
    act(web, item_link(web, "legal"), "ack")
    assert rows(web.get("/board?unsigned=1").text) == ["没有符合条件的事项。"]
    assert "均已签收" in web.get("/board").text


def report_row(web: TestClient) -> str:
    (row,) = [r for r in rows(web.get("/board").text) if "发布年度报告" in r]
    return row


def test_the_board_keeps_its_rows_until_something_changes(web: TestClient) -> None:
    """Where every task stands is worked out once per change, not once per request."""
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    kept = standing(ctx.config, ctx.engine, ctx.clock.now())
    web.get("/board?light=yellow")
    assert standing(ctx.config, ctx.engine, ctx.clock.now()) is kept
    act(web, item_link(web, "finance"), "ack")
    again = standing(ctx.config, ctx.engine, ctx.clock.now())
    assert again is not kept
    assert set(again.acks[("annual-report", "2026-03-31")]) == {"finance"}


def test_the_board_shows_a_close_and_a_reopen_at_once(web: TestClient) -> None:
    assert "临近" in report_row(web)
    act(web, item_link(web, "legal"), "done", confirm="yes")
    assert "已办结" in report_row(web)
    assert '<strong data-light="done">1</strong>' in web.get("/board").text
    act(web, item_link(web, "legal"), "reopen")
    assert "临近" in report_row(web)
    assert '<strong data-light="done">0</strong>' in web.get("/board").text


def test_the_board_shows_an_extension_granted_after_it_was_read(web: TestClient) -> None:
    assert "已延期" not in report_row(web)
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    which = Which(deadline="annual-report", office="legal", period="2026-03-31")
    grant_extension(
        ctx.config, ctx.engine, ctx.clock.now(), which, until=date(2026, 4, 10), by="张三"
    )
    row = report_row(web)
    assert "2026-04-10 已延期 原 2026-03-31" in re.sub(r"\s+", " ", row)


def test_the_board_shows_a_close_made_by_another_process(web: TestClient, harness: Harness) -> None:
    """The CLI in its own process closes the item the board has kept: the next request sees
    the audit row it wrote and works the rows out again."""
    assert "临近" in report_row(web)
    subprocess.run(
        [
            *(sys.executable, "-m", "reminder", "done", "annual-report", "--office", "legal"),
            *("--period", "2026-03-31", "--config", str(harness.path)),
            *("--now", "2026-03-31T10:00+08:00"),
        ],
        cwd=ROOT,
        env={**os.environ, "REMINDER_CACHE_DIR": ""},
        check=True,
        capture_output=True,
    )
    assert "已办结" in report_row(web)
    assert rows(web.get("/board?light=yellow").text) == ["没有符合条件的事项。"]


@postgresql_only
def test_an_audit_row_committed_after_a_newer_one_still_changes_the_generation(
    web: TestClient,
) -> None:
    """PostgreSQL takes an id before its transaction commits: a board read between two
    actions' commits must not keep its rows past the commit of the one with the smaller id."""
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    engine, now = ctx.engine, ctx.clock.now()

    def sign(s: Session, office: str) -> int:
        with s.no_autoflush:
            occ = s.scalars(select(OccurrenceRow).order_by(OccurrenceRow.id)).first()
        assert occ is not None
        row = actions.record(
            s, at=now, occurrence_id=occ.id, deadline_id=occ.deadline_id, office_id=office,
            action="ack", note=None, actor=f"office:{office}", via="link", client=None,
        )  # fmt: skip
        return row.id

    with Session(engine) as slow:
        first = sign(slow, "finance")  # the smaller id, not committed yet
        with transaction(engine) as s:
            assert sign(s, "legal") > first
        with transaction(engine) as s:
            read = completions.generation(s)
        slow.commit()
    with transaction(engine) as s:
        assert completions.generation(s) != read


def test_a_second_ack_is_not_logged_and_the_page_says_when_it_was_signed(
    web: TestClient,
) -> None:
    path = item_link(web, "finance")
    act(web, path, "ack")
    act(web, path, "ack")  # a page opened before the first 签收, tapped again
    assert audit(web) == [("finance", "ack", None)]
    page = web.get(path).text
    assert '已签收 <span class="nowrap">2026-03-31 09:00</span>' in page
    assert 'value="ack"' not in page
    assert "本科室为配合单位" in page and page.count("本科室为") == 1
    assert "只有牵头科室（法规信访科）可以办结，配合情况请通过进展反馈报送。" in page
    assert '<dd class="left">今日到期</dd>' in page


def test_the_item_page_orders_its_actions_sign_feedback_explain_then_close(
    web: TestClient,
) -> None:
    page = web.get(item_link(web, "legal")).text
    order = [page.index(f'value="{a}"') for a in ("ack", "feedback", "explain", "done")]
    assert order == sorted(order)
    for verb in ("签收", "提交反馈", "办结"):
        assert f'aria-label="{verb}：第41项《发布年度报告》（2026年3月31日）"' in page


def test_the_board_shows_the_latest_feedback_with_its_date_and_links_every_office(
    web: TestClient,
) -> None:
    act(web, item_link(web, "finance"), "feedback", note="数据已报法规信访科")
    board = web.get("/board").text
    (row,) = [r for r in rows(board) if "发布年度报告" in r]
    assert "2026-03-31 09:00 计财科反馈：数据已报法规信访科" in row
    assert '<a href="/office/finance">计财科</a>' in board


def test_offices_come_in_the_file_order_and_sections_by_their_numerals(
    web: TestClient,
) -> None:
    board = web.get("/board").text
    offices = re.findall(r'<option value="(\w+)"', board.split('name="office"')[1])
    assert offices[:3] == ["office", "legal", "finance"]
    sections = board.split('name="section"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]+)"', sections) == [
        "一、基础工作",
        "二、政策解读",
        "十、其他",
    ]


def test_the_log_filter_offers_deadlines_by_number_and_title(web: TestClient) -> None:
    page = web.get("/log").text
    assert '<option value="annual-report">41. 发布年度报告</option>' in page
    assert "事项代码" not in page


def test_near_is_the_window_the_messages_call_due_soon(harness: Harness) -> None:
    """Yellow from the farthest lead time (7 days here) to the due day, not the last one."""
    harness.write('remind = ["7d", "3wd", "1wd", "0d"]')
    config = load_config(harness.path)
    d = config.deadline_by_id["annual-report"]
    due = date(2026, 3, 31)
    assert light(config, d, due, date(2026, 3, 23)) == "green"
    assert light(config, d, due, date(2026, 3, 24)) == "yellow"  # the 7-day reminder's day
    assert light(config, d, due, date(2026, 3, 31)) == "yellow"
    assert light(config, d, due, date(2026, 4, 1)) == "red"


def test_a_routine_duty_is_near_from_its_last_lead_time_as_before(harness: Harness) -> None:
    """Routine messages never say 即将到期: their light keeps to the last lead time."""
    harness.write(
        '\n[[deadlines]]\nid = "library"\ntask = 2\nkind = "routine"\ntitle = "完善规章库"\n'
        'lead = ["legal"]\ndue = "monthly last-workday"\nremind = ["7d", "1wd"]\n'
    )
    config = load_config(harness.path)
    d = config.deadline_by_id["library"]
    due = date(2026, 3, 31)
    assert light(config, d, due, date(2026, 3, 24)) == "green"
    assert light(config, d, due, date(2026, 3, 30)) == "yellow"

"""督办通知单: numbered when the escalation is first sent, attached to the escalation email
only, downloadable from the item and deadline pages by GETs that take no number. The annual
report (task 41, 法规信访科) is due 2026-03-31; it escalates to 办公室 three working days
later, on 3 April."""

from __future__ import annotations

import io

import docx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from reminder import links
from reminder.store.engine import transaction
from reminder.store.models import DocumentNumberRow, OccurrenceRow
from reminder.web.app import create_app
from tests.delivery_harness import Harness, at, web_context

SECRET = "s" * 32
PASSWORD = "督办-password-1"


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def escalated(harness: Harness) -> None:
    harness.write()
    harness.start("2026-03-01 08:00")
    for day in ("03-31", "04-01", "04-03"):
        harness.tick(f"2026-{day} 09:00")


def test_the_escalation_email_carries_its_numbered_notice(harness: Harness) -> None:
    escalated(harness)
    to_office = [m for m in harness.smtp.received if m.rcpt_tos == ["bgs@example.gov.cn"]]
    with_notice = [m for m in to_office if list(m.message.iter_attachments())]
    (mail,) = with_notice
    assert mail.message["Subject"].startswith("【督办】")
    (part,) = mail.message.iter_attachments()
    assert part.get_filename() == "督办通知单督办〔2026〕1号.docx"
    text = paragraphs(part.get_content())
    assert text[:3] == ["督办通知单", "督办〔2026〕1号", "法规信访科："]
    assert text[3] == (
        "第41项 发布年度报告，截止2026年3月31日，已逾期3个工作日，至今未办结。现予督办。"
    )
    assert "牵头科室：法规信访科" in text
    assert (
        "请于3个工作日内（2026年4月9日前）办结；确实无法按期办结的，请在此前说明原因和计划完成时间。"
        in text
    )
    assert text[-1] == "2026年4月3日"
    # Only the escalation to an office carries it; reminders to the lead do not.
    others = [m for m in harness.smtp.received if m is not mail]
    assert others and not any(list(m.message.iter_attachments()) for m in others)


def test_the_notice_keeps_its_number_and_the_next_one_counts_on(harness: Harness) -> None:
    escalated(harness)
    for day in ("04-08", "04-15", "04-22"):
        harness.tick(f"2026-{day} 09:00")
    assert harness.runtime is not None
    with transaction(harness.runtime.engine) as s:
        rows = s.execute(select(DocumentNumberRow.kind, DocumentNumberRow.n)).all()
    assert rows == [("notice", 1)]
    names = {
        part.get_filename() for m in harness.smtp.received for part in m.message.iter_attachments()
    }
    assert names == {"督办通知单督办〔2026〕1号.docx"}


def web_at(harness: Harness, when: str) -> TestClient:
    harness.clock.set(at(when))
    ctx = web_context(harness, SECRET, password=PASSWORD)
    return TestClient(create_app(ctx), follow_redirects=False)


def numbers_taken(web: TestClient) -> int:
    ctx = web.app.state.ctx  # type: ignore[attr-defined]
    with transaction(ctx.engine) as s:
        return s.scalar(select(func.count()).select_from(DocumentNumberRow)) or 0


def test_downloading_a_notice_reads_and_numbers_nothing(harness: Harness) -> None:
    """On 1 April, before the escalation: the deadline page's and the item link's download
    give the notice without a number, and take none."""
    harness.write()
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    web = web_at(harness, "2026-04-01 10:00")
    url = "/deadline/annual-report/notice.docx?period=2026-03-31"
    assert web.get(url).headers["location"] == "/login"
    assert web.post("/login", data={"name": "张三", "password": PASSWORD}).status_code == 303
    page = web.get("/deadline/annual-report").text
    assert 'href="/deadline/annual-report/notice.docx?period=2026-03-31"' in page
    r = web.get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    text = paragraphs(r.content)
    assert text[:2] == ["督办通知单", "法规信访科："]
    with transaction(web.app.state.ctx.engine) as s:  # type: ignore[attr-defined]
        occurrence = s.scalars(select(OccurrenceRow.id)).one()
    token = links.issue("legal", links.item(occurrence), at("2026-04-01 10:00"), SECRET)
    web.cookies.clear()
    assert f'href="/i/{token}/notice.docx"' in web.get(f"/i/{token}").text
    r = web.get(f"/i/{token}/notice.docx")
    assert r.status_code == 200 and paragraphs(r.content)[2].startswith("第41项 发布年度报告")
    assert web.get("/i/forged/notice.docx").status_code != 200
    assert numbers_taken(web) == 0


def test_the_report_downloads_as_docx_for_administrators_only(harness: Harness) -> None:
    harness.write()
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    web = web_at(harness, "2026-04-02 10:00")
    assert web.get("/report.docx?month=2026-03").headers["location"] == "/login"
    web.post("/login", data={"name": "张三", "password": PASSWORD})
    r = web.get("/report.docx?month=2026-03")
    assert r.status_code == 200
    assert paragraphs(r.content)[:2] == [
        "关于2026年3月政务公开工作任务办理情况的通报",
        "各科室（单位）：",
    ]
    assert numbers_taken(web) == 0
    assert web.get("/report.docx?month=2026-13").status_code == 400

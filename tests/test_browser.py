"""The pages in a real headless chromium against a real uvicorn server: a supervisor filters
the board; an office follows the link of a reminder as its mail server received it, sees that
opening it changed nothing, confirms 办结 and sees the light turn; tampered, expired and
other-office links change nothing; the pages fit a 390-pixel phone."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from reminder import links
from reminder.app import admins
from reminder.store.engine import transaction
from reminder.store.models import ActionRow
from reminder.web.app import create_app
from reminder.web.context import Secrets, WebContext
from tests.browser import chromium, free_port, no_horizontal_scroll, phone, screenshot, serving
from tests.delivery_harness import Harness, at, web_context

SECRET = "browser-test-secret-0123456789abcdefgh"
PASSWORD = "督办密码2027-登录用"

pytestmark = pytest.mark.slow


@pytest.fixture
def site(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Harness]]:
    """The harness's offices and task, reminders sent on the due day with links to a server
    on a free port, and that server running."""
    port = free_port()
    monkeypatch.setenv("REMINDER_SECRET", SECRET)
    harness.write(f'\n[web]\nbase_url = "http://127.0.0.1:{port}"\n')
    text = harness.path.read_text(encoding="utf-8")  # the lead office reads its email too
    harness.path.write_text(
        text.replace(
            'name = "法规信访科"\n', 'name = "法规信访科"\nemail = ["fgxfk@example.gov.cn"]\n'
        ),
        encoding="utf-8",
    )
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    ctx = web_context(harness, SECRET, password=PASSWORD)
    with serving(create_app(ctx), port) as url:
        yield url, harness


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def audit(harness: Harness) -> list[tuple[str, str, str]]:
    assert harness.runtime is not None
    with transaction(harness.runtime.engine) as s:
        rows = s.scalars(select(ActionRow).order_by(ActionRow.id)).all()
        return [(r.office_id, r.action, r.via) for r in rows]


def wait_for_url(browser: Any, part: str) -> None:
    """Wait for the page a click leads to (a form's submit is a navigation)."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(expected_conditions.url_contains(part))


def login(browser: Any, url: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{url}/board")
    assert browser.current_url == f"{url}/login"
    browser.find_element(By.NAME, "name").send_keys("张三")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.stack button").click()
    wait_for_url(browser, "/board")


def test_a_supervisor_logs_in_and_filters_the_board(
    site: tuple[str, Harness], browser: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    url, _ = site
    login(browser, url)
    assert browser.find_element(By.CSS_SELECTOR, 'strong[data-light="yellow"]').text == "1"
    assert "发布年度报告" in browser.find_element(By.CSS_SELECTOR, "table").text
    Select(browser.find_element(By.NAME, "light")).select_by_value("red")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    wait_for_url(browser, "light=red&kind=")
    assert "没有符合条件的事项" in browser.find_element(By.CSS_SELECTOR, "table").text
    Select(browser.find_element(By.NAME, "light")).select_by_value("")
    Select(browser.find_element(By.NAME, "office")).select_by_value("finance")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    wait_for_url(browser, "office=finance")
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 1 and "计财科" in rows[0].text
    rows[0].find_element(By.TAG_NAME, "a").click()
    wait_for_url(browser, "/deadline/annual-report")
    assert browser.find_element(By.TAG_NAME, "h1").text == "41. 发布年度报告"


def test_an_office_follows_the_link_in_its_email_and_closes_the_task(
    site: tuple[str, Harness], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    url, harness = site
    # The reminder as the lead office's mail server received it: its plain text part.
    (mail,) = [m for m in harness.smtp.received if m.rcpt_tos == ["fgxfk@example.gov.cn"]]
    body = mail.message.get_body(("plain",)).get_content()
    (link,) = re.findall(rf"{re.escape(url)}/i/\S+", body)
    pending = len(harness.outbox(status="pending"))
    browser.get(link)
    assert browser.find_element(By.TAG_NAME, "h1").text == "41. 发布年度报告"
    # Opening it (as a mail scanner or a chat preview would) changed nothing.
    assert len(harness.outbox(status="pending")) == pending > 0 and audit(harness) == []
    closing = "//button[contains(@class, 'primary')]/ancestor::form//textarea[@name='note']"
    browser.find_element(By.XPATH, closing).send_keys("已在门户网站发布")
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()  # 办结
    wait_for_url(browser, "/act")
    # A second step, no script: the confirm page, its note carried over; nothing done yet.
    assert browser.find_element(By.TAG_NAME, "h1").text == "确认办结"
    assert browser.find_element(By.NAME, "note").get_attribute("value") == "已在门户网站发布"
    assert audit(harness) == []
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()  # 确认办结
    wait_for_url(browser, "?ok=done")
    assert browser.find_element(By.CSS_SELECTOR, ".notice").text == "已办结。"
    assert "已办结" in browser.find_element(By.CSS_SELECTOR, ".state").text
    assert harness.outbox(status="pending") == []
    assert audit(harness) == [("legal", "done", "link")]


def test_tampered_expired_and_other_office_links_change_nothing(
    site: tuple[str, Harness], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    url, harness = site
    now = harness.clock.now()
    (occ,) = {r.occurrence_id for r in harness.outbox()}
    good = links.issue("legal", links.item(occ), now, SECRET)
    forged = links.issue("legal", links.item(occ), now, "another-secret-0123456789")
    expired = links.issue("legal", links.item(occ), now - timedelta(days=31), SECRET)
    other = links.issue("office", links.item(occ), now, SECRET)  # not on the task
    for token, words in (
        (good[:-2] + ("AA" if not good.endswith("AA") else "BB"), "不是本系统签发的"),
        (forged, "不是本系统签发的"),
        (expired, "链接已过期"),
        (other, "没有这个页面、科室或事项"),
    ):
        browser.get(f"{url}/i/{token}")
        assert words in browser.find_element(By.CSS_SELECTOR, "main").text
        assert not browser.find_elements(By.CSS_SELECTOR, "button.primary")
    # The cooperating office's link shows 签收 and 反馈, no 办结.
    browser.get(f"{url}/i/{links.issue('finance', links.item(occ), now, SECRET)}")
    buttons = [b.text for b in browser.find_elements(By.TAG_NAME, "button")]
    assert buttons == ["签收", "提交反馈"]
    assert audit(harness) == []


def broken(browser: Any) -> list[str]:
    """Dates, badges and navigation links laid out over more than one line."""
    return list(
        browser.execute_script(
            "return [...document.querySelectorAll('.light, .nowrap, .tag, nav a')]"
            ".filter(e => e.getClientRects().length > 1).map(e => e.textContent)"
        )
    )


def test_an_office_that_has_not_signed_leaves_the_unsigned_filter_by_signing(
    site: tuple[str, Harness], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    url, harness = site
    login(browser, url)
    browser.get(f"{url}/board?unsigned=1&office=finance")
    (row,) = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert "发布年度报告" in row.text and "计财科" in row.text
    # The cooperating office follows the link of its reminder and signs.
    (mail,) = [m for m in harness.smtp.received if m.rcpt_tos == ["jck@example.gov.cn"]]
    body = mail.message.get_body(("plain",)).get_content()
    (link,) = re.findall(rf"{re.escape(url)}/i/\S+", body)
    browser.get(link)
    browser.find_element(By.CSS_SELECTOR, 'button[aria-label^="签收："]').click()
    wait_for_url(browser, "?ok=ack")
    assert re.search(
        r"已签收 \d{4}-\d\d-\d\d \d\d:\d\d", browser.find_element(By.TAG_NAME, "main").text
    )
    assert not browser.find_elements(By.CSS_SELECTOR, 'button[aria-label^="签收："]')
    browser.get(f"{url}/board?unsigned=1&office=finance")
    assert "没有符合条件的事项" in browser.find_element(By.CSS_SELECTOR, "tbody").text
    assert audit(harness) == [("finance", "ack", "link")]


def test_pages_fit_a_phone_without_horizontal_scrolling(
    site: tuple[str, Harness], browser: Any
) -> None:
    url, harness = site
    (occ,) = {r.occurrence_id for r in harness.outbox()}
    now = harness.clock.now()
    login(browser, url)
    phone(browser)
    for path in (
        "/board",
        "/deadline/annual-report",
        "/office/legal",
        f"/i/{links.issue('legal', links.item(occ), now, SECRET)}",
        f"/o/{links.issue('legal', links.OFFICE, now, SECRET)}",
    ):
        browser.get(url + path)
        assert no_horizontal_scroll(browser), path
        assert broken(browser) == [], path


def test_screenshots_of_the_shipped_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, browser: Any
) -> None:
    """The board, an office's page and the 通报 of the shipped 42-task table in February 2027
    (a routine duty confirmed, the annual report closed late, the 开放广东 update open and
    overdue), at desktop width: the screenshots in docs/screenshots/ come from here."""
    from selenium.webdriver.common.by import By

    from reminder.app.actions import mark_done
    from reminder.app.completion import Which
    from reminder.app.sync import open_database, sync
    from reminder.clock import FixedClock
    from reminder.config.loader import load_config
    from reminder.shipped import shipped

    monkeypatch.setenv("REMINDER_DATABASE_URL", f"sqlite:///{tmp_path / 'reminder.db'}")
    path = tmp_path / "schedules.toml"
    shutil.copyfile(shipped("schedules.toml"), path)
    config = load_config(path)
    engine = open_database(config)
    clock = FixedClock(at("2026-12-01 08:00"))
    sync(config, engine, clock.now())
    for deadline, office, when in (
        ("annual-report-quality", "office", "2026-12-18 10:00"),
        ("annual-disclosure-report", "office", "2027-02-03 11:00"),  # three working days late
    ):
        clock.set(at(when))
        mark_done(config, engine, clock.now(), Which(deadline=deadline, office=office))
    clock.set(at("2027-02-22 10:00"))
    ctx = WebContext(
        config_path=str(path),
        config=config,
        engine=engine,
        clock=clock,
        secrets=Secrets(keys=(SECRET,)),
    )
    admins.add(engine, "张三", PASSWORD, clock.now())
    port = free_port()
    with serving(create_app(ctx), port) as url:
        login(browser, url)
        assert int(browser.find_element(By.CSS_SELECTOR, 'strong[data-light="red"]').text) >= 1
        screenshot(browser, "board")
        browser.get(f"{url}/office/office")
        assert browser.find_element(By.TAG_NAME, "h1").text == "办公室"
        screenshot(browser, "office")
        browser.get(f"{url}/report?year=2026")
        assert "2026年工作任务办理情况通报" in browser.find_element(By.TAG_NAME, "h1").text
        browser.get(f"{url}/report?month=2027-01")
        assert browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.late")
        screenshot(browser, "report")
        browser.get(f"{url}/calendar?year=2026")
        assert browser.find_elements(By.CSS_SELECTOR, "td.makeup")
        screenshot(browser, "calendar")
        # The same at 390 px, as the WeCom browser shows them: nothing scrolls sideways,
        # no date, badge or link of the navigation breaks.
        for path, name in (("/board", "board-phone"), ("/office/office", "office-phone")):
            phone(browser)
            browser.get(url + path)
            assert no_horizontal_scroll(browser) and broken(browser) == [], path
            screenshot(browser, name)


def test_the_log_export_downloads_as_utf8_with_a_bom(
    site: tuple[str, Harness], tmp_path: Path
) -> None:
    """What a supervisor's browser saves from 导出 CSV opens in Chinese Excel as UTF-8."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, _ = site
    folder = tmp_path / "downloads"
    folder.mkdir()
    with chromium(downloads=folder) as browser:
        login(browser, url)
        browser.get(f"{url}/log?office=legal")
        browser.find_element(By.LINK_TEXT, "CSV").click()
        WebDriverWait(browser, 20).until(
            lambda _: any(p.suffix == ".csv" for p in folder.iterdir())
        )
    (saved,) = [p for p in folder.iterdir() if p.suffix == ".csv"]
    assert saved.name == "发送记录.csv"
    data = saved.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("时间,状态,科室代码,科室,渠道,")
    assert len(lines) > 1 and all(",legal,法规信访科," in line for line in lines[1:])

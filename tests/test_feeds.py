"""Calendar feeds, parsed back with icalendar: one all-day event per occurrence, stable UIDs,
【牵头】/【配合】, alarms at the office's lead times, done ones marked; the web feed's token."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from reminder import links
from reminder.app.actions import mark_done
from reminder.app.completion import Which
from reminder.cli.main import main
from reminder.web.app import create_app
from tests.delivery_harness import Harness, at, web_context

SECRET = "feed-secret-0123456789abcdef"


def ics(capsys: pytest.CaptureFixture[bytes], *args: str) -> Calendar:
    assert main(["ics", *args]) == 0
    return Calendar.from_ical(capsys.readouterr().out)


def test_an_office_feed_has_its_tasks_with_alarms_at_its_lead_times(
    harness: Harness, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    harness.write('remind = ["7d", "1wd", "0d"]')
    runtime = harness.start("2026-03-01 08:00")
    harness.tick("2026-03-02 09:00")
    cfg = ["--config", str(harness.path), "--now", "2026-03-02T10:00"]
    legal = ics(capsysbinary, *cfg, "--office", "legal")
    (event,) = legal.walk("VEVENT")
    assert str(event["summary"]) == "【牵头】41. 发布年度报告"
    assert event.decoded("dtstart") == date(2026, 3, 31)
    assert event.decoded("dtend") == date(2026, 4, 1)
    assert str(event["uid"]) == "annual-report.2026-03-31.legal@reminder"
    assert "配合：计财科" in str(event["description"])
    triggers = sorted(a.decoded("trigger") for a in event.walk("VALARM"))
    assert triggers == [
        datetime(2026, 3, 24, 1, 0, tzinfo=UTC),  # 7 days before, 09:00 in Beijing
        datetime(2026, 3, 30, 1, 0, tzinfo=UTC),  # 1 working day before
        datetime(2026, 3, 31, 1, 0, tzinfo=UTC),  # the due day
    ]
    finance = ics(capsysbinary, *cfg, "--office", "finance")
    (event,) = finance.walk("VEVENT")
    assert str(event["summary"]).startswith("【配合】")
    # The same UIDs on a second export: a calendar app updates, it does not duplicate.
    again = ics(capsysbinary, *cfg, "--office", "legal")
    assert [str(e["uid"]) for e in again.walk("VEVENT")] == [
        "annual-report.2026-03-31.legal@reminder"
    ]
    mark_done(
        runtime.config,
        runtime.engine,
        at("2026-03-25 10:00"),
        Which(deadline="annual-report", office="legal"),
    )
    done = ics(
        capsysbinary,
        "--config",
        str(harness.path),
        "--now",
        "2026-03-26T10:00",
        "--office",
        "legal",
    )
    (event,) = done.walk("VEVENT")
    assert str(event["summary"]).startswith("【已办结】【牵头】")
    assert not event.walk("VALARM")


def test_the_web_feed_needs_a_feed_token_of_that_office(harness: Harness) -> None:
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-02 09:00")
    ctx = web_context(harness, SECRET)
    client = TestClient(create_app(ctx))
    now = harness.clock.now()
    token = links.issue("legal", links.FEED, now, SECRET, days=366)
    r = client.get("/ics/legal.ics", params={"token": token})
    assert r.status_code == 200 and r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert len(Calendar.from_ical(r.content).walk("VEVENT")) == 1
    assert client.get("/ics/finance.ics", params={"token": token}).status_code == 403
    office_token = links.issue("legal", links.OFFICE, now, SECRET)
    assert client.get("/ics/legal.ics", params={"token": office_token}).status_code == 403
    assert client.get("/ics/legal.ics").status_code == 403


def test_a_feed_or_report_before_any_sync_says_why_it_is_empty(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    warning = (
        "warning: the database knows no deadline yet: run `reminder sync` first "
        "(`reminder run` and `tick` do it)\n"
    )
    cfg = ["--config", str(harness.path), "--now", "2026-03-02T10:00"]
    assert main(["ics", *cfg, "--office", "legal"]) == 0
    assert capsys.readouterr().err == warning
    assert main(["report", *cfg, "--year", "2026"]) == 0
    assert capsys.readouterr().err == warning
    assert main(["sync", *cfg]) == 0
    assert main(["report", *cfg, "--year", "2026"]) == 0
    assert capsys.readouterr().err == ""

"""Exports as Excel reads them: XLSX with a title row, a frozen and filtered header, real date
and time cells, periods as text and columns wide enough for Chinese; CSV with a BOM, local
times as 2026-03-25 09:00 and periods Excel keeps as written; formulas defused in both."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from reminder.cli.main import main
from reminder.exports import TEXT_GUARD, Column, Sheet, csv_text, xlsx_bytes
from reminder.web.app import create_app
from tests.delivery_harness import Harness, at, web_context

SECRET, PASSWORD = "e" * 32, "督办-password-1"
FORMULA = '=HYPERLINK("http://evil.example","报送月度统计")'
MONTHLY = f"""
[[deadlines]]
id = "monthly-stats"
title = '{FORMULA}'
lead = ["legal"]
due = "monthly 25"
remind = ["0d"]
"""
DEFAULT_WIDTH = 8.43  # Excel's column width when none is set
# What Excel, in a Chinese locale too, turns into a date when it opens a CSV.
EXCEL_DATES = (
    re.compile(r"\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?( \d{1,2}:\d{2}(:\d{2})?)?"),
    re.compile(r"(\d{4}年)?\d{1,2}月(\d{1,2}日)?"),
)
LOG_HEADERS = ("时间", "状态", "科室代码", "科室", "渠道", "类型", "事项代码", "事项", "期间")


def excel_reads_as_date(text: str) -> bool:
    return any(p.fullmatch(text.strip()) for p in EXCEL_DATES)


def sheet_of(data: bytes | Path) -> Any:
    book = openpyxl.load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)
    return book.worksheets[0]


def by_header(ws: Any) -> dict[str, Any]:
    """The first data row's cells by their header (row 2)."""
    return {head.value: cell for head, cell in zip(ws[2], ws[3], strict=True)}


def width(ws: Any, cell: Any) -> float:
    return float(ws.column_dimensions[cell.column_letter].width)


def test_an_xlsx_export_has_a_title_row_a_frozen_filtered_header_and_real_dates() -> None:
    rows = [
        {
            "at": at("2027-01-22 09:00"),
            "period": "2027年1月",
            "key": "2027-01",
            "due": date(2027, 1, 31),
            "title": FORMULA,
            "n": 3,
        }
    ] * 4
    columns = [
        Column("at", "发送时间", "datetime"),
        Column("period", "期间", "period"),
        Column("key", "期间代码", "period"),
        Column("due", "截止日期", "date"),
        ("title", "事项名称"),
        Column("n", "次数", "number"),
    ]
    title = "发送记录　2027年1月1日至2027年1月31日（导出时间：2027-02-03 09:00）"
    ws = sheet_of(xlsx_bytes([Sheet(name="发送记录", title=title, columns=columns, rows=rows)]))
    assert ws.title == "发送记录" and ws["A1"].value == title
    assert [c.value for c in ws[2]] == [
        "发送时间",
        "期间",
        "期间代码",
        "截止日期",
        "事项名称",
        "次数",
    ]
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:F6"
    at_, period, key, due, text, n = ws[3]
    assert at_.value == datetime(2027, 1, 22, 9, 0) and at_.is_date  # local, no tzinfo
    assert at_.number_format == "yyyy-mm-dd hh:mm"
    assert due.value == datetime(2027, 1, 31) and due.number_format == "yyyy-mm-dd"
    assert (period.value, period.data_type) == ("2027年1月", "s")
    assert (key.value, key.data_type) == ("2027-01", "s")  # text, not January 2027
    assert (text.value, text.data_type) == (FORMULA, "s")  # text, not a formula
    assert (n.value, n.data_type) == (3, "n")
    # Columns fit their content, a Chinese character counting two.
    assert width(ws, text) >= 2 * 6 + len('=HYPERLINK("http://evil.example","")') > DEFAULT_WIDTH
    assert width(ws, at_) >= len("2027-01-22 09:00") and width(ws, period) > DEFAULT_WIDTH


def test_csv_times_are_local_without_t_or_offset_and_periods_stay_text() -> None:
    rows = [{"at": at("2027-01-22 09:00"), "p": "2027年1月", "k": "2027-01", "q": "2027年第一季度"}]
    columns = [
        Column("at", "时间", "datetime"),
        Column("p", "期间", "period"),
        Column("k", "期间代码", "period"),
        Column("q", "季度", "period"),
    ]
    text = csv_text([*rows, {"at": None, "p": "-1"}], columns)
    assert text.startswith("\ufeff时间,期间,期间代码,季度\r\n")
    first, second = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))[1:]
    assert first == [
        "2027-01-22 09:00",
        TEXT_GUARD + "2027年1月",
        TEXT_GUARD + "2027-01",
        "2027年第一季度",
    ]
    assert not any(excel_reads_as_date(cell) for cell in first[1:])
    assert excel_reads_as_date("2027年1月") and excel_reads_as_date("2027-01")  # unguarded
    assert second == ["", "'-1", "", ""]  # a period cell that starts like a formula is defused


@pytest.fixture
def logged(harness: Harness) -> Harness:
    """A monthly task led by legal, whose title is a formula, reminded on 25 March."""
    harness.write(MONTHLY)
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-25 09:00")
    return harness


def web_of(harness: Harness) -> TestClient:
    client = TestClient(create_app(web_context(harness, SECRET, password=PASSWORD)))
    r = client.post("/login", data={"name": "张三", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    return client


def assert_log_sheet(ws: Any, title_starts: str) -> None:
    assert ws["A1"].value.startswith(title_starts), ws["A1"].value
    assert "（导出时间：2026-03-26 10:00）" in ws["A1"].value
    assert tuple(c.value for c in ws[2])[:9] == LOG_HEADERS
    last = ws.cell(2, ws.max_column).column_letter
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == f"A2:{last}{ws.max_row}"
    monthly = [r for r in ws.iter_rows(min_row=3) if r[6].value == "monthly-stats"]
    assert monthly
    cells = {head.value: cell for head, cell in zip(ws[2], monthly[0], strict=True)}
    assert cells["时间"].value == datetime(2026, 3, 25, 9, 0) and cells["时间"].is_date
    assert cells["截止日期"].value == datetime(2026, 3, 25) and cells["截止日期"].is_date
    assert (cells["期间"].value, cells["期间"].data_type) == ("2026年3月", "s")
    assert (cells["事项"].value, cells["事项"].data_type) == (FORMULA, "s")
    assert width(ws, cells["事项"]) > DEFAULT_WIDTH and width(ws, cells["科室"]) > DEFAULT_WIDTH


def assert_log_csv(text: str) -> None:
    assert text.startswith("\ufeff" + ",".join(LOG_HEADERS))
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    (monthly,) = [r for r in rows if r["事项代码"] == "monthly-stats"]
    assert (monthly["时间"], monthly["截止日期"]) == ("2026-03-25 09:00", "2026-03-25")
    assert monthly["期间"] == TEXT_GUARD + "2026年3月"
    assert not excel_reads_as_date(monthly["期间"])
    assert monthly["事项"] == "'" + FORMULA
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", r["时间"]) for r in rows)


def test_the_sent_log_page_exports_what_excel_reads_right(logged: Harness) -> None:
    logged.clock.set(at("2026-03-26 10:00"))
    web = web_of(logged)
    r = web.get("/log.xlsx", params={"office": "legal", "since": "2026-03-01"})
    assert r.status_code == 200
    assert_log_sheet(sheet_of(r.content), "发送记录（法规信访科）　2026年3月1日起")
    assert_log_csv(web.get("/log.csv").content.decode("utf-8"))


def test_reminder_log_exports_as_the_page_does(
    logged: Harness, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cfg, now = str(logged.path), "2026-03-26T10:00"
    out = tmp_path / "发送记录.xlsx"
    args = ["log", "--config", cfg, "--now", now, "--since", "2026-03-25", "--until", "2026-03-25"]
    assert main([*args, "--format", "xlsx", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed == f"wrote {out}: 1 log entry\n"
    assert_log_sheet(sheet_of(out), "发送记录　2026年3月25日至2026年3月25日")
    assert main(["log", "--config", cfg, "--now", now, "--format", "csv"]) == 0
    text = capsys.readouterr().out
    assert_log_csv(text)
    assert text.splitlines()[0].endswith(",响应码,消息内容")  # the CLI keeps the message too
    assert main(["log", "--config", cfg, "--format", "xlsx"]) == 2
    assert capsys.readouterr().err == "reminder: --format xlsx writes a file: give -o FILE\n"


def test_the_report_exports_with_its_title_and_numbers_as_numbers(
    logged: Harness, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "通报.xlsx"
    args = [
        "report",
        "--config",
        str(logged.path),
        "--month",
        "2026-03",
        "--now",
        "2026-04-02T10:00",
    ]
    assert main([*args, "--format", "xlsx", "-o", str(out)]) == 0
    capsys.readouterr()
    logged.clock.set(at("2026-04-02 10:00"))
    page = web_of(logged).get("/report.xlsx", params={"month": "2026-03"}).content
    for ws in (sheet_of(out), sheet_of(page)):
        assert ws["A1"].value == "2026年3月工作任务办理情况通报（截至2026年4月2日）"
        assert ws["A2"].value == "科室" and ws.freeze_panes == "A3"
        assert ws.auto_filter.ref == f"A2:{ws.cell(2, ws.max_column).column_letter}{ws.max_row}"
        cells = by_header(ws)
        assert cells["应办"].data_type == "n" and cells["科室"].data_type == "s"
        assert width(ws, cells["最多逾期工作日"]) >= 2 * len("最多逾期工作日")


def test_preview_csv_gives_local_times_and_text_periods(
    logged: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    """`reminder status` has no CSV (table or JSON); `preview --format csv` is the other one."""
    window = ["--from", "2026-04-24", "--to", "2026-04-27", "--office", "legal"]
    assert main(["preview", "--config", str(logged.path), *window, "--format", "csv"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("\ufeffdeadline,task,title,due,nominal_due,remind_at,")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [(r["remind_at"], r["due"], r["kind"]) for r in rows] == [
        ("2026-04-24 09:00", "2026-04-24", "due"),
        ("2026-04-27 09:00", "2026-04-24", "overdue"),
    ]
    april = rows[0]
    assert april["period"] == TEXT_GUARD + "2026-04" and not excel_reads_as_date(april["period"])
    assert april["title"] == "'" + FORMULA

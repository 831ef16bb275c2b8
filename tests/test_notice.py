"""`reminder calendar --from-notice`: the State Council's holiday notice, pasted as published,
becomes the [calendar] block; the notices of years the package has data for agree with it
date for date, and an appended block makes `check` stop calling the year provisional."""

from __future__ import annotations

import io
import sys
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from chinese_calendar import constants

from reminder.calendar.notice import disagreements, parse_notice
from reminder.cli.main import main
from reminder.config.loader import load_config
from tests.conftest import BASE, SHIPPED, variant

NOTICES = Path(__file__).resolve().parent / "data" / "notices"

# FIXTURE, not a published notice: an invented 2027 notice in the published format, standing
# for the one the State Council will publish in November 2026.
NOTICE_2027 = """\
国务院办公厅关于2027年部分节假日安排的通知
国办发明电〔2026〕0号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　经国务院批准，现将2027年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
　　一、元旦：1月1日（周五）至3日（周日）放假，共3天。
　　二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。2月20日（周六）上班。
　　三、清明节：4月3日（周六）至5日（周一）放假，共3天。
　　四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
　　五、端午节：6月9日（周三）放假1天，不调休。
　　六、中秋节：9月15日（周三）放假1天，不调休。
　　七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
　　节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作。

国务院办公厅
2026年11月10日
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def published(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("year", "rest", "work"),
    # The year's holidays (every day of each 放假 range) and make-up workdays, as many as
    # chinesecalendar has; 2017's notice is of the older style (星期一, 补休, 与周末连休).
    [(2017, 24, 5), (2023, 26, 7), (2024, 28, 8), (2025, 28, 5), (2026, 33, 6)],
)
def test_a_published_notice_gives_every_rest_day_and_makeup_workday_of_the_package(
    year: int, rest: int, work: int
) -> None:
    notice = parse_notice(published(year), source=f"{year}.txt")
    assert notice.year == year
    first = date(year, 1, 1)
    for day in (first + timedelta(days=n) for n in range(366)):
        if day.year == year:
            assert notice.is_rest(day) == (not chinese_calendar.is_workday(day)), day
    holidays = {d for d in notice.rest_days() if d.year == year}
    package_holidays = {d for d in constants.holidays if d.year == year}
    package_workdays = {d for d in constants.workdays if d.year == year}
    assert holidays <= package_holidays
    # The package also lists the weekend before next year's 元旦 (2023-12-30 and 31: "1月1日
    # 放假，与周末连休" in the 2024 notice), which the notice of the year does not.
    assert all(d.weekday() >= 5 and d.month == 12 for d in package_holidays - holidays)
    assert set(notice.rest_days()) - holidays <= set(constants.holidays)  # 2022-12-31
    assert set(notice.workdays()) == package_workdays
    assert (len(holidays), len(package_workdays)) == (rest, work)
    assert disagreements(notice) == []


def test_a_title_broken_in_two_and_items_wrapped_as_copied_from_the_pdf_read_the_same() -> None:
    text = published(2024).replace("关于2024年部分", "关于2024年\n部分")
    text = text.replace("共8天。2月4日", "共8天。\n2月4日")  # a wrap just after a full stop
    text = text.replace("2月18日", "2月1\n8日")  # and one within a date
    lines = [line.strip() for line in text.splitlines()]
    wrapped = "\n".join(
        "\n".join(line[i : i + 17] for i in range(0, len(line), 17)) for line in lines
    )
    assert "\n8日（星期日）上班。" in wrapped  # 2月1|8日: a date broken over two lines
    pdf = parse_notice(wrapped, source="pdf.txt")
    notice = parse_notice(published(2024), source="2024.txt")
    assert pdf.title == notice.title == "国务院办公厅关于2024年部分节假日安排的通知"
    assert pdf.rest_days() == notice.rest_days()
    assert pdf.workdays() == notice.workdays()
    assert [h.name for h in pdf.holidays] == [h.name for h in notice.holidays]


def test_the_block_names_each_day_and_confirms_the_year(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "calendar", "--from-notice", str(NOTICES / "2025.txt"))
    assert code == 0
    lines = out.splitlines()
    assert lines[:4] == [
        "# 国务院办公厅关于2025年部分节假日安排的通知",
        "[calendar]",
        "holidays = [",
        '    "2025-01-01",  # 元旦',
    ]
    assert '    "2025-02-04",  # 春节' in lines  # across months: 1月28日至2月4日
    assert '    "2025-06-01",  # 端午节' in lines  # 5月31日至6月2日
    assert '    "2025-10-08",  # 国庆节、中秋节' in lines
    workdays = lines[lines.index("workdays = [") : lines.index("]", lines.index("workdays = ["))]
    assert workdays[1:] == [
        '    "2025-01-26",  # 春节',
        '    "2025-02-08",  # 春节',
        '    "2025-04-27",  # 劳动节',
        '    "2025-09-28",  # 国庆节、中秋节',
        '    "2025-10-11",  # 国庆节、中秋节',
    ]
    assert lines[-1] == "confirmed_years = [2025]"
    assert err == (
        "2025: 28 rest day(s) in 6 holidays, 5 make-up workday(s); the notice agrees with the "
        "package's official data on every rest day and make-up workday of the year\n"
    )
    gb = tmp_path / "gb18030.txt"
    gb.write_bytes(published(2025).encode("gb18030"))
    assert run(capsys, "calendar", "--from-notice", str(gb)) == (0, out, err)


def test_commas_for_full_stops_read_the_same() -> None:
    text = published(2025).replace("共8天。1月26日", "共8天，1月26日").replace("共5天。", "共5天；")
    assert text != published(2025)
    comma = parse_notice(text, source="notice.txt")
    assert comma == parse_notice(published(2025), source="2025.txt")


@pytest.mark.parametrize("written", ["12月31日至1月2日", "2022年12月31日至1月2日"])
def test_a_range_over_new_year_without_its_years_reads_as_with_them(written: str) -> None:
    """元旦 of 2023 began on 2022-12-31: the notice writes both years, a hand-typed copy may not."""
    text = published(2023).replace("2022年12月31日至2023年1月2日", written)
    assert text != published(2023)
    notice = parse_notice(text, source="notice.txt")
    assert notice == parse_notice(published(2023), source="notice.txt")
    assert date(2022, 12, 31) in notice.rest_days()


def test_a_notice_that_differs_from_the_package_is_told_date_by_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = published(2025).replace("至8日（周三）放假调休，共8天", "至7日（周二）放假调休，共7天")
    path = tmp_path / "notice.txt"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "calendar", "--from-notice", str(path))
    assert code == 0 and "confirmed_years = [2025]" in out
    assert err == (
        "2025: 27 rest day(s) in 6 holidays, 5 make-up workday(s); the notice differs from the "
        "package's official data on 1 day(s):\n"
        "  2025-10-08 Wed: a working day in the notice, a rest day in the package's data\n"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "2月8日（周六）上班",
            "2月30日（周六）上班",
            "notice.txt:8: 2月30日(周六) is not a date (2月 of 2025 has 28 days)",
        ),
        (
            "4月4日（周五）",
            "4月4日（周四）",
            "notice.txt:9: 4月4日(周四) says 周四, but 2025-04-04 is a Friday (周五)",
        ),
        (
            "4月27日（周日）上班",
            "4月28日上班",
            "notice.txt:10: 4月28日 is a make-up workday (上班) but 2025-04-28 is a Monday, "
            "not a weekend day",
        ),
        (
            "共3天。\n　　四",
            "共4天。\n　　四",
            "notice.txt:9: 共4天, but 2025-04-04 to 2025-04-06 is 3 day(s)",
        ),
    ],
    ids=["no-such-date", "wrong-weekday", "makeup-on-a-weekday", "wrong-count"],
)
def test_a_bad_date_exits_2_with_its_line_and_prints_nothing(
    old: str, new: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = published(2025)
    assert old in text
    path = tmp_path / "notice.txt"
    path.write_text(text.replace(old, new), encoding="utf-8")
    code, out, err = run(capsys, "calendar", "--from-notice", str(path))
    line = int(message.split(":")[1])
    shown = text.replace(old, new).splitlines()[line - 1].strip()
    assert (code, out) == (2, "")
    assert err == f"reminder: {path.parent}/{message}\n  {shown}\n"


def test_a_text_that_is_not_a_notice_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notice.txt"
    path.write_text("关于做好2027年元旦春节期间有关工作的通知\n一、加强值班。\n", encoding="utf-8")
    assert run(capsys, "calendar", "--from-notice", str(path)) == (
        2,
        "",
        f"reminder: {path}: is not a State Council holiday notice: no title like "
        "国务院办公厅关于2027年部分节假日安排的通知\n",
    )
    path.write_bytes(b"\xff\xfe\x00\xd8garbage\x81")
    assert run(capsys, "calendar", "--from-notice", str(path)) == (
        2,
        "",
        f"reminder: {path}: is neither UTF-8 nor GB18030 text\n",
    )


def test_a_title_with_no_numbered_holidays_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notice.txt"
    path.write_text(
        "国务院办公厅关于2027年部分节假日安排的通知\n（全文见中国政府网）\n", encoding="utf-8"
    )
    assert run(capsys, "calendar", "--from-notice", str(path)) == (
        2,
        "",
        f"reminder: {path}: no numbered holidays (一、元旦：1月1日……放假) in it: "
        "paste the notice's whole text\n",
    )


def test_a_notice_on_standard_input_with_a_utf8_bom_reads_as_the_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = run(capsys, "calendar", "--from-notice", str(NOTICES / "2026.txt"))
    raw = b"\xef\xbb\xbf" + published(2026).replace("\n", "\r\n").encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    assert run(capsys, "calendar", "--from-notice", "-") == expected
    assert expected[0] == 0 and "confirmed_years = [2026]" in expected[1]


def test_check_asks_for_the_notice_from_15_november(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "schedules.toml"
    path.write_text(BASE, encoding="utf-8")
    _, before, _ = run(capsys, "check", "--config", str(path), "--now", "2026-11-14T09:00")
    _, after, _ = run(capsys, "check", "--config", str(path), "--now", "2026-11-15T09:00")
    assert "--from-notice" not in before
    assert "2027 has no official holiday schedule yet" in before
    assert (
        "once the State Council's notice for 2027 is out, `reminder calendar --from-notice "
        "NOTICE.txt` turns it into the [calendar] block to add here (warning)"
    ) in after


def test_check_asks_for_the_notice_even_when_no_reminder_falls_in_next_year_yet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "schedules.toml"
    text = variant('due = "yearly 01-31"', 'due = "2026-11-30"\noverdue = []\noverdue_limit = 0')
    path.write_text(text, encoding="utf-8")
    _, before, _ = run(capsys, "check", "--config", str(path), "--now", "2026-11-14T09:00")
    code, after, _ = run(capsys, "check", "--config", str(path), "--now", "2026-11-15T09:00")
    assert "2027" not in before
    assert code == 0
    assert (
        f"{path}:1: calendar: 2027 has no official holiday schedule yet: once the State "
        "Council's notice for 2027 is out, `reminder calendar --from-notice NOTICE.txt` turns "
        "it into the [calendar] block to add here (warning)"
    ) in after.splitlines()


def test_the_2027_notice_appended_to_the_shipped_file_leaves_no_provisional_year(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notice = tmp_path / "notice.txt"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    block = tmp_path / "block.toml"
    code, out, err = run(capsys, "calendar", "--from-notice", str(notice), "-o", str(block))
    assert (code, out) == (0, "")
    assert "the package has no official data for 2027" in err
    config = tmp_path / "schedules.toml"
    shipped = SHIPPED.read_text(encoding="utf-8")
    config.write_text(shipped + "\n" + block.read_text(encoding="utf-8"), encoding="utf-8")
    _, plain, _ = run(capsys, "check", "--config", str(SHIPPED), "--now", "2026-11-20T09:00")
    assert "2027 has no official holiday schedule yet" in plain
    assert "reminder calendar --from-notice" in plain
    for now in ("2026-11-20T09:00", "2026-12-06T09:00"):
        code, out, _ = run(capsys, "check", "--config", str(config), "--now", now)
        assert code == 0
        assert "no official holiday schedule" not in out and "provisional" not in out
    cal = load_config(config, environ={}).calendar()
    assert cal.is_official(2027)
    assert not cal.is_workday(date(2027, 10, 4)) and cal.is_workday(date(2027, 10, 9))
    assert cal.workdays_between(date(2027, 1, 31), date(2027, 2, 28)) == 15
    # An existing file is not overwritten.
    code, out, err = run(capsys, "calendar", "--from-notice", str(notice), "-o", str(block))
    assert (code, out) == (2, "")
    assert err.startswith(f"reminder: -o: {block} exists")

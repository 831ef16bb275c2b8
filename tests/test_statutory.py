"""The statutory holidays written out in reminder/calendar/statutory.py are the `holidays`
package's, year for year, and a start that plans into a provisional year no longer imports it."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import holidays

from reminder.calendar import statutory
from reminder.calendar.workcal import WorkCalendar


def _package(year: int) -> dict[date, str]:
    days = holidays.country_holidays("CN", years=year, observed=False)
    return {d: str(n) for d, n in days.items()}


def test_every_year_of_the_table_is_the_package_s() -> None:
    years = sorted(statutory._years())
    assert years == list(range(2027, 2100))
    package = {year: _package(year) for year in years}
    table = {year: statutory.statutory_dates(year) for year in years}
    assert table == package, (
        "the holidays package moved: replace TABLE in reminder/calendar/statutory.py with\n"
        + statutory.table_text(package)
    )
    assert statutory.table_text(package) == statutory.TABLE


def test_a_year_beyond_the_table_is_asked_of_the_package() -> None:
    assert statutory.statutory_dates(2100) is None
    info = WorkCalendar().year_info(2100)
    assert not info.official
    assert dict(info.holidays) == _package(2100)
    assert date(2100, 10, 1) in dict(info.holidays)


def test_the_2027_provisional_calendar_reads_the_table() -> None:
    cal = WorkCalendar()
    assert not cal.is_official(2027)
    assert dict(cal.year_info(2027).holidays) == _package(2027)
    assert not cal.is_workday(date(2027, 2, 8))  # 春节, a Monday
    assert not cal.is_workday(date(2027, 9, 15))  # 中秋, a Wednesday
    assert cal.is_workday(date(2027, 9, 16))


def test_planning_into_a_provisional_year_does_not_import_the_package() -> None:
    code = (
        "import sys; from datetime import date; "
        "from reminder.calendar.workcal import WorkCalendar; "
        "c = WorkCalendar(); print(c.workdays_between(date(2026, 12, 1), date(2028, 3, 1)), "
        "'holidays' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    days, imported = out.stdout.split()
    assert int(days) == WorkCalendar().workdays_between(date(2026, 12, 1), date(2028, 3, 1))
    assert imported == "False"

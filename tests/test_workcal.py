from __future__ import annotations

from datetime import date

import pytest

from reminder.calendar.workcal import WorkCalendar, official_years

D = date


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (D(2026, 1, 1), False, "New Year's Day, a Thursday"),
        (D(2026, 1, 2), False, "New Year holiday on a Friday"),
        (D(2026, 1, 4), True, "make-up workday on a Sunday"),
        (D(2026, 1, 31), False, "plain Saturday"),
        (D(2026, 2, 13), True, "Friday before Spring Festival"),
        (D(2026, 2, 14), True, "make-up workday on a Saturday"),
        (D(2026, 2, 15), False, "Spring Festival starts (Sunday)"),
        (D(2026, 2, 16), False, "Spring Festival on a Monday"),
        (D(2026, 2, 20), False, "Spring Festival on a Friday"),
        (D(2026, 2, 23), False, "last Spring Festival day, a Monday"),
        (D(2026, 2, 24), True, "back to work"),
        (D(2026, 2, 28), True, "make-up workday on a Saturday"),
        (D(2026, 9, 20), True, "make-up workday on a Sunday"),
        (D(2026, 10, 1), False, "National Day"),
        (D(2026, 10, 7), False, "last National Day holiday, a Wednesday"),
        (D(2026, 10, 8), True, "back to work"),
        (D(2026, 10, 10), True, "make-up workday on a Saturday"),
        (D(2026, 10, 11), False, "plain Sunday"),
        (D(2024, 2, 29), True, "leap day, a Thursday"),
    ],
)
def test_official_2026(cal: WorkCalendar, day: date, working: bool, why: str) -> None:
    assert cal.is_workday(day) is working, why


def test_official_years_cover_2004_to_2026() -> None:
    years = official_years()
    assert {2004, 2020, 2026} <= years
    assert 2027 not in years


def test_provisional_year_has_weekends_and_statutory_days_only(cal: WorkCalendar) -> None:
    assert not cal.is_official(2027)
    assert cal.is_official(2026)
    assert cal.is_workday(D(2027, 1, 4))  # an ordinary Monday
    assert not cal.is_workday(D(2027, 1, 1))  # New Year's Day, a Friday
    assert not cal.is_workday(D(2027, 2, 5))  # Spring Festival eve, a Friday
    assert not cal.is_workday(D(2027, 2, 8))  # third day of the new year, a Monday
    assert cal.is_workday(D(2027, 2, 9))  # no guessed 调休: Tuesday works
    assert not cal.is_workday(D(2027, 2, 20))  # no make-up Saturday known yet
    assert not cal.is_workday(D(2027, 10, 1))
    info = cal.year_info(2027)
    assert not info.official
    assert info.workdays == ()
    assert [d for d, _ in info.holidays][:2] == [D(2027, 1, 1), D(2027, 2, 5)]


def test_overrides_win_and_confirmed_years_are_official() -> None:
    cal = WorkCalendar(
        extra_holidays=frozenset({D(2027, 2, 9), D(2026, 3, 2)}),
        extra_workdays=frozenset({D(2027, 2, 20), D(2026, 2, 15)}),
        confirmed_years=frozenset({2027}),
    )
    assert not cal.is_workday(D(2027, 2, 9))
    assert cal.is_workday(D(2027, 2, 20))
    assert not cal.is_workday(D(2026, 3, 2))  # override beats official data
    assert cal.is_workday(D(2026, 2, 15))
    assert cal.is_official(2027)
    info = cal.year_info(2027)
    assert (D(2027, 2, 20), "override") in info.workdays
    assert (D(2027, 2, 9), "override") in info.holidays


def test_weekdays_mode_ignores_holidays() -> None:
    cal = WorkCalendar(mode="weekdays")
    assert cal.is_workday(D(2026, 10, 1))
    assert not cal.is_workday(D(2026, 10, 10))
    assert cal.is_official(2031)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (D(2026, 2, 13), D(2026, 2, 24), 2),  # Sat 14 (make-up) and Tue 24
        (D(2026, 2, 24), D(2026, 2, 13), -2),
        (D(2026, 9, 30), D(2026, 10, 9), 2),  # 8th and 9th
        (D(2026, 12, 30), D(2027, 1, 5), 3),  # 31 Dec, 4 and 5 Jan (1 Jan is off)
        (D(2026, 5, 6), D(2026, 5, 6), 0),
        (D(2025, 12, 31), D(2026, 12, 31), 248),  # the whole of 2026 (chinesecalendar agrees)
    ],
)
def test_workdays_between(cal: WorkCalendar, start: date, end: date, count: int) -> None:
    assert cal.workdays_between(start, end) == count


def test_stepping(cal: WorkCalendar) -> None:
    assert cal.previous_workday(D(2026, 2, 23)) == D(2026, 2, 14)
    assert cal.next_workday(D(2026, 2, 15)) == D(2026, 2, 24)
    assert cal.add_workdays(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert cal.add_workdays(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert cal.add_workdays(D(2026, 2, 24), -2) == D(2026, 2, 13)
    assert cal.add_workdays(D(2027, 1, 4), -1) == D(2026, 12, 31)
    assert cal.nth_workday(D(2026, 10, 1), D(2026, 10, 31), 1) == D(2026, 10, 8)
    assert cal.nth_workday(D(2026, 10, 1), D(2026, 10, 7), 1) is None
    assert cal.last_workday(D(2026, 2, 1), D(2026, 2, 28)) == D(2026, 2, 28)
    assert cal.last_workday(D(2026, 10, 1), D(2026, 10, 7)) is None

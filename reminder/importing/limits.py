"""Time limits as the table words them (完成时限), mapped to a due rule. Pure.

- 每年M月D日前 -> yearly MM-DD; 每年M月底前 -> yearly MM-last;
- YYYY年M月D日前 / YYYY年M月底前 -> that date; 年底前 -> yearly 12-31;
- 每季度 / 每月 / 每半年 -> the period's last working day;
- 每年至少…一次 / 定期召开 -> yearly 12-31;
- 及时… / 长期开展 / 持续推进 / 定期开展 / 常态化 -> a routine duty, checked each quarter
  unless the administrator says otherwise.

A concrete limit in the requirement text (每年的3月1日前) beside a vague one in the column
(及时更新) is taken, with a note; of two different concrete limits the column's is kept, with
a note naming the other.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass

from reminder.importing.text import clean

ROUTINE_RULE = "quarterly last-workday"  # a routine duty's default check: each quarter's end


@dataclass(frozen=True, kw_only=True, slots=True)
class Limit:
    kind: str  # "deadline" or "routine"
    due: str  # a due rule of schedules.toml
    review: str = ""  # why a person should look (Chinese, for the # REVIEW: comment)
    note: str = ""  # what was assumed (a plain comment)


def _day(year: int | None, month: int, day: int | str) -> str | None:
    if not 1 <= month <= 12:
        return None
    if day == "last":
        if year is None:
            return f"yearly {month:02d}-last"
        return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
    assert isinstance(day, int)
    if not 1 <= day <= calendar.monthrange(year or 2024, month)[1]:
        return None
    return f"yearly {month:02d}-{day:02d}" if year is None else f"{year:04d}-{month:02d}-{day:02d}"


def _ymd(m: re.Match[str]) -> str | None:
    return _day(int(m[1]), int(m[2]), int(m[3]))


def _ym_last(m: re.Match[str]) -> str | None:
    return _day(int(m[1]), int(m[2]), "last")


def _md(m: re.Match[str]) -> str | None:
    return _day(None, int(m[1]), int(m[2]))


def _m_last(m: re.Match[str]) -> str | None:
    return _day(None, int(m[1]), "last")


def _y_end(m: re.Match[str]) -> str | None:
    return _day(int(m[1]), 12, 31)


def _year_end(m: re.Match[str]) -> str | None:
    return "yearly 12-31"


_DATED: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]]] = [
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]"), _ymd),
    (re.compile(r"(\d{4})年(\d{1,2})月(?:底|末|份?前)"), _ym_last),
    (re.compile(r"(\d{4})年(?:年)?(?:底|末)"), _y_end),
    (re.compile(r"每年的?(\d{1,2})月(\d{1,2})[日号]"), _md),
    (re.compile(r"每年的?(\d{1,2})月(?:底|末)"), _m_last),
    (re.compile(r"(?:每年)?(?:年底|年末)前?"), _year_end),
]
_PERIODIC = [
    (re.compile(r"每季度|每个季度|按季度|季度末"), "quarterly last-workday"),
    (re.compile(r"每半年|半年一次"), "half-yearly last-workday"),
    (re.compile(r"每月|每个月|按月"), "monthly last-workday"),
    (
        re.compile(r"每年至少[^。；;，,]{0,12}?(?:一|1)次|每年一次|定期召开|每年召开"),
        "yearly 12-31",
    ),
]
_ROUTINE = re.compile(r"及时|长期|持续|定期开展|定期|常态化|经常|随时|日常|按要求|适时")


def concrete(text: str) -> tuple[str, str] | None:
    """(rule, the words it came from) for the first concrete limit in `text`, if any."""
    compact = re.sub(r"\s+", "", text)
    for pattern, make in _DATED:
        m = pattern.search(compact)
        if m is not None and (rule := make(m)) is not None:
            return rule, m.group(0)
    for pattern, rule in _PERIODIC:
        m = pattern.search(compact)
        if m is not None:
            return rule, m.group(0)
    return None


def map_limit(column: str, requirement: str = "") -> Limit:
    """The due rule of a task from its 时限 cell and its requirement text."""
    column = clean(column)
    in_column = concrete(column) if column else None
    in_text = concrete(requirement)
    if in_column is not None:
        if in_text is not None and in_text[0] != in_column[0]:
            return Limit(
                kind="deadline",
                due=in_column[0],
                review=f"时限栏为“{column}”，要求中另写“{in_text[1]}”：按时限栏",
            )
        return Limit(kind="deadline", due=in_column[0])
    if in_text is not None:
        said = f"时限栏为“{column}”" if column else "无时限栏"
        return Limit(
            kind="deadline",
            due=in_text[0],
            review=f"{said}，要求中写明“{in_text[1]}”：按此设定期限",
        )
    routine_note = "例行工作，默认每季度末自查一次：请按实际调整 due"
    if column and _ROUTINE.search(column):
        return Limit(kind="routine", due=ROUTINE_RULE, note=routine_note)
    why = f"时限“{column}”无法识别" if column else "没有时限"
    return Limit(kind="routine", due=ROUTINE_RULE, review=f"{why}：暂按例行工作每季度自查")

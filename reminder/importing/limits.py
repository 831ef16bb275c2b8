"""Time limits as the table words them (完成时限), mapped to a due rule. Pure.

- 每年M月D日前 -> yearly MM-DD; 每年M月底前 -> yearly MM-last; 每年M月前 -> the end of
  month M−1 (before October is by September's end);
- YYYY年M月D日前 / YYYY年M月底前 / YYYY年M月前 / YYYY年上半年 / YYYY年第N季度 -> that date;
- YYYY年M月 / M月 / M月内 -> that month's end;
- M月底前 / M月份 / M月D日前 / 上半年 / 下半年 / 年底前 / 年内 / (第)N季度 -> yearly, or dated
  in the plan's year when the document is the plan of one year (2027年…工作要点); after 每年
  (每年上半年, 每年第一季度, 每年底前) always yearly;
- 每月N日前 / 每月前N日 -> monthly N; 每季度结束后N日内 / 每季度首月N日前 / 每季度前N日 ->
  quarterly N (the report on the quarter just ended); 每季度结束后N个工作日内 -> quarterly
  workday N;
- 每季度 / 每月 / 每半年 -> the period's last working day;
- 每年至少…一次 / 定期召开 -> yearly 12-31;
- M月上旬 / 中旬 / 下旬 -> day 10 / 20 / the last of month M (dated as M月 is);
  次年M月底前 / 次年M月D日前 / 次年M月前 -> yearly, or dated in the year after a one-year
  plan's (the report on that year);
- 及时… / 长期开展 / 持续推进 / 定期开展 / 常态化 -> a routine duty (cadence.py picks how often
  it is checked).

A concrete limit in the requirement text (每年的3月1日前) beside a vague one in the column
(及时更新) is taken, with a note; of two different concrete limits the column's is kept, with
a note naming the other. A column holding two limits keeps the first, with a note; so does one
with words left over that still say when (每季度末月25日前: “末月25日前”; 2027年6月底前完成，
长期坚持: “长期坚持”): nothing only partly understood passes without a # REVIEW line.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass

from reminder.importing.text import clean

ROUTINE_RULE = "quarterly last-workday"  # a routine duty's default check: each quarter's end
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


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


def _before(year: int | None, month: int) -> str | None:
    """Before month M: by the end of month M−1 (before January: the year before's end)."""
    if not 1 <= month <= 12:
        return None
    if month == 1:
        return "yearly 12-31" if year is None else f"{year - 1:04d}-12-31"
    return _day(year, month - 1, "last")


Make = Callable[[re.Match[str], int | None], str | None]


def _n(m: re.Match[str], i: int) -> int:
    return int(m[i])


def _period(head: str, top: int) -> Make:
    def make(m: re.Match[str], plan: int | None) -> str | None:
        n = _n(m, 1)
        return f"{head} {n}" if 1 <= n <= top else None

    return make


_TEN_DAYS: dict[str, int | str] = {"上": 10, "中": 20, "下": "last"}  # 上旬 … 下旬: by its end


def _next(plan: int | None) -> int | None:
    """次年 (the year after the plan's): a year only for a one-year plan, else yearly."""
    return None if plan is None else plan + 1


_DATED: list[tuple[re.Pattern[str], Make]] = [
    (
        re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]"),
        lambda m, p: _day(_n(m, 1), _n(m, 2), _n(m, 3)),
    ),
    (
        re.compile(r"(\d{4})年(\d{1,2})月([上中下])旬"),
        lambda m, p: _day(_n(m, 1), _n(m, 2), _TEN_DAYS[m[3]]),
    ),
    (
        re.compile(r"次年的?(\d{1,2})月(\d{1,2})[日号]"),
        lambda m, p: _day(_next(p), _n(m, 1), _n(m, 2)),
    ),
    (
        re.compile(r"次年的?(\d{1,2})月(?:底|末|份)"),
        lambda m, p: _day(_next(p), _n(m, 1), "last"),
    ),
    (re.compile(r"次年的?(\d{1,2})月以?前"), lambda m, p: _before(_next(p), _n(m, 1))),
    (
        re.compile(r"(\d{4})年(\d{1,2})月(?:底|末|份)"),
        lambda m, p: _day(_n(m, 1), _n(m, 2), "last"),
    ),
    (re.compile(r"(\d{4})年(\d{1,2})月(?:以?前)"), lambda m, p: _before(_n(m, 1), _n(m, 2))),
    (
        re.compile(r"(\d{4})年(\d{1,2})月(?=$|完成|内|[，,；;。、])"),
        lambda m, p: _day(_n(m, 1), _n(m, 2), "last"),
    ),
    (re.compile(r"(\d{4})年(?:年)?(?:底|末|内|下半年)"), lambda m, p: _day(_n(m, 1), 12, 31)),
    (re.compile(r"(\d{4})年上半年"), lambda m, p: _day(_n(m, 1), 6, 30)),
    (
        re.compile(r"(\d{4})年(?:第)?([一二三四1-4])季度"),
        lambda m, p: _day(_n(m, 1), 3 * _QUARTERS[m[2]], "last"),
    ),
    (
        re.compile(r"每(?:个)?季度(?:结束)?之?后(\d{1,2})个工作日内?"),
        _period("quarterly workday", 50),
    ),
    (re.compile(r"每(?:个)?季度(?:结束)?之?后(\d{1,2})[日天]内?"), _period("quarterly", 28)),
    (re.compile(r"每(?:个)?季度(?:首月|第一个月)(\d{1,2})[日号]"), _period("quarterly", 28)),
    (re.compile(r"每(?:个)?季度(?:开始后)?前(\d{1,2})[日天]"), _period("quarterly", 28)),
    (re.compile(r"每(?:个)?月(\d{1,2})[日号]"), _period("monthly", 28)),
    (re.compile(r"每(?:个)?月(?:开始后)?前(\d{1,2})[日天]"), _period("monthly", 28)),
    (re.compile(r"每年的?(\d{1,2})月(\d{1,2})[日号]"), lambda m, p: _day(None, _n(m, 1), _n(m, 2))),
    (re.compile(r"每年的?(\d{1,2})月(?:底|末|份)"), lambda m, p: _day(None, _n(m, 1), "last")),
    (re.compile(r"每年的?(\d{1,2})月以?前"), lambda m, p: _before(None, _n(m, 1))),
    (
        re.compile(r"(?<![\d])(\d{1,2})月([上中下])旬"),
        lambda m, p: _day(p, _n(m, 1), _TEN_DAYS[m[2]]),
    ),
    (
        re.compile(r"每年的?(\d{1,2})月(?=$|完成|内|[，,；;。、])"),
        lambda m, p: _day(None, _n(m, 1), "last"),
    ),
    (
        re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})[日号]"),
        lambda m, p: _day(p, _n(m, 1), _n(m, 2)),
    ),
    (re.compile(r"(?<![\d年])(\d{1,2})月(?:底|末|份)"), lambda m, p: _day(p, _n(m, 1), "last")),
    (re.compile(r"(?<![\d年])(\d{1,2})月以?前"), lambda m, p: _before(p, _n(m, 1))),
    (
        re.compile(r"(?<![\d年])(\d{1,2})月(?=$|完成|内|[，,；;。、])"),
        lambda m, p: _day(p, _n(m, 1), "last"),
    ),
    (re.compile(r"(?<!\d年)上半年"), lambda m, p: _day(p, 6, 30)),
    (re.compile(r"(?<!\d年)(?:下半年|年底|年末|年内)"), lambda m, p: _day(p, 12, 31)),
    (
        re.compile(r"(?<![每个\d])(?:第([一二三四1-4])|([一二三四]))季度"),
        lambda m, p: _day(p, 3 * _QUARTERS[m[1] or m[2]], "last"),
    ),
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
# Left beside a concrete limit, words that still say when: a limit only partly understood.
_WHEN = re.compile(r"\d|[一二三四五六七八九十]+(?:月|季度|日|号)|[上中下]旬|长期|持续|常态化|每周")
_LINKS = re.compile(r"^(?:以?前|之前)?(?:完成)?[，,；;、]*|[，,；;、。]+$")
_EVERY_YEAR = re.compile(r"每(?:年度?的?)?$")  # 每年上半年, 每年底前


def _found(text: str, plan: int | None) -> list[tuple[str, str, tuple[int, int]]]:
    """Every concrete limit in `text` (spaces removed) as (rule, its words, where), in the
    order of the patterns. A limit without a year after 每年 (每年上半年) is yearly, not the
    plan's year."""
    compact = re.sub(r"\s+", "", text)
    found: list[tuple[str, str, tuple[int, int]]] = []
    spans: list[tuple[int, int]] = []
    for pattern, make in _DATED:
        for m in pattern.finditer(compact):
            inside = any(a <= m.start() and m.end() <= b for a, b in spans)
            year = None if _EVERY_YEAR.search(compact, 0, m.start()) else plan
            if not inside and (rule := make(m, year)) is not None:
                found.append((rule, m.group(0), m.span()))
                spans.append(m.span())
    for pattern, periodic in _PERIODIC:
        hit = pattern.search(compact)
        if hit is not None and not any(a <= hit.start() < b for a, b in spans):
            found.append((periodic, hit.group(0), hit.span()))
            spans.append(hit.span())
    return found


def _all(text: str, plan: int | None) -> list[tuple[str, str]]:
    """Every concrete limit in `text` as (rule, its words), in the order of the patterns."""
    return [(rule, words) for rule, words, _ in _found(text, plan)]


def _unread(text: str, found: list[tuple[str, str, tuple[int, int]]]) -> str:
    """What of a 时限 cell no limit took that still says when: a number or a month, quarter
    or day not understood (每季度末月25日前: “末月25日”), or ongoing work beside a date
    (2027年6月底前完成，长期坚持: “长期”)."""
    compact = re.sub(r"\s+", "", text)
    rest = list(compact)
    for _, _, (a, b) in found:
        rest[a:b] = ["\0"] * (b - a)
    left = "".join(rest)
    pieces = [_LINKS.sub("", p) for p in left.split("\0") if _WHEN.search(p)]
    return "、".join(pieces)


def concrete(text: str, plan: int | None = None) -> tuple[str, str] | None:
    """(rule, the words it came from) for the first concrete limit in `text`, if any."""
    found = _all(text, plan)
    return found[0] if found else None


def map_limit(column: str, requirement: str = "", plan: int | None = None) -> Limit:
    """The due rule of a task from its 时限 cell and its requirement text; `plan` the year of
    a one-year plan, which dates a limit without a year (11月底前)."""
    column = clean(column)
    in_column = _all(column, plan) if column else []
    in_text = concrete(requirement, plan)
    if in_column:
        rule, words = in_column[0]
        dated = rule[:1].isdigit()  # 11月底前 in a 2027 plan; 每年上半年 stays yearly
        note = f"“{words}”按方案年度{plan}年" if plan and dated and _undated(words) else ""
        others = [w for r, w in in_column[1:] if r != rule]
        unread = _unread(column, _found(column, plan))
        if unread:
            review = f"时限栏中“{unread}”未能识别：只按“{words}”设定，请核对"
            return Limit(kind="deadline", due=rule, review=review, note=note)
        if others:
            review = f"时限栏还写有“{'、'.join(others)}”：只按“{words}”设定，请核对"
            return Limit(kind="deadline", due=rule, review=review, note=note)
        if in_text is not None and in_text[0] != rule:
            review = f"时限栏为“{column}”，要求中另写“{in_text[1]}”：按时限栏"
            return Limit(kind="deadline", due=rule, review=review, note=note)
        return Limit(kind="deadline", due=rule, note=note)
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


def _undated(words: str) -> bool:
    return not re.search(r"\d{4}年|每", words)


_PLAN = re.compile(
    r"(?<![\d—–\-至到])(20\d{2})\s*年(?:度)?(?![\d—–\-至到])[^，。；\d]{0,40}"
    r"(?:方案|要点|计划|清单|安排|分工)"
)


def plan_year(lines: list[str]) -> int | None:
    """The year of a one-year plan, from its title (2027年政务公开工作要点分工方案)."""
    for line in lines:
        m = _PLAN.search(clean(line))
        if m is not None:
            return int(m[1])
    return None

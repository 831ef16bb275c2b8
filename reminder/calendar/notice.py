"""The State Council's yearly holiday notice (国务院办公厅关于20XX年部分节假日安排的通知), read as
published, into the days a `[calendar]` block lists. Pure: text in, dates out.

The notice is pasted as text: a title naming the year, then a numbered list, one holiday a
line (一、元旦：1月1日（周五）至3日（周日）放假，共3天。), each with its 放假 range (within
or across months, or one day: 放假1天，不调休) and its make-up workdays
(1月26日（周日）、2月8日（周六）上班); older notices give a day off for a holiday on a
weekend as 1月2日（星期一）补休. The title may be broken over two lines and an item wrapped
over several, as text copied from the Gazette's PDF is. Every date is checked: it exists, a
weekday in brackets matches it, a make-up day falls on a weekend, "共N天" counts the range.
Anything else is refused with its line.
"""

from __future__ import annotations

import calendar as _stdcal
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from reminder.calendar.workcal import WorkCalendar, official_years
from reminder.errors import NoticeError

_TITLE = re.compile(r"(?:国务院办公厅)?关于(\d{4})年部分节假日安排的通知")
_ITEM = re.compile(r"([一二三四五六七八九十]+)、([^:]{1,30}):(.*)")
# After NFKC: 1月1日(周五), 2022年12月31日, 6日(周日), 1月28日(农历除夕、周二)
_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^)]*)\))?")
_WEEKDAY = re.compile(r"(?:周|星期)([一二三四五六日天])")
_WEEKDAY_DIGITS = "一二三四五六日"
_COUNT = re.compile(r"共(\d{1,2})天")
_CLAUSE = re.compile(r"[,;]")  # after NFKC: ， and ；
_DAY_WORDS = ("上班", "放假", "补休", "连休")
_ENGLISH_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, kw_only=True, slots=True)
class NoticeHoliday:
    """One numbered item of the notice: a holiday's rest days and its make-up workdays."""

    name: str  # as the notice names it: 元旦, 国庆节、中秋节
    rest: tuple[date, ...]  # every day of its 放假 range
    work: tuple[date, ...]  # its 上班 days, each on a weekend
    line: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Notice:
    """A whole notice: the year its title names and its holidays in order."""

    year: int
    title: str
    holidays: tuple[NoticeHoliday, ...]

    def rest_days(self) -> dict[date, str]:
        return {d: h.name for h in self.holidays for d in h.rest}

    def workdays(self) -> dict[date, str]:
        return {d: h.name for h in self.holidays for d in h.work}

    def is_rest(self, day: date) -> bool:
        """The day as the notice has it: a listed rest day, or a weekend not made a workday."""
        if day in self.rest_days():
            return True
        return day.weekday() >= 5 and day not in self.workdays()


@dataclass(frozen=True, kw_only=True, slots=True)
class Disagreement:
    """A day the notice and the package's official data do not agree on."""

    day: date
    notice_rest: bool  # the notice makes it a rest day (the package a working day)
    name: str  # the notice's holiday for that day, "" when it lists none


def decode_notice(raw: bytes, *, source: str) -> str:
    """The notice's text: UTF-8 (with or without a BOM), else GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise NoticeError("is neither UTF-8 nor GB18030 text", source=source)


def parse_notice(text: str, *, source: str) -> Notice:
    """Read a pasted notice; NoticeError naming the line for anything that is not as published."""
    lines = text.splitlines()
    year, title = _title(lines, source)
    holidays = []
    for number, original, label, body in _items(lines):
        name = "".join(c for c in label.strip() if c.isprintable())
        where = _Where(source=source, line=number, text=original, year=year)
        rest, work = _item_days(body, where)
        holidays.append(NoticeHoliday(name=name, rest=rest, work=work, line=number))
    if not holidays:
        raise NoticeError(
            "no numbered holidays (一、元旦：1月1日……放假) in it: paste the notice's whole text",
            source=source,
        )
    _check_overlaps(holidays, source, lines)
    return Notice(year=year, title=title, holidays=tuple(holidays))


def _title(lines: list[str], source: str) -> tuple[int, str]:
    # The Gazette and its PDF break the title in two (…关于2024年 / 部分节假日安排的通知).
    text = "".join("".join(unicodedata.normalize("NFKC", line).split()) for line in lines)
    m = _TITLE.search(text)
    if m is not None:
        return int(m.group(1)), m.group(0)
    raise NoticeError(
        "is not a State Council holiday notice: no title like "
        "国务院办公厅关于2027年部分节假日安排的通知",
        source=source,
    )


def _items(lines: list[str]) -> list[tuple[int, str, str, str]]:
    """Each numbered item: its first line's number, its text as pasted, its name and its body
    (after NFKC). Text copied from a PDF is wrapped, so a line after an item that is no item
    itself continues it while the item has not ended with 。 or the line has a date or says
    上班/放假/补休/连休; a blank line, the next item or a line of neither ends it."""
    normal = [unicodedata.normalize("NFKC", line).strip() for line in lines]
    found = []
    for first, line in enumerate(normal):
        m = _ITEM.fullmatch(line)
        if m is None:
            continue
        body, end = m.group(3), first + 1
        while end < len(normal) and _continues(body, normal[end]):
            body += normal[end]
            end += 1
        pasted = "".join(text.strip() for text in lines[first:end])
        found.append((first + 1, pasted, m.group(2), body))
    return found


def _continues(item: str, line: str) -> bool:
    if not line or _ITEM.fullmatch(line) is not None:
        return False
    return not item.endswith("。") or any(w in line for w in _DAY_WORDS) or bool(_DATE.search(line))


@dataclass(frozen=True, kw_only=True, slots=True)
class _Where:
    source: str
    line: int
    text: str
    year: int

    def error(self, message: str) -> NoticeError:
        return NoticeError(message, source=self.source, line=self.line, text=self.text)


def _item_days(body: str, where: _Where) -> tuple[tuple[date, ...], tuple[date, ...]]:
    """The rest days and the make-up workdays of one numbered item: clause by clause, so that
    a pasted variant with a comma for a full stop (放假调休，共8天，1月26日上班) reads the same."""
    rest: list[date] = []
    work: list[date] = []
    for sentence in body.split("。"):
        ranged: list[date] = []
        for clause in _CLAUSE.split(sentence):
            if "上班" in clause:
                work += _workdays(clause, where)
            elif "放假" in clause or "连休" in clause:
                ranged += _rest_range(clause, where)
            elif "补休" in clause:  # 1月1日放假，1月2日（星期一）补休
                ranged += [d for d, _ in _dates(clause, where)]
        count = _COUNT.search(sentence)
        if ranged and count is not None and int(count.group(1)) != len(ranged):
            raise where.error(
                f"共{count.group(1)}天, but {ranged[0]} to {ranged[-1]} is {len(ranged)} day(s)"
            )
        rest += ranged
    if not rest:
        raise where.error("this holiday has no 放假 dates (write 1月1日至3日放假)")
    return tuple(rest), tuple(work)


def _workdays(sentence: str, where: _Where) -> list[date]:
    days = _dates(sentence, where)
    for day, shown in days:
        if day.weekday() < 5:
            raise where.error(
                f"{shown} is a make-up workday (上班) but {day} is a {_ENGLISH_DAYS[day.weekday()]}"
                ", not a weekend day"
            )
    return [d for d, _ in days]


def _rest_range(sentence: str, where: _Where) -> list[date]:
    days = _dates(sentence, where)
    if not days:
        return []
    first, shown = days[0]
    last = first
    if len(days) > 1:
        if "至" not in sentence[sentence.index(shown) :]:
            raise where.error(f"two dates with no 至 between them: {sentence}")
        last = days[1][0]
    if len(days) > 2 or last < first:
        raise where.error(f"{sentence} is not one range of days (write 10月1日至7日放假)")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _dates(sentence: str, where: _Where) -> list[tuple[date, str]]:
    """Each date of a sentence with its text; a date without its month takes the one before
    it (10月1日至7日), without its year the one before it or the notice's. A range over New
    Year written without years (12月31日至1月2日) begins in the year before the notice's."""
    found: list[tuple[date, str]] = []
    year, month = where.year, 0
    matches = list(_DATE.finditer(sentence))
    months = [int(m.group(2) or 0) for m in matches]
    if len(matches) == 2 and months == [12, 1] and not any(m.group(1) for m in matches):
        year = where.year - 1  # the second date's month (1月) brings the notice's year back
    for m in matches:
        year = int(m.group(1)) if m.group(1) else year
        if m.group(2) == "1" and month == 12 and not m.group(1):
            year += 1
        month = int(m.group(2)) if m.group(2) else month
        day = int(m.group(3))
        shown = m.group(0)
        if month == 0:
            raise where.error(f"{shown} has no month (write 1月{day}日)")
        if not 1 <= month <= 12:
            raise where.error(f"{shown} is not a date (there is no month {month})")
        most = _stdcal.monthrange(year, month)[1]
        if not 1 <= day <= most:
            raise where.error(f"{shown} is not a date ({month}月 of {year} has {most} days)")
        found.append((date(year, month, day), shown))
        _check_weekday(found[-1][0], shown, m.group(4) or "", where)
    return found


def _check_weekday(day: date, shown: str, bracket: str, where: _Where) -> None:
    m = _WEEKDAY.search(bracket)
    if m is None:
        return
    said = _WEEKDAY_DIGITS.index("日" if m.group(1) == "天" else m.group(1))
    if said != day.weekday():
        actual = _WEEKDAY_DIGITS[day.weekday()]
        raise where.error(
            f"{shown} says {m.group(0)}, but {day} is a {_ENGLISH_DAYS[day.weekday()]} (周{actual})"
        )


def _check_overlaps(holidays: list[NoticeHoliday], source: str, lines: list[str]) -> None:
    rest = {d for h in holidays for d in h.rest}
    for h in holidays:
        both = sorted(rest.intersection(h.work))
        if both:
            message = f"{both[0]} is listed both as a rest day (放假) and as a workday (上班)"
            raise NoticeError(message, source=source, line=h.line, text=lines[h.line - 1])


def notice_block(notice: Notice) -> str:
    """The `[calendar]` block of schedules.toml for the notice: every rest day, every make-up
    workday, each with its holiday's name, and the year confirmed."""
    out = [f"# {notice.title}", "[calendar]", "holidays = ["]
    out += [f'    "{d}",  # {name}' for d, name in sorted(notice.rest_days().items())]
    out += ["]", "workdays = ["]
    out += [f'    "{d}",  # {name}' for d, name in sorted(notice.workdays().items())]
    out += ["]", f"confirmed_years = [{notice.year}]"]
    return "\n".join(out) + "\n"


def disagreements(notice: Notice) -> list[Disagreement] | None:
    """Where the notice and the package's official data differ on a day of the notice's year
    (or on a day it lists in another year); None when the package has no data for the year."""
    if notice.year not in official_years():
        return None
    package = WorkCalendar()
    rest, work = notice.rest_days(), notice.workdays()
    first = date(notice.year, 1, 1)
    days = {first + timedelta(days=i) for i in range(366 if _stdcal.isleap(notice.year) else 365)}
    days |= {d for d in (*rest, *work) if d.year in official_years()}
    return [
        Disagreement(day=d, notice_rest=notice.is_rest(d), name=rest.get(d) or work.get(d, ""))
        for d in sorted(days)
        if notice.is_rest(d) == package.is_workday(d)
    ]

"""How often a routine duty (及时更新, 长期开展, 持续推进, 常态化…) is checked, chosen so that
no office's monthly checklist holds more than ten of them. Pure.

A routine duty is checked once a quarter, in the quarter's first, second or third month,
whichever leaves its lead offices' busiest month lightest; an office with more than thirty
such duties has the rest checked once a half-year, in the half-year's least loaded month. Each
choice is written as a comment saying which words chose it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

MONTH_LIMIT = 10  # routine checks in one office's month at most

# (due rule, months of a half-year it falls in, how the comment says it)
Choice = tuple[str, tuple[int, ...], str]
QUARTERLY: tuple[Choice, ...] = (
    ("quarterly workday 10", (0, 3), "每季度第一个月检查一次"),
    ("quarterly workday 28", (1, 4), "每季度第二个月检查一次"),
    ("quarterly last-workday", (2, 5), "每季度最后一个月检查一次"),
)
HALF_YEARLY: tuple[Choice, ...] = (
    ("half-yearly workday 10", (0,), "每半年第一个月检查一次"),
    ("half-yearly workday 28", (1,), "每半年第二个月检查一次"),
    ("half-yearly workday 50", (2,), "每半年第三个月检查一次"),
    ("half-yearly workday 72", (3,), "每半年第四个月检查一次"),
    ("half-yearly workday 92", (4,), "每半年第五个月检查一次"),
    ("half-yearly last-workday", (5,), "每半年最后一个月检查一次"),
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Cadence:
    due: str
    note: str  # the comment: which words chose it
    review: str = ""  # the offices' months are full even so


def spread(duties: Sequence[tuple[tuple[str, ...], str]]) -> list[Cadence]:
    """A cadence for each routine duty, given as (lead office ids, its 时限 words), in order.

    A half-year holds 6 × 10 checks an office; a quarterly duty takes two of them, a
    half-yearly one: an office leading n duties keeps min(n, 60 − n) of them quarterly."""
    led: dict[str, int] = defaultdict(int)
    for leads, _ in duties:
        for office in leads or ("",):
            led[office] += 1
    budget = {o: min(n, 6 * MONTH_LIMIT - n) for o, n in led.items()}
    load: dict[str, list[int]] = defaultdict(lambda: [0] * 6)

    def worst(leads: tuple[str, ...], months: tuple[int, ...]) -> int:
        return max(load[o][m] for o in leads for m in months)

    out = []
    for given, words in duties:
        leads = given or ("",)
        said = f"时限“{words}”" if words else "没有时限"
        choice: Choice
        if all(budget[o] > 0 for o in leads):
            choice = min(QUARTERLY, key=lambda q: worst(leads, q[1]))
        else:
            choice = min(HALF_YEARLY, key=lambda q: worst(leads, q[1]))
            said += "；该科室例行工作较多"
        review = ""
        if worst(leads, choice[1]) >= MONTH_LIMIT:
            review = f"该科室每月例行工作已超过{MONTH_LIMIT}项：请核对检查频次"
        for office in leads:
            budget[office] -= 1 if choice in QUARTERLY else 0
            for month in choice[1]:
                load[office][month] += 1
        note = f"例行工作（{said}）：{choice[2]}，错开月份使每个科室每月清单不超过{MONTH_LIMIT}项"
        out.append(Cadence(due=choice[0], note=note, review=review))
    return out

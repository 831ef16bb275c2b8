"""A task's short title and its id. Pure.

The title comes from the task's own column when the table has one for each task, else from
its requirement with the boilerplate that opens many requirements removed (各地、各部门要,
按照…要求, 根据…, 在…的同时, 进一步, 认真), cut at a clause boundary (，；：, never inside a
list of 、) to at most 30 characters; a first clause too long only for its time phrase
(于每年的3月1日前…) loses that phrase, which the due rule carries. A title cut from its
sentence is marked for review (# REVIEW), as one taken from a later clause is. The id
is the pinyin initials of the title ("完善行政规章库" -> "wsxzgzk"), made unique."""

from __future__ import annotations

import re
from dataclasses import dataclass

TITLE_CHARS = 30
CUT = "标题为要求的开头部分（已截短），请核对"  # a title that leaves part of its sentence out
ID_CHARS = 16
# Words that open a requirement and say nothing of the task, stripped again and again.
_OPENERS = re.compile(
    r"^(?:"
    r"[^，,。；;]{0,20}?(?:各地|各部门|各单位|各科室|两级|各级|机关|政府|部门|单位|同志|网站|小组)"
    r"(?:要|应当|应|须|必须)"
    r"|各[^，,。；;]{0,20}?(?:单位|部门|政府)(?=每)"
    r"|(?:各地|各级)、?各部门"
    r"|(?:按照|根据)[^，,。；;]{0,80}?[，,]"
    r"|结合[^，,。；;]{0,30}?[，,]"
    r"|在[^，,。；;]{0,40}?的同时[，,]?"
    r"|(?:进一步|认真|切实|继续|积极|要|并|同时)"
    r")"
)
_BOILERPLATE = re.compile(r"^(?:各地|各部门|各级|按照|根据|进一步|认真)")
# A clause ends at a comma, semicolon or colon; 、 only separates the items of a list, where a
# title must not stop (“实现登记、审核、办理” says less than the list).
_CLAUSE = re.compile(r"(?<=[，,；;：:])")
# A time phrase opening a clause (于每年的3月1日前): the due rule says it, the title may drop it.
_WHEN = re.compile(
    r"^(?:于|在)?(?=\d|每|上半年|下半年|年底|年内)[^，,。；;]{0,14}?(?:[底末]?(?:以?前|之前)|以?内)"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Title:
    text: str
    review: str = ""  # why a person should look (for the # REVIEW: comment)


def strip_openers(text: str) -> str:
    """The requirement without the words that open it and say nothing (几次, as they stack)."""
    while True:
        m = _OPENERS.match(text)
        if m is None or m.end() == 0 or m.end() >= len(text):
            return text
        text = text[m.end() :].lstrip("，,、 ")


def usable(title: str) -> bool:
    """A title a person can read in a list: short, whole, without an opening formula."""
    return 0 < len(title) <= TITLE_CHARS and "…" not in title and not _BOILERPLATE.match(title)


def title_of(requirement: str, own: str = "") -> Title:
    """From `own` (the task's column) when it is short enough, else from the requirement."""
    own = re.sub(r"^\s*[（(]?[一二三四五六七八九十\d]{1,3}[）)、.．]\s*", "", own).rstrip("。.；;")
    if own and len(own) <= TITLE_CHARS:
        return Title(text=own)
    sentence = re.split(r"[。！？!?]", strip_openers(requirement.strip()), maxsplit=1)[0]
    sentence = sentence.rstrip("，,；;：: ")
    if len(sentence) <= TITLE_CHARS:
        return Title(text=sentence)
    taken = ""
    for clause in _CLAUSE.split(sentence):
        if len(taken) + len(clause.rstrip("，,、；;：:")) > TITLE_CHARS:
            break
        taken += clause
    taken = taken.rstrip("，,、；;：: ")
    if len(taken) >= 6:
        return Title(text=taken, review=CUT)
    first = re.split(r"[，,；;]", sentence, maxsplit=1)[0]
    undated = _WHEN.sub("", first)
    if undated != first and 6 <= len(undated) <= TITLE_CHARS:
        return Title(text=undated, review=CUT)  # 于每年的3月1日前发布…: the due says when
    # The first clause is too long (贯彻落实《…》): a later one that says what is done.
    for clause in re.split(r"[，,；;]", sentence)[1:]:
        clause = strip_openers(clause.strip())
        if 6 <= len(clause) <= TITLE_CHARS:
            return Title(text=clause, review="标题取自要求中的一句，请核对")
    return Title(
        text=sentence[:TITLE_CHARS],
        review=f"标题取自要求的前{TITLE_CHARS}个字，请改写为简短标题",
    )


def id_of(title: str, taken: set[str], fallback: str) -> str:
    """The pinyin initials of the title, with -2, -3… when taken; `fallback` for no letters."""
    from pypinyin import Style, lazy_pinyin

    # Only the first characters count: each gives at most one letter.
    initials = lazy_pinyin(title[: ID_CHARS + 8], style=Style.FIRST_LETTER, errors="ignore")
    letters = "".join(p[:1].lower() for p in initials if p[:1].isascii())
    base = letters[:ID_CHARS] if letters and letters[0].isalpha() else fallback
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    taken.add(ident)
    return ident

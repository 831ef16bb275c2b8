"""Cleaning extracted text: the stray spaces a PDF or Word export leaves inside Chinese ("1 月
31日", "平稳 健康发展"), line breaks inside a cell, width variants of punctuation. Pure."""

from __future__ import annotations

import re
import unicodedata

_CJK = r"\u2018-\u201f\u2026\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}0-9])[ \t\u00a0\u3000]+(?=[{_CJK}0-9])")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
WIDE = str.maketrans("（）：；，、", "():;,,")


def clean(text: str) -> str:
    """A cell's text as one line: breaks joined, spaces between Chinese characters (and
    digits) dropped, other runs of spaces made one, ends trimmed."""
    text = re.sub("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", "\n", text)
    joined = re.sub(r"\s*\n\s*", "", text)
    joined = "".join(ch for ch in joined if unicodedata.category(ch)[0] != "C" or ch == "\t")
    return _SPACES.sub(" ", _SPACE_IN_CJK.sub("", joined)).strip()


def key(name: str) -> str:
    """A name compared loosely: width, spaces and brackets ignored."""
    return re.sub(r"[\s()\[\]【】〔〕<>《》]+", "", unicodedata.normalize("NFKC", name)).translate(
        WIDE
    )


NUMBERED = re.compile(r"^\s*(\d{1,4})\s*[.．、]\s*(?!\d)")
SECTION = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*、")
SUBSECTION = re.compile(r"^\s*[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)]")


def number_of(text: str) -> tuple[int | None, str]:
    """("12", "在市政府…") from "12. 在市政府…"; (None, text) when it is not numbered."""
    m = NUMBERED.match(text)
    if m is None:
        return None, text
    return int(m.group(1)), text[m.end() :].strip()


def tidy_heading(text: str) -> str:
    """ "（ 二）加强…。" -> "（二）加强…": spaces inside the number gone, a final 。 dropped."""
    text = re.sub(r"^([（(])\s*([一二三四五六七八九十]+)\s*([）)])", r"（\2）", text.strip())
    return text.rstrip("。.")

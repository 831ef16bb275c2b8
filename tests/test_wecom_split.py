"""WeCom's byte limits: content cut into parts by UTF-8 bytes, at line ends when it can."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reminder.delivery.channels.wecom import split_bytes


def test_content_within_the_limit_is_one_part() -> None:
    assert split_bytes("第一行\n第二行", 4096) == ["第一行\n第二行"]


def test_parts_are_cut_at_line_ends() -> None:
    # each line is 3 Chinese characters (9 bytes) and a newline: two fit in 20 bytes
    content = "一二三\n四五六\n七八九\n"
    assert split_bytes(content, 20) == ["一二三\n四五六", "七八九"]


def test_a_line_longer_than_a_part_is_cut_between_characters() -> None:
    assert split_bytes("一二三四五", 7) == ["一二", "三四", "五"]


@given(st.text(alphabet="甲乙丙丁ab\n ", min_size=1, max_size=400), st.integers(8, 64))
def test_no_part_is_over_the_limit_and_no_character_is_lost(content: str, limit: int) -> None:
    """Each part is a piece of the content as it was, spaces and all, in order; between two
    parts (and around them) only what a cut may drop: the line end it was made at, or a part
    that would have been blank."""
    parts = split_bytes(content, limit)
    assert all(len(p.encode()) <= limit for p in parts)
    if not content.strip():
        return
    assert all(p.strip() for p in parts)  # no blank message
    at = 0
    for part in parts:
        found = content.find(part, at)
        assert found >= 0, (part, content[at:])
        assert not content[at:found].strip(), content[at:found]
        at = found + len(part)
    assert not content[at:].strip()


def test_spaces_inside_a_part_are_kept() -> None:
    assert split_bytes("甲 乙  丙\n a b ", 64) == ["甲 乙  丙\n a b "]
    assert split_bytes("甲 乙\n 丙 丁", 8) == ["甲 乙", " 丙 丁"]

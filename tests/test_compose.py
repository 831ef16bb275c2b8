"""Digest packing on its own: as many whole reminders per message as fit, in order."""

from __future__ import annotations

from typing import Any

from reminder.delivery.channels.base import Rendered
from reminder.delivery.compose import pack


def render(rows: list[Any], label: str) -> Rendered:
    return Rendered(subject="", text="\n".join([label, *rows] if label else rows))


def fits_in(limit: int) -> Any:
    return lambda rendered: len(rendered.text) <= limit


def test_a_digest_that_fits_is_one_message() -> None:
    parts = pack(["a", "b", "c"], render, fits_in(100))
    assert [rows for rows, _ in parts] == [["a", "b", "c"]]
    assert parts[0][1].text == "a\nb\nc"


def test_a_digest_too_long_goes_as_messages_of_whole_reminders_in_order() -> None:
    rows = [f"reminder-{i}" for i in range(7)]  # 11 characters each, 12 with the newline
    # Sized with the widest part label, "(99/99)": three fit (43), four do not (55).
    parts = pack(rows, render, fits_in(43))
    assert [r for r, _ in parts] == [rows[0:3], rows[3:6], rows[6:7]]
    assert [p.text for _, p in parts] == [
        "\n".join([f"({i}/3)", *r]) for i, (r, _) in enumerate(parts, 1)
    ]


def test_a_reminder_too_long_by_itself_is_left_whole_for_the_channel_to_cut() -> None:
    parts = pack(["x" * 50, "y"], render, fits_in(10))
    assert [r for r, _ in parts] == [["x" * 50], ["y"]]


def test_each_part_is_rendered_once_more_at_most_after_the_search() -> None:
    calls: list[int] = []

    def counting(rows: list[Any], label: str) -> Rendered:
        calls.append(len(rows))
        return render(rows, label)

    pack([f"r{i:02}" for i in range(16)], counting, fits_in(3 * 4 * 4 - 1))
    # the whole, then a binary search in each remaining part: never one render per reminder
    assert len(calls) < 16

"""The catch-up rule, in one place: per task, office and channel only the most recent due
reminder goes out; those due at that same latest time all go (two periods shifted onto one
day). Dispatch applies it to a claimed batch, planning to a missed stretch before it writes any
row, re-planning to the rows it replaces; `store.outbox.coalesce_backlog` is its SQL form."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def latest_times(
    items: Iterable[T], group: Callable[[T], K], at: Callable[[T], datetime]
) -> dict[K, datetime]:
    """The latest time in each group."""
    latest: dict[K, datetime] = {}
    for item in items:
        key, when = group(item), at(item)
        if key not in latest or when > latest[key]:
            latest[key] = when
    return latest


def older(items: list[T], group: Callable[[T], K], at: Callable[[T], datetime]) -> list[T]:
    """The items a later one of their group replaces."""
    latest = latest_times(items, group, at)
    return [item for item in items if at(item) < latest[group(item)]]

"""The planner's memo: results of pure date computations shared by the deadlines of one
planning run (10,000 deadlines often have a few dozen distinct rules and lead times).

Whoever starts a run makes one and drops it with the run, so nothing outlives the config and
calendar it was computed from, and a long-running service does not accumulate old windows.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class PlanMemo:
    """A plain dictionary behind a small interface: `get`, `put` (which returns the value).

    No `__len__`: an empty memo is still a memo (`memo or PlanMemo()` would drop it).
    """

    __slots__ = ("_found",)

    def __init__(self) -> None:
        self._found: dict[Hashable, Any] = {}

    def __contains__(self, key: Hashable) -> bool:
        return key in self._found

    def get(self, key: Hashable) -> Any:
        return self._found.get(key)

    def put(self, key: Hashable, value: T) -> T:
        self._found[key] = value
        return value

    def token(self, value: Hashable) -> int:
        """A small number standing for `value` within this run: equal values get the same
        one. Keys built from it hash an int instead of nested value objects."""
        key = ("token", value)
        found: int | None = self._found.get(key)
        if found is None:
            found = self._found[key] = len(self._found)
        return found

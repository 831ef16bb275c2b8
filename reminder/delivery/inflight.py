"""Messages in flight: at most N sent at once, at most one per budget key (one robot, one SMTP
server, one webhook URL), and those of one key in the order they were queued.

Only the mechanics of waiting live here; what is written to the database before and after a
send is the dispatcher's business.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from reminder.config.delivery import SLOW

LINGER = 0.02  # seconds a round waits for more sends to end, once one has
WAITS = 0.005  # a call that takes longer than this mostly waits: worth a thread
# With workers, one call in PROBE seconds is made in the caller's thread and timed, to see
# whether calls still wait. By time, not by count: a probe holds up the starting of other
# sends for as long as it waits (a 50 ms robot: every 16th call made here cost a whole
# `reminder tick` of 200 messages to 40 robots 0.8 s of its 2.1 s of sending).
PROBE = 2.0

T = TypeVar("T")
R = TypeVar("R")


class KeyedQueue(Generic[T]):
    """Items waiting to be sent, first in first out per key."""

    def __init__(self, items: Iterable[T], key: Callable[[T], str]) -> None:
        self._by_key: dict[str, deque[T]] = {}
        for item in items:
            self._by_key.setdefault(key(item), deque()).append(item)

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def ready(self, count: int, busy: set[str]) -> bool:
        """Whether `take` would give anything."""
        return count > 0 and any(key not in busy for key in self._by_key)

    def take(self, count: int, busy: set[str]) -> list[tuple[str, T]]:
        """Up to `count` items, at most one per key and none of a key in `busy`; keys that
        queued first go first."""
        out: list[tuple[str, T]] = []
        emptied = []
        if count > 0:
            for key, waiting in self._by_key.items():
                if key in busy:
                    continue
                out.append((key, waiting.popleft()))
                if not waiting:
                    emptied.append(key)
                if len(out) == count:
                    break
        for key in emptied:
            del self._by_key[key]
        return out

    def drain(self) -> list[T]:
        """Everything still waiting (the pass is stopping)."""
        out = [item for waiting in self._by_key.values() for item in waiting]
        self._by_key.clear()
        return out


@dataclass
class Timings:
    """How long calls took, kept from pass to pass by the caller."""

    here: deque[float] = field(default_factory=lambda: deque(maxlen=15))  # recent, made here
    last: dict[str, float] = field(default_factory=dict)  # each key's latest call, anywhere
    latest: float = 0.0  # the call that ended last, anywhere
    probed: float = -PROBE  # time.monotonic() when the latest call made here started

    def record(self, key: str, took: float, *, here: bool) -> None:
        if here:
            self.here.append(took)
        self.last[key] = self.latest = took


class Flight(Generic[R]):
    """Up to `size` calls in flight, each under a key.

    Sends that wait on the network (a remote robot answers in 50-200 ms) run on worker
    threads, `size` at once. Sends that hardly wait (a server next door) run one after another
    in the caller's thread: a worker would only add contention for the interpreter lock, and
    they are over before a second could start. Which kind they are is measured as they go.

    A call that hung (SLOW: a server gone quiet until the timeout) is not repeated in the
    caller's thread: once the latest call, or that key's last one, was that slow, calls go to
    workers, so a round of sends is held up by one timeout at most, not one per send.
    """

    def __init__(self, size: int, timings: Timings | None = None) -> None:
        self.size = size
        self._running: dict[Future[R], str] = {}
        self._pool: ThreadPoolExecutor | None = None
        self.timings = Timings() if timings is None else timings

    @property
    def busy(self) -> set[str]:
        return set(self._running.values())

    @property
    def free(self) -> int:
        return self.size - len(self._running)

    def __bool__(self) -> bool:
        return bool(self._running)

    @property
    def crowded(self) -> bool:
        """Fewer than a quarter of the slots free: better to wait for more sends to end than
        to start a round for a few (each round is a transaction, its cost the same for one
        message as for twenty: a city's minute on PostgreSQL ran rounds of 20 in 64)."""
        return self.free < self.size // 4

    @property
    def waits(self) -> bool:
        """Whether calls mostly wait: the median of the recent ones made here (a median, so
        that one pause of the collector among several does not count; made here, so that the
        contention workers add does not count either); or the latest call anywhere hung. One
        call decides at first: the first send of a pass to a remote robot is not followed by
        two more, one after another, before the others start (a pause that made a quick first
        call look slow is corrected by the next probe)."""
        here = self.timings.here
        return self.timings.latest >= SLOW or (len(here) >= 1 and statistics.median(here) >= WAITS)

    def submit(self, key: str, call: Callable[[], R]) -> None:
        """Start `call`: on a worker when calls wait on the network, else here and now (and
        one call in PROBE seconds here anyway, to see whether they still wait)."""
        t = self.timings
        now = time.monotonic()
        here = not self.waits or (now - t.probed >= PROBE and t.latest < SLOW)
        if self.size > 1 and (not here or t.last.get(key, 0.0) >= SLOW):
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.size, thread_name_prefix="reminder-send")
            self._running[self._pool.submit(self._timed, key, call)] = key
            return
        future: Future[R] = Future()
        t.probed = now
        start = time.perf_counter()
        try:
            future.set_result(call())
        except Exception as exc:  # handed to whoever asks for the result, as a worker would
            future.set_exception(exc)
        t.record(key, time.perf_counter() - start, here=True)
        self._running[future] = key

    def _timed(self, key: str, call: Callable[[], R]) -> R:
        start = time.perf_counter()
        try:
            return call()
        finally:
            self.timings.record(key, time.perf_counter() - start, here=False)

    def done(self, *, block: bool) -> list[Future[R]]:
        """The calls that have finished. With `block`, wait for at least one (if any runs),
        then up to LINGER more for half of those running: a round then records several."""
        if block and self._running:
            finished, running = wait(set(self._running), return_when=FIRST_COMPLETED)
            until = time.monotonic() + LINGER
            while running and len(finished) < (len(self._running) + 1) // 2:
                left = until - time.monotonic()
                if left <= 0:
                    break
                more, running = wait(running, timeout=left, return_when=FIRST_COMPLETED)
                finished |= more
        ended = [f for f in self._running if f.done()]
        for f in ended:
            del self._running[f]
        return ended

    def close(self) -> list[Future[R]]:
        """Wait for every running call; return them; stop the workers."""
        if self._running:
            wait(self._running)
        ended = list(self._running)
        self._running.clear()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        return ended


def collect(futures: Iterable[Future[R]], into: list[R]) -> None:
    """Every result into `into`, then the first error, if any, raised: one call that failed
    (with what its caller does not catch) does not lose the others' results."""
    error: BaseException | None = None
    for future in futures:
        try:
            into.append(future.result())
        except BaseException as exc:
            error = error or exc
    if error is not None:
        raise error

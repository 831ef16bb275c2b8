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
from typing import Generic, TypeVar

LINGER = 0.02  # seconds a round waits for more sends to end, once one has
WAITS = 0.005  # a call that takes longer than this mostly waits: worth a thread
PROBE = 16  # with workers, every PROBE-th call is made in the caller's thread and timed

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


class Flight(Generic[R]):
    """Up to `size` calls in flight, each under a key.

    Sends that wait on the network (a remote robot answers in 50-200 ms) run on worker
    threads, `size` at once. Sends that hardly wait (a server next door) run one after another
    in the caller's thread: a worker would only add contention for the interpreter lock, and
    they are over before a second could start. Which kind they are is measured as they go.
    """

    def __init__(self, size: int, took: deque[float] | None = None) -> None:
        self.size = size
        self._running: dict[Future[R], str] = {}
        self._pool: ThreadPoolExecutor | None = None
        # Seconds taken by the calls made here; the caller may keep them from pass to pass.
        self._took: deque[float] = deque(maxlen=15) if took is None else took
        self._calls = 0

    @property
    def busy(self) -> set[str]:
        return set(self._running.values())

    @property
    def free(self) -> int:
        return self.size - len(self._running)

    def __bool__(self) -> bool:
        return bool(self._running)

    @property
    def waits(self) -> bool:
        """Whether calls mostly wait: the median of the recent ones made here (a median, so
        that one pause of the collector does not count; made here, so that the contention
        workers add does not count either)."""
        return len(self._took) >= 3 and statistics.median(self._took) >= WAITS

    def submit(self, key: str, call: Callable[[], R]) -> None:
        """Start `call`: on a worker when calls wait on the network, else here and now (and
        every PROBE-th call here anyway, to see whether they still wait)."""
        self._calls += 1
        if self.size > 1 and self.waits and self._calls % PROBE:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.size, thread_name_prefix="reminder-send")
            self._running[self._pool.submit(call)] = key
            return
        future: Future[R] = Future()
        start = time.perf_counter()
        try:
            future.set_result(call())
        except Exception as exc:  # handed to whoever asks for the result, as a worker would
            future.set_exception(exc)
        self._took.append(time.perf_counter() - start)
        self._running[future] = key

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

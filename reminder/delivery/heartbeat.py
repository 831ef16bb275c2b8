"""The heartbeat of a dispatching instance: while a pass runs, its leases are extended every
quarter lease, so that a short lease (10 s by default) never runs out under a live instance,
however long its sends take, and the rows of one that died or stalled are free a lease later.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from types import TracebackType

from sqlalchemy.engine import Engine

from reminder.clock import Clock
from reminder.store import leases
from reminder.store.engine import transaction

log = logging.getLogger("reminder.dispatch")


class Heartbeat:
    """`with Heartbeat(...):` keeps `owner`'s leases alive for the block."""

    def __init__(self, engine: Engine, clock: Clock, owner: str, lease: timedelta) -> None:
        self.engine, self.clock, self.owner, self.lease = engine, clock, owner, lease
        self.every = lease.total_seconds() / 4
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                now = self.clock.now()
                with transaction(self.engine, idle_limit=self.lease) as s:
                    leases.extend_leases(s, owner=self.owner, now=now, until=now + self.lease)
            except Exception as exc:  # the pass itself reports a database that is down
                log.warning("heartbeat could not extend the leases: %s", exc)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

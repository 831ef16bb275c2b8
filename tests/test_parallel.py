"""Messages in flight at once: several robots served together when the robot server is slow,
never two posts to one robot at a time, each robot's messages in order, nothing sent twice;
one after another when sends hardly wait. And the in-flight parts on their own."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from concurrent.futures import Future
from pathlib import Path

import pytest

from reminder.app.runtime import Runtime
from reminder.clock import FixedClock
from reminder.delivery import inflight
from reminder.delivery.inflight import PROBE, SLOW, Flight, KeyedQueue, collect
from tests.delivery_harness import at
from tests.servers import FakeWecom

ROBOTS, TASKS = 8, 5


def _config(url: str, parallel: int, robots: int = ROBOTS) -> str:
    offices = "".join(
        f'\n[[offices]]\nid = "o{i}"\nname = "科室{i}"\nwecom = "robot-key-{i}"\n'
        for i in range(robots)
    )
    deadlines = "".join(
        f'\n[[deadlines]]\nid = "t{i}-{j}"\ntitle = "任务{i}-{j}"\n'
        f'lead = ["o{i}"]\ndue = "2026-03-31"\n'
        for j in range(TASKS)
        for i in range(robots)
    )
    return (
        f'[settings]\ntimezone = "Asia/Shanghai"\nsend_time = "09:00"\nremind = ["0d"]\n'
        f'[wecom]\nurl = "{url}"\ntimeout = 5\n'
        f"[delivery]\ndigest = false\nparallel = {parallel}\n{offices}{deadlines}"
    )


def _send_all(tmp_path: Path, wecom: FakeWecom, clock: FixedClock, parallel: int) -> str:
    path = tmp_path / "schedules.toml"
    path.write_text(_config(wecom.url, parallel), encoding="utf-8")
    runtime = Runtime(str(path), clock=clock, engine=None)
    runtime.sync_and_plan()
    clock.set(at("2026-03-31 09:00"))
    summary = runtime.dispatch().summary()
    runtime.engine.dispose()
    return summary


def _titles_by_robot(wecom: FakeWecom) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in wecom.received:
        out.setdefault(m.key, []).append(re.findall(r"任务\d-\d", m.content)[0])
    return out


def test_a_slow_robot_server_gets_several_robots_at_once(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REMINDER_DATABASE_URL", db_url)
    clock = FixedClock(at("2026-03-31 08:00"))
    keys = {f"robot-key-{i}" for i in range(ROBOTS)}
    with FakeWecom(keys=keys, clock=clock.now, latency=0.03) as wecom:
        summary = _send_all(tmp_path, wecom, clock, parallel=4)
    assert summary == f"{ROBOTS * TASKS} sent"
    assert Counter(m.key for m in wecom.received) == {k: TASKS for k in keys}  # once each
    assert 2 <= wecom.most_at_once <= 4  # in parallel, within [delivery] parallel
    assert wecom.most_per_key == 1  # never two posts to one robot at a time
    for key, titles in _titles_by_robot(wecom).items():  # each robot's messages in order
        i = key.removeprefix("robot-key-")
        assert titles == [f"任务{i}-{j}" for j in range(TASKS)]


def test_a_robot_server_next_door_gets_one_post_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REMINDER_DATABASE_URL", f"sqlite:///{tmp_path / 'reminder.db'}")
    clock = FixedClock(at("2026-03-31 08:00"))
    keys = {f"robot-key-{i}" for i in range(ROBOTS)}
    with FakeWecom(keys=keys, clock=clock.now) as wecom:
        summary = _send_all(tmp_path, wecom, clock, parallel=4)
    assert summary == f"{ROBOTS * TASKS} sent"
    assert len(wecom.received) == ROBOTS * TASKS
    assert wecom.most_at_once == 1  # sends that hardly wait go one after another


def test_keyed_queue_takes_one_per_free_key_in_order() -> None:
    queue = KeyedQueue(["a1", "b1", "a2", "c1", "a3", "b2"], key=lambda item: item[0])
    assert queue.take(2, busy={"a"}) == [("b", "b1"), ("c", "c1")]
    assert not queue.ready(5, busy={"a", "b"})  # c has nothing left
    assert queue.ready(5, busy={"b"}) and not queue.ready(0, busy=set())
    assert queue.take(5, busy=set()) == [("a", "a1"), ("b", "b2")]
    assert queue.drain() == ["a2", "a3"] and not queue


def test_flight_runs_quick_calls_here_and_slow_ones_on_workers() -> None:
    here = threading.get_ident()
    flight: Flight[int] = Flight(4)
    for i in range(5):  # quick: made in this thread, finished at once
        flight.submit(f"k{i}", lambda: threading.get_ident())
    assert {f.result() for f in flight.done(block=False)} == {here}

    gate = threading.Event()
    slow: Flight[int] = Flight(4)
    slow.timings.here.extend([0.05] * 3)  # as if three calls had each waited 50 ms on the network
    slow.timings.probed = time.monotonic()  # the latest of them just now: no probe is due
    for i in range(3):
        slow.submit(f"k{i}", lambda: gate.wait(5) and threading.get_ident())
    assert slow.busy == {"k0", "k1", "k2"} and slow.free == 1  # running on workers, waiting
    gate.set()
    ended = slow.close()
    assert len(ended) == 3 and here not in {f.result() for f in ended}


def test_flight_probes_here_every_so_often_and_passes_on_errors() -> None:
    here = threading.get_ident()
    flight: Flight[int] = Flight(2)
    flight.timings.here.extend([0.05] * 3)
    # No call made here yet: the first is a probe, made here and timed
    flight.submit("k", lambda: threading.get_ident())
    assert [f.result() for f in flight.done(block=True)] == [here]
    assert len(flight.timings.here) == 4
    flight.submit("k", lambda: 1 // 0)  # on a worker: its error is handed on, not raised here
    (failed,) = flight.close()
    assert isinstance(failed.exception(), ZeroDivisionError)
    quick: Flight[int] = Flight(1)
    quick.submit("k", lambda: 1 // 0)  # here: the same
    (failed,) = quick.done(block=False)
    assert isinstance(failed.exception(), ZeroDivisionError)


def test_after_a_call_hung_none_waits_behind_another_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quick calls are made here, one after another; but once one hung until its timeout
    (a server gone quiet), the next go to workers, and that key's calls stay there until one
    is quick again: a round is held up by one timeout, not one per send."""
    here = threading.get_ident()
    ticks = iter([0.0, 0.001, 1.0, 1.0 + SLOW])  # a quick call here, then one that hangs
    monkeypatch.setattr(inflight.time, "perf_counter", lambda: next(ticks))
    flight: Flight[int] = Flight(4)
    flight.timings.here.extend([0.001] * 3)
    flight.submit("ok", lambda: threading.get_ident())
    flight.submit("dead", lambda: threading.get_ident())
    assert [f.result() for f in flight.done(block=False)] == [here, here]
    assert flight.timings.last == {"ok": 0.001, "dead": SLOW} and flight.waits
    monkeypatch.undo()
    gate = threading.Event()
    flight.submit("other", lambda: gate.wait(5) and threading.get_ident())
    assert flight.busy == {"other"}  # on a worker: it could hang too
    flight.timings.probed -= PROBE  # a probe is due, but not made here while the latest call hung
    flight.submit("ok", lambda: gate.wait(5) and threading.get_ident())
    assert flight.busy == {"other", "ok"}
    gate.set()
    ended = flight.close()
    assert here not in {f.result() for f in ended}
    assert flight.timings.latest < SLOW and flight.timings.last["dead"] == SLOW
    # The quick calls since bring the caller's thread back, except for the key that hung.
    flight.timings.here.extend([0.001] * 15)
    flight.submit("ok", lambda: threading.get_ident())
    flight.submit("dead", lambda: threading.get_ident())
    ok, dead = (f.result() for f in flight.close())
    assert ok == here and dead != here
    assert flight.timings.last["dead"] < SLOW  # quick on its worker: back here next time


def test_collect_keeps_every_result_when_one_call_raised() -> None:
    futures: list[Future[int]] = [Future() for _ in range(3)]
    futures[0].set_result(1)
    futures[1].set_exception(KeyboardInterrupt())
    futures[2].set_result(3)
    got: list[int] = []
    with pytest.raises(KeyboardInterrupt):
        collect(futures, got)
    assert got == [1, 3]


def test_a_stop_during_sends_on_workers_starts_nothing_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop that comes while the dispatcher waits for a send on a worker to end starts no
    new send: what was in flight is recorded, the rest is given back for the next pass."""
    monkeypatch.setenv("REMINDER_DATABASE_URL", f"sqlite:///{tmp_path / 'reminder.db'}")
    clock = FixedClock(at("2026-03-31 08:00"))
    with FakeWecom(keys={"robot-key-0"}, clock=clock.now) as wecom:
        path = tmp_path / "schedules.toml"
        path.write_text(_config(wecom.url, 4, robots=1), encoding="utf-8")  # one robot
        runtime = Runtime(str(path), clock=clock)
        runtime.sync_and_plan()
        clock.set(at("2026-03-31 09:00"))
        timings = runtime.dispatcher.timings
        timings.here.extend([0.05] * 15)  # as if sends waited, just now: they go to workers
        timings.probed = time.monotonic()
        runtime.dispatcher.stop_requested = lambda: len(wecom.received) >= 3
        assert runtime.dispatch().counts["sent"] == 3
        assert len(wecom.received) == 3  # none started after the stop
        runtime.dispatcher.stop_requested = lambda: False
        assert runtime.dispatch().counts["sent"] == TASKS - 3  # given back, not lost
        runtime.engine.dispose()
    assert len(wecom.received) == TASKS

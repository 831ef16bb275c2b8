"""`python -m bench [--quick] [--only 1,3]`: run the scenarios and print one table."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import UTC, datetime

from bench import (
    catchup,
    checkscale,
    citywide,
    dbsize,
    dispatch,
    failover,
    fanout,
    importing,
    instances,
    plan_year,
    poll,
    startup,
    timeliness,
    web,
)
from bench.common import Result


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def table(results: list[Result]) -> str:
    head = ["scenario", "size", "ours", "peer", "peer is", "peer/ours", "target", "result", "note"]
    rows = [
        [
            r.scenario,
            r.size,
            f"{_fmt(r.ours)} {r.unit}",
            f"{_fmt(r.peer)} {r.unit}",
            r.peer_name,
            "-" if r.ratio is None else f"{r.ratio:.2f}",
            r.target,
            {True: "pass", False: "FAIL", None: "-"}[r.ok],
            r.note,
        ]
        for r in results
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=False)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += [
        "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--only", default="1,2,3,4,5,6,7,8,9,10,11,12,13,14", help="scenarios to run, e.g. 1,3"
    )
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    results: list[Result] = []
    if "1" in wanted:
        results += plan_year.run(1_000 if args.quick else 10_000)
    if "2" in wanted:
        results += catchup.run(300 if args.quick else 10_000)
    if "3" in wanted:
        results += poll.run(10_000, 100_000 if args.quick else 1_000_000)
    if "4" in wanted:
        results += dispatch.run(50 if args.quick else 250, 20)
    if "5" in wanted:
        results += timeliness.run()
    if "6" in wanted:
        results += startup.run(1_000 if args.quick else 10_000)
    if "7" in wanted:
        results += instances.run(1_000 if args.quick else 10_000)
    if "8" in wanted:
        results += dbsize.run()
    if "9" in wanted:
        results += checkscale.run(2_000 if args.quick else 20_000)
    if "11" in wanted:
        results += importing.run(100 if args.quick else 500)
    if "10" in wanted:
        results += web.run(1_000 if args.quick else 10_000, 50_000 if args.quick else 1_000_000)
    if "12" in wanted:
        results += failover.run(3 if args.quick else 10)
    if "13" in wanted:
        results += fanout.run(3 if args.quick else 5)
    if "14" in wanted:
        results += citywide.run(runs=1 if args.quick else 2)
    print(
        f"# bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(table(results))
    return 0 if all(r.ok is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

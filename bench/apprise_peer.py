"""The peer of scenario 13, as a whole process: Apprise fanning messages out to WeCom-like
robots as json:// targets, with nothing kept (no ledger, no rate limit, no retry record).

`python -m bench.apprise_peer BASE ROBOTS PER_ROBOT` posts ROBOTS x PER_ROBOT messages (the
same text as ours: a task's title, due date and lead office) to BASE, each robot its own
json:// target. Each round gives every robot its next message, all at once through Apprise's
own concurrency (`async_notify` gathered: Apprise runs the posts on its worker threads); the
rounds follow each other, so a robot has one message in flight at a time, as ours does.
"""

from __future__ import annotations

import asyncio
import sys

import apprise

from bench.keys import robot_key


def body(n: int, robots: int) -> str:
    """The text of reminder `n`, as long as ours (a digest-free WeCom markdown message)."""
    office = n % robots
    return (
        f'**【到期】任务{n}**\n> 截止日期：<font color="info">2026年3月31日（星期二），今日到期'
        f"</font>\n> 完成时限：2026年3月31日（星期二）\n> 责任分工：科室{office:03d}牵头（本科室为"
        f'牵头单位）\n请按时办理。完成后请告知办公室登记。\n<font color="comment">2026年3月31日'
        f"</font>"
    )


async def fan_out(base: str, robots: int, per_robot: int) -> int:
    host = base.removeprefix("http://")
    targets = []
    for i in range(robots):
        target = apprise.Apprise()
        target.add(f"json://{host}/cgi-bin/webhook/send?-key={robot_key(i)}")
        targets.append(target)
    sent = 0
    for round_ in range(per_robot):
        answers = await asyncio.gather(
            *(
                target.async_notify(body=body(round_ * robots + i, robots), title="")
                for i, target in enumerate(targets)
            )
        )
        sent += sum(bool(a) for a in answers)
    return sent


if __name__ == "__main__":
    base, robots, per_robot = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sent = asyncio.run(fan_out(base, robots, per_robot))
    print(f"{sent} sent")
    sys.exit(0 if sent == robots * per_robot else 1)

"""Scenario 5: 1,000 reminders for 200 offices due in the same minute; lateness from the due
instant to the HTTP request reaching the (local) WeCom server; p99 under 2 s.

Real time: the service runs as `reminder run` and the reminders fall due at the start of the
next whole minute (a minute or two of waiting).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import Result, offices_toml

ROOT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Shanghai")
OFFICES, PER_OFFICE = 200, 5
_NUMBERED = re.compile(r"^\d+\. ", re.M)


class _Robot(BaseHTTPRequestHandler):
    arrivals: list[tuple[float, int]] = []  # noqa: RUF012 - one server per run: (time, items)

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        at = time.time()
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        content = body["markdown"]["content"]
        # A digest numbers its reminders (1. 第N项 …); a single reminder is one bold heading.
        items = len(_NUMBERED.findall(content)) or content.count("**【")
        _Robot.arrivals.append((at, items))
        answer = b'{"errcode": 0, "errmsg": "ok"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


def _toml(url: str, day: str, at: str) -> str:
    offices = offices_toml(OFFICES, "wecom")
    deadlines = "".join(
        f'[[deadlines]]\nid = "t{i:04d}"\ntitle = "任务{i}"\n'
        f'lead = ["o{i % OFFICES:03d}"]\ndue = "{day}"\n\n'
        for i in range(OFFICES * PER_OFFICE)
    )
    return (
        f'[settings]\nsend_time = "{at}"\nremind = ["0d"]\n\n[calendar]\nworkdays = '
        f'["{day}"]\n\n[wecom]\nurl = "{url}"\n\n[delivery]\nhorizon = "1d"\n\n'
        f"{offices}{deadlines}"
    )


def run() -> list[Result]:
    _Robot.arrivals = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Robot, bind_and_activate=False)
    server.request_queue_size = 128  # a real server's backlog, not http.server's 5
    server.server_bind()
    server.server_activate()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send"
    now = datetime.now(TZ)
    due = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (due - now).total_seconds() < 20:  # leave the service time to start and plan
        due += timedelta(minutes=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "schedules.toml"
        path.write_text(_toml(url, due.date().isoformat(), due.strftime("%H:%M")), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "REMINDER_DATABASE_URL"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "reminder", "run", "--config", str(path)],
            cwd=ROOT,
            env=env,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.time() + (due - datetime.now(TZ)).total_seconds() + 60
            total = OFFICES * PER_OFFICE
            while sum(n for _, n in _Robot.arrivals) < total and time.time() < deadline:
                threading.Event().wait(0.05)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            server.shutdown()
    # Every reminder is as late as the request that carried it.
    lateness = sorted(at - due.timestamp() for at, n in _Robot.arrivals for _ in range(n))
    if not lateness:
        return [
            Result(
                "5 timeliness, p99 lateness",
                "1,000 reminders, 200 offices",
                0.0,
                None,
                "-",
                "s",
                "< 2 s",
                False,
                "no request arrived",
            )
        ]
    p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))]
    return [
        Result(
            "5 timeliness, p99 lateness",
            "1,000 reminders, 200 offices",
            p99,
            None,
            "(absolute)",
            "s",
            "< 2 s",
            p99 < 2.0,
            f"{len(lateness)} reminders in {len(_Robot.arrivals)} digests; median "
            f"{lateness[len(lateness) // 2]:.2f} s, "
            f"max {lateness[-1]:.2f} s",
        )
    ]

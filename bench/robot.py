"""A WeCom-like robot server for the bench, in its own process (so that it does not share the
client's interpreter): every POST answers errcode 0 after an optional latency; optionally the
20-a-minute limit per key (errcode 45009 beyond it).

`python -m bench.robot --latency 0.05` prints its port, then serves until stdin closes.
GET /stats answers {"posts": accepted, "45009": refused, "distinct": accepted messages whose first
lines differ (one per reminder when each names its task)}; GET /arrivals, [[unix time, key], ...]
of every accepted post (how late each came, and how many each robot had in any minute).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

ANSWER = b'{"errcode":0,"errmsg":"ok"}'
LIMITED = b'{"errcode":45009,"errmsg":"api freq out of limit"}'


def _first_line(body: bytes) -> str:
    """The first line of a text or markdown message: the task it reminds of."""
    try:
        message = json.loads(body)
        content = str(message.get(message.get("msgtype", "text"), {}).get("content", ""))
    except (ValueError, AttributeError):
        return ""
    return content.partition("\n")[0]


def serve(latency: float, per_minute: int) -> None:
    posts, refused = 0, 0
    distinct: set[str] = set()
    arrivals: list[tuple[float, str]] = []
    sent_at: dict[str, list[float]] = {}
    lock = threading.Lock()

    def admit(path: str) -> bool:
        """The robot API's 20 messages a minute per key, when `per_minute` is set."""
        if not per_minute:
            return True
        key = path.partition("key=")[2]
        now = time.monotonic()
        window = [t for t in sent_at.get(key, []) if now - t < 60]
        if len(window) >= per_minute:
            sent_at[key] = window
            return False
        sent_at[key] = [*window, now]
        return True

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real API
        disable_nagle_algorithm = True  # headers and body in two writes: no 40 ms stall

        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/arrivals":
                with lock:
                    self._answer(json.dumps(arrivals).encode())
                return
            stats = {"posts": posts, "45009": refused, "distinct": len(distinct)}
            self._answer(json.dumps(stats).encode())

        def do_POST(self) -> None:
            nonlocal posts, refused
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            arrived = time.time()  # when the request reached the robot, before its latency
            if latency:
                time.sleep(latency)  # the server's own latency, not a test waiting
            with lock:
                ok = admit(self.path)
                posts += ok
                refused += not ok
                if ok:
                    distinct.add(_first_line(body))
                    arrivals.append((arrived, self.path.partition("key=")[2]))
            self._answer(ANSWER if ok else LIMITED)

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that was killed mid-request (the fail-over scenario)

    server = Server(("127.0.0.1", 0), Handler, bind_and_activate=False)
    server.request_queue_size = 128  # a real server's backlog, not http.server's 5
    server.server_bind()
    server.server_activate()
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the parent closes our stdin


class Robot:
    """Start the server process; `url` is the webhook address, `posts()` the count so far."""

    def __init__(self, latency: float = 0.0, per_minute: int = 0) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.robot",
                "--latency",
                str(latency),
                "--per-minute",
                str(per_minute),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        port = int(self.proc.stdout.readline())
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/cgi-bin/webhook/send"

    def stats(self) -> dict[str, int]:
        """{"posts": accepted, "45009": refused for the rate limit, "distinct": messages}"""
        return dict(httpx.get(f"{self.base}/stats").json())

    def arrivals(self) -> list[tuple[float, str]]:
        """(unix time, key) of every accepted post, in the order they arrived."""
        return [(float(t), str(k)) for t, k in httpx.get(f"{self.base}/arrivals").json()]

    def __enter__(self) -> Robot:
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--per-minute", type=int, default=0, help="0: no rate limit")
    args = parser.parse_args()
    serve(args.latency, args.per_minute)

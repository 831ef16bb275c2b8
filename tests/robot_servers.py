"""Real local stand-ins for the DingTalk and Feishu custom-robot APIs, as the platforms behave.

Each checks what the platform checks, in its order: the robot exists (DingTalk 400101; Feishu
19001), the signature and its timestamp (within an hour of the platform's clock, which is the
test's clock; DingTalk and Feishu both refuse with their code: 310000, 19021), the size
(DingTalk: a body over 20,000 bytes, 460101; Feishu: over 20 KB, 9499), the keyword when one is
set, then the rate: DingTalk 20 a minute per robot and, once over, the robot throttled for ten
minutes (410100); Feishu 100 a minute (the clock) and 5 a second (real time: the sends happen
now) per bot (11232). Faults can be queued per robot as with FakeWecom.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.servers import answer_json, serving, stop


@dataclass(frozen=True)
class Bot:
    """A robot the stand-in knows: its signing secret (None: not signed), its keyword."""

    secret: str | None = None
    keyword: str | None = None


@dataclass
class Posted:
    robot: str  # the access_token (DingTalk) or hook id (Feishu)
    payload: dict[str, Any]
    query: dict[str, str]


@dataclass
class _Stand:
    robots: dict[str, Bot]
    clock: Callable[[], datetime]
    received: list[Posted] = field(default_factory=list)
    answers: list[tuple[str, int]] = field(default_factory=list)  # (robot, code)
    faults: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, robot: str, *codes: int) -> None:
        """Answer the next posts to `robot` with these codes (0: a normal answer)."""
        self.faults.setdefault(robot, []).extend(codes)

    def codes(self) -> list[int]:
        return [code for _, code in self.answers]

    def to(self, robot: str) -> list[Posted]:
        return [p for p in self.received if p.robot == robot]

    def __enter__(self) -> Any:
        stand = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, answer = stand.handle(self.path, raw)
                answer_json(self, status, answer)

        self.server = serving(Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self.server)

    def handle(self, path: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def fault(self, robot: str) -> int | None:
        queue = self.faults.get(robot)
        return queue.pop(0) if queue else None

    def within_hour(self, seconds: float) -> bool:
        return abs(self.clock().timestamp() - seconds) <= 3600


class FakeDingtalk(_Stand):
    """``POST /robot/send?access_token=T[&timestamp=MS&sign=S]``, answering errcode/errmsg."""

    per_minute = 20
    throttle = timedelta(minutes=10)

    def __init__(self, robots: dict[str, Bot], clock: Callable[[], datetime]) -> None:
        super().__init__(robots, clock)
        self.sent_at: dict[str, list[datetime]] = {}
        self.throttled_until: dict[str, datetime] = {}

    def url(self, token: str) -> str:
        return f"{self.base}/robot/send?access_token={token}"

    def handle(self, path: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        token = query.get("access_token", "")
        with self.lock:
            code, message = self._judge(parts.path, token, query, raw)
            self.answers.append((token, code))
            if code == 0:
                self.received.append(Posted(token, json.loads(raw), query))
        return 200, {"errcode": code, "errmsg": message}

    def _judge(self, path: str, token: str, query: dict[str, str], raw: bytes) -> tuple[int, str]:
        bot = self.robots.get(token)
        if path != "/robot/send" or bot is None:
            return 400101, "access_token不存在"
        fault = self.fault(token)
        if fault:
            return fault, f"fault {fault}"
        if bot.secret is not None:
            refused = self._signature(bot.secret, query)
            if refused:
                return 310000, refused
        if len(raw) > 20000:
            return 460101, "message too long, exceed 20000 bytes"
        try:
            payload = json.loads(raw)
            kind = payload["msgtype"]
            body = payload[kind]
            shown = body["text"] + body["title"] if kind == "markdown" else body["content"]
        except (ValueError, KeyError, TypeError):
            return 400105, "不支持的消息类型"
        if bot.keyword and bot.keyword not in shown:
            return 310000, "keywords not in content"
        return self._rate(token)

    def _signature(self, secret: str, query: dict[str, str]) -> str | None:
        stamp = query.get("timestamp", "")
        if not stamp.isdigit() or not self.within_hour(int(stamp) / 1000):
            return "invalid timestamp"
        digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256)
        if query.get("sign") != base64.b64encode(digest.digest()).decode():
            return "sign not match"
        return None

    def _rate(self, token: str) -> tuple[int, str]:
        now = self.clock()
        if now < self.throttled_until.get(token, now):
            return 410100, "send too fast, throttled"
        window = [t for t in self.sent_at.get(token, []) if now - t < timedelta(minutes=1)]
        if len(window) >= self.per_minute:
            self.throttled_until[token] = now + self.throttle
            return 410100, "send too fast, exceed 20 times per minute"
        self.sent_at[token] = [*window, now]
        return 0, "ok"


class FakeFeishu(_Stand):
    """``POST /open-apis/bot/v2/hook/ID`` with the signature in the body, answering code/msg."""

    per_minute = 100
    per_second = 5
    limit = 20 * 1024

    def __init__(self, robots: dict[str, Bot], clock: Callable[[], datetime]) -> None:
        super().__init__(robots, clock)
        self.sent_at: dict[str, list[datetime]] = {}
        self.arrived: dict[str, list[float]] = {}  # monotonic arrival times, per bot

    def url(self, hook: str) -> str:
        return f"{self.base}/open-apis/bot/v2/hook/{hook}"

    def handle(self, path: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        hook = unquote(path.rsplit("/", 1)[-1])
        with self.lock:
            code, message = self._judge(path, hook, raw)
            self.answers.append((hook, code))
            if code == 0:
                self.received.append(Posted(hook, json.loads(raw), {}))
        if code == 0:
            return 200, {"StatusCode": 0, "StatusMessage": "success", "code": 0, "msg": "success"}
        return (400 if code == 9499 else 200), {"code": code, "data": {}, "msg": message}

    def _judge(self, path: str, hook: str, raw: bytes) -> tuple[int, str]:
        bot = self.robots.get(hook)
        if not path.startswith("/open-apis/bot/v2/hook/") or bot is None:
            return 19001, "param invalid: incoming webhook access token invalid"
        fault = self.fault(hook)
        if fault:
            return fault, f"fault {fault}"
        if len(raw) > self.limit:
            return 9499, "Bad Request: request body too large"
        try:
            payload = json.loads(raw)
            post = payload["content"]["post"]["zh_cn"] if payload["msg_type"] == "post" else {}
            shown = json.dumps(post, ensure_ascii=False)
        except (ValueError, KeyError, TypeError):
            return 9499, "Bad Request"
        if bot.secret is not None:
            stamp = str(payload.get("timestamp", ""))
            key = f"{stamp}\n{bot.secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            if not stamp.isdigit() or not self.within_hour(int(stamp)):
                return (
                    19021,
                    "sign match fail or timestamp is not within one hour from current time",
                )
            if payload.get("sign") != expected:
                return (
                    19021,
                    "sign match fail or timestamp is not within one hour from current time",
                )
        if bot.keyword and bot.keyword not in shown:
            return 19024, "Key Words Not Found"
        return self._rate(hook)

    def _rate(self, hook: str) -> tuple[int, str]:
        now, real = self.clock(), time.monotonic()
        second = [t for t in self.arrived.get(hook, []) if real - t < 1.0]
        minute = [t for t in self.sent_at.get(hook, []) if now - t < timedelta(minutes=1)]
        if len(second) >= self.per_second or len(minute) >= self.per_minute:
            return 11232, "frequency limited"
        self.arrived[hook] = [*second, real]
        self.sent_at[hook] = [*minute, now]
        return 0, "success"

"""A stand-in for a bureau's SMS gateway on 127.0.0.1, as the usual Chinese SMS platforms behave.

It takes a JSON body (``{"mobile": ..., "content": ...}``), a form (``mobile=...&content=...``)
or a GET with both in the query; checks the ``Authorization: Bearer TOKEN`` header; and
answers HTTP 200 with ``{"code": 0, "msg": "success", "data": {"id": ...}}`` or a refusal
code: 1001 a bad token, 1002 a malformed mobile number, 1003 content over two segments (134
characters), 1004 empty content. Faults can be queued: "500", "hang" (no answer within the
client's timeout) or any code ("1009": 系统繁忙).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers import answer_json, serving, stop

MESSAGES = {
    0: "success",
    1001: "鉴权失败",
    1002: "手机号码格式错误",
    1003: "短信内容超长",
    1004: "短信内容为空",
    1009: "系统繁忙",
}
MOBILE = re.compile(r"1[3-9]\d{9}")


@dataclass
class Sms:
    mobile: str
    text: str
    how: str  # "json", "form" or "get": how the request carried it


@dataclass
class SmsGateway:
    token: str
    received: list[Sms] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # each request's code, or HTTP status
    auth_seen: list[str] = field(default_factory=list)  # the Authorization header of each
    fields: list[dict[str, str]] = field(default_factory=list)  # each request's fields, all
    faults: list[str] = field(default_factory=list)
    faults_for: dict[str, list[str]] = field(default_factory=dict)  # mobile -> its faults
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, *faults: str) -> None:
        """Queue faults for the next requests: "500", "hang", "1009" ..., or "ok"."""
        self.faults.extend(faults)

    def fail_number(self, mobile: str, *faults: str) -> None:
        """Queue faults for the next requests to `mobile`, before the general ones."""
        self.faults_for.setdefault(mobile, []).extend(faults)

    def __enter__(self) -> SmsGateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer(parse_qs(urlsplit(self.path).query), "get")

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                kind = self.headers.get("Content-Type", "").split(";")[0].strip()
                if kind == "application/json":
                    try:
                        fields = {k: [str(v)] for k, v in json.loads(raw).items()}
                    except (ValueError, AttributeError):
                        fields = {}
                    self._answer(fields, "json")
                else:
                    self._answer(parse_qs(raw.decode()), "form")

            def _answer(self, fields: dict[str, list[str]], how: str) -> None:
                auth = self.headers.get("Authorization", "")
                status, code = gateway.handle(fields, how, auth)
                if status == 0:  # hang past the client's timeout
                    gateway.release.wait(5)
                    return
                answer: dict[str, Any] = {"code": code, "msg": MESSAGES.get(code, "error")}
                if code == 0:
                    answer["data"] = {"id": f"sms-{len(gateway.received)}"}
                answer_json(self, status, answer, "application/json; charset=utf-8")

        self.server = serving(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/sms/send"
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        stop(self.server)

    def handle(self, fields: dict[str, list[str]], how: str, auth: str) -> tuple[int, int]:
        with self.lock:
            self.auth_seen.append(auth)
            self.fields.append({k: v[0] for k, v in fields.items()})
            mine = self.faults_for.get(fields.get("mobile", [""])[0])
            fault = mine.pop(0) if mine else self.faults.pop(0) if self.faults else None
            status, code = self._judge(fields, how, auth, fault)
            self.answers.append(code if status == 200 else status)
            return status, code

    def _judge(
        self, fields: dict[str, list[str]], how: str, auth: str, fault: str | None
    ) -> tuple[int, int]:
        if fault == "hang":
            return 0, 0
        if fault == "500":
            return 500, 500
        if fault not in (None, "ok"):
            return 200, int(fault)
        if auth != f"Bearer {self.token}":
            return 200, 1001
        mobile = fields.get("mobile", [""])[0]
        text = fields.get("content", [""])[0]
        if not MOBILE.fullmatch(mobile):
            return 200, 1002
        if not text:
            return 200, 1004
        if len(text) > 134:
            return 200, 1003
        self.received.append(Sms(mobile, text, how))
        return 200, 0

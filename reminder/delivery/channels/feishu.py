"""Feishu (飞书) custom bot: POST JSON to .../open-apis/bot/v2/hook/ID, judge by `code`.

A signed bot (签名校验) gets ``timestamp`` (the clock's time in seconds, a string) and
``sign`` in the JSON body: the base64 of HMAC-SHA256 keyed with ``f"{timestamp}\\n{secret}"``
over an empty message; the platform refuses a timestamp more than an hour off. Messages go
as rich text (``post``): the robots' plain-text template, a line a paragraph, each web address
a link. A request body is at most 20 KB: longer content is split on line or character
boundaries, as WeCom's is.

100 messages a minute and 5 a second per bot: the minute is the shared budget (`per_minute`),
the second is kept here, per bot, by pacing its sends. Throttled (11232) is retried a minute
later; a refused signature (19021), IP (19022) or keyword (19024), or a hook that does not
exist, fails at once and the administrator is told.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import threading
import time
from urllib.parse import urlsplit

from reminder.config.model import Office
from reminder.delivery.channels.base import Rendered, Target, mask
from reminder.delivery.channels.robot import RobotChannel
from reminder.delivery.channels.wecom import split_bytes
from reminder.errors import DeliveryError

BODY_LIMIT = 20_000 - 200  # bytes of JSON; the 200 leave room for the timestamp and sign
PER_SECOND = 5
SECOND = 1.05  # a little over a second: the bot counts arrivals
THROTTLED = {11232: "frequency limited"}
PERMANENT = {
    19021: "signature check failed (the secret, or the server's clock?)",
    19022: "the server's IP address is not on the bot's list",
    19024: "no keyword of the bot's security settings in the message",
    19001: "invalid hook (the bot was removed, or the address is wrong)",
    9499: "bad request",
}
_LINK = re.compile(r"https?://[^\s，。；）]+")


def sign(timestamp: str, secret: str) -> str:
    """The body's signature: HMAC-SHA256 keyed with "timestamp\\nsecret" over nothing."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def paragraph(line: str) -> list[dict[str, str]]:
    """One line of rich text: its web addresses as links, the rest as text."""
    out: list[dict[str, str]] = []
    at = 0
    for m in _LINK.finditer(line):
        if m.start() > at:
            out.append({"tag": "text", "text": line[at : m.start()]})
        out.append({"tag": "a", "text": m.group(), "href": m.group()})
        at = m.end()
    if at < len(line) or not out:
        out.append({"tag": "text", "text": line[at:]})
    return out


def post(title: str, text: str) -> dict[str, object]:
    lines = [paragraph(line) for line in text.split("\n")]
    return {"msg_type": "post", "content": {"post": {"zh_cn": {"title": title, "content": lines}}}}


def body_size(payload: object) -> int:
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())


class Pace:
    """At most PER_SECOND sends a SECOND per bot, across the threads that send. A send counts
    from when it was answered (it arrived by then), and while it is in flight."""

    def __init__(self) -> None:
        self._sent: dict[str, list[list[float]]] = {}
        self._lock = threading.Lock()

    def start(self, key: str) -> list[float]:
        """Wait for a free slot of `key`'s second and take it; `done` dates it."""
        while True:
            with self._lock:
                now = time.monotonic()
                sent = [s for s in self._sent.get(key, []) if s[0] > now - SECOND]
                self._sent[key] = sent
                if len(sent) < PER_SECOND:
                    slot = [math.inf]
                    sent.append(slot)
                    return slot
                oldest = min(s[0] for s in sent)
                delay = oldest + SECOND - now if oldest < math.inf else 0.05
            time.sleep(delay)  # under a second: the platform's own per-second limit

    def done(self, slot: list[float]) -> None:
        with self._lock:
            slot[0] = time.monotonic()


class FeishuTransport(RobotChannel):
    name = "feishu"
    label = "Feishu"
    pace = Pace()  # per process: every transport made for a pass shares the bots' seconds

    def target(self, office: Office) -> Target:
        return self.robot_target(office, office.feishu)

    def shown(self, url: str) -> str:
        return f"hook/{mask(urlsplit(url).path.rsplit('/', 1)[-1])}"

    def parts(self, target: Target, message: Rendered) -> int:
        return len(self.payloads(target, message))

    def payloads(self, target: Target, message: Rendered) -> list[object]:
        return list(self._fit(message.subject, message.text))

    def _fit(self, title: str, text: str) -> list[dict[str, object]]:
        """`text` as posts of at most BODY_LIMIT bytes each."""
        whole = post(title, text)
        size = body_size(whole)
        if size <= BODY_LIMIT or len(text) < 2:
            return [whole]
        budget = max(1, len(text.encode()) * BODY_LIMIT // size - 1)
        parts = split_bytes(text, budget)
        if len(parts) == 1:  # one long line: halve it
            parts = split_bytes(text, max(1, len(text.encode()) // 2))
        return [p for part in parts for p in self._fit(title, part)]

    def send(self, target: Target, payload: object) -> str:
        body = payload
        if target.secret and isinstance(payload, dict):
            ts = str(int(self.clock.now().timestamp()))
            body = {"timestamp": ts, "sign": sign(ts, target.secret), **payload}
        slot = self.pace.start(target.rate_key)
        try:
            response = self.post(target.address, body)
        finally:
            self.pace.done(slot)
        if response.status_code >= 500 or response.status_code == 429:
            raise DeliveryError(
                f"Feishu answered HTTP {response.status_code}",
                permanent=False,
                code=str(response.status_code),
            )
        code, msg = self.answer(response, ("code", "StatusCode"))
        if code == 0:
            return "0"
        if code in THROTTLED:
            raise DeliveryError(
                f"Feishu bot throttled (code {code}): {msg}",
                permanent=False,
                code=str(code),
                retry_after=60.0,
            )
        if code in PERMANENT:
            raise DeliveryError(
                f"Feishu code {code}: {PERMANENT[code]} ({msg})", permanent=True, code=str(code)
            )
        raise DeliveryError(f"Feishu code {code}: {msg}", permanent=False, code=str(code))

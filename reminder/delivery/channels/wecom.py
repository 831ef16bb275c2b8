"""WeCom (企业微信) group robot: POST JSON to .../webhook/send?key=KEY, judge by errcode.

HTTP 200 comes back even on failure; `errcode` 0 is success. Markdown (≤ 4096 UTF-8 bytes) by
default; text (≤ 2048 bytes, the only type with @-mentions) when the office lists
mention_mobiles. Longer content is split on line or character boundaries, never rejected.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from reminder.config.model import Office, WecomSettings
from reminder.delivery.channels.base import Rendered, Target, mask, rate_key
from reminder.delivery.channels.http import HttpChannel
from reminder.errors import DeliveryError, NotConfigured

MARKDOWN_LIMIT = 4096
TEXT_LIMIT = 2048
FREQUENCY_LIMIT = 45009
# Errors that no retry can fix: the key, the robot or the message is wrong.
PERMANENT = {
    93000: "invalid webhook key",
    93004: "the robot is disabled",
    93008: "the robot is not in the group",
    40058: "bad parameter or content too long",
    44004: "empty content",
    40008: "invalid message type",
}


def split_bytes(content: str, limit: int) -> list[str]:
    """Cut `content` into parts of at most `limit` UTF-8 bytes, at line ends when possible
    and never inside a character."""
    parts: list[str] = []
    current = ""
    for line in content.splitlines(keepends=True):
        while len(line.encode()) > limit:  # one line longer than a part: cut by characters
            head, line = _cut(line, limit - len(current.encode()))
            current += head
            parts.append(current)
            current = ""
        if len((current + line).encode()) > limit:
            parts.append(current)
            current = ""
        current += line
    if current or not parts:
        parts.append(current)
    return [p.rstrip("\n") for p in parts if p.strip()] or [content[:1]]


def _cut(text: str, budget: int) -> tuple[str, str]:
    used = 0
    for i, ch in enumerate(text):
        size = len(ch.encode())
        if used + size > budget:
            return text[:i], text[i:]
        used += size
    return text, ""


class WecomTransport(HttpChannel):
    name = "wecom"
    label = "WeCom"

    settings: WecomSettings

    def target(self, office: Office) -> Target:
        value = self.address(office, "wecom", office.wecom)
        if value.startswith(("http://", "https://")):
            url = self.url(office, "wecom", office.wecom, value)
            key = parse_qs(urlsplit(url).query).get("key", [""])[0]
        else:
            key = value
            url = f"{self.settings.url}?{urlencode({'key': key})}"
        if not key:
            raise NotConfigured(f"offices.{office.id}.wecom is a URL without ?key=")
        return Target(
            channel=self.name,
            address=url,
            shown=f"key={mask(key)}",
            rate_key=rate_key(self.name, key),
            per_minute=self.settings.per_minute,
            mentions=office.mention_mobiles,
        )

    def parts(self, target: Target, message: Rendered) -> int:
        return len(self.payloads(target, message))

    def payloads(self, target: Target, message: Rendered) -> list[object]:
        if target.mentions or message.markdown is None:
            return [
                {
                    "msgtype": "text",
                    "text": {"content": part, "mentioned_mobile_list": list(target.mentions)},
                }
                for part in split_bytes(message.text, TEXT_LIMIT)
            ]
        return [
            {"msgtype": "markdown", "markdown": {"content": part}}
            for part in split_bytes(message.markdown, MARKDOWN_LIMIT)
        ]

    def send(self, target: Target, payload: object) -> str:
        response = self.post(target.address, payload)
        if response.status_code >= 500:
            raise DeliveryError(
                f"WeCom answered HTTP {response.status_code}",
                permanent=False,
                code=str(response.status_code),
            )
        return _judge(response, parse_qs(urlsplit(target.address).query).get("key", [""])[0])


def looks_like_url(key: str) -> bool:
    """A key with URL parts in it: most likely a whole webhook address pasted where only its
    key belongs (or cut badly)."""
    return any(part in key for part in ("://", "/", "key=", "qyapi", "?"))


def _judge(response: httpx.Response, key: str) -> str:
    try:
        answer: Any = response.json()
        errcode = int(answer.get("errcode"))
        errmsg = str(answer.get("errmsg", ""))[:200]
    except (ValueError, TypeError, AttributeError):
        raise DeliveryError(
            f"WeCom answered HTTP {response.status_code} without a JSON errcode",
            permanent=response.status_code >= 400 and response.status_code != 429,
            code=str(response.status_code),
        ) from None
    if errcode == 0:
        return "0"
    if errcode == FREQUENCY_LIMIT:
        raise DeliveryError(
            f"WeCom frequency limit (errcode 45009): {errmsg}",
            permanent=False,
            code="45009",
            retry_after=60.0,
        )
    if errcode in PERMANENT:
        hint = " (a full URL pasted as a key?)" if errcode == 93000 and looks_like_url(key) else ""
        raise DeliveryError(
            f"WeCom errcode {errcode}: {PERMANENT[errcode]}{hint} ({errmsg})",
            permanent=True,
            code=str(errcode),
        )
    # -1 is "system busy"; an unknown code is retried within the retry policy.
    raise DeliveryError(f"WeCom errcode {errcode}: {errmsg}", permanent=False, code=str(errcode))

"""DingTalk (钉钉) custom robot: POST JSON to .../robot/send?access_token=T, judge by errcode.

A signed robot (加签) gets ``&timestamp=MS&sign=S`` on each request: MS the clock's time in
milliseconds, S the URL-encoded base64 of HMAC-SHA256 keyed with the secret over
``f"{MS}\\n{secret}"``; the platform refuses a timestamp more than an hour off (310000).
Messages go as markdown, their text at most MARKDOWN_LIMIT UTF-8 bytes: longer content is
split on line or character boundaries, as WeCom's is. The platform refuses a body over 20,000
bytes (errcode 460101) and its clients render long markdown poorly, so parts stay well below.
Offices' mention_mobiles are @-mentioned in every part (``at.atMobiles`` and ``@mobile`` in
the text, which markdown needs to show the mention).

20 messages a minute per robot; a robot that sends more is throttled for 10 minutes
(130101, 410100, 660026: retried after THROTTLED). A refused signature, keyword or IP (310000)
and a token or robot that does not exist fail at once and the administrator is told.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import parse_qs, urlencode, urlsplit

from reminder.config.model import Office
from reminder.delivery.channels.base import Rendered, Target, mask
from reminder.delivery.channels.robot import RobotChannel
from reminder.delivery.channels.wecom import split_bytes
from reminder.errors import DeliveryError

MARKDOWN_LIMIT = 5000
THROTTLED = 600.0  # seconds: the platform holds a robot that sent too fast for 10 minutes
RATE_LIMITED = {130101, 410100, 660026}
# Errors that no retry can fix: the security settings, the token, the robot or the message.
PERMANENT = {
    310000: "signature, keyword, timestamp or IP refused by the robot's security settings",
    300001: "invalid access_token",
    400101: "access_token does not exist",
    400102: "the robot is disabled",
    400013: "the group was dissolved",
    400105: "unsupported message type",
    400106: "the robot does not exist",
    430101: "content refused: unsafe link",
    430102: "content refused: inappropriate text",
    430103: "content refused: inappropriate image",
    430104: "content refused: inappropriate content",
    460101: "message too long",
}
# WeCom markdown's named colours (the robots' shared templates) as DingTalk's hex colours.
COLORS = {"info": "#2E8B57", "comment": "#888888", "warning": "#E6700E"}
_FONT = re.compile(r'<font color="(\w+)">')


def sign(timestamp_ms: int, secret: str) -> str:
    """The request's signature, base64 (URL-encoding is left to the query string)."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def dingtalk_markdown(markdown: str) -> str:
    """The robots' markdown as DingTalk shows it: hex colours, and each line break kept (two
    spaces before it: DingTalk joins lines otherwise)."""
    text = _FONT.sub(lambda m: f"<font color={COLORS.get(m.group(1), '#888888')}>", markdown)
    return "\n".join(line.rstrip() + "  " if line.strip() else "" for line in text.split("\n"))


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query).get("access_token", [""])[0]


class DingtalkTransport(RobotChannel):
    name = "dingtalk"
    label = "DingTalk"

    def target(self, office: Office) -> Target:
        return self.robot_target(office, office.dingtalk, office.mention_mobiles)

    def shown(self, url: str) -> str:
        return f"access_token={mask(token_of(url))}"

    def parts(self, target: Target, message: Rendered) -> int:
        return len(self.payloads(target, message))

    def payloads(self, target: Target, message: Rendered) -> list[object]:
        mobiles = [m for m in target.mentions if m != "@all"]
        tail = "\n\n" + " ".join(f"@{m}" for m in mobiles) if mobiles else ""
        text = dingtalk_markdown(message.markdown or message.text)
        at = {"atMobiles": mobiles, "isAtAll": "@all" in target.mentions}
        return [
            {
                "msgtype": "markdown",
                "markdown": {"title": message.subject, "text": part + tail},
                "at": at,
            }
            for part in split_bytes(text, MARKDOWN_LIMIT - len(tail.encode()))
        ]

    def send(self, target: Target, payload: object) -> str:
        url = target.address
        if target.secret:
            ms = int(self.clock.now().timestamp() * 1000)
            url += ("&" if "?" in url else "?") + urlencode(
                {"timestamp": ms, "sign": sign(ms, target.secret)}
            )
        response = self.post(url, payload)
        if response.status_code >= 500:
            raise DeliveryError(
                f"DingTalk answered HTTP {response.status_code}",
                permanent=False,
                code=str(response.status_code),
            )
        errcode, errmsg = self.answer(response, ("errcode",))
        if errcode == 0:
            return "0"
        if errcode in RATE_LIMITED:
            raise DeliveryError(
                f"DingTalk robot throttled (errcode {errcode}): {errmsg}",
                permanent=False,
                code=str(errcode),
                retry_after=THROTTLED,
            )
        if errcode in PERMANENT:
            hint = " (is the server's clock right?)" if "timestamp" in errmsg else ""
            raise DeliveryError(
                f"DingTalk errcode {errcode}: {PERMANENT[errcode]}{hint} ({errmsg})",
                permanent=True,
                code=str(errcode),
            )
        # -1 is "system busy"; an unknown code is retried within the retry policy.
        raise DeliveryError(
            f"DingTalk errcode {errcode}: {errmsg}", permanent=False, code=str(errcode)
        )

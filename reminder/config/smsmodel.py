"""The config's SMS (短信) through the bureau's gateway: the [sms] section and the reminder kinds
an office takes by SMS. Value objects only (a leaf: `model` imports them); the readers that
check them are in `config.sms`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Who gets SMS unless an office asks for more: the 督办 (kind "escalation": the 分管领导 and
# the 督办 offices are told of overdue items by it); a 分管领导 also a notice of the 通报.
SMS_KINDS_DEFAULT: tuple[str, ...] = ("escalation",)
SMS_KINDS_LEADER: tuple[str, ...] = ("escalation", "report")
# The kinds an office may list in `sms_kinds` ("all": every one of them).
SMS_KINDS: tuple[str, ...] = ("before", "due", "overdue", "routine", "escalation", "report")


@dataclass(frozen=True, kw_only=True, slots=True)
class SmsSettings:
    """``[sms]``: the bureau's SMS gateway, reached over HTTP.

    `url`, `body` and `auth_value` are as written (``${NAME}`` filled in when sending). The
    body is JSON (`body_type = "json"`) or a form (``"form"``) with ``{mobile}`` and ``{text}``
    in it, escaped for its type; with `method = "GET"` there is no body and both go in the
    URL's query, URL-encoded. Success is HTTP 2xx and, with `ok_field`, the JSON answer's field
    (a dotted path) equal to `ok_value`."""

    url: str
    method: Literal["POST", "GET"] = "POST"
    body: str = '{"mobile": "{mobile}", "content": "{text}"}'
    body_type: Literal["json", "form"] = "json"
    auth_header: str | None = None
    auth_value: str | None = None  # as written: "Bearer ${SMS_TOKEN}"
    ok_field: str | None = None  # "code", or "result.code"
    ok_value: str = "0"
    message_field: str | None = None  # the gateway's words on a refusal: "msg"
    daily_cap: int = 5  # SMS per mobile number and day, test messages included
    per_minute: int = 60
    timeout: float = 10.0

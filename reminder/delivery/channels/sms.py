"""SMS (短信) through the bureau's own gateway: one HTTP request per mobile number, the text in
the [sms] body template (JSON or a form) or, with GET, in the URL's query; judged by the HTTP
status and, when `ok_field` is set, by that field of the JSON answer.

Length: up to 70 characters is one SMS; a longer text goes as a long SMS, which carriers bill
and split in segments of 67. A reminder is at most two segments (134 characters): it says
what, when and gives a link; when that does not fit the link is left out (`short_text`), and
what still does not fit is cut, never sent as a third segment or a second SMS.

HTTP 408, 429, 5xx, timeouts and network errors are retried; another 4xx, or an answer whose
`ok_field` is not `ok_value`, fails for good with the gateway's own words in the log. Neither
the auth header nor the URL (either may hold a token) is ever part of a message.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

import httpx

from reminder.clock import Clock, SystemClock
from reminder.config.addresses import url_problem
from reminder.config.model import ENV_REF, Office, expand_env
from reminder.config.sms import SAMPLE, fill
from reminder.config.smsmodel import SmsSettings
from reminder.delivery.channels.base import Rendered, Target, rate_key
from reminder.delivery.channels.http import HttpChannel
from reminder.errors import DeliveryError, NotConfigured

SEGMENT = 70  # characters of one SMS
LONG_SEGMENT = 67  # characters of each segment of a long SMS
MAX_SEGMENTS = 2
LIMIT = LONG_SEGMENT * MAX_SEGMENTS  # 134
# Where gateways put their words about a refusal, when `message_field` does not say.
MESSAGE_FIELDS = ("msg", "message", "errmsg", "desc", "description", "error", "reason")
_BREAKS = re.compile(r"\s*\n\s*")
_MISSING = object()
REPEAT_WINDOW = timedelta(hours=1)  # a number is not sent the same text twice within this
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "form": "application/x-www-form-urlencoded; charset=utf-8",
}
_UNSET = SmsSettings(url="")  # the transport of a config without [sms]: every target held


def segments(text: str) -> int:
    """How many SMS segments the carriers bill for `text`."""
    return 1 if len(text) <= SEGMENT else -(-len(text) // LONG_SEGMENT)


def fit(text: str) -> str:
    """`text` on one line and within LIMIT characters, cut with "…" when longer."""
    text = _BREAKS.sub("", text.strip())
    return text if len(text) <= LIMIT else text[: LIMIT - 1] + "…"


def short_text(render: Callable[..., str]) -> str:
    """The SMS a template makes (`render(link=...)`): with its link when the whole fits in
    two segments, else without the link, cut if need be."""
    text = _BREAKS.sub("", render(link=True).strip())
    if len(text) <= LIMIT:
        return text
    return fit(render(link=False))


@dataclass(frozen=True, slots=True)
class SmsPayload:
    """One SMS: a mobile number and the text."""

    mobile: str
    text: str


class SmsTransport(HttpChannel):
    name = "sms"
    label = "SMS gateway"

    def __init__(
        self,
        settings: SmsSettings | None,
        environ: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(settings or _UNSET, environ, client)
        self.gateway = settings
        self.clock = clock or SystemClock()
        # (number, text) -> when the gateway took it and its code: a message to several numbers
        # that is retried after a later number failed is not sent again to the earlier ones.
        self._taken: dict[tuple[str, str], tuple[datetime, str]] = {}
        self._taken_lock = threading.Lock()

    def _filled(self, key: str, raw: str) -> str:
        value = expand_env(raw, self.environ)
        if value is None:
            raise NotConfigured(f"the environment variable in sms.{key} ({raw}) is not set")
        return value

    def target(self, office: Office) -> Target:
        if not office.sms:
            raise NotConfigured(f"office {office.id} has no sms numbers")
        g = self.gateway
        if g is None:
            raise NotConfigured("SMS is not configured: schedules.toml has no [sms] section")
        url = self._filled("url", g.url).strip()
        self._filled("body", g.body)
        if g.auth_value is not None:
            self._filled("auth_value", g.auth_value)
        problem = url_problem(fill(url, SAMPLE))
        if problem is not None:
            raise NotConfigured(f"sms.url is not a usable URL: {problem}")  # it may hold a key
        return Target(
            channel=self.name,
            address=url,
            shown=", ".join(office.sms),
            rate_key=rate_key(self.name, url),
            per_minute=g.per_minute,
            recipients=office.sms,
        )

    def parts(self, target: Target, message: Rendered) -> int:
        return 1  # cut to two segments, never more messages

    def payloads(self, target: Target, message: Rendered) -> list[object]:
        text = fit(message.text)
        return [SmsPayload(mobile, text) for mobile in target.recipients]

    def request(self, url: str, payload: SmsPayload) -> httpx.Request:
        """The gateway's request for one SMS, its values escaped for where they go."""
        g = self.gateway or _UNSET
        headers = {"User-Agent": "reminder"}
        if g.auth_header and g.auth_value:
            headers[g.auth_header] = self._filled("auth_value", g.auth_value)
        values = {"{mobile}": payload.mobile, "{text}": payload.text}
        extensions = self._timeouts
        if g.method == "GET":
            query = {k: quote_plus(v, safe="") for k, v in values.items()}
            return httpx.Request("GET", fill(url, query), headers=headers, extensions=extensions)
        escape: Callable[[str], str] = (
            (lambda v: json.dumps(v, ensure_ascii=False)[1:-1])
            if g.body_type == "json"
            else (lambda v: quote_plus(v, safe=""))
        )
        headers["Content-Type"] = CONTENT_TYPES[g.body_type]
        # The environment's values (an account's password) are escaped as the message is.
        body = ENV_REF.sub(lambda m: escape(self.environ.get(m.group(1), "")), g.body)
        content = fill(body, {k: escape(v) for k, v in values.items()})
        return httpx.Request(
            "POST", url, content=content.encode(), headers=headers, extensions=extensions
        )

    def send(self, target: Target, payload: object) -> str:
        assert isinstance(payload, SmsPayload)
        now = self.clock.now()
        key = (payload.mobile, payload.text)
        with self._taken_lock:
            self._taken = {k: v for k, v in self._taken.items() if now - v[0] < REPEAT_WINDOW}
            if key in self._taken:
                return self._taken[key][1]
        code = self._post(target, payload)
        with self._taken_lock:
            self._taken[key] = (now, code)
        return code

    def _post(self, target: Target, payload: SmsPayload) -> str:
        return self.judge(self.send_request(self.request(target.address, payload)))

    def judge(self, response: httpx.Response) -> str:
        """The gateway's code for an SMS it took; else a DeliveryError with its words."""
        g = self.gateway or _UNSET
        status = response.status_code
        answer = _json(response)
        words = _words(answer, g.message_field)
        if status >= 500 or status in (408, 429):
            raise DeliveryError(
                f"SMS gateway answered HTTP {status}{words}", permanent=False, code=str(status)
            )
        if not 200 <= status < 300:
            raise DeliveryError(
                f"SMS gateway answered HTTP {status}{words}", permanent=True, code=str(status)
            )
        if g.ok_field is None:
            return str(status)
        if answer is _MISSING:
            raise DeliveryError(
                f"SMS gateway answered HTTP {status} without JSON (ok_field {g.ok_field})",
                permanent=False,
                code=str(status),
            )
        value = field_of(answer, g.ok_field)
        if value is _MISSING:
            raise DeliveryError(
                f"SMS gateway's answer has no {g.ok_field} (is ok_field right?){words}",
                permanent=True,
                code="sms-answer",
            )
        if as_text(value) != g.ok_value:
            raise DeliveryError(
                f"SMS gateway refused it: {g.ok_field} = {as_text(value)}{words}",
                permanent=True,
                code="sms-refused",
            )
        return as_text(value)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return _MISSING


def field_of(answer: Any, path: str) -> Any:
    """The value at a dotted path ("result.code", "data.0.status") of a JSON answer."""
    found = answer
    for part in path.split("."):
        if isinstance(found, dict) and part in found:
            found = found[part]
        elif isinstance(found, list) and part.isdigit() and int(part) < len(found):
            found = found[int(part)]
        else:
            return _MISSING
    return found


def as_text(value: Any) -> str:
    """A JSON value as `ok_value` is written: 0 and "0" alike, true as "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _words(answer: Any, message_field: str | None) -> str:
    """The gateway's own message, as ": …" (at most 200 characters), or ""."""
    if not isinstance(answer, dict):
        return ""
    paths = (message_field,) if message_field else MESSAGE_FIELDS
    for path in paths:
        value = field_of(answer, path)
        if value is not _MISSING and value not in (None, ""):
            return f" ({as_text(value)[:200]})"
    return ""

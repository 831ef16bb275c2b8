"""What the JSON-over-HTTP channels share: a client kept for a pass, network errors mapped to
retryable DeliveryErrors, and ${NAME} addresses resolved from the environment."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from typing import Any

import httpx

from reminder.config.addresses import url_problem
from reminder.config.delivery import PARALLEL_MAX
from reminder.config.model import Office, expand_env
from reminder.errors import DeliveryError, NotConfigured

HEADERS = {"Content-Type": "application/json", "User-Agent": "reminder"}
# Every message in flight keeps its connection open for the next (up to [delivery] parallel):
# one platform's robots are one host, and httpx's default of 20 kept would open most sends
# afresh, TLS handshake included, when more are in flight.
LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=PARALLEL_MAX)


class HttpChannel:
    label = "server"  # how messages name the far end

    def __init__(
        self,
        settings: Any,
        environ: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.settings = settings  # the channel's settings section; it has a `timeout`
        self.timeout: float = settings.timeout
        self.environ = os.environ if environ is None else environ
        self._client = client
        self._lock = threading.Lock()
        self._timeouts = {"timeout": httpx.Timeout(self.timeout).as_dict()}

    @property
    def client(self) -> httpx.Client:
        """The pass's client, made at the first send (sends may run on several threads)."""
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout, limits=LIMITS)
            return self._client

    def address(self, office: Office, field: str, raw: str | None) -> str:
        """The office's address with ${NAME} filled in, or NotConfigured saying what is missing."""
        if raw is None:
            raise NotConfigured(f"office {office.id} has no {field}")
        value = expand_env(raw, self.environ)
        if value is None:
            raise NotConfigured(
                f"the environment variable in offices.{office.id}.{field} ({raw}) is not set"
            )
        return value.strip()

    def url(self, office: Office, field: str, raw: str | None, value: str) -> str:
        """`value` if it can be posted to, else NotConfigured (held, not fatal) naming where
        it came from, never the value (it holds a key)."""
        problem = url_problem(value)
        if problem is None:
            try:
                httpx.URL(value)
            except (httpx.InvalidURL, ValueError) as exc:
                problem = f"it does not parse ({type(exc).__name__})"
        if problem is not None:
            raise NotConfigured(
                f"offices.{office.id}.{field} ({raw}) is not a usable URL: {problem}"
            )
        return value

    def post(self, url: str, payload: object) -> httpx.Response:
        """POST JSON; a timeout or network error is a retryable DeliveryError. The message
        never includes the URL, which may carry a key."""
        # A request built here and handed to send() skips the client's merging of URL, params
        # and headers (a quarter of its cost per message); proxies from the environment and
        # the connection pool still apply.
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        request = httpx.Request(
            "POST", url, content=body, headers=HEADERS, extensions=self._timeouts
        )
        try:
            return self.client.send(request)
        except httpx.TimeoutException:
            raise DeliveryError(
                f"{self.label} did not answer within {self.timeout:g} s",
                permanent=False,
                code="timeout",
            ) from None
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"cannot reach {self.label}: {type(exc).__name__}", permanent=False, code="network"
            ) from None

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

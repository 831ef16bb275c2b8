"""What the JSON-over-HTTP channels share: clients kept for a pass, network errors mapped to
retryable DeliveryErrors, and ${NAME} addresses resolved from the environment."""

from __future__ import annotations

import json
import os
import ssl
import threading
from collections.abc import Mapping
from typing import Any

import httpx

from reminder.config.addresses import url_problem
from reminder.config.model import Office, expand_env
from reminder.errors import DeliveryError, NotConfigured

HEADERS = {"Content-Type": "application/json", "User-Agent": "reminder"}


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
        self._given = client  # one handed in serves every thread
        self._timeouts = {"timeout": httpx.Timeout(self.timeout).as_dict()}
        self._lock = threading.Lock()
        self._local = threading.local()  # (pass, client) of the thread
        self._clients: list[httpx.Client] = []  # made in this pass, to close
        self._pass = 0  # `close` ends a pass: clients made before it are not used again
        self._tls: ssl.SSLContext | None = None

    @property
    def client(self) -> httpx.Client:
        """The sending thread's client for this pass, made at its first send, its connections
        kept open from send to send. One per thread rather than one shared: httpx's pool
        takes one lock around each request and looks at every connection under it, and 64
        threads sending through one spent most of their time waiting for it. The TLS
        context (the CA bundle read) is made once."""
        if self._given is not None:
            return self._given
        made = getattr(self._local, "made", None)
        if made is not None and made[0] == self._pass:
            return made[1]  # type: ignore[no-any-return]
        with self._lock:
            if self._tls is None:
                self._tls = httpx.create_ssl_context()
            client = httpx.Client(timeout=self.timeout, verify=self._tls)
            self._clients.append(client)
            self._local.made = (self._pass, client)
        return client

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
        return self.send_request(request)

    def send_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` on the thread's client; a timeout or network error is a retryable
        DeliveryError that never names the URL."""
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
            self._pass += 1
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()

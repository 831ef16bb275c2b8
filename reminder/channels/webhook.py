"""A generic JSON webhook: POST the reminder as JSON to an office's URL.

This channel is the proof that a channel is one module: a target, a payload, a send.
2xx is success; 408, 429 and 5xx are retried; any other 4xx is permanent.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from reminder.channels.base import Rendered, Target, rate_key
from reminder.config import Office, WebhookSettings, expand_env
from reminder.errors import DeliveryError, NotConfigured


class WebhookTransport:
    name = "webhook"

    def __init__(
        self,
        settings: WebhookSettings,
        environ: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.settings = settings
        self.environ = os.environ if environ is None else environ
        self._client = client

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.settings.timeout)
        return self._client

    def target(self, office: Office) -> Target:
        if office.webhook is None:
            raise NotConfigured(f"office {office.id} has no webhook URL")
        url = expand_env(office.webhook, self.environ)
        if url is None:
            raise NotConfigured(f"the environment variable in offices.{office.id}.webhook "
                                f"({office.webhook}) is not set")  # fmt: skip
        parts = urlsplit(url)
        shown = f"{parts.scheme}://{parts.netloc}{parts.path}"  # no query: it may hold a token
        return Target(
            channel=self.name,
            address=url,
            shown=shown,
            rate_key=rate_key(self.name, url),
            per_minute=self.settings.per_minute,
        )

    def payloads(self, target: Target, message: Rendered) -> list[object]:
        return [{"subject": message.subject, "text": message.text}]

    def send(self, target: Target, payload: object) -> str:
        try:
            response = self.client.post(target.address, json=payload)
        except httpx.TimeoutException:
            raise DeliveryError("webhook timed out", permanent=False, code="timeout") from None
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"cannot reach webhook: {type(exc).__name__}", permanent=False, code="network"
            ) from None
        status = response.status_code
        if 200 <= status < 300:
            return str(status)
        transient = status in (408, 429) or status >= 500
        raise DeliveryError(
            f"webhook answered HTTP {status}", permanent=not transient, code=str(status)
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

"""A generic JSON webhook: POST the reminder as JSON to an office's URL.

This channel is the proof that a channel is one module: a target, a payload, a send.
2xx is success; 408, 429 and 5xx are retried; any other 4xx is permanent.
"""

from __future__ import annotations

from reminder.config.addresses import shown_url
from reminder.config.model import Office, WebhookSettings
from reminder.delivery.channels.base import Rendered, Target, rate_key
from reminder.delivery.channels.http import HttpChannel
from reminder.errors import DeliveryError


class WebhookTransport(HttpChannel):
    name = "webhook"
    label = "webhook"

    settings: WebhookSettings

    def target(self, office: Office) -> Target:
        url = self.url(
            office, "webhook", office.webhook, self.address(office, "webhook", office.webhook)
        )
        return Target(
            channel=self.name,
            address=url,
            shown=shown_url(url),  # no user, password or query: they may hold a token
            rate_key=rate_key(self.name, url),
            per_minute=self.settings.per_minute,
        )

    def parts(self, target: Target, message: Rendered) -> int:
        return 1

    def payloads(self, target: Target, message: Rendered) -> list[object]:
        return [{"subject": message.subject, "text": message.text}]

    def send(self, target: Target, payload: object) -> str:
        status = self.post(target.address, payload).status_code
        if 200 <= status < 300:
            return str(status)
        transient = status in (408, 429) or status >= 500
        raise DeliveryError(
            f"webhook answered HTTP {status}", permanent=not transient, code=str(status)
        )

"""One module per delivery channel; each builds its payload and talks to its server.

`REGISTRY` is the one list of them: the channel names come from `vocabulary.Channel` (which
the config reads), and each has its transport; the name offices read is in `labels`. Adding a
channel is a member of `Channel`, one new module with a `Transport`, and an entry below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reminder.config.model import Config
from reminder.delivery.channels.base import Transport
from reminder.delivery.channels.email import EmailTransport
from reminder.delivery.channels.webhook import WebhookTransport
from reminder.delivery.channels.wecom import WecomTransport
from reminder.vocabulary import Channel


@dataclass(frozen=True, kw_only=True, slots=True)
class ChannelSpec:
    make: Callable[[Config], Transport]
    mentions: bool = False  # it can @-mention people (its templates have a text variant)


REGISTRY: dict[Channel, ChannelSpec] = {
    Channel.EMAIL: ChannelSpec(make=lambda c: EmailTransport(c.email)),
    Channel.WECOM: ChannelSpec(make=lambda c: WecomTransport(c.wecom), mentions=True),
    Channel.WEBHOOK: ChannelSpec(make=lambda c: WebhookTransport(c.webhook)),
}


def transports(config: Config) -> dict[str, Transport]:
    """One transport per channel, configured from `config`."""
    return {name: spec.make(config) for name, spec in REGISTRY.items()}

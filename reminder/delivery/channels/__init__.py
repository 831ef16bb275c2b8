"""One module per delivery channel; each builds its payload and talks to its server.

`REGISTRY` is the one list of them: the channel names come from `vocabulary.Channel` (which
the config reads), and each has its transport; the name offices read is in `labels`. Adding a
channel is a member of `Channel`, one new module with a `Transport`, and an entry below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reminder.clock import Clock, SystemClock
from reminder.config.model import Config
from reminder.delivery.channels.base import Transport
from reminder.delivery.channels.dingtalk import DingtalkTransport
from reminder.delivery.channels.email import EmailTransport
from reminder.delivery.channels.feishu import FeishuTransport
from reminder.delivery.channels.sms import SmsTransport
from reminder.delivery.channels.webhook import WebhookTransport
from reminder.delivery.channels.wecom import WecomTransport
from reminder.vocabulary import Channel


@dataclass(frozen=True, kw_only=True, slots=True)
class ChannelSpec:
    make: Callable[[Config, Clock], Transport]
    mentions: bool = False  # it can @-mention people (its templates have a text variant)
    # A group robot: its messages come from the robots' templates (wecom/), as "markdown"
    # or as plain "text"; "" for the email templates.
    robot: str = ""


REGISTRY: dict[Channel, ChannelSpec] = {
    Channel.EMAIL: ChannelSpec(make=lambda c, _: EmailTransport(c.email)),
    Channel.WECOM: ChannelSpec(
        make=lambda c, _: WecomTransport(c.wecom), mentions=True, robot="markdown"
    ),
    Channel.WEBHOOK: ChannelSpec(make=lambda c, _: WebhookTransport(c.webhook)),
    Channel.DINGTALK: ChannelSpec(
        make=lambda c, clock: DingtalkTransport(c.dingtalk, clock=clock), robot="markdown"
    ),
    Channel.FEISHU: ChannelSpec(
        make=lambda c, clock: FeishuTransport(c.feishu, clock=clock), robot="text"
    ),
    Channel.SMS: ChannelSpec(make=lambda c, clock: SmsTransport(c.sms, clock=clock)),
}


def transports(config: Config, clock: Clock | None = None) -> dict[str, Transport]:
    """One transport per channel, configured from `config`; signed robots date their
    signatures by `clock` (the system's by default)."""
    made = clock or SystemClock()
    return {name: spec.make(config, made) for name, spec in REGISTRY.items()}


def spec_of(channel: str) -> ChannelSpec | None:
    """The registry's entry for `channel` (a stored string), if it is a channel."""
    return next((spec for name, spec in REGISTRY.items() if name == channel), None)

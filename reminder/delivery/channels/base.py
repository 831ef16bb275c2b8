"""What every channel shares: the rendered message, the resolved target, the transport protocol."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from reminder.config.model import Office
from reminder.errors import NotConfigured


@dataclass(frozen=True, kw_only=True, slots=True)
class Attachment:
    """A file carried by an email (a 督办通知单's DOCX); other channels leave it out."""

    filename: str
    data: bytes
    maintype: str = "application"
    subtype: str = "octet-stream"


@dataclass(frozen=True, kw_only=True, slots=True)
class Rendered:
    """A message as the templates made it, before the channel packs it."""

    subject: str
    text: str  # plain text (email text part, WeCom text, webhook text)
    html: str | None = None  # email only
    markdown: str | None = None  # WeCom only
    at: datetime | None = None  # when it was composed, by the clock: the email's Date header
    attachments: tuple[Attachment, ...] = ()  # email only


@dataclass(frozen=True, kw_only=True, slots=True)
class Target:
    """Where one office's messages go on one channel.

    `address` may hold a secret (robot key, token URL) and is used only to send; `shown` is the
    masked form for logs; `rate_key` names the budget it spends (a hash, never the key).
    """

    channel: str
    address: str
    shown: str
    rate_key: str
    per_minute: int
    recipients: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    secret: str = field(default="", repr=False)  # a robot's signing key: used only to sign


class Transport(Protocol):
    """A channel: resolves an office's target, packs and sends a message, or raises."""

    name: str

    def target(self, office: Office) -> Target:
        """The office's target, or raise NotConfigured with the reason."""

    def payloads(self, target: Target, message: Rendered) -> list[object]:
        """What will be sent: one item per request (WeCom splits long content)."""

    def parts(self, target: Target, message: Rendered) -> int:
        """How many requests `message` takes (only WeCom splits long content)."""

    def send(self, target: Target, payload: object) -> str:
        """Send one payload; return the server's code; raise DeliveryError."""

    def close(self) -> None:
        """Release connections kept open during a pass."""


def resolve_target(channels: dict[str, Transport], office: Office, channel: str) -> Target:
    """The office's target on `channel`, or NotConfigured (also for an office without any)."""
    if channel not in channels:  # includes planning's "none": no address at all
        raise NotConfigured(f"office {office.id} has no email, wecom or webhook")
    return channels[channel].target(office)


def rate_key(channel: str, address: str) -> str:
    """A stable name for the budget behind an address, safe to log and store."""
    return f"{channel}:{hashlib.sha256(address.encode()).hexdigest()[:16]}"


def mask(secret: str) -> str:
    """``abcd…wxyz``: enough to tell keys apart, not enough to use one."""
    if len(secret) <= 10:
        return "…"
    return f"{secret[:4]}…{secret[-4:]}"

"""The config's DingTalk (钉钉) and Feishu (飞书) custom robots: an office's robot, and the
[dingtalk] and [feishu] sections. Value objects only (a leaf: `model` imports them); the
readers that check them are in `config.robots`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True, slots=True)
class Robot:
    """An office's custom robot as written: its webhook URL and its signing secret (加签),
    usually ``${NAME}`` references. `secret` None: the robot is not signed (`*_secret = false`:
    secured by keywords or an IP list only)."""

    url: str
    secret: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class DingtalkSettings:
    """``[dingtalk]``: custom robots (20 messages a minute each, the platform's limit)."""

    per_minute: int = 20
    timeout: float = 10.0


@dataclass(frozen=True, kw_only=True, slots=True)
class FeishuSettings:
    """``[feishu]``: custom bots (100 a minute and 5 a second each, the platform's limits)."""

    per_minute: int = 100
    timeout: float = 10.0

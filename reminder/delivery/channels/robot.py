"""What the signed custom robots (DingTalk, Feishu) share: an office's robot resolved to a
target with its signing secret, the clock that dates each signature, and reading the JSON
code the platform answers with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from reminder.clock import Clock, SystemClock
from reminder.config.model import Office
from reminder.config.robotmodel import Robot
from reminder.config.robots import robot_problem
from reminder.delivery.channels.base import Target, rate_key
from reminder.delivery.channels.http import HttpChannel
from reminder.errors import DeliveryError, NotConfigured


class RobotChannel(HttpChannel):
    """A channel whose robots sign each request with the time of sending, from `clock`."""

    name: str  # the channel, and the office's key for its robot ("dingtalk", "feishu")

    def __init__(
        self,
        settings: Any,
        environ: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(settings, environ, client)
        self.clock: Clock = clock or SystemClock()

    def robot_target(
        self, office: Office, robot: Robot | None, mentions: tuple[str, ...] = ()
    ) -> Target:
        """The office's robot, its ${NAME} filled in; NotConfigured (held) when a variable
        is unset or holds no robot address."""
        if robot is None:
            raise NotConfigured(f"office {office.id} has no {self.name}")
        url = self.url(office, self.name, robot.url, self.address(office, self.name, robot.url))
        problem = robot_problem(self.name, url)
        if problem is not None:
            raise NotConfigured(
                f"offices.{office.id}.{self.name} ({robot.url}) is not a usable URL: {problem}"
            )
        secret = ""
        if robot.secret is not None:
            secret = self.address(office, f"{self.name}_secret", robot.secret)
        return Target(
            channel=self.name,
            address=url,
            shown=self.shown(url),
            rate_key=rate_key(self.name, url),
            per_minute=self.settings.per_minute,
            mentions=mentions,
            secret=secret,
        )

    def shown(self, url: str) -> str:
        """The robot's address as logs show it: its token masked."""
        raise NotImplementedError

    def answer(self, response: httpx.Response, code_keys: tuple[str, ...]) -> tuple[int, str]:
        """The platform's code and message; a reply without one is judged by its HTTP status
        (5xx and 429 are retried, any other status is permanent)."""
        try:
            data: Any = response.json()
            key = next(k for k in code_keys if k in data)
            code = int(data[key])
            text = str(data.get("errmsg", data.get("msg", data.get("StatusMessage", ""))))
        except (ValueError, TypeError, AttributeError, StopIteration):
            status = response.status_code
            raise DeliveryError(
                f"{self.label} answered HTTP {status} without a JSON code",
                permanent=400 <= status < 500 and status != 429,
                code=str(status),
            ) from None
        return code, text[:200]

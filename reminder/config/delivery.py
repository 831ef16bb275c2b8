"""The delivery sections of schedules.toml: [email], [wecom], [webhook] and [delivery]."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from reminder.config.addresses import url_problem
from reminder.config.checker import Checker, choice, duration, number, offset, q
from reminder.config.model import Delivery, EmailSettings, WebhookSettings, WecomSettings, env_names

KEYS = {
    "delivery": {
        "horizon",
        "digest",
        "retries",
        "backoff",
        "admin",
        "lease",
        "parallel",
        "templates_dir",
        "keep",
    },
    "email": {
        "host",
        "port",
        "security",
        "username",
        "password",
        "sender",
        "sender_name",
        "per_minute",
        "timeout",
        "ca_file",
    },
    "wecom": {"url", "per_minute", "timeout"},
    "webhook": {"per_minute", "timeout"},
}


SLOW = 0.5  # a send this long hung on the network: make no send wait behind another such
PARALLEL_MAX = 256  # worker threads: enough for a city's robots; more only adds threads


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def delivery(table: Mapping[str, Any], check: Checker) -> Delivery:
    f = "delivery"
    check.known_keys(table, KEYS[f], f)
    values: dict[str, Any] = {
        "horizon": offset(check, f"{f}.horizon", table["horizon"], allow_zero=False)
        if "horizon" in table
        else None,
        "digest": check.get(table, "digest", f, bool, "true or false"),
        "retries": number(check, table, "retries", f, 0, 100),
        "backoff": duration(check, table, "backoff", f),
        "admin": check.text(table, "admin", f),
        "lease": duration(check, table, "lease", f),
        "parallel": number(check, table, "parallel", f, 1, PARALLEL_MAX),
        "templates_dir": check.text(table, "templates_dir", f),
        "keep": keep(check, table, f),
    }
    return Delivery(**_present(values))


_KEEP = re.compile(r"(\d{1,3})(y|d)")


def keep(check: Checker, table: Mapping[str, Any], f: str) -> timedelta | None:
    """How long sent and failed messages stay in the database: "3y" or "400d" (a year is 366
    days here: "keep three years" never means a day less)."""
    value = check.text(table, "keep", f)
    if value is None:
        return None
    m = _KEEP.fullmatch(value.strip())
    span = timedelta(days=int(m.group(1)) * (366 if m.group(2) == "y" else 1)) if m else None
    if span is None or span < timedelta(days=90):
        check.error(
            f"{f}.keep",
            f'{q(value)} is not a span of at least 90 days (write e.g. "3y" or "400d")',
        )
        return None
    return span


def check_lease(delivery: Delivery, timeouts: dict[str, float], check: Checker) -> None:
    """A running pass extends its leases every quarter lease (the heartbeat), so a send may
    take longer than the lease; but a lease shorter than a few database rounds could lapse
    under a live instance whose database answered slowly once, and another would repeat
    its sends."""
    lease = delivery.lease.total_seconds()
    if lease < MIN_LEASE:
        check.warn(
            "delivery.lease",
            f"{lease:g} s is short: the heartbeat extends leases every {lease / 4:g} s, and "
            f"one slow database round could let a live instance's claim lapse and another "
            f"repeat its sends; {MIN_LEASE:g} s or more is safe (10 s by default)",
        )


MIN_LEASE = 10.0


def email(table: Mapping[str, Any], check: Checker) -> EmailSettings:
    f = "email"
    check.known_keys(table, KEYS[f], f)
    values: dict[str, Any] = {
        "host": check.text(table, "host", f, required=bool(table)),
        "port": number(check, table, "port", f, 1, 65535),
        "security": choice(check, table, "security", f, ("ssl", "starttls", "none")),
        "username": check.text(table, "username", f),
        "password": check.text(table, "password", f),
        "sender": check.text(table, "sender", f),
        "sender_name": check.text(table, "sender_name", f),
        "per_minute": number(check, table, "per_minute", f, 1, 10000),
        "timeout": number(check, table, "timeout", f, 0.1, 600, integer=False),
        "ca_file": _existing_file(check, table, "ca_file", f),
    }
    if values["password"] and not env_names(values["password"]):
        check.secret_in_file(
            f"{f}.password",
            "a password written in the file is a secret in git: use "
            '"${SMTP_PASSWORD}" and set it in the environment',
        )
    if table and not (values["sender"] or values["username"]):
        check.error(f, "needs sender (or username) to send from")
    if values["security"] is not None:
        values["security"] = cast(Any, values["security"])
    return EmailSettings(**_present(values))


def _existing_file(check: Checker, table: Mapping[str, Any], key: str, field: str) -> str | None:
    """A file path, relative to schedules.toml, that must exist."""
    value = check.text(table, key, field)
    if value is None:
        return None
    path = Path(value)
    if not path.is_absolute():
        path = Path(check.path).resolve().parent / path
    if not path.is_file():
        check.error(f"{field}.{key}", f"no such file: {path}")
        return None
    return str(path)


def wecom(table: Mapping[str, Any], check: Checker) -> WecomSettings:
    f = "wecom"
    check.known_keys(table, KEYS[f], f)
    url = check.text(table, "url", f)
    if url is not None and (problem := url_problem(url)) is not None:
        check.error(f"{f}.url", f"must be an http:// or https:// URL, but {problem}")
        url = None
    return WecomSettings(
        **_present(
            {
                "url": url,
                "per_minute": number(check, table, "per_minute", f, 1, 20),
                "timeout": number(check, table, "timeout", f, 0.1, 120, integer=False),
            }
        )
    )


def webhook(table: Mapping[str, Any], check: Checker) -> WebhookSettings:
    f = "webhook"
    check.known_keys(table, KEYS[f], f)
    return WebhookSettings(
        **_present(
            {
                "per_minute": number(check, table, "per_minute", f, 1, 10000),
                "timeout": number(check, table, "timeout", f, 0.1, 120, integer=False),
            }
        )
    )

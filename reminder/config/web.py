"""The ``[web]`` section: where `reminder serve` listens and the address messages link to."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from reminder import links
from reminder.config.addresses import url_problem
from reminder.config.checker import Checker, number, q
from reminder.config.model import Web

KEYS = {
    "web": {
        "listen",
        "base_url",
        "link_days",
        "trusted_proxies",
        "max_connections",
        "keep_alive",
        "public_metrics",
    }
}

_SAFE_URL = re.compile(r"https?://[A-Za-z0-9._~:/%\[\]-]+")
_LISTEN = re.compile(r"(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(?P<port>\d{1,5})")


def web(table: Mapping[str, Any], check: Checker, environ: Mapping[str, str]) -> Web:
    f = "web"
    check.known_keys(table, KEYS[f], f)
    values: dict[str, Any] = {}
    listen = check.text(table, "listen", f)
    if listen is not None:
        m = _LISTEN.fullmatch(listen.strip())
        if m is None or not 0 < int(m.group("port")) < 65536:
            check.error(f"{f}.listen", f'{q(listen)} is not HOST:PORT (e.g. "127.0.0.1:8080")')
        else:
            values["listen"] = listen.strip()
    base_url = check.text(table, "base_url", f)
    if base_url is not None:
        problem = url_problem(base_url)
        if problem is None and not _SAFE_URL.fullmatch(base_url):
            problem = "it holds a query, a fragment, a user name or a character links cannot carry"
        if problem is not None:
            check.error(
                f"{f}.base_url",
                "must be the http:// or https:// address offices open the pages at "
                f"(e.g. https://oa.example.gov.cn/reminder), but {problem}",
            )
        else:
            values["base_url"] = base_url.rstrip("/")
            if not links.secrets_from(environ):
                check.warn(
                    f"{f}.base_url",
                    f"${links.SECRET_ENV} is not set: reminders go without links to their pages "
                    f"(set it to {links.MIN_SECRET} or more random characters)",
                )
            elif (problem := links.secret_problem(environ)) is not None:
                check.env_error(f"{f}.base_url", f"{problem}: reminders go without links")
    days = number(check, table, "link_days", f, 1, 366)
    if days is not None:
        values["link_days"] = int(days)
    proxies = check.strings(table, "trusted_proxies", f)
    for i, proxy in enumerate(proxies or ()):
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            check.error(
                f"{f}.trusted_proxies[{i}]",
                f'{q(proxy)} is not an IP address or network (e.g. "127.0.0.1", "10.0.0.0/8")',
            )
    if proxies is not None:
        values["trusted_proxies"] = tuple(proxies)
    for key, top in (("max_connections", 10_000), ("keep_alive", 300)):
        found = number(check, table, key, f, 1, top)
        if found is not None:
            values[key] = int(found)
    public = check.get(table, "public_metrics", f, bool, "true or false")
    if public is not None:
        values["public_metrics"] = public
    return Web(**values)

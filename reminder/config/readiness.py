"""What `check` says before a file goes live: addresses still the examples' placeholders
(mail to them would really be sent), and offices that cannot answer a message themselves
because messages carry no links. Warnings only; pure (the config as loaded)."""

from __future__ import annotations

from reminder.config.model import Config
from reminder.config.sms import sms_warnings
from reminder.config.tomlpos import line_of
from reminder.errors import Issue

# Domains reserved for examples (RFC 2606) and the one the shipped files use.
PLACEHOLDER_DOMAINS = ("example.gov.cn", "example.com", "example.org", "example.net")
SHOWN = 3  # placeholder addresses named in the warning; the rest counted


def _placeholder(address: str) -> bool:
    domain = address.rsplit("@", 1)[-1].lower()
    return any(domain == d or domain.endswith("." + d) for d in PLACEHOLDER_DOMAINS)


def placeholder_warnings(config: Config) -> list[Issue]:
    """One warning naming the placeholder addresses of offices and leaders, at the first."""
    found: list[tuple[str, str]] = []  # (field, address)
    for table, people in (("offices", config.offices), ("leaders", config.leaders)):
        for i, person in enumerate(people.values()):
            found += [
                (f"{table}[{i}].email[{j}]", a)
                for j, a in enumerate(person.email)
                if _placeholder(a)
            ]
    if not found:
        return []
    field = found[0][0]
    named = ", ".join(a for _, a in found[:SHOWN]) + (
        f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    )
    message = (
        f"{len(found)} address(es) are examples' placeholders ({named}): reminders would "
        "really be mailed to them; put in the offices' and leaders' real addresses"
    )
    return [
        Issue(path=config.path, line=line_of(config.lines, field), field=field, message=message)
    ]


def answer_warnings(config: Config) -> list[Issue]:
    """Without [web] base_url, messages carry no links: offices cannot 签收, 反馈 or 办结
    themselves, and the administrator records everything."""
    if config.web.base_url:
        return []
    message = (
        "[web] base_url is not set: messages carry no links, so offices cannot acknowledge, "
        "report progress or close items themselves; run `reminder serve` behind the bureau's "
        "web server and set base_url to its address (see docs/部署说明.md)"
    )
    return [
        Issue(path=config.path, line=line_of(config.lines, "web"), field="web", message=message)
    ]


def readiness_warnings(config: Config) -> list[Issue]:
    return placeholder_warnings(config) + answer_warnings(config) + sms_warnings(config)

"""Readers of the `[[offices]]` and `[[groups]]` sections of schedules.toml."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reminder.calendar.rules import WEEKDAYS
from reminder.config.addresses import url_problem
from reminder.config.checker import Checker, new_id, q, suggest
from reminder.config.model import Group, Leader, Office, Settings, env_names, expand_env
from reminder.config.robots import OFFICE_KEYS, robot, well_formed
from reminder.config.sms import OFFICE_KEYS as SMS_KEYS
from reminder.config.sms import numbers as sms_numbers
from reminder.vocabulary import CHANNELS

KEYS = {
    "offices": {
        "id",
        "name",
        "email",
        "wecom",
        "webhook",
        "channels",
        "mention_mobiles",
        "digest",
        "aliases",
        *OFFICE_KEYS,
        *SMS_KEYS,
    },
    "groups": {"id", "name", "members"},
    "leaders": {
        "id",
        "name",
        "offices",
        "email",
        "wecom",
        "webhook",
        "channels",
        "mention_mobiles",
        *OFFICE_KEYS,
        *SMS_KEYS,
    },
}
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MOBILE_RE = re.compile(r"1\d{10}|@all")


def offices(
    items: list[dict[str, Any]], check: Checker, environ: Mapping[str, str]
) -> dict[str, Office]:
    offices: dict[str, Office] = {}
    seen: dict[str, str] = {}
    for i, table in enumerate(items):
        f = f"offices[{i}]"
        check.known_keys(table, KEYS["offices"], f)
        office_id = new_id(check, table, f, seen)
        name = check.text(table, "name", f, required=True)
        who = f"{q(office_id)} ({name})"
        found = addresses(check, table, f, environ, who)
        weekday = digest_weekday(check, table, f)
        aliases = check.strings(table, "aliases", f) or ()
        if office_id and name:
            if not reachable(found):
                check.warn(
                    f,
                    f"office {q(office_id)} has no email, wecom or webhook: it cannot be reminded",
                )
            offices[office_id] = Office(
                id=office_id, name=name, digest_weekday=weekday, aliases=aliases, **found
            )
    return offices


def addresses(
    check: Checker, table: Mapping[str, Any], f: str, environ: Mapping[str, str], who: str
) -> dict[str, Any]:
    """Where an office or a leader is reached: email, wecom, webhook, channels and
    mention_mobiles, checked."""
    emails = check.strings(table, "email", f) or ()
    for j, address in enumerate(emails):
        if not EMAIL_RE.fullmatch(address):
            check.error(f"{f}.email[{j}]", f"{q(address)} is not an email address")
    channels = check.strings(table, "channels", f)
    for j, channel in enumerate(channels or ()):
        if channel not in CHANNELS:
            check.error(
                f"{f}.channels[{j}]",
                f"unknown channel {q(channel)} (one of {', '.join(CHANNELS)})",
            )
    mobiles = check.strings(table, "mention_mobiles", f) or ()
    for j, mobile in enumerate(mobiles):
        if not MOBILE_RE.fullmatch(mobile):
            check.error(
                f"{f}.mention_mobiles[{j}]",
                f'{q(mobile)} is not a mobile number (11 digits) or "@all"',
            )
    return {
        "email": emails,
        "wecom": secret(check, table, "wecom", f, environ, who),
        "webhook": secret(check, table, "webhook", f, environ, who),
        "dingtalk": robot(check, table, "dingtalk", f, environ, who),
        "feishu": robot(check, table, "feishu", f, environ, who),
        "channels": channels,
        "mention_mobiles": mobiles,
        **sms_numbers(check, table, f),
    }


def reachable(found: Mapping[str, Any]) -> bool:
    """Whether `addresses` found any way to reach the office."""
    robots = ("wecom", "webhook", "dingtalk", "feishu")
    return bool(found["email"] or found["sms"]) or any(found[k] is not None for k in robots)


def digest_weekday(check: Checker, table: Mapping[str, Any], f: str) -> int | None:
    """`digest = "daily"` (None) or `"weekly MON"` (0) … `"weekly FRI"` (4)."""
    value = check.text(table, "digest", f)
    if value is None or value.strip() == "daily":
        return None
    parts = value.split()
    if len(parts) == 2 and parts[0] == "weekly" and parts[1].upper() in WEEKDAYS[:5]:
        return WEEKDAYS.index(parts[1].upper())
    check.error(
        f"{f}.digest",
        f'{q(value)} is not a cadence: write "daily" or "weekly MON" (a weekday: '
        f"{', '.join(WEEKDAYS[:5])})",
    )
    return None


SECRET_KINDS = {
    "wecom": ("WeCom", "a robot key", "${WECOM_KEY_...}"),
    "webhook": ("webhook", "a webhook URL with its token", "https://...?token=${WEBHOOK_TOKEN}"),
}


def secret(
    check: Checker,
    table: Mapping[str, Any],
    key: str,
    field: str,
    environ: Mapping[str, str],
    office: str,
) -> str | None:
    """An office's robot key or webhook URL: a secret, so it should come from ${NAME}."""
    value = check.text(table, key, field)
    if value is None:
        return None
    f = f"{field}.{key}"
    channel, what, example = SECRET_KINDS[key]
    if not well_formed(check, f, value):
        return None
    if key == "webhook" and not value.startswith(("http://", "https://", "${")):
        check.error(f, f"must be an http:// or https:// URL, got {q(value)}")
        return None
    names = env_names(value)
    expanded = expand_env(value, environ)
    if expanded is not None and (key == "webhook" or expanded.strip().startswith("http")):
        problem = url_problem(expanded.strip())
        if problem is not None and names:
            # Held at run time, like an unset variable; an error for `check`.
            check.env_error(f, f"{', '.join(names)} does not hold a usable URL: {problem}")
        elif problem is not None:
            check.error(f, f"is not a usable URL: {problem}")
            return None
    if not names:
        check.secret_in_file(
            f,
            f"{what} written in the file is a secret in git: use "
            f'"{example}" and set it in the environment',
        )
    elif expanded is None:
        unset = [n for n in names if not environ.get(n)]
        check.warn(
            f,
            f"environment variable {', '.join(unset)} is not set: office {office} gets "
            f"no {channel} reminders until it is",
        )
    return value


def declared(items: list[dict[str, Any]]) -> set[str]:
    return {t["id"] for t in items if isinstance(t.get("id"), str)}


def groups(
    items: list[dict[str, Any]],
    check: Checker,
    offices: dict[str, Office],
    office_ids: set[str],
    group_ids: set[str],
) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    seen: dict[str, str] = {o: "an office" for o in offices}
    for i, table in enumerate(items):
        f = f"groups[{i}]"
        check.known_keys(table, KEYS["groups"], f)
        group_id = new_id(check, table, f, seen)
        name = check.text(table, "name", f, required=True)
        members = check.strings(table, "members", f, required=True)
        if members is not None and not members:
            check.error(f"{f}.members", "must list at least one office")
        for j, member in enumerate(members or ()):
            if member in group_ids and member not in office_ids:
                check.error(
                    f"{f}.members[{j}]", f"{q(member)} is a group (groups list offices only)"
                )
            elif member not in office_ids:
                check.error(
                    f"{f}.members[{j}]", f"unknown office {q(member)}{suggest(member, office_ids)}"
                )
        if group_id and name and members:
            groups[group_id] = Group(id=group_id, name=name, members=members)
    return groups


def leaders(
    items: list[dict[str, Any]],
    check: Checker,
    environ: Mapping[str, str],
    office_ids: set[str],
    taken: set[str],
) -> dict[str, Leader]:
    """`[[leaders]]`: the 分管领导, each with the offices under them. An office has one
    leader at most; a leader's id is not an office's or a group's (`taken`)."""
    out: dict[str, Leader] = {}
    seen: dict[str, str] = {o: "an office or a group" for o in taken}
    under: dict[str, str] = {}
    for i, table in enumerate(items):
        f = f"leaders[{i}]"
        check.known_keys(table, KEYS["leaders"], f)
        leader_id = new_id(check, table, f, seen)
        name = check.text(table, "name", f, required=True)
        offices = check.strings(table, "offices", f, required=True) or ()
        for j, office in enumerate(offices):
            if office not in office_ids:
                hint = suggest(office, office_ids)
                check.error(f"{f}.offices[{j}]", f"unknown office {q(office)}{hint}")
            elif office in under and under[office] != leader_id:
                check.error(
                    f"{f}.offices[{j}]",
                    f"office {q(office)} is already under leader {q(under[office])}: "
                    "an office has one 分管领导",
                )
            else:
                under[office] = leader_id or ""
        found = addresses(check, table, f, environ, f"leader {q(leader_id)} ({name})")
        if leader_id and name:
            if not reachable(found):
                check.warn(
                    f,
                    f"leader {q(leader_id)} has no email, wecom or webhook: "
                    "they cannot be told of overdue items",
                )
            out[leader_id] = Leader(id=leader_id, name=name, offices=offices, **found)
    return out


def leaders_heard(settings: Settings, leaders: dict[str, Leader], check: Checker) -> None:
    """Leaders hear on the chase's rounds from `leader_after` on: a `leader_after` past the
    last round (`overdue_limit`) means they never hear; said when it can be counted (all in
    working days)."""
    chase = (*settings.overdue, settings.overdue_every, settings.leader_after)
    limit = settings.overdue_limit
    if not leaders or limit is None or any(o.unit != "wd" for o in chase):
        return
    steps = [o.amount for o in settings.overdue][:limit]
    while len(steps) < limit:
        steps.append((steps[-1] if steps else 0) + settings.overdue_every.amount)
    if steps and settings.leader_after.amount > steps[-1]:
        check.warn(
            "settings.leader_after",
            f'"{settings.leader_after}" comes after the last overdue reminder ({steps[-1]}wd, '
            f"overdue_limit = {limit}): the leaders would never hear; make it "
            f'at most "{steps[-1]}wd", or raise overdue_limit',
        )

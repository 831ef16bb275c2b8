"""schedules.toml → `Config`, or a `ConfigError` listing every problem with file, line and field.

The loader never raises anything else for any input: a user mistake is a message, not a traceback.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reminder import config_cache, delivery_config
from reminder.checker import (
    Checker,
    choice,
    dates,
    new_id,
    offset,
    offsets,
    q,
    refs,
    time_of_day,
)
from reminder.config import (
    CHANNELS,
    CalendarOverrides,
    Config,
    Deadline,
    Group,
    Office,
    Settings,
    Shift,
    env_names,
    expand_env,
)
from reminder.errors import ConfigError, Issue
from reminder.planner import SHIFT_SLACK
from reminder.rules import parse_date, parse_rule
from reminder.tomlpos import KeyLines

SECTIONS = {
    "settings": {
        "timezone",
        "send_time",
        "workdays",
        "shift",
        "remind",
        "overdue_every",
        "escalate_after",
        "escalate_to",
        "database",
    },
    "calendar": {"holidays", "workdays", "confirmed_years"},
    **delivery_config.KEYS,
    "offices": {"id", "name", "email", "wecom", "webhook", "channels", "mention_mobiles"},
    "groups": {"id", "name", "members"},
    "deadlines": {
        "id",
        "task",
        "title",
        "requirement",
        "limit",
        "lead",
        "cooperate",
        "due",
        "remind",
        "shift",
        "send_time",
        "start",
        "end",
    },
}
ARRAYS = {"offices", "groups", "deadlines"}
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MOBILE_RE = re.compile(r"1\d{10}|@all")


def load_config(
    path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None
) -> Config:
    """Read and validate schedules.toml; raise ConfigError with every issue found."""
    shown = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(
            [
                Issue(
                    path=shown,
                    line=0,
                    field="file",
                    message=f"cannot read it ({exc.strerror or exc})",
                )
            ]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [
                Issue(
                    path=shown,
                    line=line,
                    field="file",
                    message="is not UTF-8 text (save it as UTF-8)",
                )
            ]
        ) from None
    env = os.environ if environ is None else environ
    config = config_cache.get(text, shown, env)
    if config is None:
        config = parse_config(text, shown, environ=env)
        config_cache.put(text, shown, env, config)
    return config


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)|\(at end of document\)")


def parse_config(
    text: str, path: str = "schedules.toml", *, environ: Mapping[str, str] | None = None
) -> Config:
    """Validate TOML text; `path` is only used in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = _TOML_AT.search(message)
        line = int(m.group(1)) if m and m.group(1) else text.count("\n") + 1
        reason = _TOML_AT.sub("", message).strip()
        raise ConfigError(
            [Issue(path=path, line=line, field="toml", message=f"{reason} (not valid TOML)")]
        ) from None
    check = Checker(path, KeyLines(text))
    config = _build(data, check, path, os.environ if environ is None else environ)
    if check.errors or config is None:
        raise ConfigError(check.errors)
    return config


def _build(
    data: dict[str, Any], check: Checker, path: str, environ: Mapping[str, str]
) -> Config | None:
    for key, value in data.items():
        if key not in SECTIONS:
            close = difflib.get_close_matches(key, sorted(SECTIONS), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            check.error(key, f"unknown section{hint}")
        elif key in ARRAYS and not (
            isinstance(value, list) and all(isinstance(v, dict) for v in value)
        ):
            check.error(key, f"must be an array of tables, written [[{key}]]")
        elif key not in ARRAYS and not isinstance(value, dict):
            check.error(key, f"must be a table, written [{key}]")
    if check.errors:
        return None
    settings = _settings(data.get("settings", {}), check)
    overrides = _calendar(data.get("calendar", {}), check)
    _rest_stretches(settings, overrides, check)
    delivery = delivery_config.delivery(data.get("delivery", {}), check)
    email = delivery_config.email(data.get("email", {}), check)
    wecom = delivery_config.wecom(data.get("wecom", {}), check)
    webhook = delivery_config.webhook(data.get("webhook", {}), check)
    timeouts = {"email": email.timeout, "wecom": wecom.timeout, "webhook": webhook.timeout}
    delivery_config.check_lease(delivery, timeouts, check)
    offices = _offices(data.get("offices", []), check, environ)
    # References are checked against every id written, valid or not, so one bad office
    # is one error, not one more for each place that names it.
    office_ids = _declared(data.get("offices", []))
    group_ids = _declared(data.get("groups", []))
    groups = _groups(data.get("groups", []), check, offices, office_ids, group_ids)
    deadlines = _deadlines(data.get("deadlines", []), check, office_ids | group_ids)
    for i, ref in enumerate(settings.escalate_to):
        if ref not in office_ids | group_ids:
            check.error(f"settings.escalate_to[{i}]", f"unknown office or group {q(ref)}")
    if delivery.admin is not None and delivery.admin not in office_ids:
        check.error("delivery.admin", f"unknown office {q(delivery.admin)}")
    if not offices:
        check.error("offices", "define at least one [[offices]]")
    if check.errors:
        return None
    return Config(
        path=path,
        settings=settings,
        calendar_overrides=overrides,
        delivery=delivery,
        email=email,
        wecom=wecom,
        webhook=webhook,
        offices=offices,
        groups=groups,
        deadlines=tuple(deadlines),
        warnings=tuple(check.warnings),
        written_secrets=tuple(check.written_secrets),
        lines=check.lines,
    )


def _settings(table: dict[str, Any], check: Checker) -> Settings:
    f = "settings"
    check.known_keys(table, SECTIONS[f], f)
    values: dict[str, Any] = {}
    tz = check.text(table, "timezone", f)
    if tz is not None:
        try:
            ZoneInfo(tz)
            values["timezone"] = tz
        except (ZoneInfoNotFoundError, ValueError):
            check.error(f"{f}.timezone", f'{q(tz)} is not a time zone (e.g. "Asia/Shanghai")')
    values["send_time"] = time_of_day(check, table, "send_time", f)
    values["workdays"] = choice(check, table, "workdays", f, ("cn", "weekdays"))
    values["shift"] = choice(check, table, "shift", f, ("before", "after", "none"))
    values["remind"] = offsets(check, table, "remind", f)
    for key in ("overdue_every", "escalate_after"):
        if key in table:
            values[key] = offset(check, f"{f}.{key}", table[key], allow_zero=False)
    refs = check.strings(table, "escalate_to", f)
    values["escalate_to"] = refs
    database = check.text(table, "database", f)
    values["database"] = database
    if database and _has_password(database):
        check.secret_in_file(
            f"{f}.database",
            "a password written in the file is a secret in "
            "git: set the whole URL in REMINDER_DATABASE_URL instead",
        )
    return Settings(**{k: v for k, v in values.items() if v is not None})


def _has_password(url: str) -> bool:
    try:
        return bool(urlsplit(url).password)
    except ValueError:  # not a URL: opening the database says so
        return False


def _calendar(table: dict[str, Any], check: Checker) -> CalendarOverrides:
    f = "calendar"
    check.known_keys(table, SECTIONS[f], f)
    holidays = dates(check, table, "holidays", f)
    workdays = dates(check, table, "workdays", f)
    for day in sorted(holidays & workdays):
        check.error(f"{f}.workdays", f"{day} is also listed in calendar.holidays")
    years = check.get(table, "confirmed_years", f, list, "a list of years") or []
    for i, year in enumerate(years):
        if not isinstance(year, int) or isinstance(year, bool) or not 1970 <= year <= 2200:
            check.error(f"{f}.confirmed_years[{i}]", f"must be a year like 2027, got {q(year)}")
    return CalendarOverrides(
        holidays=holidays,
        workdays=workdays,
        confirmed_years=frozenset(y for y in years if isinstance(y, int)),
    )


def _rest_stretches(settings: Settings, overrides: CalendarOverrides, check: Checker) -> None:
    """A due date on a rest day moves to the nearest workday, and planning looks for it no
    further than SHIFT_SLACK away: listed holidays that make a longer run of rest days are an
    error, not a due date silently missed."""
    if not overrides.holidays:
        return
    cal = overrides.calendar(settings.workdays)
    day, limit = timedelta(days=1), SHIFT_SLACK.days
    checked: set[date] = set()
    for holiday in sorted(overrides.holidays - overrides.workdays):
        if holiday in checked:
            continue
        first = last = holiday
        while not cal.is_workday(first - day) and (last - first).days < limit:
            first -= day
        while not cal.is_workday(last + day) and (last - first).days < limit:
            last += day
        checked.update(first + day * i for i in range((last - first).days + 1))
        if (last - first).days >= limit:
            check.error(
                "calendar.holidays",
                f"with these holidays more than {limit} days in a "
                f"row from {first} are rest days: a due date among them would move "
                f"further than planning looks; list fewer holidays, or some "
                "calendar.workdays",
            )
            return


def _offices(
    items: list[dict[str, Any]], check: Checker, environ: Mapping[str, str]
) -> dict[str, Office]:
    offices: dict[str, Office] = {}
    seen: dict[str, str] = {}
    for i, table in enumerate(items):
        f = f"offices[{i}]"
        check.known_keys(table, SECTIONS["offices"], f)
        office_id = new_id(check, table, f, seen)
        name = check.text(table, "name", f, required=True)
        emails = check.strings(table, "email", f) or ()
        for j, address in enumerate(emails):
            if not EMAIL_RE.fullmatch(address):
                check.error(f"{f}.email[{j}]", f"{q(address)} is not an email address")
        who = f"{q(office_id)} ({name})"
        wecom = _secret(check, table, "wecom", f, environ, who)
        webhook = _secret(check, table, "webhook", f, environ, who)
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
        if office_id and name:
            if not emails and wecom is None and webhook is None:
                check.warn(
                    f,
                    f"office {q(office_id)} has no email, wecom or webhook: it cannot be reminded",
                )
            offices[office_id] = Office(
                id=office_id,
                name=name,
                email=emails,
                wecom=wecom,
                webhook=webhook,
                channels=channels,
                mention_mobiles=mobiles,
            )
    return offices


_SECRET_KINDS = {
    "wecom": ("WeCom", "a robot key", "${WECOM_KEY_...}"),
    "webhook": ("webhook", "a webhook URL with its token", "https://...?token=${WEBHOOK_TOKEN}"),
}


def _secret(
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
    channel, what, example = _SECRET_KINDS[key]
    leftover = re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", "", value)
    if "${" in leftover or ("$" in leftover and "{" in leftover):
        check.error(f, "a ${NAME} reference must be ${ followed by letters, digits or _ and }")
        return None
    if not value.strip():
        check.error(f, "must not be empty (leave the key out instead)")
        return None
    if key == "webhook" and not value.startswith(("http://", "https://", "${")):
        check.error(f, f"must be an http:// or https:// URL, got {q(value)}")
        return None
    names = env_names(value)
    if not names:
        check.secret_in_file(
            f,
            f"{what} written in the file is a secret in git: use "
            f'"{example}" and set it in the environment',
        )
    elif expand_env(value, environ) is None:
        unset = [n for n in names if not environ.get(n)]
        check.warn(
            f,
            f"environment variable {', '.join(unset)} is not set: office {office} gets "
            f"no {channel} reminders until it is",
        )
    return value


def _declared(items: list[dict[str, Any]]) -> set[str]:
    return {t["id"] for t in items if isinstance(t.get("id"), str)}


def _groups(
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
        check.known_keys(table, SECTIONS["groups"], f)
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
                check.error(f"{f}.members[{j}]", f"unknown office {q(member)}")
        if group_id and name and members:
            groups[group_id] = Group(id=group_id, name=name, members=members)
    return groups


def _deadlines(items: list[dict[str, Any]], check: Checker, known: set[str]) -> list[Deadline]:
    out: list[Deadline] = []
    seen: dict[str, str] = {}
    tasks: dict[int, str] = {}
    for i, table in enumerate(items):
        f = f"deadlines[{i}]"
        check.known_keys(table, SECTIONS["deadlines"], f)
        deadline = _deadline(table, f, check, known, seen)
        if deadline is None:
            continue
        if deadline.task is not None:
            if deadline.task in tasks:
                check.warn(
                    f"{f}.task", f"task {deadline.task} is also deadline {q(tasks[deadline.task])}"
                )
            tasks.setdefault(deadline.task, deadline.id)
        out.append(deadline)
    return out


def _deadline(
    table: dict[str, Any], f: str, check: Checker, known: set[str], seen: dict[str, str]
) -> Deadline | None:
    before = len(check.errors)
    deadline_id = new_id(check, table, f, seen)
    title = check.text(table, "title", f, required=True)
    task = check.get(table, "task", f, int, "a task number")
    if task is not None and not 1 <= task <= 9999:
        check.error(f"{f}.task", f"must be a task number from 1 to 9999, got {task}")
    lead = refs(check, table, "lead", f, known, required=True)
    cooperate = refs(check, table, "cooperate", f, known, required=False)
    bounds = {
        k: check.parsed(f"{f}.{k}", parse_date, table[k]) for k in ("start", "end") if k in table
    }
    if isinstance(table.get("due"), date):  # an unquoted TOML date
        table = {**table, "due": table["due"].isoformat()}
    due_text = check.get(table, "due", f, str, 'a due rule like "yearly 01-31"', required=True)
    rule = None
    if due_text is not None and None not in bounds.values():
        rule = check.parsed(
            f"{f}.due",
            lambda v: parse_rule(v, start=bounds.get("start"), end=bounds.get("end")),
            due_text,
        )
    remind = offsets(check, table, "remind", f) if "remind" in table else None
    shift = choice(check, table, "shift", f, ("before", "after", "none"))
    send_time = time_of_day(check, table, "send_time", f)
    requirement = check.text(table, "requirement", f) or ""
    limit = check.text(table, "limit", f) or ""
    if len(check.errors) > before or deadline_id is None or title is None or rule is None:
        return None
    return Deadline(
        id=deadline_id,
        title=title,
        rule=rule,
        lead=lead,
        cooperate=cooperate,
        task=task,
        requirement=requirement,
        limit=limit,
        remind=remind,
        shift=cast(Shift | None, shift),
        send_time=send_time,
    )

"""Readers of SMS (短信) in schedules.toml: the [sms] gateway section, and an office's or a
leader's `sms` numbers and `sms_kinds`.

A mistake in what is written is an error with its line; a ``${NAME}`` the environment does
not hold (the gateway's token) is an error for `check` too, but the service starts and holds
the SMS until it is set, as it does for an unset robot key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from reminder.config.addresses import url_problem
from reminder.config.checker import Checker, choice, number, q
from reminder.config.model import Config, Office, env_names, expand_env
from reminder.config.smsmodel import SMS_KINDS, SMS_KINDS_DEFAULT, SMS_KINDS_LEADER, SmsSettings
from reminder.config.tomlpos import line_of
from reminder.errors import Issue

KEYS = {
    "sms": {
        "url",
        "method",
        "body",
        "body_type",
        "auth_header",
        "auth_value",
        "ok_field",
        "ok_value",
        "message_field",
        "daily_cap",
        "per_minute",
        "timeout",
    }
}
OFFICE_KEYS = {"sms", "sms_kinds"}  # on [[offices]] and [[leaders]]
# A mainland mobile number: 11 digits, 13x to 19x.
MOBILE_RE = re.compile(r"1[3-9]\d{9}")
MAX_NUMBERS = 10  # per office or leader (the sent log's target holds them all)
REMINDERS = ("before", "due", "overdue", "routine", "escalation")  # the planned kinds
PLACEHOLDERS = ("{mobile}", "{text}")
SAMPLE = {"{mobile}": "13800000000", "{text}": "x"}  # what `check` fills in to try a template
_HEADER = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")  # an HTTP header name (a token)
_PATH = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")


def fill(template: str, values: Mapping[str, str]) -> str:
    """`template` with each ``{mobile}`` and ``{text}`` replaced by its (escaped) value; other
    braces, a JSON body's own, stay as written."""
    return re.sub(r"\{(mobile|text)\}", lambda m: values[m.group(0)], template)


def sms(data: Mapping[str, Any], check: Checker, environ: Mapping[str, str]) -> SmsSettings | None:
    """``[sms]``, or None when the file has no such section (SMS are then held); an office or
    a leader with `sms` numbers needs one."""
    if "sms" not in data:
        gateway_needed(data, check)
        return None
    table = data["sms"]
    f = "sms"
    check.known_keys(table, KEYS[f], f)
    url = check.text(table, "url", f, required=True)
    method = choice(check, table, "method", f, ("POST", "GET")) or "POST"
    body_type = choice(check, table, "body_type", f, ("json", "form")) or "json"
    body = check.text(table, "body", f)
    if method == "GET" and body is not None:
        check.error(f"{f}.body", "a GET sends no body: put {mobile} and {text} in the url query")
    elif method == "POST" and body is None and body_type == "form":
        check.error(f"{f}.body_type", 'a form needs its body: "mobile={mobile}&content={text}"')
    elif method == "POST" and body is not None:
        _check_body(check, body, body_type)
        if expand_env(body, environ) is None:  # an account's password as ${NAME}, say
            unset = ", ".join(n for n in env_names(body) if not environ.get(n))
            check.env_error(f"{f}.body", f"environment variable {unset} is not set: SMS are held")
    if url is not None:
        _check_url(check, url, environ, placeholders=method == "GET")
    values: dict[str, Any] = {
        "url": url,
        "method": method,
        "body": body,
        "body_type": body_type,
        "ok_value": _ok_value(check, table, f),
        "daily_cap": number(check, table, "daily_cap", f, 1, 100),
        "per_minute": number(check, table, "per_minute", f, 1, 10000),
        "timeout": number(check, table, "timeout", f, 0.1, 30, integer=False),
        **_auth(check, table, f, environ),
        **_fields(check, table, f),
    }
    if url is None:
        return None
    return SmsSettings(**{k: v for k, v in values.items() if v is not None})


def _check_body(check: Checker, body: str, body_type: str) -> None:
    f = "sms.body"
    for placeholder in PLACEHOLDERS:
        if placeholder not in body:
            check.error(
                f,
                f"has no {placeholder}: write where the gateway takes the "
                f"{'mobile number' if placeholder == '{mobile}' else 'message text'}, e.g. "
                + q('{"mobile": "{mobile}", "content": "{text}"}'),
            )
            return
    sample = fill(body, {k: json.dumps(v)[1:-1] for k, v in SAMPLE.items()})
    if body_type == "json":
        try:
            json.loads(sample)
        except json.JSONDecodeError as exc:
            check.error(
                f,
                f"is not JSON once {{mobile}} and {{text}} are filled in ({exc.msg}): put each "
                'inside quotes, "{text}", or set body_type = "form"',
            )
    elif not all("=" in part for part in sample.split("&")):
        check.error(f, 'is not a form: write it as "mobile={mobile}&content={text}"')


def _check_url(check: Checker, url: str, environ: Mapping[str, str], *, placeholders: bool) -> None:
    """A URL that can be sent to; with GET, holding both placeholders."""
    f = "sms.url"
    if placeholders and not all(p in url for p in PLACEHOLDERS):
        check.error(
            f, "a GET carries the message in the URL: put both {mobile} and {text} in its query"
        )
    names = env_names(url)
    expanded = expand_env(url, environ)
    if expanded is None:
        unset = [n for n in names if not environ.get(n)]
        check.env_error(
            f, f"environment variable {', '.join(unset)} is not set: SMS are held until it is"
        )
        return
    problem = url_problem(fill(expanded.strip(), SAMPLE))
    if problem is None:
        return
    if names:
        check.env_error(f, f"{', '.join(names)} does not make a usable URL: {problem}")
    else:
        check.error(f, f"must be an http:// or https:// URL, but {problem}")


def _auth(
    check: Checker, table: Mapping[str, Any], f: str, environ: Mapping[str, str]
) -> dict[str, str | None]:
    """The header that carries the gateway's token, and its value from the environment."""
    header = check.text(table, "auth_header", f)
    value = check.text(table, "auth_value", f)
    if header is not None and not _HEADER.fullmatch(header):
        check.error(f"{f}.auth_header", f"{q(header)} is not an HTTP header name")
    if (header is None) != (value is None):
        given, missing = (
            ("auth_header", "auth_value") if value is None else ("auth_value", "auth_header")
        )
        check.error(
            f"{f}.{given}",
            f'needs {missing} too (e.g. auth_header = "Authorization", '
            'auth_value = "Bearer ${SMS_TOKEN}")',
        )
    if value is not None:
        names = env_names(value)
        if not names:
            check.secret_in_file(
                f"{f}.auth_value",
                'a token written in the file is a secret in git: use "Bearer ${SMS_TOKEN}" '
                "and set it in the environment",
            )
        elif expand_env(value, environ) is None:
            unset = [n for n in names if not environ.get(n)]
            check.env_error(
                f"{f}.auth_value",
                f"environment variable {', '.join(unset)} is not set: SMS are held until it is",
            )
    return {"auth_header": header, "auth_value": value}


def _fields(check: Checker, table: Mapping[str, Any], f: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for key in ("ok_field", "message_field"):
        value = check.text(table, key, f)
        if value is not None and not _PATH.fullmatch(value):
            check.error(
                f"{f}.{key}",
                f'{q(value)} is not a field of the answer (e.g. "code" or "result.code")',
            )
            value = None
        out[key] = value
    if "ok_value" in table and out["ok_field"] is None and "ok_field" not in table:
        check.error(
            f"{f}.ok_value", "needs ok_field: the field of the gateway's answer it is compared with"
        )
    return out


def _ok_value(check: Checker, table: Mapping[str, Any], f: str) -> str | None:
    """`ok_value` as the text compared: "0" and 0 are the same; true is "true"."""
    if "ok_value" not in table:
        return None
    value = table["ok_value"]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    check.error(f"{f}.ok_value", f"must be a string or a whole number, got {q(value)}")
    return None


def numbers(check: Checker, table: Mapping[str, Any], f: str) -> dict[str, tuple[str, ...]]:
    """An office's or a leader's `sms` numbers and `sms_kinds`, checked."""
    mobiles = check.strings(table, "sms", f) or ()
    for j, mobile in enumerate(mobiles):
        if not MOBILE_RE.fullmatch(mobile):
            check.error(
                f"{f}.sms[{j}]",
                f"{q(mobile)} is not a mainland mobile number: 11 digits from 13 to 19, "
                'without +86, spaces or dashes (e.g. "13800000000")',
            )
    if len(set(mobiles)) < len(mobiles):
        check.error(f"{f}.sms", "lists a number twice")
    if len(mobiles) > MAX_NUMBERS:
        check.error(f"{f}.sms", f"lists {len(mobiles)} numbers: at most {MAX_NUMBERS}")
    kinds = check.strings(table, "sms_kinds", f)
    for j, kind in enumerate(kinds or ()):
        if kind not in (*SMS_KINDS, "all"):
            check.error(
                f"{f}.sms_kinds[{j}]",
                f'unknown kind {q(kind)} (one of {", ".join(SMS_KINDS)}, or "all")',
            )
    if kinds is not None and not mobiles:
        check.warn(f"{f}.sms_kinds", "has no effect without sms numbers")
    if kinds is None:
        kinds = SMS_KINDS_LEADER if f.startswith("leaders[") else SMS_KINDS_DEFAULT
    elif "all" in kinds:
        kinds = SMS_KINDS
    return {"sms": mobiles, "sms_kinds": tuple(dict.fromkeys(kinds))}


def gateway_needed(data: Mapping[str, Any], check: Checker) -> None:
    """Each office or leader with `sms` numbers is an error: the file has no [sms]."""
    for table in ("offices", "leaders"):
        for i, item in enumerate(data.get(table, [])):
            if isinstance(item, dict) and item.get("sms"):
                check.error(
                    f"{table}[{i}].sms",
                    "SMS needs the bureau's gateway: add an [sms] section with its url "
                    "(see the README, 短信)",
                )


def sms_warnings(config: Config) -> list[Issue]:
    """Numbers that would never get an SMS, or an office whose reminders SMS leaves held, as
    warnings at the `sms` line (`unheard` says which)."""
    escalation = set(config.expand(config.settings.escalate_to))
    out: list[Issue] = []
    for table, people in (("offices", config.offices), ("leaders", config.leaders)):
        for i, person in enumerate(people.values()):
            upward = table == "leaders" or person.id in escalation
            message = unheard(config, person, upward) if config.sms and person.sms else None
            if message is not None:
                field = f"{table}[{i}].sms"
                line = line_of(config.lines, field)
                out.append(Issue(path=config.path, line=line, field=field, message=message))
    return out


def unheard(config: Config, person: Office, upward: bool) -> str | None:
    """What is wrong with `person`'s SMS, or None: its `channels` leave SMS out; it takes only
    督办 by SMS (the default) but is no 督办 office (`upward`: escalate_to, or a leader); or
    it is reached by SMS alone, and its reminders of the kinds SMS does not carry are held."""
    kinds = set(person.sms_kinds)
    if "sms" not in config.channels_for(person):
        return f'{person.name} has sms numbers but its channels leave SMS out: add "sms"'
    if kinds == {"escalation"} and not upward:
        return (
            f"{person.name} takes only 督办 by SMS (sms_kinds, by default) but is no "
            "督办 office or leader: it gets no SMS; list the kinds it wants, e.g. "
            'sms_kinds = ["overdue"]'
        )
    if config.channels_for(person) == ("sms",) and not upward and not kinds >= set(REMINDERS):
        return (
            f"{person.name} is reached by SMS alone, which carries only "
            f"{', '.join(sorted(kinds))}: its other reminders are held; add sms_kinds = "
            '["all"] or another channel'
        )
    return None

"""schedules.toml → `Config`, or a `ConfigError` listing every problem with file, line and field.

The loader never raises anything else for any input: a user mistake is a message, not a traceback.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from reminder.config import cache as config_cache
from reminder.config import deadlines as deadlines_reader
from reminder.config import delivery as delivery_config
from reminder.config import offices as offices_reader
from reminder.config import report as report_reader
from reminder.config import robots as robots_reader
from reminder.config import settings as settings_reader
from reminder.config import sms as sms_reader
from reminder.config import web as web_reader
from reminder.config.checker import Checker, q, suggest
from reminder.config.model import Config, Delivery, Settings
from reminder.config.tomlpos import KeyLines
from reminder.errors import ConfigError, Issue

SECTIONS = {
    **settings_reader.KEYS,
    **delivery_config.KEYS,
    **offices_reader.KEYS,
    **deadlines_reader.KEYS,
    **web_reader.KEYS,
    **report_reader.KEYS,
    **robots_reader.KEYS,
    **sms_reader.KEYS,
}
ARRAYS = {"offices", "groups", "deadlines", "leaders"}


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
        text = raw.decode("utf-8-sig")  # a BOM (Windows Notepad writes one) is not content
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


# Characters a Chinese input method types in place of TOML's ASCII ones.
_FULL_WIDTH = {"“": '"', "”": '"', "‘": "'", "’": "'", "［": "[", "］": "]", "＝": "=", "，": ","}
_ARRAY_HEADER = re.compile(r"\s*\[\s*(offices|groups|deadlines|leaders)\s*\]\s*(#.*)?$")


def toml_hint(line: str) -> str:
    """What most likely went wrong on a line TOML refused, as a hint to append."""
    if line.startswith("\ufeff"):
        line = line[1:]
    found = sorted({ch for ch in line if ch in _FULL_WIDTH}, key=line.index)
    if found:
        pairs = ", ".join(f"{ch} → {_FULL_WIDTH[ch]}" for ch in found)
        return f": full-width punctuation on this line; use ASCII ({pairs})"
    m = _ARRAY_HEADER.match(line)
    if m:
        return f": each office, group or deadline is a table of an array: write [[{m.group(1)}]]"
    return ""


# Keys a deadline shares with [settings]: written below the last deadline, meant for all?
_SHARED = {
    "remind",
    "shift",
    "send_time",
    "cooperate_remind",
    "overdue",
    "overdue_every",
    "overdue_limit",
}
_KEY_LINE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=")


def _settings_after_the_last_deadline(text: str, check: Checker, index: int) -> None:
    """Warn about a settings key set apart (after a blank line or a comment) at the end of
    the last [[deadlines]] table: TOML gives it to that deadline alone, which someone adding
    a setting at the end of the file does not mean. Only the file's tail is scanned."""
    start = text.rfind("[[deadlines]]")
    if start < 0:
        return
    first_line = text.count("\n", 0, start) + 1
    apart = False
    for offset, raw in enumerate(text[start:].splitlines()[1:], 1):
        line = raw.strip()
        if line.startswith("["):
            return  # another table: what follows is not the last deadline's
        if not line or line.startswith("#"):
            apart = True
            continue
        m = _KEY_LINE.match(raw)
        if m and apart and m.group(1) in _SHARED:
            key = m.group(1)
            check.warnings.append(
                Issue(
                    path=check.path,
                    line=first_line + offset,
                    field=f"deadlines[{index}].{key}",
                    message=f"set apart below the last deadline, {key} applies to that "
                    f"deadline only; if it is meant for every deadline, move it into "
                    "[settings]",
                )
            )


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)|\(at end of document\)")


def parse_config(
    text: str, path: str = "schedules.toml", *, environ: Mapping[str, str] | None = None
) -> Config:
    """Validate TOML text; `path` is only used in messages."""
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = _TOML_AT.search(message)
        line = int(m.group(1)) if m and m.group(1) else text.count("\n") + 1
        reason = _TOML_AT.sub("", message).strip()
        lines = text.splitlines()
        single = next((i for i, t in enumerate(lines) if _ARRAY_HEADER.match(t)), None)
        if single is not None:  # [offices] beside [[offices]]: TOML blames a later line
            line = single + 1
        hint = toml_hint(lines[line - 1] if 0 < line <= len(lines) else "")
        raise ConfigError(
            [
                Issue(
                    path=path,
                    line=line,
                    field="toml",
                    message=f"{reason} (not valid TOML){hint}",
                )
            ]
        ) from None
    check = Checker(path, KeyLines(text, roots=frozenset(data)))
    config = _build(data, check, path, os.environ if environ is None else environ)
    if config is not None and config.deadlines:
        _settings_after_the_last_deadline(text, check, len(data.get("deadlines", [])) - 1)
        config = replace(config, warnings=tuple(check.warnings))
    if check.errors or config is None:
        raise ConfigError(check.errors)
    return config


def _sections(data: dict[str, Any], check: Checker) -> None:
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


def _references(
    settings: Settings,
    delivery: Delivery,
    office_ids: set[str],
    group_ids: set[str],
    check: Checker,
) -> None:
    """The offices and groups [settings] escalate_to and [delivery] admin name exist."""
    for i, ref in enumerate(settings.escalate_to):
        if ref not in office_ids | group_ids:
            hint = suggest(ref, office_ids | group_ids)
            check.error(f"settings.escalate_to[{i}]", f"unknown office or group {q(ref)}{hint}")
    if delivery.admin is not None and delivery.admin not in office_ids:
        hint = suggest(delivery.admin, office_ids)
        check.error("delivery.admin", f"unknown office {q(delivery.admin)}{hint}")


def _build(
    data: dict[str, Any], check: Checker, path: str, environ: Mapping[str, str]
) -> Config | None:
    _sections(data, check)
    if check.errors:
        return None
    settings = settings_reader.settings(data.get("settings", {}), check)
    overrides = settings_reader.calendar(data.get("calendar", {}), check)
    settings_reader.rest_stretches(settings, overrides, check)
    delivery = delivery_config.delivery(data.get("delivery", {}), check)
    email = delivery_config.email(data.get("email", {}), check)
    wecom = delivery_config.wecom(data.get("wecom", {}), check)
    webhook = delivery_config.webhook(data.get("webhook", {}), check)
    web = web_reader.web(data.get("web", {}), check, environ)
    robots = robots_reader.sections(data, check)
    sms = sms_reader.sms(data, check, environ)
    timeouts = {"email": email.timeout, "wecom": wecom.timeout, "webhook": webhook.timeout}
    delivery_config.check_lease(delivery, timeouts, check)
    offices = offices_reader.offices(data.get("offices", []), check, environ)
    # References are checked against every id written, valid or not, so one bad office
    # is one error, not one more for each place that names it.
    office_ids = offices_reader.declared(data.get("offices", []))
    group_ids = offices_reader.declared(data.get("groups", []))
    groups = offices_reader.groups(data.get("groups", []), check, offices, office_ids, group_ids)
    deadlines = deadlines_reader.deadlines(data.get("deadlines", []), check, office_ids | group_ids)
    leaders = offices_reader.leaders(
        data.get("leaders", []), check, environ, office_ids, office_ids | group_ids
    )
    offices_reader.leaders_heard(settings, leaders, check)
    _references(settings, delivery, office_ids, group_ids, check)
    report = report_reader.report(data.get("report"), check, office_ids | group_ids)
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
        leaders=leaders,
        web=web,
        **robots,
        report=report,
        sms=sms,
        warnings=tuple(check.warnings),
        written_secrets=tuple(check.written_secrets),
        env_errors=tuple(check.env_errors),
        lines=check.lines,
    )

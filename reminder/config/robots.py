"""Readers of the DingTalk (钉钉) and Feishu (飞书) custom robots in schedules.toml: an office's
or a leader's `dingtalk` and `dingtalk_secret`, `feishu` and `feishu_secret`, and the
[dingtalk] and [feishu] sections. Every mistake is a located Issue; a bad value that comes
from the environment is an `env_error` (a `check` error; the service holds that robot's
messages, as for an unset variable)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from reminder.config.addresses import url_problem
from reminder.config.checker import Checker, number, q
from reminder.config.model import env_names, expand_env
from reminder.config.robotmodel import DingtalkSettings, FeishuSettings, Robot

KEYS = {"dingtalk": {"per_minute", "timeout"}, "feishu": {"per_minute", "timeout"}}
OFFICE_KEYS = {"dingtalk", "dingtalk_secret", "feishu", "feishu_secret"}
_BAD_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


@dataclass(frozen=True, slots=True)
class Platform:
    name: str  # as messages name it
    url: str  # an example of the URL, for hints
    secret: str  # how its secret looks, for hints


PLATFORMS = {
    "dingtalk": Platform(
        "DingTalk",
        "https://oapi.dingtalk.com/robot/send?access_token=…",
        "SEC followed by 64 characters",
    ),
    "feishu": Platform("Feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/…", "from 签名校验"),
}


def sections(data: Mapping[str, Any], check: Checker) -> dict[str, Any]:
    """[dingtalk] and [feishu], as the Config's fields of those names."""
    return {
        "dingtalk": dingtalk_settings(data.get("dingtalk", {}), check),
        "feishu": feishu_settings(data.get("feishu", {}), check),
    }


def dingtalk_settings(table: Mapping[str, Any], check: Checker) -> DingtalkSettings:
    check.known_keys(table, KEYS["dingtalk"], "dingtalk")
    values = {
        "per_minute": number(check, table, "per_minute", "dingtalk", 1, 20),
        "timeout": number(check, table, "timeout", "dingtalk", 0.1, 120, integer=False),
    }
    return DingtalkSettings(**{k: v for k, v in values.items() if v is not None})


def feishu_settings(table: Mapping[str, Any], check: Checker) -> FeishuSettings:
    check.known_keys(table, KEYS["feishu"], "feishu")
    values = {
        "per_minute": number(check, table, "per_minute", "feishu", 1, 100),
        "timeout": number(check, table, "timeout", "feishu", 0.1, 120, integer=False),
    }
    return FeishuSettings(**{k: v for k, v in values.items() if v is not None})


def robot_problem(key: str, url: str) -> str | None:
    """Why `url` is not a `key` robot's webhook address (never repeating it: it holds the
    robot's token), or None."""
    problem = url_problem(url)
    if problem is not None:
        return problem
    parts = urlsplit(url)
    if key == "dingtalk" and not parse_qs(parts.query).get("access_token", [""])[0]:
        return "it has no ?access_token= (copy the whole Webhook address of the robot)"
    if key == "feishu" and not re.search(r"/hook/[^/]+$", parts.path):
        return "it does not end in /hook/ and the bot's id (copy the whole webhook address)"
    return None


def robot(
    check: Checker, table: Mapping[str, Any], key: str, f: str, environ: Mapping[str, str], who: str
) -> Robot | None:
    """An office's `key` robot ("dingtalk" or "feishu") and its secret, checked."""
    url = check.text(table, key, f)
    secret_key = f"{key}_secret"
    if url is None:
        if secret_key in table and key not in table:
            check.error(f"{f}.{secret_key}", f"is set but {key} (the robot's webhook URL) is not")
        return None
    field, platform = f"{f}.{key}", PLATFORMS[key]
    if not well_formed(check, field, url):
        return None
    if not env_names(url) and not url.startswith(("http://", "https://")):
        check.error(field, f"must be an http:// or https:// URL like {platform.url}, got {q(url)}")
        return None
    if not _usable(check, field, url, environ, lambda v: robot_problem(key, v)):
        return None
    _unset_or_written(check, field, url, environ, who, platform.name, "the webhook URL")
    raw = table.get(secret_key)
    if secret_key not in table:
        check.error(
            field,
            f'a signed robot needs {secret_key} = "${{{key.upper()}_SECRET_…}}" (its secret, '
            f"{platform.secret}); for a robot secured by keywords or an IP list only, "
            f"write {secret_key} = false",
        )
        return None
    if raw is False:
        return Robot(url=url)
    secret = check.text(table, secret_key, f) if raw is not True else None
    if secret is None:
        if raw is True:
            check.error(f"{f}.{secret_key}", 'must be the secret ("${NAME}") or false')
        return None
    sfield = f"{f}.{secret_key}"
    if not well_formed(check, sfield, secret):
        return None
    if key == "dingtalk" and not _usable(check, sfield, secret, environ, _dingtalk_secret):
        return None
    _unset_or_written(check, sfield, secret, environ, who, platform.name, "the signing secret")
    return Robot(url=url, secret=secret)


def _dingtalk_secret(value: str) -> str | None:
    if value.startswith("SEC") and len(value) > 10:
        return None
    return "it is not a DingTalk 加签 secret (those start with SEC)"


def well_formed(check: Checker, field: str, value: str) -> bool:
    """A secret's value as written: its ${NAME} references well formed, and not empty (an
    error at `field` otherwise). Offices' robot keys and webhooks are checked the same way."""
    leftover = _BAD_REF.sub("", value)
    if "${" in leftover or ("$" in leftover and "{" in leftover):
        check.error(field, "a ${NAME} reference must be ${ followed by letters, digits or _ and }")
        return False
    if not value.strip():
        check.error(field, "must not be empty (leave the key out instead)")
        return False
    return True


def _usable(
    check: Checker,
    field: str,
    value: str,
    environ: Mapping[str, str],
    problem_of: Callable[[str], str | None],
) -> bool:
    """False (an error) when a value written in the file is wrong; a wrong value from the
    environment is an env_error (held at run time) and the value is kept."""
    expanded = expand_env(value, environ)
    if expanded is None:
        return True
    problem = problem_of(expanded.strip())
    if problem is None:
        return True
    names = env_names(value)
    if names:
        check.env_error(field, f"{', '.join(names)} does not hold a usable value: {problem}")
        return True
    check.error(field, f"is not usable: {problem}")
    return False


def _unset_or_written(
    check: Checker,
    field: str,
    value: str,
    environ: Mapping[str, str],
    who: str,
    platform: str,
    what: str,
) -> None:
    names = env_names(value)
    if not names:
        check.secret_in_file(
            field,
            f"{what} written in the file is a secret in git: write a ${{NAME}} reference and "
            "set it in the environment",
        )
    elif expand_env(value, environ) is None:
        unset = [n for n in names if not environ.get(n)]
        whom = who if who.startswith("leader ") else f"office {who}"
        check.warn(
            field,
            f"environment variable {', '.join(unset)} is not set: {whom} gets no {platform} "
            "reminders until it is",
        )

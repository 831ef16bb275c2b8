"""What every request needs: the config (reloaded when its file changes), the database, the
one clock, the secrets from the environment, and the page templates."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Engine

from reminder import labels, links
from reminder.app import revocation
from reminder.clock import Clock
from reminder.config.loader import load_config
from reminder.config.model import Config
from reminder.errors import ConfigError, UsageError
from reminder.shipped import shipped
from reminder.web.security import LoginGuard

log = logging.getLogger("reminder.web")

RETIRED_PASSWORD_ENV = "REMINDER_ADMIN_PASSWORD"  # before accounts: now only warned about
API_TOKEN_ENV = "REMINDER_API_TOKEN"
PAGES = shipped("templates") / "web"


@dataclass(frozen=True, kw_only=True, slots=True)
class Secrets:
    """From the environment, never from the file: the link key(s) and the API token.
    (Administrators have accounts in the database: `reminder admin add`.)"""

    keys: tuple[str, ...]
    api_token: str | None = None  # the OA system's bearer token for /api/v1/

    @property
    def current(self) -> str:
        return self.keys[0]


def secrets_from(environ: Mapping[str, str] | None = None) -> Secrets:
    env = os.environ if environ is None else environ
    problem = links.secret_problem(env)
    if problem is not None:
        raise UsageError(problem)
    keys = links.secrets_from(env)
    if not keys:
        raise UsageError(
            f"set ${links.SECRET_ENV} (at least {links.MIN_SECRET} random characters) before "
            f"`reminder serve`: it signs the links in messages and the login sessions"
        )
    api = env.get(API_TOKEN_ENV, "").strip() or None
    if api is not None and (problem := links.weak(api)) is not None:
        raise UsageError(f"${API_TOKEN_ENV} {problem}")
    if api is not None and api in keys:
        raise UsageError(
            f"${API_TOKEN_ENV} is the same as ${links.SECRET_ENV}: give the OA system a token of "
            "its own, so that it never holds the key that signs links and sessions"
        )
    return Secrets(keys=keys, api_token=api)


def page_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(PAGES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Stored keys in the words of `labels`: {{ r.period|period }} shows 2027年第一季度.
    env.filters.update(
        period=labels.period,
        channel=labels.channel,
        kind=labels.kind,
        log_status=labels.log_status,
        role=labels.role,
        minute=lambda moment: moment.strftime("%Y-%m-%d %H:%M"),  # a local time, to the minute
    )
    return env


@dataclass(kw_only=True)
class WebContext:
    config_path: str
    config: Config
    engine: Engine
    clock: Clock
    secrets: Secrets
    pages: Environment = field(default_factory=page_environment)
    failed_logins: LoginGuard = field(default_factory=LoginGuard)
    _stamp: tuple[int, int] = (0, 0)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._stamp = self._file_stamp()

    def _file_stamp(self) -> tuple[int, int]:
        try:
            st = Path(self.config_path).stat()
        except OSError:
            return self._stamp
        return (st.st_mtime_ns, st.st_size)

    def current_config(self) -> Config:
        """The config, reloaded when the file changed; a bad edit keeps the last good one."""
        stamp = self._file_stamp()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    try:
                        self.config = load_config(self.config_path)
                    except ConfigError as exc:
                        log.error("keeping the last good config: %s", exc.issues[0])
                    self._stamp = stamp
        return self.config

    def verify(self, token: str) -> links.Grant:
        """The grant a link's token carries, checked against the secrets, the clock and
        each office's link generation (a revoked office's old links are refused)."""
        return links.verify(
            token, self.secrets.keys, self.clock.now(), revocation.generations(self.engine)
        )

    def sign(self, grant: links.Grant) -> str:
        """A token for `grant` of its office's current link generation."""
        generation = revocation.generations(self.engine).get(grant.office, 0)
        return links.sign(grant, self.secrets.current, generation)

    @property
    def secure_cookies(self) -> bool:
        base = self.config.web.base_url
        return bool(base and base.startswith("https://"))

    @property
    def root_path(self) -> str:
        """The path prefix the pages live under behind a reverse proxy ("" at the root)."""
        base = self.config.web.base_url
        return urlsplit(base).path.rstrip("/") if base else ""

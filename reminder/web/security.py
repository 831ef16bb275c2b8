"""Who is asking: an administrator's signed session cookie, an office's signed link, and the
CSRF token every form carries. Pure functions of the secrets and the instant."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from reminder import links

SESSION_COOKIE = "reminder_session"
SESSION_HOURS = 12
_NAME = re.compile(r"[0-9a-f]{2,200}")


@dataclass(frozen=True, kw_only=True, slots=True)
class Visitor:
    """An administrator (logged in), an office (through its link), or nobody."""

    admin: str | None = None
    grant: links.Grant | None = None
    token: str | None = None  # the link's token, for the forms on its pages
    session: str | None = None  # the session cookie, for the forms of a logged-in admin

    @property
    def office(self) -> str | None:
        return self.grant.office if self.grant else None

    @property
    def csrf_subject(self) -> str:
        return self.session or self.token or ""


def new_session(name: str, now: datetime, secret: str) -> str:
    expires = str(int((now + timedelta(hours=SESSION_HOURS)).timestamp()))
    encoded = name.encode("utf-8").hex()
    return f"{encoded}.{expires}.{links.digest(secret, 'session', encoded, expires)}"


def session_admin(cookie: str | None, keys: tuple[str, ...], now: datetime) -> str | None:
    """The administrator's name a valid, unexpired session cookie carries."""
    if not cookie or len(cookie) > 600 or cookie.count(".") != 2:
        return None
    encoded, expires, mac = cookie.split(".")
    if not _NAME.fullmatch(encoded) or not expires.isdigit():
        return None
    if not mac.isascii() or not any(
        hmac.compare_digest(mac.encode(), links.digest(k, "session", encoded, expires).encode())
        for k in keys
    ):
        return None
    if now.timestamp() >= int(expires):
        return None
    try:
        return bytes.fromhex(encoded).decode("utf-8")
    except ValueError:
        return None


def csrf_token(visitor: Visitor, secret: str) -> str:
    return links.digest(secret, "csrf", visitor.csrf_subject)


def csrf_ok(visitor: Visitor, token: str | None, keys: tuple[str, ...]) -> bool:
    if not token or not token.isascii() or not visitor.csrf_subject:
        return False
    return any(
        hmac.compare_digest(token.encode(), links.digest(k, "csrf", visitor.csrf_subject).encode())
        for k in keys
    )


def password_ok(given: str, expected: str | None) -> bool:
    if not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class Throttle:
    """Failed logins per client: after `limit` in `window`, the client waits out the window
    (per process; a password guesser gets a handful of tries per ten minutes)."""

    def __init__(self, limit: int = 5, window: timedelta = timedelta(minutes=10)) -> None:
        self.limit, self.window = limit, window
        self.failures: dict[str, list[datetime]] = {}

    def _recent(self, client: str, now: datetime) -> list[datetime]:
        kept = [t for t in self.failures.get(client, []) if now - t < self.window]
        if kept:
            self.failures[client] = kept
        else:
            self.failures.pop(client, None)
        return kept

    def blocked(self, client: str, now: datetime) -> bool:
        return len(self._recent(client, now)) >= self.limit

    def add(self, client: str, now: datetime) -> None:
        if len(self.failures) > 10_000:  # a flood of addresses: forget the oldest half
            for old in list(self.failures)[:5_000]:
                del self.failures[old]
        self.failures.setdefault(client, []).append(now)

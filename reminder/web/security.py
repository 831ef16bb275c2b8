"""Who is asking (an administrator's login, an office's signed link), the CSRF token every
form carries, and how failed logins are slowed down. Functions of the secrets and the instant."""

from __future__ import annotations

import hmac
import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from reminder import links

SESSION_COOKIE = "reminder_session"


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


def csrf_token(visitor: Visitor, secret: str) -> str:
    return links.digest(secret, "csrf", visitor.csrf_subject)


def csrf_ok(visitor: Visitor, token: str | None, keys: tuple[str, ...]) -> bool:
    if not token or not token.isascii() or not visitor.csrf_subject:
        return False
    return any(
        hmac.compare_digest(token.encode(), links.digest(k, "csrf", visitor.csrf_subject).encode())
        for k in keys
    )


class _Failures:
    """Failed logins per key within a window, for a bounded number of keys."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self.times: dict[str, deque[datetime]] = {}

    def recent(self, key: str, now: datetime) -> deque[datetime]:
        kept = self.times.get(key)
        if kept is None:
            return deque()
        while kept and now - kept[0] >= self.window:
            kept.popleft()
        if not kept:
            del self.times[key]
        return kept

    def add(self, key: str, now: datetime) -> None:
        if key not in self.times and len(self.times) >= 10_000:  # a flood of names/addresses
            for old in list(self.times)[:5_000]:
                del self.times[old]
        self.times.setdefault(key, deque()).append(now)


@dataclass(frozen=True, slots=True)
class Wait:
    """Why a login attempt is not taken now, and for how many seconds."""

    reason: str  # "client": this address failed too often; "slow": the account or everyone
    seconds: int


class LoginGuard:
    """Failed logins, counted three ways, on the one clock (per process; nobody sleeps):

    - per client (its address, trusted as `[web] trusted_proxies` says): after 5 failures in
      10 minutes it waits out the window, alone: a bad neighbour locks nobody else out;
    - per account: after 10 failures in 10 minutes from anywhere (a guesser rotating
      addresses), a try at that account is taken at most every 30 s: slowed, never locked,
      so its owner still gets in;
    - overall: after 100 failures in 10 minutes, a try is taken at most every 2 s.
    """

    CLIENT_LIMIT, ACCOUNT_LIMIT, OVERALL_LIMIT = 5, 10, 100
    ACCOUNT_GAP, OVERALL_GAP = timedelta(seconds=30), timedelta(seconds=2)

    def __init__(self, window: timedelta = timedelta(minutes=10)) -> None:
        self.window = window
        self.clients, self.accounts = _Failures(window), _Failures(window)
        self.overall = _Failures(window)
        self.last_try: dict[str, datetime] = {}  # per account, and "" for all, when slowed

    def check(self, client: str, account: str, now: datetime) -> Wait | None:
        """None: take this attempt (it is counted as a try); else how long to wait."""
        failed = self.clients.recent(client, now)
        if len(failed) >= self.CLIENT_LIMIT:
            return Wait("client", _seconds(failed[0] + self.window - now))
        gaps = []
        if self._slowed(self.overall, "", "", self.OVERALL_LIMIT, now):
            gaps.append(("", self.OVERALL_GAP))
        if self._slowed(self.accounts, account, "@" + account, self.ACCOUNT_LIMIT, now):
            gaps.append(("@" + account, self.ACCOUNT_GAP))
        waits = [self.last_try[k] + gap - now for k, gap in gaps if k in self.last_try]
        if waits and max(waits) > timedelta(0):
            return Wait("slow", _seconds(max(waits)))
        for key, _ in gaps:
            self.last_try[key] = now
        return None

    def _slowed(
        self, failures: _Failures, key: str, try_key: str, limit: int, now: datetime
    ) -> bool:
        slowed = len(failures.recent(key, now)) >= limit
        if not slowed:
            self.last_try.pop(try_key, None)
        return slowed

    def failed(self, client: str, account: str, now: datetime) -> None:
        self.clients.add(client, now)
        self.accounts.add(account, now)
        self.overall.add("", now)
        if len(self.last_try) > 10_000:
            self.last_try.clear()


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))

"""Signed links: what a link in a reminder lets its holder see and do, and for how long.

A token names an office, a scope (its office page, one occurrence, or its calendar feed) and
an expiry, signed with HMAC-SHA256 under the secret from ``REMINDER_SECRET``. During a
rotation the previous secret (``REMINDER_SECRET_OLD``) is still accepted; new links are
always signed with the current one. Pure: the caller passes the secrets and the instant.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SECRET_ENV = "REMINDER_SECRET"
OLD_SECRET_ENV = "REMINDER_SECRET_OLD"
MIN_SECRET = 32  # characters: a shorter secret is refused, links are not made with it
MIN_DISTINCT = 16  # different characters at least: "s" * 32 or a date is not a secret
LINK_DAYS = 30

OFFICE = "office"  # the office page, and acting on the office's items
FEED = "feed"  # the office's calendar feed (read only)
_ITEM = re.compile(r"occ-(\d{1,12})")
_ID = re.compile(r"[a-z][a-z0-9_-]{0,63}")  # an office id (config.checker.ID_RE)
_EXPIRES = re.compile(r"\d{1,12}")
_MAC = re.compile(r"[A-Za-z0-9_-]{24}")  # 18 bytes, URL-safe base64 without padding: exactly
# A token inside a text (a message body): what `redact` takes out before the text is kept.
_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9_.-])[a-z][a-z0-9_-]{0,63}\.(?:office|feed|occ-\d{1,12})\.\d{1,12}\."
    r"[A-Za-z0-9_-]{24}(?![A-Za-z0-9_-])"
)


class TokenError(Exception):
    """A link that is refused: malformed, forged (or signed by a retired secret), expired.
    Raised by `verify`; the web layer shows a plain page and logs the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, kw_only=True, slots=True)
class Grant:
    """What a token allows: `office` acting within `scope` until `expires`."""

    office: str
    scope: str  # OFFICE, FEED or item(occurrence_id)
    expires: datetime

    @property
    def occurrence(self) -> int | None:
        m = _ITEM.fullmatch(self.scope)
        return int(m.group(1)) if m else None

    def reaches(self, occurrence_id: int) -> bool:
        """May the holder see and act on this occurrence (its office's rights permitting)?"""
        return self.scope == OFFICE or self.occurrence == occurrence_id


def item(occurrence_id: int) -> str:
    return f"occ-{occurrence_id}"


def secrets_from(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The current secret, then the previous one; empty when links are not configured."""
    env = os.environ if environ is None else environ
    found = [env.get(SECRET_ENV, "").strip(), env.get(OLD_SECRET_ENV, "").strip()]
    if not found[0]:
        return ()
    return tuple(s for s in found if s)


def secret_problem(environ: Mapping[str, str] | None = None) -> str | None:
    """Why the link secret cannot be used (naming the variable, never the value)."""
    env = os.environ if environ is None else environ
    for name in (SECRET_ENV, OLD_SECRET_ENV):
        problem = weak(env.get(name, "").strip())
        if problem is not None:
            return f"${name} {problem}"
    return None


def weak(value: str) -> str | None:
    """Why `value` is too weak to be a secret (in words that follow its name), or None; an
    empty value is not weak, it is unset."""
    if value and len(value) < MIN_SECRET:
        return f"is shorter than {MIN_SECRET} characters"
    if value and len(set(value)) < MIN_DISTINCT:
        return (
            f"has only {len(set(value))} different characters: use random ones, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: str) -> bytes:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()[:18]


def _signed(payload: str, generation: int) -> str:
    """What the MAC covers: the payload, and the office's link generation once it has been
    revoked (generation 0, never revoked, signs the payload alone: links sent before
    revocation existed keep working until an administrator revokes them)."""
    return f"{payload}.g{generation}" if generation else payload


def sign(grant: Grant, secret: str, generation: int = 0) -> str:
    if not _ID.fullmatch(grant.office) or "." in grant.scope:
        raise ValueError(f"cannot sign a link for {grant.office!r} / {grant.scope!r}")
    payload = f"{grant.office}.{grant.scope}.{int(grant.expires.timestamp())}"
    return f"{payload}.{_b64(_mac(secret, _signed(payload, generation)))}"


def issue(
    office: str,
    scope: str,
    now: datetime,
    secret: str,
    *,
    days: int = LINK_DAYS,
    generation: int = 0,
) -> str:
    """A new token for `office` in `scope`, valid `days` from `now`, of the office's current
    link `generation` (revoking an office's links moves it on)."""
    expires = now.astimezone(UTC).replace(microsecond=0) + timedelta(days=days)
    return sign(Grant(office=office, scope=scope, expires=expires), secret, generation)


def verify(
    token: str,
    secrets: Sequence[str],
    now: datetime,
    generations: Mapping[str, int] | None = None,
) -> Grant:
    """The grant a token carries, or TokenError saying why it is refused. `generations`: each
    office's link generation (absent: 0); a token of an earlier one is refused as forged."""
    parts = token.split(".")
    if len(token) > 300 or len(parts) != 4:
        raise TokenError("malformed")
    office, scope, expires_text, mac_text = parts
    # Strict: one spelling per token (no padding, no other alphabet, no leading junk), so
    # that a token is one string and a leaked one cannot be varied past a block list.
    if not _ID.fullmatch(office) or not _EXPIRES.fullmatch(expires_text):
        raise TokenError("malformed")
    if scope not in (OFFICE, FEED) and not _ITEM.fullmatch(scope):
        raise TokenError("malformed")
    if not _MAC.fullmatch(mac_text):
        raise TokenError("malformed")
    mac = _unb64(mac_text)
    if _b64(mac) != mac_text:  # the last character's unused bits must be zero
        raise TokenError("malformed")
    payload = _signed(f"{office}.{scope}.{expires_text}", (generations or {}).get(office, 0))
    if not any(hmac.compare_digest(mac, _mac(s, payload)) for s in secrets):
        raise TokenError("forged")
    expires = datetime.fromtimestamp(int(expires_text), UTC)
    if now >= expires:
        raise TokenError("expired")
    return Grant(office=office, scope=scope, expires=expires)


def redact(text: str, marker: str) -> str:
    """`text` with every working token in it replaced by `marker`: what is kept at rest (the
    sent log, its exports and pages) never lets its reader act as an office."""
    return _IN_TEXT.sub(marker, text)


def digest(secret: str, *parts: str) -> str:
    """A keyed digest of `parts` (CSRF tokens, session cookies): hex, 32 characters."""
    return hmac.new(secret.encode(), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:32]

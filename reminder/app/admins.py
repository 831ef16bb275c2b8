"""Administrator accounts (`reminder admin add|passwd|remove|list`) and their logins.

Passwords are kept as scrypt hashes; a login is a random token in the browser's cookie whose
SHA-256 is kept in the database, so logout, a password change or the account's removal ends
it at once, and a copy of the database holds no working session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy.engine import Engine

from reminder.config.checker import unsafe_character
from reminder.errors import UsageError
from reminder.store import admins
from reminder.store.admins import Account
from reminder.store.engine import transaction

log = logging.getLogger("reminder.admins")

MIN_PASSWORD = 12
MAX_PASSWORD = 200  # the login form takes no more
MIN_DISTINCT = 5  # "aaaaaaaaaaaa" and "121212121212" are not passwords
NAME_LIMIT = 40
SESSION_LIFE = timedelta(hours=12)
TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)
_TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # 16 MiB and some 50 ms a try

__all__ = ["Account", "accounts", "add", "any_account", "change_password", "remove"]


def checked_name(name: str) -> str:
    """The account's name as kept, or UsageError: 1 to 40 characters on one line, without
    control or bidirectional characters (it is shown in the audit and on every page)."""
    name = name.strip()
    if not name:
        raise UsageError("an administrator needs a name (the person's, as the audit shows it)")
    if len(name) > NAME_LIMIT:
        raise UsageError(f"the name is {len(name)} characters; at most {NAME_LIMIT}")
    problem = unsafe_character(name, lines=False)
    if problem is not None:
        raise UsageError(f"the name {problem}")
    return name


def check_password(password: str) -> None:
    """UsageError unless `password` is at least 12 characters of at least 5 different ones,
    at most 200, on one line."""
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password is {len(password)} characters; at least {MIN_PASSWORD}")
    if len(password) > MAX_PASSWORD:
        raise UsageError(f"the password is {len(password)} characters; at most {MAX_PASSWORD}")
    if len(set(password)) < MIN_DISTINCT:
        raise UsageError(
            f"the password has {len(set(password))} different characters; at least "
            f"{MIN_DISTINCT} (a repeated pattern is guessed first)"
        )
    if unsafe_character(password, lines=False) is not None:
        raise UsageError("the password holds a control character or a line break")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    params = ",".join(f"{k}={v}" for k, v in _SCRYPT.items())
    return f"scrypt${params}${_b64(salt)}${_b64(digest)}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, params, salt, expected = stored.split("$")
        cost = {k: int(v) for k, v in (p.split("=") for p in params.split(","))}
        if scheme != "scrypt" or set(cost) != {"n", "r", "p"}:
            return False
        digest = hashlib.scrypt(
            password.encode("utf-8"), salt=_unb64(salt), dklen=32, maxmem=2**26, **cost
        )
        return hmac.compare_digest(digest, _unb64(expected))
    except ValueError:  # not a hash this module wrote
        return False


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@lru_cache(maxsize=1)
def _decoy() -> str:
    """A hash to check an unknown name's password against: the answer takes as long."""
    return hash_password(secrets.token_urlsafe(16))


def add(engine: Engine, name: str, password: str, now: datetime) -> str:
    """Create an account; its name as kept. UsageError for a bad name or password, or a name
    already taken."""
    name = checked_name(name)
    check_password(password)
    with transaction(engine) as s:
        if not admins.add(s, name, hash_password(password), now):
            raise UsageError(f"there is already an administrator {name!r}: `admin passwd` it")
    log.info("administrator %s added", name)
    return name


def change_password(engine: Engine, name: str, password: str, now: datetime) -> None:
    """A new password; every login of the account ends at once."""
    check_password(password)
    with transaction(engine) as s:
        if not admins.set_password(s, name, hash_password(password), now):
            raise UsageError(f"no administrator {name!r} (see `reminder admin list`)")
    log.info("administrator %s: password changed, logins ended", name)


def remove(engine: Engine, name: str) -> None:
    with transaction(engine) as s:
        if not admins.remove(s, name):
            raise UsageError(f"no administrator {name!r} (see `reminder admin list`)")
    log.info("administrator %s removed, logins ended", name)


def accounts(engine: Engine, now: datetime) -> list[Account]:
    with transaction(engine) as s:
        return admins.accounts(s, now)


def any_account(engine: Engine) -> bool:
    with transaction(engine) as s:
        return admins.count(s) > 0


def log_in(engine: Engine, name: str, password: str, now: datetime) -> str | None:
    """A new login's token for the right name and password, else None (an unknown name
    takes as long to refuse as a wrong password)."""
    with transaction(engine) as s:
        stored = admins.password_hash(s, name.strip())
    if not password_matches(password, stored or _decoy()) or stored is None:
        return None
    token = secrets.token_urlsafe(32)
    with transaction(engine) as s:
        admins.open_session(s, _digest(token), name.strip(), now, now + SESSION_LIFE)
    return token


def session_admin(engine: Engine, token: str | None, now: datetime) -> str | None:
    """The account a login token belongs to, while it lasts and was not ended."""
    if not token or len(token) != TOKEN_LENGTH or not set(token) <= _TOKEN_ALPHABET:
        return None
    with transaction(engine) as s:
        return admins.session_name(s, _digest(token), now)


def log_out(engine: Engine, token: str) -> None:
    with transaction(engine) as s:
        admins.end_session(s, _digest(token))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()

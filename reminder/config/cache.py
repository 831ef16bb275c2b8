"""A cache of validated configs, so a start with an unchanged schedules.toml skips the parse.

Parsing and checking a file with 10,000 deadlines takes about 0.3 s (tomllib alone 0.2 s);
reading the validated `Config` back takes about 0.05 s. An entry is used only when everything
the result depends on is the same: the file's bytes and name, the code that built it (the
package's source, its version, Python's and python-dateutil's), which of the environment
variables the file names are set, and the `ca_file` it names still existing.

Nothing secret is written: a file whose values include a secret written in it (a robot key,
a webhook URL or an SMTP password without ``${NAME}``, a database URL with a password) is not
cached, and the environment's values never are (only whether each variable is set).

One entry per config file, in ``$REMINDER_CACHE_DIR`` (default ``$XDG_CACHE_HOME/reminder``,
else ``~/.cache/reminder``; set it to an empty string to turn the cache off). The directory and
its entries must belong to this user and be writable by nobody else, or they are not read (an
entry is a pickle). A missing, stale, unreadable or corrupt entry means the file is parsed as
usual; a cache that cannot be written is not an error.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import dateutil

from reminder import __version__, links
from reminder.config.addresses import url_problem
from reminder.config.model import Config, env_names

log = logging.getLogger("reminder.config.cache")

ENV_DIR = "REMINDER_CACHE_DIR"
_PACKAGE = Path(__file__).resolve().parents[1]  # the whole `reminder` package


def cache_dir() -> Path | None:
    """Where entries live (from the process environment, not the config's)."""
    configured = os.environ.get(ENV_DIR)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reminder"


@cache
def code_stamp() -> str:
    """Changes whenever the code that builds a Config may have changed."""
    versions = (sys.version, __version__, getattr(dateutil, "__version__", ""))
    digest = hashlib.sha256("\0".join(versions).encode())
    for source in sorted(_PACKAGE.rglob("*.py")):
        digest.update(str(source.relative_to(_PACKAGE)).encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def private_folder(name: str) -> Path | None:
    """A folder of the cache, made if need be, for other caches of derived files (compiled
    templates); None when the cache is off or the folder is not private to this user."""
    directory = cache_dir()
    if directory is None:
        return None
    folder = directory / name
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder if _private(directory) and _private(folder) else None
    except OSError:
        return None


def _private(path: Path) -> bool:
    """Owned by this user and writable by nobody else: safe to unpickle from."""
    st = path.stat()
    return st.st_uid == os.geteuid() and not st.st_mode & 0o022


def _still_valid(config: Config) -> bool:
    """What the loader checked outside the file still holds."""
    ca_file = config.email.ca_file
    return ca_file is None or Path(ca_file).is_file()


def _key(text: str, shown: str, environ: Mapping[str, str]) -> bytes:
    # The link secrets are read whatever the file says (their presence changes warnings).
    secrets = (links.SECRET_ENV, links.OLD_SECRET_ENV)
    present = sorted({(name, _state(environ.get(name))) for name in env_names(text)})
    present += [
        (name, f"{_state(environ.get(name))} {links.secret_problem({name: environ.get(name, '')})}")
        for name in secrets
    ]
    digest = hashlib.sha256()
    for part in (text, shown, code_stamp(), repr(present)):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.digest()


def _entry(directory: Path, shown: str) -> Path:
    name = hashlib.sha256(str(Path(shown).resolve()).encode()).hexdigest()[:32]
    return directory / f"{name}.config"


def _state(value: str | None) -> str:
    """What the config's checks learn from a variable, and so all the key may hold of it:
    unset, a usable URL, an unusable one, or something else (a key)."""
    if not value:
        return "unset"
    if value.strip().startswith("http"):
        return "url" if url_problem(value.strip()) is None else "bad-url"
    return "set"


def get(text: str, shown: str, environ: Mapping[str, str]) -> Config | None:
    """The cached Config for exactly this file and environment (`environ`: what the file's
    ``${NAME}`` references are resolved against), or None."""
    try:
        directory = cache_dir()
        if directory is None:
            return None
        key = _key(text, shown, environ)
        entry = _entry(directory, shown)
        if not (entry.is_file() and _private(directory) and _private(entry)):
            return None
        data = entry.read_bytes()
        if data[: len(key)] != key:
            return None
        config = pickle.loads(data[len(key) :])
    except Exception as exc:  # a damaged entry, no home directory: parse as if there were none
        log.debug("config cache entry unusable (%s): parsing the file", exc)
        return None
    return config if isinstance(config, Config) and _still_valid(config) else None


def put(text: str, shown: str, environ: Mapping[str, str], config: Config) -> None:
    """Store a Config built from `text`; never fails the caller."""
    if config.written_secrets:  # never copied
        return
    try:
        directory = cache_dir()
        if directory is None:
            return
        key = _key(text, shown, environ)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(directory):
            log.debug("config cache %s is not private to this user: not used", directory)
            return
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".config-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(key)
                pickle.dump(config, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, _entry(directory, shown))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except Exception as exc:
        log.debug("config cache not written (%s)", exc)


def known(kind: str, key: str) -> bool:
    """True when `remember(kind, key)` was said before (a check that passed with exactly
    these inputs, `key` being their digest); False when the cache is off or unsure."""
    folder = private_folder(kind)
    try:
        return folder is not None and (folder / key).is_file()
    except OSError:
        return False


def remember(kind: str, key: str) -> None:
    """Note that `key` passed; never fails the caller."""
    folder = private_folder(kind)
    if folder is not None:
        try:
            (folder / key).touch()
        except OSError as exc:
            log.debug("cache note %s/%s not written (%s)", kind, key, exc)

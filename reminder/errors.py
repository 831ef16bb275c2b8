"""Every error `reminder` raises on purpose, in one place.

A user mistake (a bad schedules.toml, a bad command-line value) is one of these and is
printed as a message with a non-zero exit, never as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class ReminderError(Exception):
    """Base class: the CLI prints ``str(error)`` and exits with ``exit_code``."""

    exit_code = 1


@dataclass(frozen=True, kw_only=True, slots=True)
class Issue:
    """One problem in a config file, located by line and field path."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}"


class ConfigError(ReminderError):
    """Raised by the config loader when schedules.toml is invalid; carries every issue found."""

    exit_code = 2

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = sorted(issues, key=lambda i: (i.line, i.field))
        super().__init__("\n".join(str(i) for i in self.issues))


class RuleError(ReminderError):
    """Raised by the rule and duration parsers; the loader turns it into a located Issue."""

    exit_code = 2


class UsageError(ReminderError):
    """Raised by the CLI for a bad option value (a date that is not a date, say)."""

    exit_code = 2


class MissingExtra(ReminderError):
    """Raised by a command whose optional libraries (an extra: web, import) are not installed."""

    exit_code = 2


class DatabaseError(ReminderError):
    """Raised by the store when the database cannot be reached, is locked, or is too new."""

    exit_code = 1


class DeliveryError(ReminderError):
    """Raised by a channel's transport when a message was not delivered.

    `permanent` says whether trying again can help (an invalid webhook key cannot; a timeout
    can). `code` is the server's answer (SMTP reply code, WeCom errcode, HTTP status) for the
    sent log; `retry_after` overrides the backoff (WeCom's frequency limit, say).
    The message never contains a secret.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code
        self.retry_after = retry_after


class NotConfigured(ReminderError):
    """Raised by a transport when an office cannot be reached yet (no host, key unset).

    The reminder is held with this reason and sent once the setting is fixed.
    """


class NoticeError(ReminderError):
    """Raised by `reminder calendar --from-notice` (calendar.notice) when a text is not a
    State Council holiday notice or holds an impossible date; the message gives the line."""

    exit_code = 2

    def __init__(self, message: str, *, source: str, line: int = 0, text: str = "") -> None:
        self.source, self.line, self.text = source, line, text
        where = f"{source}:{line}: " if line else f"{source}: "
        shown = f"\n  {text.strip()}" if text.strip() else ""
        super().__init__(f"{where}{message}{shown}")


class ReadError(ReminderError):
    """Raised by `reminder import`'s readers when a file cannot be read as a task table
    (corrupt, encrypted, empty, no table in it); the message names the file."""

    exit_code = 2


class AppError(UsageError):
    """A request the app refuses, raised by `app/` use cases: `code` says which refusal it is
    and `fields` carry its facts, so that the command line, the pages and the API each word it
    for their reader (the message itself is the command line's). Nothing was changed."""

    code = "refused"

    def __init__(self, message: str, **fields: str) -> None:
        super().__init__(message)
        self.fields = fields


class BadQuery(AppError):
    """Raised by a read (the sent log, the board) when a field names nothing that exists."""

    code = "bad-query"

    def __init__(self, field: str, value: str, choices: tuple[str, ...] = ()) -> None:
        known = f" (one of {', '.join(choices)})" if 0 < len(choices) <= 12 else ""
        super().__init__(f"{field}: no {value!r}{known}", field=field, value=value)
        self.field, self.value, self.choices = field, value, choices


class NotFound(AppError):
    """Raised by a page's read when its office, deadline or occurrence does not exist."""

    code = "not-found"
